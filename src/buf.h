/*
 * buf.h -- growable byte buffer with a hard maximum (curl's dynbuf idea).
 *
 * A buffer is created with the most it may ever hold; an append that would
 * pass it fails with -1 and leaves the buffer as it was.  The contents are
 * always NUL-terminated (the NUL is not counted in len).
 */
#ifndef OUTBOX_BUF_H
#define OUTBOX_BUF_H

#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

void	 buf_init(struct buf *, size_t max);
int	 buf_add(struct buf *, const void *, size_t);
int	 buf_addstr(struct buf *, const char *);
int	 buf_addc(struct buf *, char);
int	 buf_addf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
const char *buf_cstr(const struct buf *);	/* never NULL */
void	 buf_reset(struct buf *);		/* len = 0, keeps memory */
void	 buf_free(struct buf *);		/* wipes and frees */
/* Hand the contents to the caller (xmalloc'd, NUL-terminated). */
char	*buf_take(struct buf *);

#endif
