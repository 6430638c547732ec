/*
 * compose_request.h -- the composer's request: header fields from flags.
 *
 * Turns the flags (-s, --from, --reply-to, -H) and the address lists main
 * resolved into the header fields of a struct mime (mime_write.h writes
 * the message).  Pure apart from the clock and random numbers of Date and
 * Message-ID.
 */
#ifndef OUTBOX_COMPOSE_REQUEST_H
#define OUTBOX_COMPOSE_REQUEST_H

#include "addr.h"
#include "cli.h"
#include "mime_write.h"

struct request_hdrs {
	const struct addr *from;	/* From: one mailbox */
	const struct addr_list *to;	/* empty: undisclosed-recipients */
	const struct addr_list *cc;
	const char	*domain;	/* for the Message-ID */
	char		*msgid;		/* out: the Message-ID, xmalloc'd */
};

/*
 * A -H value: "Name: value".  Returns the index of ':' or -1 with *why
 * for a malformed field or one the composer writes itself (To, Cc, Bcc,
 * MIME-Version, Content-*).
 */
int	request_header_arg(const char *arg, const char **why);

/*
 * Add From, To, Cc, Reply-To, Subject, Date, Message-ID and the -H
 * fields to c.  -H Subject, Reply-To, Date and Message-ID replace the
 * generated ones.  -1 with err (for exit 64) on a bad --reply-to.
 */
int	request_fields(struct mime *, const struct cli *,
	    struct request_hdrs *, char *err, size_t errlen);

/*
 * --from, else a -H From: exactly one mailbox with a domain, appended to
 * from (left empty when neither is given).  -1 with err (exit 64).
 */
int	request_from(const struct cli *, struct addr_list *from, char *err,
	    size_t errlen);

/*
 * A -H argument: its name (xmalloc'd) and value (in arg).  -1 with err
 * (exit 64) when request_header_arg() refuses it.
 */
int	request_header_split(const char *arg, char **name, const char **value,
	    char *err, size_t errlen);

#endif
