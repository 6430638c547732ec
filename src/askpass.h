/*
 * askpass.h -- ask for a password on the controlling terminal.
 *
 * The password never passes through argv or the environment: it is read
 * from /dev/tty with echo off, and the buffers it went through are wiped.
 * The terminal is restored on every path: a signal that would end or stop
 * outbox while it waits (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM,
 * SIGTSTP, SIGTTIN, SIGTTOU) is held until echo is back on, then
 * delivered again; after a stop the question is asked again.
 */
#ifndef OUTBOX_ASKPASS_H
#define OUTBOX_ASKPASS_H

#include <stddef.h>

/*
 * Write prompt to the terminal and read one line.  0 with *out (xmalloc'd;
 * the caller wipes it with xfree_secret), or -1 with err: no terminal, end
 * of input or an empty line ("nothing typed"), a line longer than
 * PASSWORD_MAX, or a signal that did not end outbox.
 */
int	askpass_read(const char *prompt, char **out, char *err, size_t errlen);

#endif
