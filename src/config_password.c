/*
 * config_password.c -- where an account's password comes from:
 * `password`, `passwordeval` (a command's first output line, with a
 * deadline), `passwordenv`, or $OUTBOX_PASSWORD.
 */
#include "autoconf.h"

#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "compat.h"
#include "config.h"
#include "limits.h"
#include "xmalloc.h"

/* Milliseconds left until deadline, at most a day; 0 when it passed. */
static int
left_ms(long long deadline)
{
	long long left = deadline - compat_now_ms();

	if (left <= 0)
		return 0;
	return left > 86400000 ? 86400000 : (int)left;
}

/*
 * Read the child's stdout and stderr together until both end or the
 * deadline passes (-1).  Each has its own cap: what passes it is counted
 * in *full (stdout) or dropped (stderr), never blocking the child.
 */
static int
drain(int outfd, int errfd, struct buf *o, struct buf *e, long long deadline,
    int *full)
{
	struct pollfd pfd[2] = { { outfd, POLLIN, 0 }, { errfd, POLLIN, 0 } };
	char chunk[1024];
	ssize_t n;
	int i, left;

	while (pfd[0].fd != -1 || pfd[1].fd != -1) {
		if ((left = left_ms(deadline)) == 0)
			return -1;
		if (poll(pfd, 2, left) <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			n = read(pfd[i].fd, chunk, sizeof(chunk));
			if (n == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				pfd[i].fd = -1;
				continue;
			}
			if (buf_add(i ? e : o, chunk, (size_t)n) == -1 && !i)
				*full = 1;
			compat_bzero(chunk, sizeof(chunk));
		}
	}
	return 0;
}

/*
 * Wait for the child until the deadline: 0 with *status, or -1 (it is
 * still running, or cannot be waited for).  Polls, with a short sleep
 * that grows to 50 ms: a child that ends at once costs nothing.
 */
static int
reap(pid_t pid, int *status, long long deadline)
{
	int nap = 1;
	pid_t w;

	for (;;) {
		w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			return 0;
		if (w == -1 && errno != EINTR)
			return -1;
		if (left_ms(deadline) == 0)
			return -1;
		(void)poll(NULL, 0, nap < left_ms(deadline) ? nap :
		    left_ms(deadline));
		if (nap < 50)
			nap *= 2;
	}
}

/* Close every descriptor from 3 up (in the child, before exec). */
static void
close_from_3(void)
{
	struct dirent *de;
	DIR *d;
	long fd, max;
	char *end;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
#endif
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL) {
			fd = strtol(de->d_name, &end, 10);
			if (*end == '\0' && fd >= 3 && fd != dirfd(d))
				close((int)fd);
		}
		closedir(d);
		return;
	}
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		close((int)fd);
}

/* A descriptor moved above 2 (so that dup2 onto 0-2 cannot clobber it). */
static int
above_2(int fd)
{
	return fd > 2 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

/*
 * Is outbox in the foreground of a controlling terminal?  Then the child
 * stays in outbox's process group, so that a command that asks on the
 * terminal (pinentry-curses, read </dev/tty) is not stopped by SIGTTIN;
 * the deadline then stops the child itself.
 */
static int
own_group(void)
{
	int fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);
	int fg;

	if (fd == -1)
		return 1;
	fg = tcgetpgrp(fd) == getpgrp();
	close(fd);
	return !fg;
}

static int sealed;

void
config_password_sealed(int on)
{
	sealed = on;
}

/*
 * The child: its own process group unless outbox is in a terminal's
 * foreground (so that the deadline can stop all it starts), default
 * signal dispositions and an empty mask (outbox
 * ignores SIGPIPE; a caller may have left SIGINT ignored), /dev/null,
 * the stdout pipe and the stderr pipe as 0, 1 and 2, and nothing else.
 */
static void __attribute__((noreturn))
child(const char *cmd, int outw, int errw, int group)
{
	static const char msg[] = "outbox: cannot set up passwordeval\n";
	struct sigaction sa;
	sigset_t none;
	int sig, in;

	if (group)
		(void)setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in == -1 || (in = above_2(in)) == -1 ||
	    (outw = above_2(outw)) == -1 || (errw = above_2(errw)) == -1 ||
	    dup2(in, 0) == -1 || dup2(outw, 1) == -1 || dup2(errw, 2) == -1) {
		(void)compat_write_all(errw, msg, sizeof(msg) - 1);
		_exit(127);
	}
	close_from_3();
	/* -p: a shell started with another effective group (the helper
	   of a setgid outbox) keeps it, for files only the group reads. */
	if (sealed)
		execl("/bin/sh", "sh", "-p", "-c", cmd, (char *)NULL);
	else
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Stop the child and all it started (when it has a group of its own);
   reap it if it goes within 1 s. */
static void
stop(pid_t pid)
{
	int status;

	if (getpgid(pid) == pid)
		(void)kill(-pid, SIGKILL);
	(void)kill(pid, SIGKILL);
	(void)reap(pid, &status, compat_now_ms() + 1000);
}

/*
 * Start cmd with its stdout and stderr on pipes: the child's pid, or -1
 * with errno (every descriptor closed then).
 */
static pid_t
spawn(const char *cmd, int *outr, int *errr)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, e;
	int group = own_group();
	pid_t pid = -1;

	if (pipe2(outp, O_CLOEXEC) == 0 && pipe2(errp, O_CLOEXEC) == 0 &&
	    (pid = fork()) == 0)
		child(cmd, outp[1], errp[1], group);
	e = errno;
	if (pid > 0 && group)
		(void)setpgid(pid, pid);	/* no race with stop() */
	if (outp[1] != -1)
		close(outp[1]);
	if (errp[1] != -1)
		close(errp[1]);
	if (pid == -1) {
		if (outp[0] != -1)
			close(outp[0]);
		if (errp[0] != -1)
			close(errp[0]);
		errno = e;
		return -1;
	}
	*outr = outp[0];
	*errr = errp[0];
	return pid;
}

/* The first line of what the child printed, or an error in err. */
static int
result_of(const struct account *a, const char *what, int status, int full,
    struct buf *o, struct buf *e, char **out, struct config_error *err)
{
	char *nl, *msg;

	nl = e->data ? strchr(e->data, '\n') : NULL;
	if (nl && nl[1] == '\0')
		*nl = '\0';
	msg = e->data ? e->data : "";
	for (nl = msg; *nl; nl++)
		if (*nl == '\n' || *nl == '\r')
			*nl = ' ';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		config_error_set(err, NULL, "%s of account %s failed "
		    "(exit %d)%s%s", what, a->name, WIFEXITED(status) ?
		    WEXITSTATUS(status) : 128 + WTERMSIG(status),
		    *msg ? ": " : "", msg);
		return -1;
	}
	if (full) {
		config_error_set(err, NULL,
		    "%s of account %s: output "
		    "longer than %d bytes", what, a->name, PASSWORD_MAX);
		return -1;
	}
	if (o->data)
		o->data[strcspn(o->data, "\r\n")] = '\0';
	if (o->data == NULL || o->data[0] == '\0') {
		config_error_set(err, NULL,
		    "%s of account %s printed no "
		    "%s", what, a->name, strcmp(what, "passwordeval") == 0 ?
		    "password" : "secret");
		return -1;
	}
	*out = xstrdup(o->data);
	return 0;
}

/*
 * Run cmd via /bin/sh -c; the first line of its output is the secret.
 * The deadline (the account's timeout) covers the whole child: its
 * output and its exit.  Past it the child's process group is killed.
 */
int
config_eval(const struct account *a, const char *what, const char *cmd,
    char **out, struct config_error *err)
{
	int secs = a->timeout ? a->timeout : DEFAULT_TIMEOUT_S;
	int outr, errr, status, full = 0, rc = -1;
	struct sigaction dfl, old;
	long long deadline;
	struct buf o, e;
	pid_t pid;

	/* A caller's SIGCHLD SIG_IGN would leave no exit status to read. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	(void)sigaction(SIGCHLD, &dfl, &old);
	deadline = compat_now_ms() + (long long)secs * 1000;
	if ((pid = spawn(cmd, &outr, &errr)) == -1) {
		config_error_set(err, NULL,
		    "%s: %s", what, strerror(errno));
		(void)sigaction(SIGCHLD, &old, NULL);
		return -1;
	}
	buf_init(&o, PASSWORD_MAX);
	buf_init(&e, 4096);
	if (drain(outr, errr, &o, &e, deadline, &full) == -1 ||
	    reap(pid, &status, deadline) == -1) {
		stop(pid);
		config_error_set(err, NULL,
		    "%s of account %s did not finish "
		    "within %d s", what, a->name, secs);
		goto done;
	}
	rc = result_of(a, what, status, full, &o, &e, out, err);
done:
	close(outr);
	close(errr);
	buf_free(&o);
	buf_free(&e);
	(void)sigaction(SIGCHLD, &old, NULL);
	return rc;
}

int
config_password(const struct account *a, char **out, struct config_error *err)
{
	const char *v;

	*out = NULL;
	if (a->password) {
		*out = xstrdup(a->password);
		return 0;
	}
	if (a->passwordeval)
		return config_eval(a, "passwordeval", a->passwordeval, out,
		    err);
	if (a->passwordenv) {
		if ((v = getenv(a->passwordenv)) == NULL || *v == '\0') {
			config_error_set(err, NULL,
			    "account %s: passwordenv %s is not "
			    "set", a->name, a->passwordenv);
			return -1;
		}
		*out = xstrdup(v);
		return 0;
	}
	if ((v = getenv("OUTBOX_PASSWORD")) != NULL && *v)
		*out = xstrdup(v);
	return 0;
}


int
config_password_check(const struct account *a, const char *password,
    struct config_error *err)
{
	if (password || !a->auth_on || a->user == NULL ||
	    (a->auth && strcasecmp(a->auth, "external") == 0))
		return 0;
	config_error_set(err, NULL, "account %s: user set but no password: "
	    "set password, passwordeval or passwordenv (or OUTBOX_PASSWORD "
	    "in the environment)", a->name);
	return -1;
}
