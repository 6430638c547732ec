/*
 * composer.h -- composer mode's header fields from the command line.
 *
 * Turns the flags (-s, --from, --reply-to, -H) and the address lists main
 * resolved into the header fields of a struct compose.  Pure apart from
 * the clock and random numbers of Date and Message-ID.
 */
#ifndef OUTBOX_COMPOSER_H
#define OUTBOX_COMPOSER_H

#include "addr.h"
#include "cli.h"
#include "compose.h"
#include "msg.h"

struct composer_hdrs {
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
int	composer_header_arg(const char *arg, const char **why);

/*
 * Add From, To, Cc, Reply-To, Subject, Date, Message-ID and the -H
 * fields to c.  -H Subject, Reply-To, Date and Message-ID replace the
 * generated ones.  -1 with err (for exit 64) on a bad --reply-to.
 */
int	composer_fields(struct compose *, const struct cli *,
	    struct composer_hdrs *, char *err, size_t errlen);

/*
 * --from, else a -H From: exactly one mailbox with a domain, appended to
 * from (left empty when neither is given).  -1 with err (exit 64).
 */
int	composer_from(const struct cli *, struct addr_list *from, char *err,
	    size_t errlen);

/*
 * Sendmail mode: --from (from, when not empty) replaces the message's From
 * and each -H replaces the fields of its name (a -H Message-ID also goes
 * to *msgid).  -1 with err (exit 64) on a -H composer_header_arg refuses.
 */
int	composer_msg_fields(struct msg *, const struct cli *,
	    const struct addr_list *from, char **msgid, char *err,
	    size_t errlen);

#endif
