/*
 * reply.h -- SMTP reply assembly and validation, EHLO capabilities.
 *
 * Pure: no I/O.  The caller feeds one line at a time (without its CRLF);
 * the parser says when the reply is complete.  Anything that is not a
 * well-formed RFC 5321 reply is an error, never a success: codes outside
 * 200..599, missing separators, lines whose codes disagree, control
 * characters, and anything past the bounds in limits.h.
 */
#ifndef OUTBOX_REPLY_H
#define OUTBOX_REPLY_H

#include <stddef.h>

#include "buf.h"
#include "limits.h"

struct reply {
	int		 code;		/* e.g. 250; 0 before the first line */
	char		 enhanced[16];	/* "2.0.0" from the first line, or "" */
	struct buf	 text;		/* lines' text joined with '\n' */
	size_t		 nlines;
	int		 done;
};

void	reply_init(struct reply *);
void	reply_reset(struct reply *);
void	reply_free(struct reply *);

/*
 * Feed one line.  Returns 1 when the reply is complete, 0 when more lines
 * must follow, -1 when the reply is malformed; then *why names the fault
 * (a static string).
 */
int	reply_feed(struct reply *, const char *line, size_t len,
	    const char **why);

/* The text with lines joined by a space (xmalloc'd). */
char	*reply_oneline(const struct reply *);

#define CAP_PIPELINING	0x0001
#define CAP_8BITMIME	0x0002
#define CAP_SMTPUTF8	0x0004
#define CAP_DSN		0x0008
#define CAP_CHUNKING	0x0010
#define CAP_ENHANCED	0x0020
#define CAP_STARTTLS	0x0040
#define CAP_SIZE	0x0080
#define CAP_AUTH	0x0100
#define CAP_BINARYMIME	0x0200

struct caps {
	unsigned		flags;
	unsigned long long	size;		/* SIZE limit, 0 = none given */
	char			auth[512];	/* AUTH mechanisms, ' '-joined,
						   upper case */
	/* every keyword line, known or not, as sent and in the server's
	   order, '\n'-joined; lines that did not fit are counted */
	char			list[EHLO_LIST_MAX];
	unsigned		list_cut;
};

/*
 * Read the capabilities from a complete 250 reply to EHLO: the flags of
 * the extensions outbox uses, and the list of them all.
 */
void	reply_caps(const struct reply *, struct caps *);

#endif
