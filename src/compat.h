/*
 * compat.h -- small portability shims.
 */
#ifndef OUTBOX_COMPAT_H
#define OUTBOX_COMPAT_H

#include <stddef.h>

/* Zero memory in a way the compiler may not elide. */
void	compat_bzero(void *, size_t);
/* Write all n bytes (retrying short writes and EINTR); 0 or -1 (errno;
   EIO if the file took nothing). */
int	compat_write_all(int fd, const void *, size_t n);
/* Milliseconds on the monotonic clock (for deadlines and durations). */
long long compat_now_ms(void);
/* Mark the process non-dumpable while secrets are held (no-op elsewhere). */
void	compat_nodump(int on);
/*
 * SIGTERM when the parent process ends (a helper that outbox runs must
 * not outlive it).  -1 when the parent is already gone, or the system
 * cannot tell (then the caller should stop).
 */
int	compat_die_with_parent(void);

#endif
