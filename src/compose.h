/*
 * compose.h -- the header fields outbox adds to a message.
 */
#ifndef OUTBOX_COMPOSE_H
#define OUTBOX_COMPOSE_H

#include <sys/types.h>
#include <time.h>

#include "addr.h"
#include "msg.h"
#include "result.h"

struct compose_opts {
	int		 set_from;	/* enum hdr_mode */
	int		 set_date;
	int		 set_msgid;
	int		 remove_bcc;
	const char	*from_addr;	/* for an added From */
	const char	*from_name;	/* display name, or NULL */
	const char	*domain;	/* right side of an added Message-ID */
};

/*
 * Sendmail mode: add From, Date and Message-ID where missing (or always,
 * per the options) and remove Bcc.  Fields added before (msg_add_field)
 * count as present.  Unless *msgid is set already (NULL on entry is the
 * rule), it gets the message's Message-ID (added or found), xmalloc'd,
 * or stays NULL.
 */
void	compose_fix_headers(struct msg *, const struct compose_opts *,
	    char **msgid);

/* RFC 5322 date-time in local time, English names. */
char	*compose_date(time_t);
/* A new unique msg-id, with angle brackets. */
char	*compose_msgid(const char *domain);

/*
 * Composer mode: a message built from flags, files and a body text.
 *
 * Text sources are read once into an unlinked temporary file (CRLF line
 * ends, scanned for 8-bit bytes, NUL, line length and lines that could be
 * taken for a boundary); attachments are opened at once and streamed as
 * base64 when the message is written, so memory does not grow with any
 * file's size.  Boundaries start with "=_", which neither base64 nor
 * quoted-printable can produce; a text holding a line that starts with
 * "--=_" is sent quoted-printable, so no boundary can occur in content.
 */
struct compose_text {
	int		 fd;		/* normalised text; -1: none */
	unsigned long long size;
	int		 eightbit;
	int		 nul;
	size_t		 maxline;
	int		 dashline;	/* a line starts with "--=_" */
};

enum compose_kind {
	CF_TEXT,	/* unstructured: RFC 2047 when not plain ASCII */
	CF_ADDR,	/* formatted address list (compose_addrs) */
	CF_RAW		/* ASCII as is (Date, Message-ID) */
};

struct compose_field {
	char		*name;
	char		*value;
	enum compose_kind kind;
};

struct compose_attach {
	char		*path;
	int		 fd;
	char		*type;		/* media type */
	char		*name;		/* file name shown to the reader */
};

struct compose {
	struct compose_field *f;
	size_t		 nf;
	struct compose_text text;	/* the body (fd -1: none) */
	struct compose_text html;	/* --html (fd -1: none) */
	struct compose_attach *att;
	size_t		 natt;
	/* set by compose_write() */
	int		 eightbit;	/* a part went as 8bit */
};

void	compose_init(struct compose *);
void	compose_free(struct compose *);
/* Add a header field (copied). */
void	compose_field(struct compose *, const char *name, const char *value,
	    enum compose_kind);
/* "Name <spec>, spec, ..." with display names as RFC 5322 phrases. */
char	*compose_addrs(const struct addr_list *);
/*
 * Read a text from fd into t (line ends made CRLF).  -1 with r set
 * (ERR_IO reading, ERR_CANTCREAT for the temporary file).
 */
int	compose_text_load(struct compose_text *, int fd, struct result *r);
/*
 * compose_text_load() from the file path, or from standard input when
 * path is NULL.  -1 with r set; ERR_NOINPUT (66) naming what and path
 * when the file cannot be opened or is not a regular file (a FIFO or a
 * device is refused without waiting on it).
 */
int	compose_text_file(struct compose_text *, const char *path,
	    const char *what, struct result *r);
/*
 * Open an attachment; its type comes from mimetypes (a mime.types path)
 * or the built-in table.  -1 with r set (ERR_NOINPUT) when it cannot be
 * read or is not a regular file (checked without blocking, as above).
 */
int	compose_attach(struct compose *, const char *path,
	    const char *mimetypes, struct result *r);
/*
 * Write the whole message to fd (CRLF line ends, no line over 998
 * octets); *size gets its length.  -1 with r set (ERR_IO reading a
 * source, ERR_CANTCREAT writing).
 */
int	compose_write(struct compose *, int fd, unsigned long long *size,
	    struct result *r);

/*
 * Sendmail mode: a message that is not MIME and has a line over 998
 * octets.  The spool file fd holds the message as msg_spool() wrote it
 * (its header block m->head_size octets); rewrite it with m's header
 * fields plus MIME headers and a quoted-printable body.  *size gets the
 * new length.  -1 with r set.
 */
int	compose_requote(struct msg *, int fd,
	    unsigned long long *size, struct result *r);

#endif
