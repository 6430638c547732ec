/*
 * dotstuff.h -- the stream filter between message and wire.
 *
 * Every bare CR, bare LF and CRLF becomes CRLF; with stuffing on, a line
 * that starts with '.' gets another '.' in front.  State is carried across
 * calls, so buffer boundaries may fall anywhere, even inside a CRLF.
 * Pure: no I/O, no allocation.
 */
#ifndef OUTBOX_DOTSTUFF_H
#define OUTBOX_DOTSTUFF_H

#include <stddef.h>

enum dotstuff_state {
	DS_BOL = 0,	/* at the start of a line */
	DS_MID,		/* inside a line */
	DS_CR		/* just after a CR: a following LF belongs to it */
};

struct dotstuff {
	enum dotstuff_state state;
	int		 stuff;		/* double leading dots (DATA) */
};

/* Output room dotstuff_filter() may need for n input bytes. */
#define DOTSTUFF_MAX_OUT(n)	(2 * (n) + 2)

void	dotstuff_init(struct dotstuff *, int stuff);
/* Filter n bytes into out (room: DOTSTUFF_MAX_OUT(n)); returns bytes out. */
size_t	dotstuff_filter(struct dotstuff *, const char *in, size_t n,
	    char *out);
/*
 * How many of the n bytes dotstuff_filter() would pass on unchanged
 * (whole lines ending in CRLF that need no stuffing, and a line's
 * beginning without CR or LF), counted as filtered: the caller sends them
 * from in as they are and filters the rest.  An already normalised
 * message then goes without a copy.
 */
size_t	dotstuff_clean(struct dotstuff *, const char *in, size_t n);
/*
 * The next piece of in[0..n) as it goes on the wire: a clean run
 * (dotstuff_clean), then *wire is in itself, or else at most max octets
 * up to the next line end filtered into out (room: DOTSTUFF_MAX_OUT(max)),
 * then *wire is out.  *wlen is the piece's length; returns how many of
 * the n bytes it took (> 0 when n > 0).
 */
size_t	dotstuff_next(struct dotstuff *, const char *in, size_t n,
	    char *out, size_t max, const char **wire, size_t *wlen);
/*
 * End the stream: a final CRLF if the data did not end with a line end,
 * then ".\r\n" if dot is set.  out needs 5 bytes.  Returns bytes out.
 */
size_t	dotstuff_finish(struct dotstuff *, char *out, int dot);

#endif
