/*
 * termbody.h -- composer mode's body typed at a terminal, as mail -s
 * takes it.
 *
 * With standard input a terminal and no --body or --html, the body is
 * what the user types until end of file (the terminal's EOF key, ^D) or
 * a line holding only ".".  ^C while typing ends the reading with
 * nothing kept: the caller sends nothing and queues nothing.
 *
 * The core is a pure filter over the typed bytes (termbody_filter,
 * termbody_finish): lines pass unchanged, the "." line and anything
 * after it are dropped.  termbody_read() does the terminal I/O around it.
 */
#ifndef OUTBOX_TERMBODY_H
#define OUTBOX_TERMBODY_H

#include <stddef.h>
#include <stdio.h>

#include "mime_write.h"
#include "result.h"

/* termbody_read(): ^C came while the user typed. */
#define TERMBODY_INTERRUPTED	1

struct termbody {
	int	state;		/* where in a line the input is */
	int	done;		/* the "." line came: ignore the rest */
};

void	termbody_init(struct termbody *);
/*
 * Filter n typed octets into out, which has room for n + 2 (a "." held
 * back from the previous call comes out first).  Returns the octets
 * written.  A line of a single "." (LF or CRLF) sets tb->done; it and
 * whatever follows are not written.
 */
size_t	termbody_filter(struct termbody *, const char *in, size_t n,
	    char *out);
/* At end of input: what is held back (room for 2 in out). */
size_t	termbody_finish(struct termbody *, char *out);

/*
 * The name of the key a terminal takes for end of file (termios VEOF),
 * written to buf (len 8 is enough) and returned: "Ctrl-D" for 0x04, and
 * for 0 (disabled) or a value that is no control key.
 */
const char *termbody_eof_name(unsigned char veof, char *buf, size_t len);

/*
 * Read the body from the terminal fd into an unlinked temporary file.
 * When hint is not NULL, one line there first says how to end the body
 * (with the terminal's own EOF key).  Returns 0 with *out (the file,
 * positioned at its start, the caller closes it); TERMBODY_INTERRUPTED
 * when SIGINT came while waiting (nothing is kept; the signal's own
 * disposition is back in place, and it is not delivered again); -1 with
 * r set (ERR_IO reading, ERR_CANTCREAT for the file).
 */
int	termbody_read(int fd, FILE *hint, int *out, struct result *r);
/* termbody_read(), then mime_text_load() of what was typed into t. */
int	termbody_text(struct mime_text *t, int fd, FILE *hint,
	    struct result *r);

#endif
