/*
 * compat.c -- small portability shims.
 */
#include "autoconf.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include "compat.h"

void
compat_bzero(void *p, size_t n)
{
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
#endif
}

void
compat_nodump(int on)
{
#if defined(HAVE_PRCTL) && defined(PR_SET_DUMPABLE)
	(void)prctl(PR_SET_DUMPABLE, on ? 0 : 1, 0, 0, 0);
#else
	(void)on;
#endif
}

int
compat_die_with_parent(void)
{
#if defined(HAVE_PRCTL) && defined(PR_SET_PDEATHSIG)
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) == -1)
		return -1;
#endif
	/* the parent may have gone before the call */
	return getppid() == 1 ? -1 : 0;
}

int
compat_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

long long
compat_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#if defined(__SANITIZE_ADDRESS__)
/*
 * Sanitizer builds only: LeakSanitizer stops the process's threads with
 * ptrace, which the kernel refuses in a process whose real and effective
 * groups differ (outbox installed setgid, in the queue modes).  There,
 * AT_SECURE is set, and leak checking is off; everything else of ASan
 * stays on, and the same code paths are leak-checked unprivileged.
 */
#include <sys/auxv.h>

const char *__lsan_default_options(void);

const char *
__lsan_default_options(void)
{
	return getauxval(AT_SECURE) ? "detect_leaks=0" : "";
}
#endif
