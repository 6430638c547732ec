/*
 * smtpbs.h -- -bs: an SMTP server on standard input and output, as
 * Postfix's sendmail -bs (PHP's Symfony Mailer and SwiftMailer, Laravel
 * and Nextcloud use it).
 *
 * The session is blocking and straight-line: one command read (at most
 * SMTPBS_LINE_MAX octets; CRLF or LF ends it), one reply written.  EHLO
 * offers PIPELINING, 8BITMIME, SMTPUTF8, DSN and ENHANCEDSTATUSCODES.
 * MAIL takes BODY=7BIT|8BITMIME, SMTPUTF8, RET=, ENVID= and SIZE=; RCPT
 * takes NOTIFY= (the first one given is the message's) and ORCPT=
 * (ignored); each address is checked for syntax when it is given, and a
 * bare local name is taken as it is (the submission resolves it).
 *
 * Each message is spooled to a temporary file (constant memory) and
 * submitted exactly as sendmail mode submits one: outbox runs itself
 * (/proc/self/exe; argv[0] only when that cannot be run) as
 *
 *	outbox -i --json -f SENDER [DSN options] [the session's options]
 *	    -- RECIPIENT...
 *
 * with that file as standard input, and the reply to the final dot says
 * what became of it (smtpbs_final_reply).  The session's options passed
 * on: -C, -A, -X, -L, -F, -N, -R, -V, -B (MAIL and RCPT parameters take
 * precedence), --host, --port, --tls, --user, --no-queue, -v, -odq.
 *
 * Limits: SMTPBS_RCPT_MAX recipients per message (452 after that),
 * SMTPBS_ERRORS_MAX refused commands per session (then 421 and the end),
 * SMTPBS_TIMEOUT_S to wait for the client (then 421 and the end).
 */
#ifndef OUTBOX_SMTPBS_H
#define OUTBOX_SMTPBS_H

#include <stddef.h>

#include "cli.h"

/* One transaction: what MAIL and RCPT gave. */
struct smtpbs_msg {
	char		*from;		/* "" for the null sender */
	const char	*body;		/* "7BIT", "8BITMIME" or NULL */
	const char	*ret;		/* "FULL", "HDRS" or NULL */
	char		*envid;		/* ENVID= decoded, or NULL */
	char		*notify;	/* the first NOTIFY=, normalised */
	struct strlist	 rcpt;
};

/*
 * Serve one session on in/out until QUIT or end of input.  Returns the
 * exit code: 0 after QUIT or end of input (a message whose final dot was
 * not read is dropped unanswered: the client still has it), 75 after a
 * timeout or too many errors, 74 when reading or writing fails, 71 when
 * no temporary file can be made.
 */
int	smtpbs_run(const struct cli *, int in, int out);

/*
 * Submit the message in fd (read from its current offset) as described
 * above, wait for the submission to end, and write the reply to the
 * final dot to out (smtpbs_final_reply; a 451 when no process could be
 * started).  fd is not closed.  With cli's verbose, the submission's
 * standard error is copied to ours.
 */
void	smtpbs_submit(const struct cli *, const struct smtpbs_msg *, int fd,
	    char *out, size_t len);

/*
 * The reply to the final dot, "CODE X.Y.Z text" without CRLF, from the
 * submission's exit code (-1: it did not exit, e.g. killed), whether its
 * --json said "queued" (the message waits in the queue: 250, whatever
 * the code, so that the client does not send it twice), its queue id
 * (NULL if unknown) and its last error line ("" if none).  Written to out
 * (truncated to len).
 */
void	smtpbs_final_reply(int code, int queued, const char *queue_id,
	    const char *text, char *out, size_t len);

#endif
