/*
 * take.h -- taking the message in: read and edited in sendmail mode
 * (msg.h, sendmail_edit.h), or built from the flags in composer mode
 * (compose_request.h, mime_write.h, termbody.h); its account, envelope
 * and recipients (submit.h); then spooled into its entry (entry.h).
 */
#ifndef OUTBOX_TAKE_H
#define OUTBOX_TAKE_H

#include "addr.h"
#include "cli.h"
#include "config.h"
#include "entry.h"
#include "envelope.h"
#include "mime_write.h"
#include "msg.h"
#include "rcpt.h"
#include "result.h"

/* The message this run submits, as it is read or built. */
struct input {
	struct msg	 msg;		/* sendmail mode */
	struct mime	 comp;		/* composer mode */
	struct addr_list to_hdr;	/* composer mode's To and Cc */
	struct addr_list cc_hdr;
	struct rcpt	 rc;
	char		*from_arg;	/* --from's (or -H From's) address */
	char		*msgid;
	struct envelope	 env;
	int		 interrupted;	/* ^C while the body was typed */
};

void	take_init(struct input *);
void	take_free(struct input *);

/*
 * Read (sendmail mode, from standard input) or build (composer mode) the
 * message, and choose its account (*acct), envelope and recipients.
 * Returns 0, or -1 with r set; in->interrupted says the body typed at a
 * terminal was given up with ^C (nothing is to be kept).
 */
int	take_message(const struct cli *, struct config *, struct input *,
	    struct account **acct, struct result *r);

/*
 * Write the message into entry e (a new entry of account a, or a dry run's
 * temporary file), then its envelope, which makes the entry complete.
 * config is the configuration file named in the entry.  Returns 0, or -1
 * with r set: the entry is discarded, except for a message holding NUL
 * bytes, which is complete and is to be kept in failed/.
 */
int	take_spool(const struct cli *, const struct account *a,
	    const char *config, struct input *, struct entry *e,
	    struct result *r);

#endif
