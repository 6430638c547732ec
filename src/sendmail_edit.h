/*
 * sendmail_edit.h -- sendmail mode's edits of the message it was given.
 *
 * The message read from standard input (msg.h) is sent as it is except
 * for these edits, made before it is spooled (header fields) and while
 * it is (the body): --from and -H replace fields; From, Date and
 * Message-ID are added where missing and Bcc is removed, as the account
 * says; and a body whose lines are too long for SMTP is re-encoded as
 * quoted-printable.  (Bare local names in From, To and Cc are rewritten
 * by rcpt.c, which knows the aliases.)
 */
#ifndef OUTBOX_SENDMAIL_EDIT_H
#define OUTBOX_SENDMAIL_EDIT_H

#include <stddef.h>

#include "addr.h"
#include "cli.h"
#include "msg.h"
#include "result.h"

struct edit_opts {
	int		 set_from;	/* enum hdr_mode */
	int		 set_date;
	int		 set_msgid;
	int		 remove_bcc;
	const char	*from_addr;	/* for an added From */
	const char	*from_name;	/* display name, or NULL */
	const char	*domain;	/* right side of an added Message-ID */
};

/*
 * --from (from, when not empty) replaces the message's From and each -H
 * replaces the fields of its name (a -H Message-ID also goes to *msgid).
 * -1 with err (exit 64) on a -H that request_header_arg() refuses.
 */
int	edit_args(struct msg *, const struct cli *,
	    const struct addr_list *from, char **msgid, char *err,
	    size_t errlen);

/*
 * Add From, Date and Message-ID where missing (or always, per the
 * options) and remove Bcc.  Fields added before (msg_add_field) count as
 * present.  Unless *msgid is set already (NULL on entry is the rule), it
 * gets the message's Message-ID (added or found), xmalloc'd, or stays
 * NULL.
 */
void	edit_fix_headers(struct msg *, const struct edit_opts *,
	    char **msgid);

/*
 * Spool the message to fd (msg_spool) and fit it to SMTP's line length:
 * when a line is over 998 octets and the message is not MIME, or is a
 * MIME message of one text part in 7bit or 8bit, rewrite it with a
 * quoted-printable body (Content-Transfer-Encoding replaced; MIME-Version
 * and a text/plain Content-Type added where missing).  Any other message
 * is left as it is.  This is done once, when the message is taken, not
 * when it is sent: the line limit is every server's, the queue then
 * holds what goes out, and SIZE= needs no second look.  *size gets the
 * length of what the spool file holds.  -1 with r set (ERR_IO,
 * ERR_CANTCREAT).
 */
int	edit_spool(struct msg *, int fd, unsigned long long *size,
	    struct result *r);

#endif
