/*
 * mime_write.h -- writing the message composer mode builds.
 *
 * The header fields compose_request.c makes from the command line, the
 * body text, an HTML alternative and attachments become one message in
 * the spool file, in the form composed.h describes (and downgrade.c
 * relies on).  Also the Date and Message-ID values every new or fixed
 * message gets.
 */
#ifndef OUTBOX_MIME_WRITE_H
#define OUTBOX_MIME_WRITE_H

#include <sys/types.h>
#include <time.h>

#include "result.h"

/* RFC 5322 date-time in local time, English names. */
char	*mime_date(time_t);
/* A new unique msg-id, with angle brackets. */
char	*mime_msgid(const char *domain);

/*
 * A message built from flags, files and a body text.
 *
 * Text sources are read once into an unlinked temporary file (CRLF line
 * ends, scanned for 8-bit bytes, NUL, line length and lines that could be
 * taken for a boundary); attachments are opened at once and streamed as
 * base64 when the message is written, so memory does not grow with any
 * file's size.  Boundaries start with "=_", which neither base64 nor
 * quoted-printable can produce; a text holding a line that starts as a
 * boundary does is sent quoted-printable, so no boundary can occur in
 * content (composed.h).
 */
struct mime_text {
	int		 fd;		/* normalised text; -1: none */
	unsigned long long size;
	int		 eightbit;
	int		 nul;
	size_t		 maxline;
	int		 dashline;	/* a line starts with "--=_" */
};

enum mime_kind {
	MF_TEXT,	/* unstructured: RFC 2047 when not plain ASCII */
	MF_ADDR,	/* formatted address list (addr_list_format) */
	MF_RAW		/* ASCII as is (Date, Message-ID) */
};

struct mime_field {
	char		*name;
	char		*value;
	enum mime_kind kind;
};

struct mime_attach {
	char		*path;
	int		 fd;
	char		*type;		/* media type */
	char		*name;		/* file name shown to the reader */
};

struct mime {
	struct mime_field *f;
	size_t		 nf;
	struct mime_text text;	/* the body (fd -1: none) */
	struct mime_text html;	/* --html (fd -1: none) */
	struct mime_attach *att;
	size_t		 natt;
	/* set by mime_write() */
	int		 eightbit;	/* a part went as 8bit */
	int		 head8bit;	/* 8-bit octets in the header block */
};

void	mime_init(struct mime *);
void	mime_free(struct mime *);
/* Add a header field (copied). */
void	mime_field(struct mime *, const char *name, const char *value,
	    enum mime_kind);
/*
 * Read a text from fd into t (line ends made CRLF).  -1 with r set
 * (ERR_IO reading, ERR_CANTCREAT for the temporary file).
 */
int	mime_text_load(struct mime_text *, int fd, struct result *r);
/*
 * mime_text_load() from the file path, or from standard input when
 * path is NULL.  -1 with r set; ERR_NOINPUT (66) naming what and path
 * when the file cannot be opened or is not a regular file (a FIFO or a
 * device is refused without waiting on it).
 */
int	mime_text_file(struct mime_text *, const char *path,
	    const char *what, struct result *r);
/*
 * Open an attachment; its type comes from mimetypes (a mime.types path)
 * or the built-in table.  -1 with r set (ERR_NOINPUT) when it cannot be
 * read or is not a regular file (checked without blocking, as above).
 */
int	mime_attach(struct mime *, const char *path,
	    const char *mimetypes, struct result *r);
/*
 * Write the whole message to fd (CRLF line ends, no line over 998
 * octets); *size gets its length.  -1 with r set (ERR_IO reading a
 * source, ERR_CANTCREAT writing).
 */
int	mime_write(struct mime *, int fd, unsigned long long *size,
	    struct result *r);

/*
 * Copy the rest of fd from to fd to, quoted-printable encoded (line
 * ends kept as hard line breaks) when qp is set; *n gets the octets
 * written.  -1 with r set (ERR_IO reading, ERR_CANTCREAT writing).
 */
int	mime_copy(int from, int to, int qp, unsigned long long *n,
	    struct result *r);
/* An unlinked temporary file; -1 with r set (ERR_CANTCREAT). */
int	mime_temp_fd(struct result *r);

#endif
