/*
 * oauth_helper.h -- the helper program outbox-oauth (doc/oauth2.md): its
 * request, read from stdin, and the grants it runs.
 */
#ifndef OUTBOX_OAUTH_HELPER_H
#define OUTBOX_OAUTH_HELPER_H

#include "oauth_answer.h"
#include "oauth_http.h"

struct oauth_req {
	char	*account;
	char	*provider;
	char	*token_url;
	char	*device_url;
	char	*auth_url;
	char	*auth_params;
	char	*scope;
	char	*client_id;
	char	*client_secret;
	char	*refresh_token;
	struct oauth_http http;
	int	 login_timeout;	/* seconds the user has to sign in */
};

/*
 * POST form to the token endpoint and judge the answer into a (its
 * outcome says how it went; an unreachable server is OA_TEMP, a bad
 * certificate OA_GRANT).
 */
void	helper_token(const struct oauth_req *, const struct buf *form,
	    struct oauth_answer *a);

/* The client's credentials on a form: client_id, client_secret. */
void	helper_client(const struct oauth_req *, struct buf *form);

/* Authorization code with PKCE and a loopback redirect (oauth_pkce.c). */
void	helper_pkce(const struct oauth_req *, struct oauth_answer *a);

#endif
