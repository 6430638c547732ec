/*
 * session.c -- the SMTP client state machine.
 *
 * Flow is blocking and straight-line; the state variable names where we
 * are for traces and for the stage of a failure, and set_state() is the
 * only way to change it.  Each step sends what entering it requires, then
 * lets the reply decide.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "auth.h"
#include "buf.h"
#include "codec.h"
#include "dotstuff.h"
#include "downgrade.h"
#include "limits.h"
#include "session.h"
#include "xmalloc.h"

enum smtp_state {
	SMTP_GREETING,
	SMTP_EHLO,
	SMTP_HELO,
	SMTP_STARTTLS,
	SMTP_AUTH,
	SMTP_MAIL,
	SMTP_RCPT,
	SMTP_DATA,
	SMTP_BODY,
	SMTP_QUIT
};

static const struct {
	const char		*name;
	enum result_stage	 stage;
} states[] = {
	[SMTP_GREETING] = { "greeting", STAGE_GREETING },
	[SMTP_EHLO] = { "ehlo", STAGE_EHLO },
	[SMTP_HELO] = { "helo", STAGE_HELO },
	[SMTP_STARTTLS] = { "starttls", STAGE_STARTTLS },
	[SMTP_AUTH] = { "auth", STAGE_AUTH },
	[SMTP_MAIL] = { "mail", STAGE_MAIL },
	[SMTP_RCPT] = { "rcpt", STAGE_RCPT },
	[SMTP_DATA] = { "data", STAGE_DATA },
	[SMTP_BODY] = { "body", STAGE_BODY },
	[SMTP_QUIT] = { "quit", STAGE_QUIT },
};

struct session {
	struct transport		*t;
	const struct session_params	*p;
	struct result			*r;
	struct session_info		*info;
	struct reply			 reply;
	struct caps			 caps;
	enum smtp_state			 state;
	int				 dead;	/* no QUIT: just close */
	int				 quit_sent;	/* pipelined already */
	const struct envelope		*env;	/* the message being sent */
	ssize_t				(*body_read)(void *, char *, size_t);
	void				*body_ctx;
	unsigned			 nsent;	/* transactions begun */
	const char			*auth_mech;
	struct session_info		 dummy;
	char				 line[REPLY_LINE_MAX + 1];
};

/* The only way to change state. */
static void
set_state(struct session *s, enum smtp_state st)
{
	s->state = st;
}

static enum result_stage
stage(const struct session *s)
{
	return states[s->state].stage;
}

static void
trace(const struct session *s, const char *dir, const char *line)
{
	if (s->p->trace)
		s->p->trace(dir, line);
}

/* Record the transport's failure as the outcome. */
static int
io_fail(struct session *s, const char *what)
{
	transport_result(s->t, s->r, stage(s), what, NULL);
	s->dead = 1;
	return -1;
}

/*
 * Queue one command; shown is what the transcript may show instead.
 * Returns -1 with the outcome set: a command over its limit (RFC 4954
 * allows AUTH lines of 12,288 octets, others 2,048 here) is a local
 * error, never sent.
 */
static int
send_line(struct session *s, const char *line, const char *shown,
    const char *what)
{
	size_t n = strlen(line);
	size_t max = s->state == SMTP_AUTH ? AUTH_LINE_MAX : CMD_LINE_MAX;

	if (n > max) {
		/* An AUTH line carries the account's secret: configuration;
		   any other carries the message's addresses. */
		result_local(s->r, RES_PERM, stage(s), s->state == SMTP_AUTH ?
		    ERR_CONFIG : ERR_USAGE, what, "the command would be %zu "
		    "octets, over the limit of %zu%s", n, max,
		    s->state == SMTP_AUTH ? " (RFC 4954): the token or "
		    "password is too long" : "");
		return -1;
	}
	trace(s, "C", shown ? shown : line);
	if (transport_write(s->t, line, n) == -1 ||
	    transport_write(s->t, "\r\n", 2) == -1)
		return io_fail(s, what);
	return 0;
}

static int
flush(struct session *s, const char *what)
{
	return transport_flush(s->t) == -1 ? io_fail(s, what) : 0;
}

static int
read_reply(struct session *s, const char *what)
{
	const char *why;
	long n;
	int rc;

	reply_reset(&s->reply);
	/* One timeout for the whole reply, not for each byte of it. */
	transport_deadline(s->t, s->t->timeout_ms);
	do {
		n = transport_readline(s->t, s->line, REPLY_LINE_MAX);
		if (n < 0) {
			transport_deadline(s->t, 0);
			return io_fail(s, what);
		}
		trace(s, "S", s->line);
		rc = reply_feed(&s->reply, s->line, (size_t)n, &why);
		if (rc == -1) {
			char *shown;

			transport_deadline(s->t, 0);
			shown = result_sanitize_n(s->line,
			    (size_t)n < 200 ? (size_t)n : 200);

			result_local(s->r, RES_PERM, stage(s), ERR_PROTOCOL,
			    what, "malformed reply: %s: %s%s", why, shown,
			    n > 200 ? "..." : "");
			free(shown);
			s->dead = 1;
			return -1;
		}
	} while (rc == 0);
	transport_deadline(s->t, 0);
	if (s->reply.code == 421)
		s->dead = 1;
	return 0;
}

/* The reply in s->reply refuses what. */
static int
refuse(struct session *s, const char *what)
{
	char *text = reply_oneline(&s->reply);

	if (s->reply.code / 100 == 3 || s->reply.code / 100 == 2) {
		/* A reply out of sequence (an intermediate one where none
		   belongs, a 2xx where 354 or 220 was due): the server
		   may be waiting for data, so not even QUIT is safe. */
		result_local(s->r, RES_PERM, stage(s), ERR_PROTOCOL, what,
		    "unexpected reply: %d %s", s->reply.code, text);
		s->dead = 1;
	} else
		result_reply(s->r, stage(s), what, s->reply.code,
		    s->reply.enhanced, text);
	free(text);
	return -1;
}

static int
command(struct session *s, const char *line, const char *shown,
    const char *what)
{
	if (send_line(s, line, shown, what) == -1)
		return -1;
	if (flush(s, what) == -1 || read_reply(s, what) == -1)
		return -1;
	return 0;
}

static int
hello(struct session *s)
{
	char *cmd, *what;
	int rc = -1;

	set_state(s, SMTP_EHLO);
	cmd = xasprintf("EHLO %s", s->p->helo);
	if (command(s, cmd, NULL, cmd) == -1)
		goto done;
	if (s->reply.code == 250) {
		reply_caps(&s->reply, &s->caps);
		rc = 0;
		goto done;
	}
	if (s->reply.code < 500) {
		refuse(s, cmd);
		goto done;
	}
	set_state(s, SMTP_HELO);
	what = xasprintf("HELO %s", s->p->helo);
	if (command(s, what, NULL, what) == 0) {
		if (s->reply.code == 250) {
			memset(&s->caps, 0, sizeof(s->caps));
			rc = 0;
		} else
			refuse(s, what);
	}
	free(what);
done:
	free(cmd);
	return rc;
}

static int
starttls(struct session *s)
{
	set_state(s, SMTP_STARTTLS);
	if (!(s->caps.flags & CAP_STARTTLS)) {
		result_local(s->r, RES_PERM, STAGE_STARTTLS, ERR_PROTOCOL,
		    "STARTTLS", "the server does not offer STARTTLS, and "
		    "TLS is required");
		return -1;
	}
	if (command(s, "STARTTLS", NULL, "STARTTLS") == -1)
		return -1;
	if (s->reply.code != 220)
		return refuse(s, "STARTTLS");
	if (transport_starttls(s->t, s->p->tls_conf) == -1)
		return io_fail(s, "STARTTLS");
	/* Forget everything learnt before TLS. */
	s->info->caps_plain = s->caps;
	memset(&s->caps, 0, sizeof(s->caps));
	return hello(s);
}

/* Exchange challenges until a final reply; 0 with s->reply set. */
static int
auth_exchange(struct session *s, struct auth *a, const char *what)
{
	const char *why = NULL;
	char *line, *shown;
	int rc, round;

	line = auth_start(a);
	if (line == NULL) {
		result_local(s->r, RES_PERM, STAGE_AUTH, ERR_SOFTWARE, what,
		    "cannot start %s", what);
		return -1;
	}
	shown = xasprintf("%s ****", what);
	rc = command(s, line, strcmp(line, what) ? shown : NULL, what);
	free(shown);
	xfree_secret(line);
	for (round = 0; rc == 0 && s->reply.code == 334; round++) {
		char *chal = reply_oneline(&s->reply);

		line = round < 10 ? auth_step(a, chal, &why) : NULL;
		free(chal);
		if (line == NULL) {
			/* Cancel; the mechanism's complaint decides. */
			if (command(s, "*", NULL, what) == 0)
				result_local(s->r, RES_PERM, STAGE_AUTH,
				    ERR_PROTOCOL, what, "%s", why ? why :
				    "too many challenges");
			return -1;
		}
		rc = command(s, line, *line ? "****" : NULL, what);
		xfree_secret(line);
	}
	return rc;
}

static int
authenticate(struct session *s)
{
	struct auth a;
	enum auth_mech mech;
	const char *why = NULL, *cbtype = NULL;
	unsigned char *cb = NULL;
	size_t cblen = 0;
	char *what;
	int rc;

	set_state(s, SMTP_AUTH);
	if (!(s->caps.flags & CAP_AUTH)) {
		result_local(s->r, RES_PERM, STAGE_AUTH, ERR_UNAVAILABLE,
		    "AUTH", "the server offers no authentication, but "
		    "credentials are configured");
		return -1;
	}
	if (s->t->tls)
		(void)transport_channel_binding(s->t, &cbtype, &cb, &cblen);
	mech = auth_pick_cb(s->caps.auth, s->p->auth_mech,
	    s->t->tls || s->p->loopback, cb != NULL, &why);
	if (mech == AUTH_NONE) {
		int named = s->p->auth_mech && strcmp(s->p->auth_mech, "on");

		result_local(s->r, RES_PERM, STAGE_AUTH, ERR_UNAVAILABLE,
		    "AUTH", "%s%s%s (server offers: %s)", why,
		    named ? ": " : "", named ? s->p->auth_mech : "",
		    s->caps.auth[0] ? s->caps.auth : "nothing");
		free(cb);
		return -1;
	}
	auth_begin(&a, mech, s->p->user, s->p->password);
	a.tls = s->t->tls;
	a.cb_type = cbtype;
	a.cb_data = cb;
	a.cb_len = cblen;
	a.host = s->p->server;
	a.port = s->p->port;
	what = xasprintf("AUTH %s", auth_mech_name(mech));
	rc = auth_exchange(s, &a, what);
	if (rc == 0 && s->reply.code != 235)
		rc = refuse(s, what);
	else if (rc == 0 && !auth_done(&a, &why)) {
		result_local(s->r, RES_PERM, STAGE_AUTH, ERR_PROTOCOL, what,
		    "%s", why);
		rc = -1;
	}
	if (rc == 0)
		s->r->auth_mech = s->auth_mech = auth_mech_name(mech);
	auth_end(&a);
	free(cb);
	free(what);
	return rc;
}

/*
 * The form of an address for this server: as is when ASCII or when the
 * server offers SMTPUTF8; else the domain as A-labels.  An address with
 * no ASCII form (a UTF-8 local part, a domain IDNA cannot convert) is a
 * fault of the message for this server: NULL with s->r set (ERR_DATA),
 * before MAIL is sent.
 */
static char *
wire_addr(struct session *s, const char *a, const char *what)
{
	const char *dom = addr_domain(a), *why;
	char *ascii, *out;

	if (!codec_has_8bit(a, strlen(a)) || (s->caps.flags & CAP_SMTPUTF8))
		return xstrdup(a);
	if (dom == NULL || codec_has_8bit(a, (size_t)(dom - 1 - a))) {
		result_local(s->r, RES_PERM, STAGE_MAIL, ERR_DATA, what,
		    "the address '%s' has a non-ASCII local part, and the "
		    "server does not offer SMTPUTF8", a);
		return NULL;
	}
	if ((ascii = addr_domain_ascii(dom, &why)) == NULL) {
		result_local(s->r, RES_PERM, STAGE_MAIL, ERR_DATA, what,
		    "the address '%s' has a domain with no ASCII form (IDNA: "
		    "%s), and the server does not offer SMTPUTF8", a, why);
		return NULL;
	}
	out = xasprintf("%.*s@%s", (int)(dom - 1 - a), a, ascii);
	free(ascii);
	return out;
}

/* The envelope's addresses in their wire form; -1 with s->r set. */
static int
wire_envelope(struct session *s, char **from, char ***rcpt)
{
	const struct envelope *e = s->env;
	size_t i;

	*rcpt = xcalloc(e->nrcpt + 1, sizeof(char *));
	if ((*from = *e->from ? wire_addr(s, e->from, "MAIL FROM") :
	    xstrdup("")) == NULL)
		return -1;
	for (i = 0; i < e->nrcpt; i++)
		if (((*rcpt)[i] = wire_addr(s, e->rcpt[i], "RCPT TO")) == NULL)
			return -1;
	return 0;
}

static void
free_wire(char *from, char **rcpt)
{
	size_t i;

	for (i = 0; rcpt && rcpt[i]; i++)
		free(rcpt[i]);
	free(rcpt);
	free(from);
}

/* Does the message go as BINARYMIME? */
static int
binary(const struct envelope *e)
{
	return e->nul || e->binary;
}

static char *
mail_command(struct session *s, const char *from)
{
	const struct envelope *e = s->env;
	struct buf b;

	buf_init(&b, CMD_LINE_MAX * 2);
	(void)buf_addf(&b, "MAIL FROM:<%s>", from);
	if (s->caps.flags & CAP_SIZE)
		(void)buf_addf(&b, " SIZE=%llu", e->size);
	if (binary(e))
		(void)buf_addstr(&b, " BODY=BINARYMIME");
	else if (e->eightbit && (s->caps.flags & CAP_8BITMIME))
		(void)buf_addstr(&b, " BODY=8BITMIME");
	if (e->smtputf8 && (s->caps.flags & CAP_SMTPUTF8))
		(void)buf_addstr(&b, " SMTPUTF8");
	if (s->caps.flags & CAP_DSN) {
		if (e->dsn_ret)
			(void)buf_addf(&b, " RET=%s", e->dsn_ret);
		if (e->envid)
			(void)buf_addf(&b, " ENVID=%s", e->envid);
	}
	return buf_take(&b);
}

static char *
rcpt_command(struct session *s, const char *rcpt)
{
	const struct envelope *e = s->env;

	if ((s->caps.flags & CAP_DSN) && e->dsn_notify)
		return xasprintf("RCPT TO:<%s> NOTIFY=%s", rcpt, e->dsn_notify);
	return xasprintf("RCPT TO:<%s>", rcpt);
}

/* Record a recipient's reply; 0 if it was accepted. */
static int
rcpt_reply(struct session *s, const char *rcpt, int *refused)
{
	char *text = reply_oneline(&s->reply), *what;
	int ok = s->reply.code / 100 == 2;

	result_add_rcpt(s->r, rcpt, s->reply.code, s->reply.enhanced, text);
	if (!ok && !*refused) {
		*refused = 1;
		what = xasprintf("RCPT TO:<%s>", rcpt);
		result_reply(s->r, STAGE_RCPT, what, s->reply.code,
		    s->reply.enhanced, text);
		free(what);
	}
	free(text);
	return ok ? 0 : -1;
}

/*
 * One transaction's commands in order: MAIL (0), the RCPTs (1..nrcpt),
 * then DATA or the BDATs.  With PIPELINING they go out without waiting,
 * at most PIPE_MAX replies outstanding, and the replies are taken in
 * order as they come (a server that writes before it reads again cannot
 * deadlock us); without it, each waits for its reply.
 */
struct txn {
	char		*from, **rcpt, *mailwhat;
	size_t		 nrcpt;
	size_t		 sent;		/* commands written */
	size_t		 got;		/* replies taken */
	size_t		 last;		/* BDAT LAST's index, 0 before */
	int		 pipe;
	int		 bdat;		/* CHUNKING: BDAT, not DATA */
	int		 mail_ok;
	int		 refused;	/* a recipient was refused */
	int		 stop;		/* refused: send nothing more */
	int		 done;		/* the final reply accepted it */
};

/* Take the next reply due; -1 when the connection is unusable. */
static int
take_reply(struct session *s, struct txn *tx)
{
	size_t k = tx->got++;
	char *what = NULL;
	const char *w;

	if (k == 0) {
		set_state(s, SMTP_MAIL);
		w = tx->mailwhat;
	} else if (k <= tx->nrcpt) {
		set_state(s, SMTP_RCPT);
		w = what = xasprintf("RCPT TO:<%s>", tx->rcpt[k - 1]);
	} else if (!tx->bdat) {
		set_state(s, SMTP_DATA);
		w = "DATA";
	} else {
		set_state(s, SMTP_BODY);
		w = k == tx->last ? "end of data" : "BDAT";
	}
	if (read_reply(s, w) == -1) {
		free(what);
		return -1;
	}
	if (k == 0) {
		tx->mail_ok = s->reply.code == 250;
		if (!tx->mail_ok) {
			refuse(s, w);
			tx->stop = 1;
		}
	} else if (k <= tx->nrcpt) {
		if (tx->mail_ok)
			(void)rcpt_reply(s, tx->rcpt[k - 1], &tx->refused);
	} else if (tx->bdat && tx->mail_ok && !tx->refused) {
		/* After a refused MAIL or RCPT the server discards the
		   chunks (RFC 3030): that refusal decides, not these. */
		if (s->reply.code != 250) {
			refuse(s, w);
			tx->stop = 1;
		} else if (k == tx->last) {
			char *text = reply_oneline(&s->reply);

			result_ok(s->r, STAGE_BODY, w, s->reply.code,
			    s->reply.enhanced, text);
			free(text);
			tx->done = 1;
		}
	}
	free(what);
	return s->dead ? -1 : 0;
}

/*
 * Take replies until at most keep are outstanding (flushing first when
 * one must be waited for), then any that have arrived already (received,
 * not waited for).
 */
static int
take_replies(struct session *s, struct txn *tx, size_t keep)
{
	if (tx->sent - tx->got > keep && flush(s, "pipelined commands") == -1)
		return -1;
	while (tx->got < tx->sent) {
		if (tx->sent - tx->got <= keep &&
		    transport_unread(s->t) == 0)
			break;
		if (take_reply(s, tx) == -1)
			return -1;
	}
	return 0;
}

static size_t
keep_max(const struct txn *tx)
{
	return tx->pipe ? PIPE_MAX - 1 : 0;
}

/* Queue one command of the transaction, then take what is due. */
static int
txn_command(struct session *s, struct txn *tx, const char *line,
    const char *what)
{
	if (send_line(s, line, NULL, what) == -1)
		return -1;
	tx->sent++;
	return take_replies(s, tx, keep_max(tx));
}

/* QUIT right behind the message's last command, when nothing else is
   to follow on this connection: its reply comes with the final one. */
static int
quit_early(struct session *s, const struct txn *tx)
{
	if (!tx->pipe || !s->p->one_shot)
		return 0;
	trace(s, "C", "QUIT");
	if (transport_write(s->t, "QUIT\r\n", 6) == -1)
		return io_fail(s, "QUIT");
	s->quit_sent = 1;
	return 0;
}

/*
 * MAIL and every RCPT (and with PIPELINING and DATA, DATA).  Returns 0
 * when the envelope is accepted so far (with CHUNKING and a pipelined
 * single recipient, the replies may still be outstanding: the first
 * chunk goes with them), -1 with the outcome set.
 */
static int
envelope_phase(struct session *s, struct txn *tx, int early)
{
	const struct envelope *e = s->env;
	char *mail, *cmd;
	size_t i;
	int rc = -1;

	set_state(s, SMTP_MAIL);
	if (wire_envelope(s, &tx->from, &tx->rcpt) == -1)
		return -1;
	tx->nrcpt = e->nrcpt;
	mail = mail_command(s, tx->from);
	tx->mailwhat = xasprintf("MAIL FROM:<%s>", tx->from);
	if (txn_command(s, tx, mail, tx->mailwhat) == -1)
		goto done;
	for (i = 0; i < e->nrcpt && !tx->stop; i++) {
		cmd = rcpt_command(s, tx->rcpt[i]);
		set_state(s, SMTP_RCPT);
		if (txn_command(s, tx, cmd, tx->mailwhat) == -1) {
			free(cmd);
			goto done;
		}
		free(cmd);
	}
	if (tx->bdat && early && !tx->stop) {
		rc = 0;
		goto done;
	}
	if (!tx->bdat && tx->pipe && !tx->stop && !tx->refused) {
		set_state(s, SMTP_DATA);
		if (send_line(s, "DATA", NULL, "DATA") == -1)
			goto done;
		tx->sent++;
	}
	if (take_replies(s, tx, 0) == -1)
		goto done;
	rc = tx->stop || tx->refused || !tx->mail_ok ? -1 : 0;
done:
	free(mail);
	return rc;
}

/* DATA's reply (read already when pipelined): 0 once it is 354. */
static int
data_phase(struct session *s, struct txn *tx, int env_ok)
{
	set_state(s, SMTP_DATA);
	if (!tx->pipe) {
		if (env_ok == -1 ||
		    command(s, "DATA", NULL, "DATA") == -1)
			return -1;
	} else if (tx->got != tx->nrcpt + 2)
		return -1;	/* DATA never went out: a refusal decides */
	if (s->reply.code == 354 && env_ok == -1) {
		/* All or nothing: close without sending any message data. */
		s->dead = 1;
		return -1;
	}
	if (env_ok == -1)
		return -1;
	if (s->reply.code != 354)
		return refuse(s, "DATA");
	if (transport_unread(s->t) != 0) {
		/* More than the replies asked for: an extra one in the
		   batch, or one pushed after 354.  Whatever the server
		   thinks comes next, our data would be read wrongly. */
		result_local(s->r, RES_PERM, STAGE_DATA, ERR_PROTOCOL,
		    "DATA", "the server sent more replies than commands");
		s->dead = 1;
		return -1;
	}
	return 0;
}

/*
 * Write a piece of the message through the filter: what needs no change
 * straight from p, without a copy; the rest filtered a line at a time, at
 * most BODY_CHUNK octets (out has room for that): dotstuff_next().
 * -1 with the failure set.
 */
static int
body_write(struct session *s, struct dotstuff *ds, const char *p, size_t n,
    char *out)
{
	const char *wire;
	size_t k, m;

	while (n > 0) {
		k = dotstuff_next(ds, p, n, out, BODY_CHUNK, &wire, &m);
		if (transport_write(s->t, wire, m) == -1) {
			io_fail(s, "end of data");
			return -1;
		}
		p += k;
		n -= k;
	}
	return 0;
}

/*
 * The message source, through the downgrade filter when this server
 * needs it: fills *p and *n with the next piece (0 at the end, -1 with the
 * outcome set on a read error).
 */
struct source {
	struct downgrade	 dg;
	struct buf		 dgout;
	int			 dgrade;
	int			 eof;
	char			*in;
	unsigned long long	 sent;
};

static void
source_init(struct session *s, struct source *src)
{
	const struct envelope *e = s->env;

	memset(src, 0, sizeof(*src));
	/* A composed message meets what this server lacks (downgrade.h). */
	src->dgrade = downgrade_setup(&src->dg, e,
	    (s->caps.flags & CAP_8BITMIME) != 0,
	    (s->caps.flags & CAP_SMTPUTF8) != 0);
	buf_init(&src->dgout, DOWNGRADE_MAX_OUT(BODY_CHUNK));
	src->in = xmalloc(BODY_CHUNK);
}

static void
source_free(struct source *src)
{
	buf_free(&src->dgout);
	free(src->in);
}

static int
source_next(struct session *s, struct source *src, const char **p,
    size_t *n)
{
	ssize_t got;

	if (src->eof)
		return 0;
	got = s->body_read(s->body_ctx, src->in, BODY_CHUNK);
	if (got < 0) {
		result_local(s->r, RES_TEMP, STAGE_BODY, ERR_IO, "end of data",
		    "reading the spooled message: %s", strerror(errno));
		s->dead = 1;
		return -1;
	}
	if (got == 0)
		src->eof = 1;
	if (!src->dgrade) {
		*p = src->in;
		*n = (size_t)got;
	} else {
		buf_reset(&src->dgout);
		if (got > 0)
			downgrade_filter(&src->dg, src->in, (size_t)got,
			    &src->dgout);
		else
			downgrade_finish(&src->dg, &src->dgout);
		*p = buf_cstr(&src->dgout);
		*n = src->dgout.len;
	}
	src->sent += *n;
	return got == 0 && *n == 0 ? 0 : 1;
}

/*
 * A message that needs no change on the wire (env->clean): no line
 * starts with '.', every one ends in CRLF, so it goes as it is, in big
 * blocks and without a scan; by body_send (sendfile) when the body
 * source and the transport can.  0 at the end, -1 with the outcome set.
 */
static int
send_clean(struct session *s, struct source *src)
{
	const char *p;
	size_t n;
	ssize_t k = -2;
	int more;

	if (s->p->body_send != NULL)
		while ((k = s->p->body_send(s->body_ctx, s->t,
		    BODY_SEND_MAX)) > 0)
			src->sent += (unsigned long long)k;
	if (k == 0)
		return 0;
	if (k == -1)
		return io_fail(s, "end of data");
	while ((more = source_next(s, src, &p, &n)) > 0)
		if (transport_write(s->t, p, n) == -1)
			return io_fail(s, "end of data");
	return more;
}

static int
send_body(struct session *s, struct txn *tx)
{
	struct dotstuff ds;
	struct source src;
	char *out = xmalloc(DOTSTUFF_MAX_OUT(BODY_CHUNK));
	const char *p;
	size_t n, m;
	int rc = -1, more;

	set_state(s, SMTP_BODY);
	dotstuff_init(&ds, 1);
	source_init(s, &src);
	if (s->env->clean && !src.dgrade)
		more = send_clean(s, &src);	/* ends at a line's start */
	else
		while ((more = source_next(s, &src, &p, &n)) > 0)
			if (body_write(s, &ds, p, n, out) == -1)
				goto done;
	if (more < 0)
		goto done;
	m = dotstuff_finish(&ds, out, 1);
	trace(s, "C", "(message data)");
	trace(s, "C", ".");
	if (transport_write(s->t, out, m) == -1) {
		io_fail(s, "end of data");
		goto done;
	}
	if (quit_early(s, tx) == -1 || flush(s, "end of data") == -1 ||
	    read_reply(s, "end of data") == -1)
		goto done;
	if (s->reply.code != 250) {
		refuse(s, "end of data");
		goto done;
	}
	{
		char *text = reply_oneline(&s->reply);

		result_ok(s->r, STAGE_BODY, "end of data", s->reply.code,
		    s->reply.enhanced, text);
		free(text);
	}
	s->r->size = src.sent;
	rc = 0;
done:
	source_free(&src);
	free(out);
	return rc;
}

/* One BDAT command and its chunk; the replies are taken as they come. */
static int
bdat_chunk(struct session *s, struct txn *tx, const char *data, size_t n,
    int last)
{
	char cmd[64], shown[64];

	set_state(s, SMTP_BODY);
	snprintf(cmd, sizeof(cmd), "BDAT %zu%s", n, last ? " LAST" : "");
	if (send_line(s, cmd, NULL, "BDAT") == -1)
		return -1;
	snprintf(shown, sizeof(shown), "(message data, %zu octets)", n);
	trace(s, "C", shown);
	if (transport_write(s->t, data, n) == -1)
		return io_fail(s, last ? "end of data" : "BDAT");
	if (last) {
		tx->last = tx->sent;
		if (quit_early(s, tx) == -1)
			return -1;
	}
	tx->sent++;
	return take_replies(s, tx, last ? 0 : keep_max(tx));
}

/*
 * The message as BDAT chunks (RFC 3030): CRLF line ends, no dot-stuffing,
 * BDAT_CHUNK octets or so each, the end marked LAST.  A refusal of any
 * chunk (or of MAIL or RCPT, when they went out with the first) stops the
 * rest.
 */
static int
send_chunks(struct session *s, struct txn *tx)
{
	struct dotstuff ds;
	struct source src;
	size_t room = BDAT_CHUNK + DOTSTUFF_MAX_OUT(DOWNGRADE_MAX_OUT(
	    BODY_CHUNK)) + 8, len = 0, n;
	char *chunk = xmalloc(room);
	const char *p;
	int rc = -1, more = 0, raw = binary(s->env);

	dotstuff_init(&ds, 0);
	source_init(s, &src);
	while (!tx->stop && (more = source_next(s, &src, &p, &n)) > 0) {
		if (raw) {
			/* BINARYMIME: the spooled bytes as they are */
			memcpy(chunk + len, p, n);
			len += n;
		} else
			len += dotstuff_filter(&ds, p, n, chunk + len);
		if (len >= BDAT_CHUNK) {
			if (bdat_chunk(s, tx, chunk, len, 0) == -1)
				goto done;
			len = 0;
		}
	}
	if (!tx->stop) {
		if (more < 0)
			goto done;
		if (!raw)
			len += dotstuff_finish(&ds, chunk + len, 0);
		if (bdat_chunk(s, tx, chunk, len, 1) == -1)
			goto done;
	}
	if (take_replies(s, tx, 0) == -1)
		goto done;
	if (tx->done) {
		s->r->size = src.sent;
		rc = 0;
	}
done:
	source_free(&src);
	free(chunk);
	return rc;
}

/* One message: the envelope, then DATA and the data, or the chunks. */
static int
transaction(struct session *s)
{
	struct txn tx;
	int rc, early;

	memset(&tx, 0, sizeof(tx));
	tx.pipe = (s->caps.flags & CAP_PIPELINING) != 0;
	tx.bdat = (s->caps.flags & CAP_CHUNKING) != 0;
	/* BDAT LAST may ride with MAIL and RCPT only when no refusal can
	   leave some recipients with the message: one recipient. */
	early = tx.pipe && s->env->nrcpt == 1;
	rc = envelope_phase(s, &tx, early);
	if (!tx.bdat) {
		if (!s->dead && data_phase(s, &tx, rc) == 0)
			rc = send_body(s, &tx);
		else
			rc = -1;
	} else if (rc == 0)
		rc = send_chunks(s, &tx);
	free(tx.mailwhat);
	free_wire(tx.from, tx.rcpt);
	return rc;
}

/*
 * A message with NUL bytes, or a binary body, goes only as BINARYMIME,
 * which needs CHUNKING (RFC 3030): to any other server it cannot go at
 * all, nothing is sent and it is the message's fault.
 */
static int
binary_check(struct session *s)
{
	const unsigned need = CAP_CHUNKING | CAP_BINARYMIME;

	if (!binary(s->env))
		return 0;
	set_state(s, SMTP_MAIL);
	if (s->env->nul == 2)
		/* No extension carries a NUL in a header field. */
		result_local(s->r, RES_PERM, STAGE_MAIL, ERR_DATA, NULL,
		    "the header section contains NUL bytes");
	else if ((s->caps.flags & need) == need)
		return 0;
	else
		result_local(s->r, RES_PERM, STAGE_MAIL, ERR_DATA, NULL,
		    "%s, and the server does not offer BINARYMIME with "
		    "CHUNKING, the only way to send %s", s->env->binary ?
		    "the body is binary (-B BINARYMIME)" :
		    "the message contains NUL bytes", s->env->binary ? "it" :
		    "them");
	return -1;
}

static int
size_check(struct session *s)
{
	unsigned long long size = s->env->size;

	if ((s->caps.flags & CAP_SIZE) && s->caps.size && size > s->caps.size) {
		set_state(s, SMTP_MAIL);
		result_local(s->r, RES_PERM, STAGE_MAIL, ERR_UNAVAILABLE,
		    "SIZE", "message of %llu bytes exceeds the server's "
		    "limit of %llu bytes", size, s->caps.size);
		return -1;
	}
	return 0;
}

static void
quit(struct session *s)
{
	int ms = s->t->timeout_ms;

	set_state(s, SMTP_QUIT);
	/* Not through send_line(): nothing here may change the outcome. */
	if (!s->quit_sent) {
		trace(s, "C", "QUIT");
		if (transport_write(s->t, "QUIT\r\n", 6) == -1)
			return;
	}
	if (transport_flush(s->t) == -1)
		return;
	/* A server that never answers QUIT, or drips its answer, costs
	   at most a few seconds in all. */
	if (ms <= 0 || ms > 5000)
		ms = 5000;
	transport_deadline(s->t, ms);
	reply_reset(&s->reply);
	while (transport_readline(s->t, s->line, REPLY_LINE_MAX) >= 0) {
		const char *why;

		trace(s, "S", s->line);
		if (reply_feed(&s->reply, s->line, strlen(s->line), &why) != 0)
			break;
	}
	transport_deadline(s->t, 0);
}

struct session *
session_open(struct transport *t, const struct session_params *p,
    struct result *r, struct session_info *info)
{
	struct session *s = xcalloc(1, sizeof(*s));

	s->t = t;
	s->p = p;
	s->r = r;
	s->info = info ? info : &s->dummy;
	memset(s->info, 0, sizeof(*s->info));
	reply_init(&s->reply);
	set_state(s, SMTP_GREETING);
	if (read_reply(s, "server greeting") == -1)
		goto fail;
	snprintf(s->info->greeting, sizeof(s->info->greeting), "%s",
	    buf_cstr(&s->reply.text));
	if (s->reply.code != 220) {
		refuse(s, "server greeting");
		goto fail;
	}
	if (hello(s) == -1 || (p->starttls && starttls(s) == -1))
		goto fail;
	s->info->caps = s->caps;
	if (!p->probe_only && p->auth && authenticate(s) == -1)
		goto fail;
	return s;
fail:
	session_close(s);
	return NULL;
}

const struct caps *
session_caps(const struct session *s)
{
	return &s->caps;
}

int
session_usable(const struct session *s)
{
	return s != NULL && !s->dead;
}

int
session_send(struct session *s, const struct envelope *env,
    ssize_t (*body_read)(void *, char *, size_t), void *body_ctx,
    struct result *r)
{
	s->r = r;
	s->env = env;
	s->body_read = body_read;
	s->body_ctx = body_ctx;
	r->auth_mech = s->auth_mech;
	if (s->dead) {
		result_local(r, RES_TEMP, STAGE_MAIL, ERR_TEMP, NULL,
		    "the connection is closed");
		return -1;
	}
	/* Between messages: a clean slate. */
	if (s->nsent++ > 0) {
		set_state(s, SMTP_MAIL);
		if (command(s, "RSET", NULL, "RSET") == -1)
			return -1;
		if (s->reply.code != 250) {
			/* No fault of this message: it waits.  After a 4xx
			   the connection may serve the next one; anything
			   else ends it. */
			char *text = reply_oneline(&s->reply);

			result_local(r, RES_TEMP, STAGE_MAIL, ERR_TEMP, "RSET",
			    "refused: %d %s", s->reply.code, text);
			free(text);
			s->dead = s->reply.code / 100 != 4 ||
			    s->reply.code == 421;
			return -1;
		}
	}
	/* r->size: the octets send_body() passes on (after any downgrade,
	   before dot-stuffing), which SIZE= declared when the server has
	   SIZE (deliver.c measures a downgraded message first). */
	return binary_check(s) == -1 || size_check(s) == -1 ||
	    transaction(s) == -1 ? -1 : 0;
}

void
session_close(struct session *s)
{
	if (s == NULL)
		return;
	if (!s->dead)
		quit(s);
	reply_free(&s->reply);
	free(s);
}

int
session_run(struct transport *t, const struct session_params *p,
    struct result *r, struct session_info *info)
{
	struct session *s;
	int rc = 0;

	if ((s = session_open(t, p, r, info)) == NULL)
		return -1;
	if (!p->probe_only)
		rc = session_send(s, p->env, p->body_read, p->body_ctx, r);
	session_close(s);
	return rc;
}
