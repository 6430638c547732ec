/*
 * downgrade.h -- fitting a composed message to a server's capabilities.
 *
 * outbox composes text parts as 8bit and header addresses in UTF-8; the
 * server is known only when the message is sent (perhaps much later, from
 * the queue).  For a server without 8BITMIME, this stream filter re-encodes
 * every 8bit part as quoted-printable; for one without SMTPUTF8, it turns
 * the domains in the message's own header fields into A-labels.
 *
 * It relies on the form of a composed message and on nothing else
 * (composed.h: boundary lines, the 8bit encoding line, line lengths,
 * where 8-bit octets may occur in header fields).  Pure: no I/O.
 */
#ifndef OUTBOX_DOWNGRADE_H
#define OUTBOX_DOWNGRADE_H

#include <stddef.h>

#include "buf.h"
#include "codec.h"
#include "composed.h"
#include "envelope.h"

/* Longer than any line of a composed message (composed.h). */
#define DOWNGRADE_LINE_MAX	1024
_Static_assert(DOWNGRADE_LINE_MAX >= COMPOSED_LINE_MAX + 2,
    "a composed line with its CRLF fits the line buffer");

enum downgrade_state {
	DG_HEAD = 0,	/* in a header block */
	DG_RAW,		/* in a body, copied as is */
	DG_QP,		/* in a body, re-encoded */
	DG_BOUNDARY	/* in a boundary line */
};

enum downgrade_bad {
	DG_OK = 0,
	DG_BAD_LOCAL,	/* a non-ASCII local part */
	DG_BAD_DOMAIN,	/* a domain IDNA cannot convert */
	DG_BAD_TEXT,	/* 8-bit octets outside an address */
	DG_BAD_LONG	/* 8-bit octets in a header line too long to read */
};

struct downgrade {
	int		 qp;		/* 8bit parts to quoted-printable */
	int		 alabel;	/* header domains to A-labels */
	enum downgrade_state state;
	int		 top;		/* the message's own header block */
	int		 enc_next;	/* the part being described goes QP */
	int		 bol;		/* collecting a body line's start */
	int		 passthru;	/* rest of an overlong line: as is */
	char		 line[DOWNGRADE_LINE_MAX];
	size_t		 len;
	struct codec_qp	 qpst;
	char		 field[64];	/* the header field being read */
	/* The first address in the message's own header that has no ASCII
	   form (only looked for with alabel): bad says why, bad_addr and
	   bad_field name it, bad_idna is libidn2's reason. */
	enum downgrade_bad bad;
	char		 bad_addr[256];
	char		 bad_field[64];
	const char	*bad_idna;
};

/*
 * The most one downgrade_filter() call writes for n input octets (to set
 * the out buffer's maximum: it grows only as far as it is used).  Bodies
 * grow as quoted-printable does; a header line (held until it ends, so up
 * to DOWNGRADE_LINE_MAX octets come out at once) grows with its domains,
 * and an A-label label can be 63 octets for a 2-octet U-label: 64 times
 * its input, bounded here by 256.
 */
#define DOWNGRADE_MAX_OUT(n)	(CODEC_QP_MAX_OUT(n) + \
	    256 * ((size_t)(n) + DOWNGRADE_LINE_MAX))

void	downgrade_init(struct downgrade *, int qp, int alabel);
/*
 * downgrade_init() for message e and a server with or without 8BITMIME
 * and SMTPUTF8.  Returns 1 when the message needs the filter (a composed
 * one, and the server lacks what it uses), else 0: it goes as it is.
 * Sending and measuring the message for SIZE both decide here.
 */
int	downgrade_setup(struct downgrade *, const struct envelope *e,
	    int has_8bitmime, int has_smtputf8);
/* Filter n octets, appending the result to out. */
void	downgrade_filter(struct downgrade *, const char *in, size_t n,
	    struct buf *out);
/* End of the message: what is held goes out. */
void	downgrade_finish(struct downgrade *, struct buf *out);
/*
 * Has the filter read all of the message's own header block (and so
 * seen every address it could not convert)?
 */
int	downgrade_past_header(const struct downgrade *);
/*
 * When d->bad is set: one line saying which address of which field
 * cannot go to a server without SMTPUTF8, and why (xmalloc'd).
 */
char	*downgrade_bad_text(const struct downgrade *);

#endif
