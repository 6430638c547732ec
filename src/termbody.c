/*
 * termbody.c -- composer mode's body typed at a terminal.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "compat.h"
#include "termbody.h"

/* A canonical-mode terminal hands over at most a line per read. */
#define TERMBODY_CHUNK	4096

enum {
	TB_BOL,		/* at the start of a line */
	TB_MID,		/* inside a line */
	TB_DOT,		/* "." at the start of a line, held back */
	TB_DOTCR	/* ".\r" at the start of a line, held back */
};

void
termbody_init(struct termbody *tb)
{
	tb->state = TB_BOL;
	tb->done = 0;
}

/* One octet of an ordinary line. */
static size_t
plain(struct termbody *tb, char c, char *out)
{
	out[0] = c;
	tb->state = c == '\n' ? TB_BOL : TB_MID;
	return 1;
}

size_t
termbody_filter(struct termbody *tb, const char *in, size_t n, char *out)
{
	size_t i, m = 0;
	char c;

	for (i = 0; i < n && !tb->done; i++) {
		c = in[i];
		switch (tb->state) {
		case TB_BOL:
			if (c == '.')
				tb->state = TB_DOT;
			else
				m += plain(tb, c, out + m);
			break;
		case TB_DOT:
		case TB_DOTCR:
			if (c == '\n') {
				tb->done = 1;
				break;
			}
			if (tb->state == TB_DOT && c == '\r') {
				tb->state = TB_DOTCR;
				break;
			}
			m += termbody_finish(tb, out + m);
			m += plain(tb, c, out + m);
			break;
		default:
			m += plain(tb, c, out + m);
			break;
		}
	}
	return m;
}

size_t
termbody_finish(struct termbody *tb, char *out)
{
	size_t m = 0;

	if (tb->done)
		return 0;
	if (tb->state == TB_DOT || tb->state == TB_DOTCR) {
		out[m++] = '.';
		if (tb->state == TB_DOTCR)
			out[m++] = '\r';
		tb->state = TB_MID;
	}
	return m;
}

const char *
termbody_eof_name(unsigned char veof, char *buf, size_t len)
{
	if (veof == 0 || veof >= 0x20)
		veof = 0x04;
	snprintf(buf, len, "Ctrl-%c", veof + '@');
	return buf;
}

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/*
 * The terminal on fd opened again, non-blocking: the flag is this open
 * file's own, not the one a shell shares, and a read after ppoll() never
 * waits (^C empties the terminal's input between the two).  -1 if not.
 */
static int
reopen_nonblock(int fd)
{
	struct stat a, b;
	const char *name = ttyname(fd);
	int nfd;

	if (name == NULL || (nfd = open(name, O_RDONLY | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &a) == -1 || fstat(nfd, &b) == -1 ||
	    a.st_rdev != b.st_rdev) {
		close(nfd);
		return -1;
	}
	return nfd;
}

/*
 * Copy what is typed through the filter into out until the end; SIGINT
 * (blocked but while ppoll() waits) sets interrupted.  0, or -1 with r.
 */
static int
copy_typed(int fd, int out, const sigset_t *wait_mask, struct result *r)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	struct termbody tb;
	char in[TERMBODY_CHUNK], buf[TERMBODY_CHUNK + 2];
	const char *what = "reading the message body from the terminal";
	ssize_t n;
	size_t m;

	termbody_init(&tb);
	while (!tb.done && !interrupted) {
		if (ppoll(&pfd, 1, NULL, wait_mask) == -1) {
			if (errno == EINTR)
				continue;
			goto io;
		}
		n = read(fd, in, sizeof(in));
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1)
			goto io;
		m = n == 0 ? termbody_finish(&tb, buf) :
		    termbody_filter(&tb, in, (size_t)n, buf);
		if (compat_write_all(out, buf, m) == -1) {
			result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT,
			    "temporary file", "%s", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
	}
	return 0;
io:
	result_local(r, RES_PERM, STAGE_NONE, ERR_IO, what, "%s",
	    strerror(errno));
	return -1;
}

int
termbody_read(int fd, FILE *hint, int *out, struct result *r)
{
	struct sigaction sa, old;
	struct termios tio;
	sigset_t block, before, wait_mask;
	char key[16];
	int tmp, rc, nb;

	*out = -1;
	if ((tmp = mime_temp_fd(r)) == -1)
		return -1;
	/* SIGINT only inside ppoll(): no window where it is missed. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	(void)sigprocmask(SIG_BLOCK, &block, &before);
	wait_mask = before;
	sigdelset(&wait_mask, SIGINT);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);	/* no SA_RESTART */
	interrupted = 0;
	(void)sigaction(SIGINT, &sa, &old);
	if (old.sa_handler == SIG_IGN)	/* nohup, or a job in background */
		(void)sigaction(SIGINT, &old, NULL);
	if (hint) {	/* once ^C is ours: the user may type at once */
		fprintf(hint, "outbox: type the message body; end it with %s "
		    "or a line holding only '.'\n", termbody_eof_name(
		    tcgetattr(fd, &tio) == 0 ? tio.c_cc[VEOF] : 0, key,
		    sizeof(key)));
		fflush(hint);
	}
	nb = reopen_nonblock(fd);
	rc = copy_typed(nb != -1 ? nb : fd, tmp, &wait_mask, r);
	if (nb != -1)
		close(nb);
	/* a SIGINT pending now still counts as ^C while typing */
	(void)sigprocmask(SIG_SETMASK, &before, NULL);
	(void)sigaction(SIGINT, &old, NULL);
	if (rc == 0 && interrupted) {
		rc = TERMBODY_INTERRUPTED;
		if (hint)	/* after the "^C" the terminal echoed */
			fputc('\n', hint);
	}
	if (rc == 0 && lseek(tmp, 0, SEEK_SET) == -1) {
		result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT,
		    "temporary file", "%s", strerror(errno));
		rc = -1;
	}
	if (rc == 0)
		*out = tmp;
	else
		close(tmp);
	return rc;
}

int
termbody_text(struct mime_text *t, int fd, FILE *hint, struct result *r)
{
	int typed, rc = termbody_read(fd, hint, &typed, r);

	if (rc != 0)
		return rc;
	rc = mime_text_load(t, typed, r);
	close(typed);
	return rc;
}
