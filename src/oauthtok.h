/*
 * oauthtok.h -- the OAuth2 token file and the helper's answers: `key:
 * value` lines (doc/oauth2.md), the expiry arithmetic, and the file's
 * lock.  No network, no JSON: outbox itself links this.
 */
#ifndef OUTBOX_OAUTHTOK_H
#define OUTBOX_OAUTHTOK_H

#include <stddef.h>

/* An access token with less than this left is refreshed first. */
#define OAUTHTOK_MARGIN_S	60
/* The largest token file or helper answer outbox reads. */
#define OAUTHTOK_FILE_MAX	65536

struct oauth_token {
	char		*access_token;	/* NULL if none */
	long long	 expires_at;	/* Unix time; 0: unknown (stale) */
	char		*refresh_token;	/* NULL if none */
	char		*provider;	/* what --login used, for messages */
};

/* Wipe and free every field; the struct is left empty. */
void	oauthtok_free(struct oauth_token *);

/*
 * When a token that the provider says lives expires_in seconds, received
 * at now, expires: now + expires_in, kept within [now, now + 10 years]
 * (a negative, huge or overflowing value never makes a token live
 * forever).
 */
long long oauthtok_expiry(long long now, long long expires_in);

/* Has the access token at least OAUTHTOK_MARGIN_S left at now? */
int	oauthtok_fresh(const struct oauth_token *, long long now);

/*
 * Parse a token file's text into t (emptied first).  Unknown keys are
 * ignored (later versions may add some); a line without ": ", a
 * duplicate key, a bad expires_at or a missing access_token is an error.
 * 0, or -1 with err set (t emptied).
 */
int	oauthtok_parse(const char *text, size_t len, struct oauth_token *,
	    char *err, size_t errlen);

/* The token file's text for t (xmalloc'd; the caller wipes and frees). */
char	*oauthtok_format(const struct oauth_token *);

/*
 * Take the helper's answer (access_token, expires_in, maybe
 * refresh_token) into t, received at now: the access token and expiry
 * are replaced; the refresh token only when the answer has one (the
 * provider rotated it).  0, or -1 with err set (t unchanged) when the
 * answer has no access token or a bad expires_in.
 */
int	oauthtok_merge(struct oauth_token *, const char *answer, size_t len,
	    long long now, char *err, size_t errlen);

/*
 * Read the token file: 0, 1 when it does not exist (t empty), -1 with
 * err set (unreadable, too large, not a token file).
 */
int	oauthtok_read(const char *path, struct oauth_token *, char *err,
	    size_t errlen);

/*
 * Write t to path: its directory is created 0700 when missing, the text
 * goes to a new 0600 file beside it, is fsynced and renamed over path.
 * 0, or -1 with err set (path unchanged).
 */
int	oauthtok_write(const char *path, const struct oauth_token *,
	    char *err, size_t errlen);

/*
 * Lock path's lock file (path + ".lock", created 0600) exclusively,
 * waiting up to wait_s seconds for another holder: the descriptor
 * (close it to let go), or -1 with err set (and errno EWOULDBLOCK when
 * another holder still has it).
 */
int	oauthtok_lock(const char *path, int wait_s, char *err, size_t errlen);

#endif
