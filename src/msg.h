/*
 * msg.h -- reading a message: input filter, header block, spooling.
 *
 * Input is normalised as it is read: every bare CR, bare LF and CRLF
 * becomes CRLF, and unless ignore_dots is set a line holding a single '.'
 * ends the input (sendmail's rule).  A raw body (raw_body) is the
 * exception: only its header section is normalised.  The header block is
 * held in memory (bounded); the body streams from the input to the spool
 * file, so memory does not grow with the message.  Scans for NUL, 8-bit
 * bytes and the longest line run over everything read.
 */
#ifndef OUTBOX_MSG_H
#define OUTBOX_MSG_H

#include <stddef.h>

#include "addr.h"
#include "buf.h"
#include "limits.h"
#include "result.h"

/* the longest line a message may have, CRLF excluded (RFC 5322, 2.1.1) */
#define MSG_LINE_MAX	998

/* input read and spool write granularity: fewer system calls */
#define MSG_READ_CHUNK	(128 * 1024)
#define MSG_SPOOL_CHUNK	(256 * 1024)

struct msg_input {
	int		 fd;
	int		 ignore_dots;
	/* The body is bytes (-B BINARYMIME): after the empty line that ends
	   the header section, bytes pass as they are (no line-end changes,
	   no final line end added), and a lone '.' ends nothing. */
	int		 raw_body;
	int		 state;
	int		 done;
	char		 buf[MSG_READ_CHUNK];
	size_t		 pos, len;
	/* scans */
	int		 nul;
	int		 eightbit;
	size_t		 linelen;
	size_t		 maxline;
	int		 dotline;	/* a line given out starts with '.' */
	/* msg.c's own: bytes of buf scanned, where the next CR is, past
	   the header section of a raw body */
	size_t		 scanned;
	size_t		 cr_at;
	int		 cr_known;
	int		 in_raw;
};

struct msg_field {
	size_t		 off;		/* in head */
	size_t		 len;		/* whole field, final CRLF included */
	size_t		 namelen;
	int		 deleted;
};

struct msg {
	struct msg_input in;
	struct buf	 head;		/* header block, early body bytes */
	struct msg_field *f;
	size_t		 nf;
	size_t		 body_off;	/* where the body starts in head */
	int		 separator;	/* an empty line ended the headers */
	struct buf	 added;		/* fields written before the others */
	unsigned long long size;	/* bytes spooled */
	/* msg_spool() wrote CRLF lines only, none starting with '.' (never
	   so for a raw body) */
	int		 clean;
	size_t		 head_size;	/* ... of them the header block */
};

void	msg_init(struct msg *);
void	msg_free(struct msg *);

/* Normalise bytes from fd into out (room >= 4); 0 at the end. */
long	msg_input_read(struct msg_input *, char *out, size_t max);

/*
 * Read the header block from fd.  Returns 0, or -1 with r set (ERR_IO on
 * a read error, ERR_DATA when the header block is too large).
 */
int	msg_read_head(struct msg *, int fd, int ignore_dots, struct result *);

/* Does the header section as read hold a NUL byte? */
int	msg_head_nul(const struct msg *);

/* Index of the first live field named name at or after from, or -1. */
long	msg_find(const struct msg *, const char *name, size_t from);
/* Is there a live or added field named name? */
int	msg_has(const struct msg *, const char *name);
/* A field's value, unfolded and trimmed (xmalloc'd). */
char	*msg_value(const struct msg *, size_t i);
/* Delete every field named name. */
void	msg_delete(struct msg *, const char *name);
/* Does any live field's name start with prefix (case-insensitive)? */
int	msg_has_prefix(const struct msg *, const char *prefix);
/* Add "name: value" (value has no CR/LF) before the existing fields. */
void	msg_add(struct msg *, const char *name, const char *value);

/*
 * Replace field i with field ("Name: value", folded, no final CRLF); the
 * new field goes with the added ones, before the others.
 */
void	msg_replace(struct msg *, size_t i, const char *field);
/* Add a whole field ("Name: value", folded, no final CRLF). */
void	msg_add_field(struct msg *, const char *field);

/*
 * -t: append the addresses of To, Cc and Bcc (or of Resent-To, -Cc and
 * -Bcc when any Resent- field exists) to out.  -1 with *why and *field
 * (static name) on an unparsable field.
 */
int	msg_recipients(const struct msg *, struct addr_list *out,
	    const char **why, const char **field);

/*
 * The header block as msg_spool() writes it (added fields, live fields,
 * the empty line when there is one), appended to out.
 */
void	msg_head(const struct msg *, struct buf *out);

/*
 * Write the message to fd: added fields, live fields, the separator, the
 * body read so far, then the rest of the input.  Returns 0, or -1 with r
 * set (ERR_IO reading, ERR_CANTCREAT writing).  m->size is the total.
 */
int	msg_spool(struct msg *, int fd, struct result *);

#endif
