/*
 * verify.h -- -bv: what each recipient resolves to, without sending.
 *
 * The recipients are the arguments and, with -t, those of the header of
 * the message on standard input (only the header is read).  Each goes
 * through exactly what a send would do with it (address syntax, IDNA,
 * the account's aliases file), and one line per recipient is printed:
 *
 *	ARG: deliverable: ADDR[, ADDR...]
 *	ARG: undeliverable: REASON
 *
 * "deliverable" means outbox would hand these addresses to the server;
 * the server may still refuse them.  Nothing connects, nothing is
 * queued.
 */
#ifndef OUTBOX_VERIFY_H
#define OUTBOX_VERIFY_H

#include <stdio.h>

#include "cli.h"
#include "config.h"
#include "result.h"

/*
 * Print the lines to out.  Returns the exit code: 0 when every recipient
 * resolves, else that of the first one that does not (64 bad address,
 * 65 bad header field with -t, 67 local name nothing resolves).  A fault
 * that is no recipient's (the account, an unreadable aliases file or
 * input, no recipients at all) is left in r with -1 returned, for the
 * caller to report.
 */
int	verify_run(const struct cli *, struct config *, FILE *out,
	    struct result *r);

#endif
