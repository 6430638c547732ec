/*
 * envelope.h -- who a message is from and to, and how to send it.
 */
#ifndef OUTBOX_ENVELOPE_H
#define OUTBOX_ENVELOPE_H

#include <stddef.h>

struct envelope_seen;

struct envelope {
	char		*from;		/* reverse path; "": null sender */
	char		**rcpt;
	size_t		 nrcpt;
	char		*dsn_notify;	/* "NEVER" or e.g. "SUCCESS,FAILURE" */
	char		*dsn_ret;	/* "FULL" or "HDRS" */
	char		*envid;
	int		 eightbit;	/* body has 8-bit bytes */
	/* 1: UTF-8 addresses or headers (A-labels do without SMTPUTF8);
	   2: a UTF-8 local part in a header: SMTPUTF8 required */
	int		 smtputf8;
	int		 composed;	/* built by outbox: see downgrade.h */
	int		 nul;		/* the message holds NUL bytes: 1 in
					   the body, 2 in the header section
					   (never sendable) */
	int		 binary;	/* -B BINARYMIME: the body is bytes,
					   sent as they are */
	unsigned long long size;	/* message bytes, CRLF form */
	/*
	 * The spool needs no change on the wire: every line ends in CRLF,
	 * none starts with '.', the last one is complete.  Known only to
	 * the process that spooled it (never in the queue: an older
	 * outbox would refuse the key), so an entry read back is sent
	 * through the dot-stuffing filter, as before.
	 */
	int		 clean;
	struct envelope_seen *seen;	/* envelope_add_rcpt's index */
};

/* What the queue keeps besides the envelope proper. */
struct envelope_meta {
	char		*account;	/* account name, or NULL */
	char		*message_id;
	long long	 created;	/* Unix time the message was taken */
	unsigned	 attempts;
	long long	 next_attempt;	/* Unix time */
	char		*last_error;	/* one line */
	char		*config;	/* -C FILE it was submitted with */
	int		 has_uid;	/* submitted through the system */
	unsigned long	 uid;		/* queue by this real uid */
};

void	envelope_init(struct envelope *);
void	envelope_free(struct envelope *);
/*
 * Add a recipient unless it is already there (exact match), keeping the
 * order in which they were first added; a hash index makes each call
 * O(1) on average.  0 when added or already there; -1 when it is new
 * and the envelope holds RCPT_MAX recipients already (nothing added).
 * rcpt[] may also be filled by envelope_parse(), but must not be
 * changed behind this function's back otherwise.
 */
int	envelope_add_rcpt(struct envelope *, const char *);

/*
 * Serialise to the queue's versioned "key: value" text, one field a
 * line, recipients one per "rcpt:" line, "end: 1" last (an envelope
 * without it is incomplete).  Values are written verbatim after ": ", so
 * any address round-trips byte for byte; a value holding CR, LF or NUL is
 * refused (-1).  The result is xmalloc'd, *len its length.
 */
char	*envelope_format(const struct envelope *, const struct envelope_meta *,
	    size_t *len);
/*
 * Parse text written by envelope_format().  Returns 0, or -1 with *why:
 * unknown version, unknown or repeated key, missing "end", bad number.
 */
int	envelope_parse(const char *, size_t, struct envelope *,
	    struct envelope_meta *, const char **why);
void	envelope_meta_free(struct envelope_meta *);

#endif
