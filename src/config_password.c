/*
 * config_password.c -- where an account's password comes from:
 * `password`, `passwordeval` (a command's first output line, with a
 * deadline), `passwordenv`, or $OUTBOX_PASSWORD.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "compat.h"
#include "config.h"
#include "limits.h"
#include "xmalloc.h"

static void
err_set(struct config_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
err_set(struct config_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

/*
 * Read the child's stdout and stderr together until both end or the
 * deadline passes (-1).  Each has its own cap: what passes it is counted
 * in *full (stdout) or dropped (stderr), never blocking the child.
 */
static int
drain(int outfd, int errfd, struct buf *o, struct buf *e, time_t deadline,
    int *full)
{
	struct pollfd pfd[2] = { { outfd, POLLIN, 0 }, { errfd, POLLIN, 0 } };
	char chunk[1024];
	ssize_t n;
	int i, left;

	while (pfd[0].fd != -1 || pfd[1].fd != -1) {
		left = (int)(deadline - time(NULL));
		if (left <= 0)
			return -1;
		if (poll(pfd, 2, left * 1000) <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			n = read(pfd[i].fd, chunk, sizeof(chunk));
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

/* Run cmd via /bin/sh -c; the first line of its output is the secret. */
static int
password_eval(const struct account *a, char **out, struct config_error *err)
{
	int outp[2], errp[2], status, full = 0, rc = -1;
	struct buf o, e;
	time_t deadline;
	pid_t pid;
	char *nl, *msg;

	if (pipe2(outp, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1) {
		err_set(err, "passwordeval: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		err_set(err, "passwordeval: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull != -1)
			dup2(devnull, 0);
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		execl("/bin/sh", "sh", "-c", a->passwordeval, (char *)NULL);
		_exit(127);
	}
	close(outp[1]);
	close(errp[1]);
	buf_init(&o, PASSWORD_MAX);
	buf_init(&e, 4096);
	deadline = time(NULL) + (a->timeout ? a->timeout : DEFAULT_TIMEOUT_S);
	if (drain(outp[0], errp[0], &o, &e, deadline, &full) == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		err_set(err, "passwordeval of account %s did not finish "
		    "within %d s", a->name,
		    a->timeout ? a->timeout : DEFAULT_TIMEOUT_S);
		goto done;
	}
	waitpid(pid, &status, 0);
	nl = e.data ? strchr(e.data, '\n') : NULL;
	if (nl && nl[1] == '\0')
		*nl = '\0';
	msg = e.data ? e.data : "";
	for (nl = msg; *nl; nl++)
		if (*nl == '\n' || *nl == '\r')
			*nl = ' ';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		err_set(err, "passwordeval of account %s failed "
		    "(exit %d)%s%s", a->name, WIFEXITED(status) ?
		    WEXITSTATUS(status) : 128 + WTERMSIG(status),
		    *msg ? ": " : "", msg);
		goto done;
	}
	if (full) {
		err_set(err, "passwordeval of account %s: output "
		    "longer than %d bytes", a->name, PASSWORD_MAX);
		goto done;
	}
	if (o.data)
		o.data[strcspn(o.data, "\r\n")] = '\0';
	if (o.data == NULL || o.data[0] == '\0') {
		err_set(err, "passwordeval of account %s printed no "
		    "password", a->name);
		goto done;
	}
	*out = xstrdup(o.data);
	rc = 0;
done:
	close(outp[0]);
	close(errp[0]);
	buf_free(&o);
	buf_free(&e);
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
		return password_eval(a, out, err);
	if (a->passwordenv) {
		if ((v = getenv(a->passwordenv)) == NULL || *v == '\0') {
			err_set(err, "account %s: passwordenv %s is not "
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

