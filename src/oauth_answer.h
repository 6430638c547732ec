/*
 * oauth_answer.h -- what an OAuth2 server's token and device
 * authorization endpoints answer (RFC 6749 5.1/5.2, RFC 8628 3.2/3.5),
 * parsed and judged.  Pure: no I/O; the only includer of <jansson.h>.
 * Part of the helper outbox-oauth, never of outbox.
 */
#ifndef OUTBOX_OAUTH_ANSWER_H
#define OUTBOX_OAUTH_ANSWER_H

#include <stddef.h>

/* A token answer without expires_in is taken to live this long. */
#define OAUTH_DEFAULT_EXPIRES_S	600
/* The longest token, code or URL taken from an answer. */
#define OAUTH_VALUE_MAX		16384

enum oauth_outcome {
	OA_OK = 0,
	OA_PENDING,	/* device grant: authorization_pending */
	OA_SLOW_DOWN,	/* device grant: slow_down */
	OA_TEMP,	/* 5xx, 429, server_error: try later (75) */
	OA_GRANT,	/* invalid_grant, access_denied, expired_token (77) */
	OA_PROTOCOL,	/* not what the RFCs describe (76) */
	OA_CONFIG,	/* invalid_client, invalid_scope, ... (78) */
	OA_CERT		/* the server's certificate did not verify (77) */
};

struct oauth_answer {
	enum oauth_outcome outcome;
	/* why, when not OA_OK: the server's error and its description, or
	   what is wrong with the answer; printable ASCII only */
	char		*error;
	/* a token answer */
	char		*access_token;
	char		*refresh_token;	/* NULL when none was sent */
	char		*scope;
	long long	 expires_in;
	/* a device authorization answer */
	char		*device_code;
	char		*user_code;
	char		*verification_uri;
	char		*verification_uri_complete;	/* or NULL */
	long long	 interval;
};

/*
 * Judge the token endpoint's answer: HTTP status and body.  a is filled
 * (emptied first); on OA_OK access_token is set and expires_in > 0.
 */
void	oauth_answer_token(long status, const char *body, size_t len,
	    struct oauth_answer *a);

/*
 * Judge the device authorization endpoint's answer.  On OA_OK
 * device_code, user_code and an https verification_uri are set,
 * expires_in > 0 and interval from 1 to 60 (default 5).
 */
void	oauth_answer_device(long status, const char *body, size_t len,
	    struct oauth_answer *a);

/* The exit code of the helper for an outcome (0, 75, 76, 77, 78). */
int	oauth_answer_exit(enum oauth_outcome);

/* Wipe and free. */
void	oauth_answer_free(struct oauth_answer *);

#endif
