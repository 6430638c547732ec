/*
 * smtpbs_submit.c -- -bs: one message submitted by a new outbox process,
 * exactly as sendmail mode submits one; its outcome as the reply to the
 * final dot.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "compat.h"
#include "limits.h"
#include "smtpbs.h"
#include "xmalloc.h"

/* What a submission left behind. */
struct sb_child {
	int		 code;		/* exit code, -1 if it did not exit */
	struct buf	 json;		/* its standard output, bounded */
	char		 line[1024];	/* its last error line */
	char		 cur[1024];	/* the stderr line being read */
	size_t		 curlen;
};

/* The submission's command line (pointers into c and m). */
static char **
child_argv(const struct cli *c, const struct smtpbs_msg *m)
{
	char **v = xcalloc(48 + m->rcpt.n, sizeof(char *));
	size_t n = 0, i;

#define ARG(a)		(v[n++] = (char *)(a))
#define OPT(o, a)	do { if (a) { ARG(o); ARG(a); } } while (0)
	ARG("outbox");
	ARG("-i");
	ARG("--json");
	OPT("-f", *m->from ? m->from : "<>");
	OPT("-N", m->notify ? m->notify : c->dsn_notify);
	OPT("-R", m->ret ? m->ret : c->dsn_ret);
	OPT("-V", m->envid ? m->envid : c->envid);
	OPT("-B", m->body ? m->body : c->body_type);
	OPT("-C", c->config_file);
	OPT("--account", c->account);
	OPT("-X", c->log_file);
	OPT("-L", c->syslog_tag);
	OPT("-F", c->fullname);
	OPT("--host", c->host);
	OPT("--port", c->port);
	OPT("--tls", c->tls);
	OPT("--user", c->user);
	if (c->no_queue)
		ARG("--no-queue");
	if (c->verbose)
		ARG("-v");
	if (c->queue_only)
		ARG("-odq");
	ARG("--");
	for (i = 0; i < m->rcpt.n; i++)
		ARG(m->rcpt.v[i]);
#undef ARG
#undef OPT
	return v;
}

/* In the new process: never returns. */
static void
child_exec(const struct cli *c, const struct smtpbs_msg *m, int in,
    int outp, int errp)
{
	char **argv = child_argv(c, m);

	if (dup2(in, 0) == -1 || dup2(outp, 1) == -1 || dup2(errp, 2) == -1)
		_exit(71);
	execv("/proc/self/exe", argv);
	if (c->prog && strchr(c->prog, '/'))
		execv(c->prog, argv);
	else if (c->prog)
		execvp(c->prog, argv);
	dprintf(2, "outbox: cannot run outbox to submit the message: %s\n",
	    strerror(errno));
	_exit(71);
}

/* A line of the submission's stderr: keep the last error line. */
static void
child_line(struct sb_child *ch)
{
	static const char prefix[] = "outbox: ";

	ch->cur[ch->curlen] = '\0';
	if (strncmp(ch->cur, prefix, sizeof(prefix) - 1) == 0 &&
	    strncmp(ch->cur, "outbox: warning: ", 17) != 0)
		snprintf(ch->line, sizeof(ch->line), "%s",
		    ch->cur + sizeof(prefix) - 1);
	ch->curlen = 0;
}

static void
child_stderr(struct sb_child *ch, const char *p, size_t n, int verbose)
{
	size_t i;

	if (verbose)
		(void)compat_write_all(2, p, n);
	for (i = 0; i < n; i++) {
		if (p[i] == '\n')
			child_line(ch);
		else if (ch->curlen < sizeof(ch->cur) - 1)
			ch->cur[ch->curlen++] = p[i];
	}
}

/* Read the submission's output until both pipes end, then reap it. */
static void
child_collect(struct sb_child *ch, int outfd, int errfd, pid_t pid,
    int verbose)
{
	struct pollfd p[2];
	char chunk[4096];
	ssize_t n;
	int open = 2, i, st = 0;

	p[0].fd = outfd;
	p[1].fd = errfd;
	p[0].events = p[1].events = POLLIN;
	while (open > 0) {
		if (poll(p, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			if ((n = read(p[i].fd, chunk, sizeof(chunk))) == -1 &&
			    errno == EINTR)
				continue;
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				open--;
			} else if (i == 0)
				(void)buf_add(&ch->json, chunk, (size_t)n);
			else
				child_stderr(ch, chunk, (size_t)n, verbose);
		}
	}
	for (i = 0; i < 2; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	ch->code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (ch->curlen)
		child_line(ch);
}

/* A word-like string value of the submission's --json, by key. */
static const char *
json_word(const struct buf *b, const char *key, char *out, size_t len)
{
	static const char word[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	char pat[32];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	if ((p = strstr(buf_cstr(b), pat)) == NULL)
		return NULL;
	p += strlen(pat);
	n = strspn(p, word);
	if (n == 0 || n >= len || p[n] != '"')
		return NULL;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

void
smtpbs_submit(const struct cli *c, const struct smtpbs_msg *m, int fd,
    char *out, size_t len)
{
	struct sb_child ch;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, i;
	char st[16], id[128];
	const char *status;
	pid_t pid;

	memset(&ch, 0, sizeof(ch));
	buf_init(&ch.json, SMTPBS_JSON_MAX);
	if (pipe2(outp, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1 ||
	    (pid = fork()) == -1) {
		snprintf(out, len, "451 4.3.0 Error: cannot start the "
		    "submission: %s", strerror(errno));
		goto done;
	}
	if (pid == 0)
		child_exec(c, m, fd, outp[1], errp[1]);
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	child_collect(&ch, outp[0], errp[0], pid, c->verbose);
	outp[0] = errp[0] = -1;
	status = json_word(&ch.json, "status", st, sizeof(st));
	smtpbs_final_reply(ch.code, status && strcmp(status, "queued") == 0,
	    json_word(&ch.json, "queue_id", id, sizeof(id)), ch.line, out,
	    len);
done:
	for (i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	buf_free(&ch.json);
}

/* Printable US-ASCII only, at most SMTPBS_TEXT_MAX octets. */
static void
clean(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i < len - 1 && i < SMTPBS_TEXT_MAX; i++)
		out[i] = in[i] >= ' ' && in[i] <= '~' ? in[i] : '?';
	out[i] = '\0';
}

void
smtpbs_final_reply(int code, int queued, const char *queue_id,
    const char *text, char *out, size_t len)
{
	static const struct {
		int		 code;
		const char	*reply;
	} map[] = {
		{ 64, "554 5.5.4" }, { 65, "554 5.6.0" }, { 67, "550 5.1.1" },
		{ 68, "554 5.4.4" }, { 69, "554 5.0.0" }, { 76, "451 4.5.0" },
		{ 77, "451 4.7.0" }, { 78, "451 4.3.5" }
	};
	char t[SMTPBS_TEXT_MAX + 1];
	const char *r = "451 4.3.0";
	size_t i;

	clean(text ? text : "", t, sizeof(t));
	if (queued) {
		snprintf(out, len, "250 2.0.0 Ok: queued%s%s%s%s", queue_id ?
		    " as " : "", queue_id ? queue_id : "", *t ? ": " : "", t);
		return;
	}
	if (code == 0) {
		snprintf(out, len, "250 2.0.0 Ok: %s", *t ? t : "sent");
		return;
	}
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].code == code)
			r = map[i].reply;
	if (*t == '\0' && code == -1)
		snprintf(t, sizeof(t), "the submission did not finish");
	else if (*t == '\0')
		snprintf(t, sizeof(t), "the submission failed (exit %d)",
		    code);
	snprintf(out, len, "%s %s", r, t);
}
