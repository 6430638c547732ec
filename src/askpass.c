/*
 * askpass.c -- ask for a password on the controlling terminal, echo off
 * (the shape of OpenBSD's readpassphrase(3)).
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "askpass.h"
#include "compat.h"
#include "limits.h"
#include "xmalloc.h"

/* The signals held while echo is off: the ones that end or stop us. */
static const int held[] = {
	SIGALRM, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU
};
#define NHELD	(sizeof(held) / sizeof(held[0]))

static volatile sig_atomic_t caught;

static void
on_signal(int sig)
{
	caught = sig;
}

/*
 * Block the held signals (they then arrive only inside ppoll(), whose
 * mask is *before) and catch them, except those that are ignored.
 */
static void
hold_signals(struct sigaction old[NHELD], sigset_t *before)
{
	struct sigaction sa;
	sigset_t block;
	size_t i;

	sigemptyset(&block);
	for (i = 0; i < NHELD; i++)
		sigaddset(&block, held[i]);
	(void)sigprocmask(SIG_BLOCK, &block, before);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);	/* no SA_RESTART */
	for (i = 0; i < NHELD; i++) {
		(void)sigaction(held[i], &sa, &old[i]);
		if (old[i].sa_handler == SIG_IGN)
			(void)sigaction(held[i], &old[i], NULL);
	}
}

/* The old dispositions back, then the caught signal delivered to them. */
static void
release_signals(const struct sigaction old[NHELD], const sigset_t *before,
    int sig)
{
	size_t i;

	for (i = 0; i < NHELD; i++)
		(void)sigaction(held[i], &old[i], NULL);
	if (sig)
		(void)kill(getpid(), sig);	/* pending until unblocked */
	(void)sigprocmask(SIG_SETMASK, before, NULL);
}

#define LINE_EOF	(-1)
#define LINE_ERR	(-2)
#define LINE_LONG	(-3)
#define LINE_SIGNAL	(-4)

/*
 * Read one line into buf (room: size, NUL-terminated), a byte at a time
 * so that nothing after it is taken from the terminal.  Its length, or
 * LINE_* (LINE_LONG after reading the whole line).
 */
static long
read_line(int fd, char *buf, size_t size, const sigset_t *wait_mask)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t n = 0;
	ssize_t r;
	int over = 0;
	char c;

	for (;;) {
		if (caught)
			return LINE_SIGNAL;
		if (ppoll(&pfd, 1, NULL, wait_mask) == -1) {
			if (errno == EINTR)
				continue;
			return LINE_ERR;
		}
		r = read(fd, &c, 1);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r == -1)
			return LINE_ERR;
		if (r == 0)
			return LINE_EOF;
		if (c == '\n' || c == '\r')
			break;
		if (n + 1 < size)
			buf[n++] = c;
		else
			over = 1;
	}
	c = '\0';
	buf[n] = '\0';
	return over ? LINE_LONG : (long)n;
}

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * One question: echo off, the prompt, one line, the terminal as it was.
 * *sig is the signal that came meanwhile (delivered on return), or 0.
 */
static long
ask(int fd, const char *prompt, char *line, size_t size, int *sig)
{
	struct sigaction old[NHELD];
	struct termios saved, quiet;
	sigset_t before;
	long n;
	int e;

	if (tcgetattr(fd, &saved) == -1)
		return LINE_ERR;
	caught = 0;
	hold_signals(old, &before);
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) == -1 ||
	    compat_write_all(fd, prompt, strlen(prompt)) == -1)
		n = LINE_ERR;
	else
		n = read_line(fd, line, size, &before);
	e = errno;
	(void)compat_write_all(fd, "\n", 1);
	/* Blocked signals cannot stop this (no SIGTTOU): echo comes back. */
	while (tcsetattr(fd, TCSAFLUSH, &saved) == -1 && errno == EINTR)
		;
	*sig = caught;
	release_signals(old, &before, *sig);
	errno = e;
	return n;
}

int
askpass_read(const char *prompt, char **out, char *err, size_t errlen)
{
	char line[PASSWORD_MAX + 1];
	long n;
	int fd, sig, e;

	*out = NULL;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return fail(err, errlen, "cannot open the terminal: %s",
		    strerror(errno));
	do {
		/* A stop (^Z) while asking: ask again once continued. */
		n = ask(fd, prompt, line, sizeof(line), &sig);
		e = errno;
		if (n < 0)
			compat_bzero(line, sizeof(line));
	} while (n == LINE_SIGNAL && (sig == SIGTSTP || sig == SIGTTIN ||
	    sig == SIGTTOU));
	close(fd);
	if (n > 0) {
		*out = xstrdup(line);
		compat_bzero(line, sizeof(line));
		return 0;
	}
	compat_bzero(line, sizeof(line));
	if (n == 0 || n == LINE_EOF)
		return fail(err, errlen, "nothing typed");
	if (n == LINE_LONG)
		return fail(err, errlen, "the password is longer than %d bytes",
		    PASSWORD_MAX);
	if (n == LINE_SIGNAL)
		return fail(err, errlen, "interrupted");
	return fail(err, errlen, "cannot read the terminal: %s",
	    strerror(e));
}
