/*
 * compat.h -- small portability shims.
 */
#ifndef OUTBOX_COMPAT_H
#define OUTBOX_COMPAT_H

#include <stddef.h>

/* Zero memory in a way the compiler may not elide. */
void	compat_bzero(void *, size_t);
/* Mark the process non-dumpable while secrets are held (no-op elsewhere). */
void	compat_nodump(int on);

#endif
