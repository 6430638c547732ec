/*
 * result.h -- the outcome of an attempt, carried whole to the end.
 *
 * Every stage that can fail fills a struct result: the class (temporary or
 * permanent), the stage, and either the server's complete reply (code,
 * enhanced code, text) or a local error kind with a message.  main() maps
 * it to an exit code once, with result_exit(); nothing else knows sysexits.
 */
#ifndef OUTBOX_RESULT_H
#define OUTBOX_RESULT_H

#include <stddef.h>

enum result_class {
	RES_OK = 0,
	RES_TEMP,
	RES_PERM
};

enum result_stage {
	STAGE_NONE = 0,
	STAGE_CONNECT,
	STAGE_GREETING,
	STAGE_EHLO,
	STAGE_HELO,
	STAGE_STARTTLS,
	STAGE_TLS,
	STAGE_AUTH,
	STAGE_MAIL,
	STAGE_RCPT,
	STAGE_DATA,
	STAGE_BODY,		/* the reply to the final dot */
	STAGE_QUIT
};

/* What failed locally; ERR_NONE means a server reply decides. */
enum result_err {
	ERR_NONE = 0,
	ERR_USAGE,		/* 64 */
	ERR_DATA,		/* 65 */
	ERR_NOINPUT,		/* 66 */
	ERR_NOUSER,		/* 67 */
	ERR_NOHOST,		/* 68 */
	ERR_UNAVAILABLE,	/* 69 */
	ERR_SOFTWARE,		/* 70 */
	ERR_OSERR,		/* 71 */
	ERR_CANTCREAT,		/* 73 */
	ERR_IO,			/* 74 */
	ERR_TEMP,		/* 75: network, timeout */
	ERR_PROTOCOL,		/* 76 */
	ERR_NOPERM,		/* 77 */
	ERR_CONFIG		/* 78 */
};

struct result_rcpt {
	char	*address;
	int	 code;
	char	 enhanced[16];
	char	*text;
};

struct result {
	enum result_class cls;
	enum result_stage stage;
	enum result_err	 err;
	int		 code;		/* server reply code, 0 if none */
	char		 enhanced[16];	/* "5.1.1" or "" */
	char		*what;		/* command or step, e.g. "DATA" */
	char		*text;		/* reply text or local reason */

	struct result_rcpt *rcpt;	/* per-recipient replies */
	size_t		 nrcpt;

	/* facts of the session, for logs and --json */
	char		*server;
	char		*tls_version;
	char		*tls_cipher;
	const char	*auth_mech;
	unsigned long long size;
};

void	result_init(struct result *);
void	result_free(struct result *);
/* Forget the failure (keeps session facts and recipients). */
void	result_clear(struct result *);

/*
 * Record a server refusal: class from the code's first digit.  what is the
 * command as the user may see it; text may hold several lines joined.
 */
void	result_reply(struct result *, enum result_stage, const char *what,
	    int code, const char *enhanced, const char *text);

/* Record a local failure. */
void	result_local(struct result *, enum result_class, enum result_stage,
	    enum result_err, const char *what, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));

/* Record success with the deciding reply (the 250 to the final dot). */
void	result_ok(struct result *, enum result_stage, const char *what,
	    int code, const char *enhanced, const char *text);

/* "rcpt", "body", ...: the stage's name for --json and logs. */
const char *result_stage_name(enum result_stage);

/* Append a recipient's reply (code 0 if never answered). */
void	result_add_rcpt(struct result *, const char *address, int code,
	    const char *enhanced, const char *text);

/*
 * What becomes of the message after an attempt with this outcome; the
 * one rule for the first send, -q, --flush and notices:
 *   SENT      the server accepted it (250 to the final dot);
 *   FAILED    a refusal of this message: 5xx to MAIL, RCPT, DATA or the
 *             final dot, or a local error in the message itself (bad
 *             data, an address this server cannot take, too large);
 *   DEFERRED  everything that is no fault of the message: 4xx, the
 *             connection or TLS layer going away, timeouts, and failures
 *             of the connection itself (greeting, EHLO, STARTTLS, TLS,
 *             AUTH, certificates, protocol errors, configuration).
 */
enum result_disposition {
	DISP_SENT,
	DISP_DEFERRED,
	DISP_FAILED
};

enum result_disposition result_disposition(const struct result *);
const char *result_disposition_name(enum result_disposition);

/* The sysexits code for this result: the only such table in outbox. */
int	result_exit(const struct result *);
/* The exit code's symbolic name, e.g. "EX_NOUSER". */
const char *result_exit_name(int);

/*
 * The one-line description without the "outbox: " prefix or newline,
 * control characters escaped.  Returned string is xmalloc'd.
 */
char	*result_line(const struct result *);

/* Printable copy of untrusted text: controls as \xHH, xmalloc'd. */
char	*result_sanitize(const char *, size_t maxlen);
/* The same for len bytes that may hold NULs. */
char	*result_sanitize_n(const char *, size_t len);

#endif
