/*
 * oauth.h -- OAuth2 for XOAUTH2 and OAUTHBEARER: the provider presets,
 * the token file's use at send time, and --login.  The HTTPS and JSON
 * work is done by the helper program outbox-oauth (doc/oauth2.md), run
 * only when a token must be fetched or refreshed; outbox links neither.
 */
#ifndef OUTBOX_OAUTH_H
#define OUTBOX_OAUTH_H

#include "config.h"
#include "result.h"

/* What an account's oauth_* settings come to, presets filled in. */
struct oauth_conf {
	const char	*provider;	/* google|microsoft|generic */
	char		*auth_url;	/* NULL when the device grant is used */
	char		*device_url;	/* NULL when PKCE is used */
	char		*token_url;
	char		*scope;
	char		*auth_params;	/* extra authorization parameters */
	char		*token_file;
};

/* Does the account log in with outbox's own OAuth2 tokens? */
int	oauth_enabled(const struct account *);

/*
 * Resolve the account's oauth_* settings into o (emptied first): 0, or
 * -1 with err naming the account and what to set (exit 78).
 */
int	oauth_conf_get(const struct account *, struct oauth_conf *,
	    struct config_error *);
void	oauth_conf_free(struct oauth_conf *);

/*
 * The access token to send with: the stored one when it has at least a
 * minute left, else a fresh one from the refresh token (one refresh for
 * all outbox processes at once: the token file is locked), stored with
 * the rotated refresh token.  refused, when not NULL, is a token that
 * the server refused although it looked valid: it is never given again
 * (a new one is fetched unless another outbox already did).  0 with
 * *token xmalloc'd (wipe it), or
 * -1 with r set: RES_TEMP (endpoint unreachable, 5xx), 77 (grant
 * refused: log in again), 76 (a malformed answer), 78 (configuration).
 */
int	oauth_access_token(const struct account *, const char *refused,
	    char **token, struct result *r);

/*
 * Did the server refuse the account's OAuth2 token (a 5xx to AUTH), so
 * that a new token may be fetched and the login tried once more?
 */
int	oauth_refused(const struct account *, const struct result *);

/*
 * `outbox --login`: the interactive grant (device authorization or
 * authorization code with PKCE, per provider), tokens stored.  0, or -1
 * with r set as oauth_access_token() sets it.
 */
int	oauth_login(const struct account *, struct result *r);

#endif
