/*
 * oauth_http.h -- HTTPS POSTs to an OAuth2 server with libcurl (the only
 * includer of <curl/curl.h>).  Part of the helper outbox-oauth.
 *
 * Certificates are verified as strictly as the SMTP connection does it:
 * peer and host name always, against trust_file when set, else the
 * system store; HTTPS only, TLS 1.2 or later, no redirects followed.
 */
#ifndef OUTBOX_OAUTH_HTTP_H
#define OUTBOX_OAUTH_HTTP_H

#include <stddef.h>

#include "buf.h"

/* The largest answer read from a server. */
#define OAUTH_HTTP_BODY_MAX	(256 * 1024)

struct oauth_http {
	const char	*trust_file;	/* NULL: the system store */
	int		 timeout;	/* seconds for connect and transfer */
	/* the account's SOCKS5 proxy (net.h), which resolves the name */
	const char	*proxy_host;	/* NULL: direct */
	int		 proxy_port;
	const char	*proxy_user;
	const char	*proxy_password;
};

/* Set up libcurl once per process: 0, or -1. */
int	oauth_http_init(void);

/*
 * Append key=value to an application/x-www-form-urlencoded body, both
 * percent-encoded ("&" between pairs).  A NULL value adds nothing.
 */
void	oauth_http_form(struct buf *form, const char *key, const char *value);

/*
 * Percent-decode s (a query string value: '+' is a space).  xmalloc'd,
 * or NULL when it holds a NUL.
 */
char	*oauth_http_unescape(const char *s, size_t n);

/*
 * POST form to url: the HTTP status and the body (at most
 * OAUTH_HTTP_BODY_MAX) on success (any status), else -1 with err set and
 * *exitcode the helper's class: 75 (unreachable, timeout, TLS dropped),
 * 77 (the server's certificate did not verify), 78 (a bad URL or trust
 * file).
 */
int	oauth_http_post(const struct oauth_http *, const char *url,
	    const struct buf *form, long *status, struct buf *body,
	    int *exitcode, char *err, size_t errlen);

#endif
