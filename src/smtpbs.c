/*
 * smtpbs.c -- -bs: SMTP on standard input and output; each message is
 * submitted by a new outbox process, exactly as in sendmail mode.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "limits.h"
#include "log.h"
#include "smtpbs.h"
#include "xmalloc.h"

/* Where the session stands; changed only by set_state(). */
enum sb_state {
	SB_IDLE,		/* no transaction */
	SB_MAIL,		/* MAIL accepted, no recipient yet */
	SB_RCPT			/* at least one recipient: DATA may come */
};

static const char *const sb_state_names[] = {
	[SB_IDLE] = "idle", [SB_MAIL] = "mail", [SB_RCPT] = "rcpt"
};

struct sb {
	const struct cli *c;
	int		 in, out;
	char		 rbuf[IO_CHUNK];
	size_t		 rpos, rlen;
	int		 done;		/* 0, or 1 + the exit code */
	unsigned	 errors;
	char		 host[256];
	enum sb_state	 state;
	struct smtpbs_msg t;	/* the transaction */
};

static void
set_state(struct sb *s, enum sb_state st)
{
	char note[64];

	if (s->state != st && log_verbose()) {
		snprintf(note, sizeof(note), "-bs state %s -> %s",
		    sb_state_names[s->state], sb_state_names[st]);
		log_note(note);
	}
	s->state = st;
}

static void
txn_reset(struct sb *s)
{
	size_t i;

	free(s->t.from);
	free(s->t.envid);
	free(s->t.notify);
	for (i = 0; i < s->t.rcpt.n; i++)
		free(s->t.rcpt.v[i]);
	free(s->t.rcpt.v);
	memset(&s->t, 0, sizeof(s->t));
	set_state(s, SB_IDLE);
}

/* ---- input and output ---------------------------------------------- */

/* More input: 1, 0 at its end, -1 on an error or timeout (errno). */
static int
fill(struct sb *s)
{
	struct pollfd p;
	ssize_t n;
	int rc;

	if (s->rpos < s->rlen)
		return 1;
	for (;;) {
		p.fd = s->in;
		p.events = POLLIN;
		rc = poll(&p, 1, SMTPBS_TIMEOUT_S * 1000);
		if (rc == 0)
			errno = ETIMEDOUT;
		if (rc <= 0) {
			if (rc == -1 && errno == EINTR)
				continue;
			return -1;
		}
		n = read(s->in, s->rbuf, sizeof(s->rbuf));
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1)
			return -1;
		s->rpos = 0;
		s->rlen = (size_t)n;
		return n > 0;
	}
}

/* What rd_line() read. */
enum sb_read {
	RL_LINE,		/* a whole line (its end not stored) */
	RL_PIECE,		/* the first octets of a longer line */
	RL_EOF,			/* the input ended (a last piece is dropped) */
	RL_ERR			/* read error or timeout (errno) */
};

/*
 * The next line, or as much of it as max octets hold: its length in *n,
 * its end (LF, or CR LF) removed.  A CR that would end a piece is kept
 * for the next one, where it may be part of the CR LF.
 */
static enum sb_read
rd_line(struct sb *s, char *out, size_t max, size_t *n)
{
	const char *lf;
	size_t take, avail;
	int rc;

	*n = 0;
	while (*n < max) {
		if ((rc = fill(s)) <= 0)
			return rc == 0 ? RL_EOF : RL_ERR;
		avail = s->rlen - s->rpos;
		lf = memchr(s->rbuf + s->rpos, '\n', avail);
		take = lf ? (size_t)(lf - (s->rbuf + s->rpos)) : avail;
		if (take > max - *n)
			take = max - *n;
		memcpy(out + *n, s->rbuf + s->rpos, take);
		*n += take;
		s->rpos += take;
		if (lf && s->rbuf + s->rpos == lf) {
			s->rpos++;
			if (*n > 0 && out[*n - 1] == '\r')
				(*n)--;
			return RL_LINE;
		}
	}
	if (*n > 1 && out[*n - 1] == '\r') {
		(*n)--;
		s->rpos--;
	}
	return RL_PIECE;
}

/* Write all of it within the timeout; the session ends if not. */
static void
put(struct sb *s, const char *p, size_t n)
{
	struct pollfd pf;
	ssize_t w;
	int rc;

	while (n > 0 && !s->done) {
		pf.fd = s->out;
		pf.events = POLLOUT;
		if ((rc = poll(&pf, 1, SMTPBS_TIMEOUT_S * 1000)) <= 0) {
			if (rc == -1 && errno == EINTR)
				continue;
			s->done = 1 + 74;
			break;
		}
		if ((w = write(s->out, p, n)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			s->done = 1 + 74;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* One reply line, CRLF added, cut at 1 KB; traced with -v. */
static void
vreply(struct sb *s, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	log_trace("-bs S", line);
	memcpy(line + n, "\r\n", 2);
	put(s, line, (size_t)n + 2);
}

static void
reply(struct sb *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply(struct sb *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply(s, fmt, ap);
	va_end(ap);
}

/* A refusal of a command; too many of them end the session. */
static void
refuse(struct sb *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
refuse(struct sb *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply(s, fmt, ap);
	va_end(ap);
	if (++s->errors >= SMTPBS_ERRORS_MAX && !s->done) {
		reply(s, "421 4.7.0 %s Error: too many errors", s->host);
		s->done = 1 + 75;
	}
}

/* ---- command arguments ---------------------------------------------- */

/*
 * The path at *p: "<addr>" (a source route "@a,@b:" dropped), or a bare
 * address as lenient servers take it.  The address goes to *addr
 * (xmalloc'd); *p moves past it.  -1 on bad syntax.
 */
static int
parse_path(char **p, char **addr)
{
	char *s = *p, *e, *a;
	int quoted = 0;

	while (*s == ' ')
		s++;
	if (*s != '<')
		e = s + strcspn(s, " ");
	else {
		for (e = ++s; *e && (quoted || *e != '>'); e++) {
			if (*e == '\\' && e[1])
				e++;
			else if (*e == '"')
				quoted = !quoted;
		}
		if (*e != '>')
			return -1;
	}
	if ((size_t)(e - s) > ADDR_MAX)
		return -1;
	a = s;
	if (*a == '@' && (a = memchr(s, ':', (size_t)(e - s))) != NULL)
		a++;
	else if (*s == '@')
		return -1;
	*addr = xstrndup(a, (size_t)(e - a));
	*p = *e == '>' ? e + 1 : e;
	return **p == '\0' || **p == ' ' ? 0 : (free(*addr), -1);
}

/* xtext (RFC 3461 4) to text; NULL when it is not xtext. */
static char *
xtext_decode(const char *v)
{
	char *out = xmalloc(strlen(v) + 1), *o = out, hex[3] = { 0, 0, 0 };

	for (; *v; v++) {
		if (*v == '+' && isxdigit((unsigned char)v[1]) &&
		    isxdigit((unsigned char)v[2])) {
			hex[0] = v[1];
			hex[1] = v[2];
			*o++ = (char)strtol(hex, NULL, 16);
			v += 2;
		} else if (*v > ' ' && *v <= '~' && *v != '+' && *v != '=')
			*o++ = *v;
		else {
			free(out);
			return NULL;
		}
	}
	*o = '\0';
	return out;
}

/* The next " KEY[=VALUE]" at *p: NULL at the end. */
static char *
next_param(char **p, char **value)
{
	char *k, *eq;

	if (*p == NULL)
		return NULL;
	while (**p == ' ')
		(*p)++;
	if (**p == '\0')
		return NULL;
	k = strsep(p, " ");
	if ((eq = strchr(k, '=')) != NULL)
		*eq++ = '\0';
	*value = eq;
	return k;
}

/* One MAIL parameter; a refusal's text in *why. */
static int
mail_param(struct sb *s, const char *k, const char *v, const char **why)
{
	if (strcasecmp(k, "BODY") == 0 && v && strcasecmp(v, "7BIT") == 0)
		s->t.body = "7BIT";
	else if (strcasecmp(k, "BODY") == 0 && v &&
	    strcasecmp(v, "8BITMIME") == 0)
		s->t.body = "8BITMIME";
	else if (strcasecmp(k, "SMTPUTF8") == 0 && v == NULL)
		;	/* the submission sees UTF-8 for itself */
	else if (strcasecmp(k, "RET") == 0 && v && (strcasecmp(v, "FULL") ==
	    0 || strcasecmp(v, "HDRS") == 0))
		s->t.ret = toupper((unsigned char)*v) == 'F' ? "FULL" : "HDRS";
	else if (strcasecmp(k, "ENVID") == 0 && v && s->t.envid == NULL) {
		if ((s->t.envid = xtext_decode(v)) == NULL ||
		    !cli_envid_ok(s->t.envid)) {
			*why = "501 5.5.4 Error: invalid ENVID";
			return -1;
		}
	} else if (strcasecmp(k, "SIZE") == 0 && v && *v &&
	    strspn(v, "0123456789") == strlen(v))
		;	/* no fixed limit */
	else {
		*why = "555 5.5.4 Error: unsupported or invalid MAIL "
		    "parameter";
		return -1;
	}
	return 0;
}

/* One RCPT parameter: NOTIFY= (the first is the message's), ORCPT=. */
static int
rcpt_param(struct sb *s, const char *k, const char *v, const char **why)
{
	char *n;

	if (strcasecmp(k, "ORCPT") == 0 && v)
		return 0;
	if (strcasecmp(k, "NOTIFY") == 0 && v) {
		if ((n = cli_notify(v)) == NULL) {
			*why = "501 5.5.4 Error: invalid NOTIFY parameter";
			return -1;
		}
		if (s->t.notify == NULL)
			s->t.notify = n;
		else
			free(n);
		return 0;
	}
	*why = "555 5.5.4 Error: unsupported or invalid RCPT parameter";
	return -1;
}

/* ---- commands -------------------------------------------------------- */

static void
cmd_ehlo(struct sb *s, char *arg, int ehlo)
{
	if (*arg == '\0') {
		refuse(s, "501 5.5.4 Syntax: %s hostname", ehlo ? "EHLO" :
		    "HELO");
		return;
	}
	txn_reset(s);
	if (!ehlo) {
		reply(s, "250 %s", s->host);
		return;
	}
	reply(s, "250-%s", s->host);
	reply(s, "250-PIPELINING");
	reply(s, "250-8BITMIME");
	reply(s, "250-SMTPUTF8");
	reply(s, "250-DSN");
	reply(s, "250 ENHANCEDSTATUSCODES");
}

static void
cmd_mail(struct sb *s, char *arg)
{
	const char *why = NULL;
	char *k, *v;

	if (s->state != SB_IDLE) {
		refuse(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (strncasecmp(arg, "FROM:", 5) != 0) {
		refuse(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return;
	}
	arg += 5;
	if (parse_path(&arg, &s->t.from) == -1) {
		refuse(s, "501 5.1.7 Bad sender address syntax");
		return;
	}
	if (*s->t.from && addr_check(s->t.from, 1, &why) == -1) {
		txn_reset(s);
		refuse(s, "553 5.1.7 Bad sender address syntax: %s", why);
		return;
	}
	while ((k = next_param(&arg, &v)) != NULL)
		if (mail_param(s, k, v, &why) == -1) {
			txn_reset(s);
			refuse(s, "%s", why);
			return;
		}
	set_state(s, SB_MAIL);
	reply(s, "250 2.1.0 Ok");
}

static void
cmd_rcpt(struct sb *s, char *arg)
{
	const char *why = NULL;
	char *addr = NULL, *k, *v;

	if (s->state == SB_IDLE) {
		refuse(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (strncasecmp(arg, "TO:", 3) != 0) {
		refuse(s, "501 5.5.4 Syntax: RCPT TO:<address>");
		return;
	}
	arg += 3;
	if (parse_path(&arg, &addr) == -1) {
		refuse(s, "501 5.1.3 Bad recipient address syntax");
		return;
	}
	if (addr_check(addr, 1, &why) == -1) {
		refuse(s, "553 5.1.3 Bad recipient address syntax: %s", why);
		goto done;
	}
	while ((k = next_param(&arg, &v)) != NULL)
		if (rcpt_param(s, k, v, &why) == -1) {
			refuse(s, "%s", why);
			goto done;
		}
	if (s->t.rcpt.n >= SMTPBS_RCPT_MAX) {
		reply(s, "452 4.5.3 Error: too many recipients");
		goto done;
	}
	s->t.rcpt.v = xgrow(s->t.rcpt.v, s->t.rcpt.n, sizeof(char *));
	s->t.rcpt.v[s->t.rcpt.n++] = addr;
	addr = NULL;
	set_state(s, SB_RCPT);
	reply(s, "250 2.1.5 Ok");
done:
	free(addr);
}

/* ---- one message ------------------------------------------------------ */

/*
 * The message up to the line ".", dot-unstuffed, lines ended with CRLF,
 * into fp.  RL_LINE when the final dot was read (*werr set if fp
 * failed), else RL_EOF or RL_ERR: the input ended or failed before it.
 */
static enum sb_read
read_data(struct sb *s, FILE *fp, int *werr)
{
	char buf[IO_CHUNK];
	const char *p;
	size_t n;
	enum sb_read rl;
	int bol = 1;

	*werr = 0;
	for (;;) {
		if ((rl = rd_line(s, buf, sizeof(buf), &n)) == RL_EOF ||
		    rl == RL_ERR)
			return rl;
		if (bol && rl == RL_LINE && n == 1 && buf[0] == '.')
			return RL_LINE;
		p = buf;
		if (bol && n > 0 && buf[0] == '.') {
			p++;
			n--;
		}
		if (fwrite(p, 1, n, fp) != n || (rl == RL_LINE &&
		    fwrite("\r\n", 1, 2, fp) != 2))
			*werr = 1;
		bol = rl == RL_LINE;
	}
}

/* The input ended or failed: the session is over. */
static void
input_end(struct sb *s, enum sb_read rl)
{
	if (rl == RL_EOF)
		s->done = 1 + 0;
	else if (errno == ETIMEDOUT) {
		reply(s, "421 4.4.2 %s Error: timeout exceeded", s->host);
		s->done = 1 + 75;
	} else
		s->done = 1 + 74;
}

static void
cmd_data(struct sb *s, char *arg)
{
	enum sb_read rl;
	char r[SMTPBS_TEXT_MAX + 128];
	FILE *fp;
	int werr;

	if (*arg) {
		refuse(s, "501 5.5.4 Syntax: DATA");
		return;
	}
	if (s->state != SB_RCPT) {
		refuse(s, "503 5.5.1 Error: need %s command", s->state ==
		    SB_IDLE ? "MAIL" : "RCPT");
		return;
	}
	if ((fp = tmpfile()) == NULL) {
		reply(s, "451 4.3.0 Error: cannot make a temporary file: %s",
		    strerror(errno));
		return;
	}
	(void)fcntl(fileno(fp), F_SETFD, FD_CLOEXEC);
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
	if ((rl = read_data(s, fp, &werr)) != RL_LINE)
		input_end(s, rl);
	else if (werr || fflush(fp) != 0 ||
	    lseek(fileno(fp), 0, SEEK_SET) == -1)
		reply(s, "451 4.3.0 Error: cannot write the temporary file");
	else {
		smtpbs_submit(s->c, &s->t, fileno(fp), r, sizeof(r));
		reply(s, "%s", r);
	}
	fclose(fp);
	txn_reset(s);
}

static void
cmd_helo(struct sb *s, char *arg)
{
	cmd_ehlo(s, arg, 0);
}

static void
cmd_ehlo_e(struct sb *s, char *arg)
{
	cmd_ehlo(s, arg, 1);
}

static void
cmd_rset(struct sb *s, char *arg)
{
	if (*arg) {
		refuse(s, "501 5.5.4 Syntax: RSET");
		return;
	}
	txn_reset(s);
	reply(s, "250 2.0.0 Ok");
}

static void
cmd_noop(struct sb *s, char *arg)
{
	(void)arg;
	reply(s, "250 2.0.0 Ok");
}

static void
cmd_quit(struct sb *s, char *arg)
{
	(void)arg;
	reply(s, "221 2.0.0 Bye");
	s->done = 1 + 0;
}

static void
cmd_vrfy(struct sb *s, char *arg)
{
	if (*arg == '\0')
		refuse(s, "501 5.5.4 Syntax: VRFY address");
	else
		reply(s, "252 2.0.0 Cannot VRFY user, but will accept the "
		    "message and attempt delivery");
}

static void
cmd_help(struct sb *s, char *arg)
{
	(void)arg;
	reply(s, "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP "
	    "QUIT VRFY HELP");
}

static void
cmd_unimplemented(struct sb *s, char *arg)
{
	(void)arg;
	refuse(s, "502 5.5.1 Error: command not implemented");
}

static const struct sb_cmd {
	const char	*verb;
	void		(*fn)(struct sb *, char *);
} sb_cmds[] = {
	{ "EHLO", cmd_ehlo_e }, { "HELO", cmd_helo }, { "MAIL", cmd_mail },
	{ "RCPT", cmd_rcpt }, { "DATA", cmd_data }, { "RSET", cmd_rset },
	{ "NOOP", cmd_noop }, { "QUIT", cmd_quit }, { "VRFY", cmd_vrfy },
	{ "HELP", cmd_help }, { "EXPN", cmd_unimplemented },
	{ "STARTTLS", cmd_unimplemented }, { "AUTH", cmd_unimplemented },
	{ "BDAT", cmd_unimplemented }, { "ETRN", cmd_unimplemented },
	{ "TURN", cmd_unimplemented }, { NULL, NULL }
};

static void
command(struct sb *s, char *line, size_t n)
{
	const struct sb_cmd *k;
	size_t vlen;
	char *arg;

	if (memchr(line, '\0', n) != NULL) {
		refuse(s, "500 5.5.2 Error: NUL in the command");
		return;
	}
	line[n] = '\0';
	log_trace("-bs C", line);
	vlen = strcspn(line, " ");
	for (arg = line + vlen; *arg == ' '; arg++)
		;
	for (k = sb_cmds; k->verb; k++)
		if (strlen(k->verb) == vlen &&
		    strncasecmp(line, k->verb, vlen) == 0) {
			k->fn(s, arg);
			return;
		}
	refuse(s, "500 5.5.2 Error: command not recognized");
}

/* The greeting's name: the host name if it looks like one. */
static void
host_name(char *host, size_t len)
{
	if (gethostname(host, len) == -1 || host[0] == '\0' ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") != strnlen(host, len))
		snprintf(host, len, "localhost");
	host[len - 1] = '\0';
}

int
smtpbs_run(const struct cli *c, int in, int out)
{
	struct sb *s = xcalloc(1, sizeof(*s));
	char line[SMTPBS_LINE_MAX + 1];
	enum sb_read rl;
	size_t n;
	int code, fd;

	/* a submission's pipes must not become its standard fds */
	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) == -1)
			(void)open("/dev/null", O_RDWR);
	s->c = c;
	s->in = in;
	s->out = out;
	host_name(s->host, sizeof(s->host));
	reply(s, "220 %s outbox ESMTP", s->host);
	while (!s->done) {
		if ((rl = rd_line(s, line, SMTPBS_LINE_MAX, &n)) == RL_PIECE) {
			while ((rl = rd_line(s, line, SMTPBS_LINE_MAX, &n)) ==
			    RL_PIECE)
				;
			if (rl == RL_LINE) {
				refuse(s, "500 5.5.2 Error: line too long");
				continue;
			}
		}
		if (rl != RL_LINE)
			input_end(s, rl);
		else
			command(s, line, n);
	}
	code = s->done - 1;
	txn_reset(s);
	free(s);
	return code;
}
