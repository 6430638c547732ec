/*
 * submit.h -- what one submission is made of, from the command line and
 * the configuration: the account (chosen, then the command line's
 * overrides applied to a copy), the envelope sender and DSN parameters,
 * the recipients, and the From an added header gets.
 *
 * Every failure comes back as -1 with the result set: ERR_USAGE (64) for
 * a bad argument, ERR_DATA (65) for a bad header address, ERR_NOUSER (67)
 * for a local name nothing resolves, ERR_CONFIG (78) for the account.
 */
#ifndef OUTBOX_SUBMIT_H
#define OUTBOX_SUBMIT_H

#include "addr.h"
#include "cli.h"
#include "config.h"
#include "envelope.h"
#include "msg.h"
#include "rcpt.h"
#include "result.h"

/*
 * The sender that picks the account: -f, else from_arg (--from or a -H
 * From), else with -t the From of the message (m may be NULL).
 * xmalloc'd, or NULL.
 */
char	*submit_selector(const struct cli *, const char *from_arg,
	    struct msg *m);

/*
 * -A NAME, else the account whose from is sender, else "default", else
 * (no account at all) a built-in one.  *out is always a copy the caller
 * frees with config_account_free(), with --host, --port, --user, --tls
 * and -X applied and config_finish() done: the configuration itself is
 * left as it was read, for the queue that is flushed with it.
 */
int	submit_account(struct config *, const struct cli *, const char *sender,
	    struct account **out, struct result *);

/*
 * The envelope sender (-f or from_arg when allowed, else the account's
 * from, else user@host), DSN NOTIFY/RET and ENVID.  A bare local name as
 * -f ("root") gets the domain of the account's from, else the domain of
 * user@host.
 */
int	submit_envelope(const struct account *, const struct cli *,
	    const char *from_arg, struct envelope *, struct result *);

/*
 * Recipients: arguments, --cc, --bcc, and with -t (sendmail mode) those
 * of the message's header.  In composer mode the arguments and --cc also
 * go to to_hdr and cc_hdr.  rc is initialised here; the caller frees it.
 */
int	submit_recipients(struct rcpt *, const struct account *,
	    const struct cli *, struct msg *, struct addr_list *to_hdr,
	    struct addr_list *cc_hdr, struct envelope *, struct result *);

/* "user@host" for this process (xmalloc'd). */
char	*submit_local_sender(const struct account *);

/*
 * The From an added header gets: the envelope sender, or for the null
 * sender the account's address or user@host; *name from -F,
 * from_full_name or GECOS.  *local and *gecos own what was made for it.
 */
const char *submit_default_from(const struct account *, const struct cli *,
	    const struct envelope *, const char **name, char **local,
	    char **gecos);

#endif
