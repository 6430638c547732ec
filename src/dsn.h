/*
 * dsn.h -- delivery status notifications (RFC 3464 multipart/report).
 */
#ifndef OUTBOX_DSN_H
#define OUTBOX_DSN_H

#include "envelope.h"
#include "result.h"

struct dsn_info {
	const struct envelope	*env;		/* of the failed message */
	const struct envelope_meta *meta;
	const char		*id;		/* its queue id */
	const char		*reporting;	/* this host's name */
	const char		*reason;	/* one line */
	const char		*status;	/* "5.0.0", "4.4.7", ... */
	const struct result	*r;		/* per-recipient replies, or
						   NULL */
};

/*
 * Write the notice to out: human-readable part, message/delivery-status
 * with one block per recipient, and the original's header block read
 * from orig (at most 64 KiB).  Returns the bytes written, or -1 (errno).
 */
long long dsn_write(int out, int orig, const struct dsn_info *);

#endif
