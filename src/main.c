/*
 * main.c -- wiring: argv -> config -> message -> envelope -> deliver ->
 * exit code.  The only place that owns process state and calls exit().
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "cli.h"
#include "codec.h"
#include "compat.h"
#include "compose.h"
#include "composer.h"
#include "config.h"
#include "deliver.h"
#include "envelope.h"
#include "json.h"
#include "limits.h"
#include "log.h"
#include "mimetype.h"
#include "msg.h"
#include "queue.h"
#include "rcpt.h"
#include "result.h"
#include "runq.h"
#include "serverinfo.h"
#include "xmalloc.h"

/* Exit codes main() uses directly; result.c owns the full table. */
#define EXIT_USAGE	64
#define EXIT_CONFIG	78

struct job {
	struct cli	 cli;
	struct config	 cfg;
	struct account	*acct;		/* chosen, owned by cfg or by us */
	int		 own_acct;
	struct msg	 msg;
	struct compose	 comp;		/* composer mode */
	struct addr_list to_hdr;	/* ... its To and Cc */
	struct addr_list cc_hdr;
	struct rcpt	 rc;		/* recipients, aliases */
	char		*from_arg;	/* --from's address */
	struct envelope	 env;
	struct queue	 q;
	int		 spool_fd;
	char		*spool_id;
	char		*msgid;
	struct envelope_meta meta;
	int		 stored;	/* the entry is in queue/ or failed/ */
	int		 queued;	/* ... in queue/ */
	struct result	 r;
	double		 start;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The job, for the early exits below (--json must still answer). */
static struct job *current;
static void print_json(struct job *, int);

static void
die(int code, enum result_err err, const char *msg)
{
	log_error("%s%s", msg, code == EXIT_USAGE ?
	    " (see outbox --help)" : "");
	if (current && current->cli.json) {
		result_local(&current->r, RES_PERM, STAGE_NONE, err, NULL,
		    "%s", msg);
		print_json(current, code);
	}
	exit(code);
}

static void
die_usage(const char *msg)
{
	die(EXIT_USAGE, ERR_USAGE, msg);
}

static void
die_config(const char *msg)
{
	die(EXIT_CONFIG, ERR_CONFIG, msg);
}

/* "user@host" for this process, xmalloc'd. */
static char *
local_sender(const struct account *a)
{
	struct passwd *pw = getpwuid(getuid());
	char host[256];
	const char *user = pw ? pw->pw_name : getenv("LOGNAME");

	if (a->domain && strchr(a->domain, '.'))
		snprintf(host, sizeof(host), "%s", a->domain);
	else if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	return xasprintf("%s@%s", user ? user : "nobody", host);
}

/* The GECOS full name, up to the first comma, or NULL. */
static char *
gecos_name(void)
{
	struct passwd *pw = getpwuid(getuid());
	size_t n;

	if (pw == NULL || pw->pw_gecos == NULL || pw->pw_gecos[0] == '\0')
		return NULL;
	n = strcspn(pw->pw_gecos, ",");
	return n ? xstrndup(pw->pw_gecos, n) : NULL;
}

/* Strip "<...>" from a -f value; "" for the null sender. */
static char *
sender_arg(const char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '<' && v[n - 1] == '>')
		return xstrndup(v + 1, n - 2);
	return xstrdup(v);
}

/* The sender used to pick an account: -f, or the From of a -t message. */
static char *
selector_address(struct job *j)
{
	struct addr_list l = { NULL, 0 };
	const char *why;
	char *v, *out = NULL;
	long i;

	if (j->cli.from)
		return sender_arg(j->cli.from);
	if (j->from_arg)
		return xstrdup(j->from_arg);
	if (!j->cli.read_rcpts || (i = msg_find(&j->msg, "From", 0)) < 0)
		return NULL;
	v = msg_value(&j->msg, (size_t)i);
	if (addr_parse_list(v, &l, &why) == 0 && l.n > 0)
		out = xstrdup(l.v[0].spec);
	free(v);
	addr_list_free(&l);
	return out;
}

static void
override(struct account *a, const char *key, const char *v)
{
	struct config_error err;

	if (v && config_set(a, key, v, "command line", &err) == -1)
		die_usage(err.msg);
}

/* -A, else the account whose from matches, else "default". */
static void
choose_account(struct job *j, const char *sender)
{
	struct cli *c = &j->cli;
	struct config_error err;
	char *msg;

	if (c->account) {
		j->acct = config_account(&j->cfg, c->account);
		if (j->acct == NULL) {
			msg = xasprintf("account '%s' not found%s%s",
			    c->account, j->cfg.path ? " in " : "",
			    j->cfg.path ? j->cfg.path : "");
			die_config(msg);
		}
	}
	if (j->acct == NULL && sender)
		j->acct = config_account_by_from(&j->cfg, sender);
	if (j->acct == NULL)
		j->acct = config_account(&j->cfg, "default");
	if (j->acct == NULL) {
		if (j->cfg.nacct > 0 && c->host == NULL) {
			msg = xasprintf("no account chosen and no account "
			    "'default' in %s (use -A NAME)", j->cfg.path);
			die_config(msg);
		}
		j->acct = config_account_new("default");
		j->own_acct = 1;
	}
	override(j->acct, "host", c->host);
	override(j->acct, "port", c->port);
	override(j->acct, "user", c->user);
	override(j->acct, "logfile", c->log_file);
	if (c->tls) {
		override(j->acct, "tls", strcmp(c->tls, "off") ? "on" : "off");
		if (strcmp(c->tls, "starttls") == 0)
			override(j->acct, "tls_starttls", "on");
		else if (strcmp(c->tls, "implicit") == 0)
			override(j->acct, "tls_starttls", "off");
	}
	if (config_finish(j->acct, &err) == -1)
		die_config(err.msg);
}

/* Exit with the failure in j->r (its exit code, one line). */
static void
die_result(struct job *j)
{
	char *line = result_line(&j->r);

	die(result_exit(&j->r), j->r.err, line);
}

static void
collect_recipients(struct job *j)
{
	struct addr_list l = { NULL, 0 };
	const char *why, *field;
	int compose = j->cli.mode == MODE_COMPOSE;
	size_t i;

	rcpt_init(&j->rc, &j->env, j->acct->aliases,
	    j->acct->rewrite_local_names);
	for (i = 0; i < j->cli.args.n; i++)
		if (rcpt_arg(&j->rc, j->cli.args.v[i], "recipient",
		    compose ? &j->to_hdr : NULL, &j->r) == -1)
			die_result(j);
	for (i = 0; i < j->cli.cc.n; i++)
		if (rcpt_arg(&j->rc, j->cli.cc.v[i], "--cc address",
		    &j->cc_hdr, &j->r) == -1)
			die_result(j);
	for (i = 0; i < j->cli.bcc.n; i++)
		if (rcpt_arg(&j->rc, j->cli.bcc.v[i], "--bcc address", NULL,
		    &j->r) == -1)
			die_result(j);
	if (j->cli.read_rcpts && !compose) {
		if (msg_recipients(&j->msg, &l, &why, &field) == -1) {
			char *m = xasprintf("invalid address in the %s "
			    "header: %s", field, why);

			die(65, ERR_DATA, m);
		}
		if (rcpt_list(&j->rc, &l, "from the message header", NULL,
		    &j->r) == -1)
			die_result(j);
		addr_list_free(&l);
	}
	if (j->env.nrcpt > RCPT_MAX) {
		char *m = xasprintf("too many recipients (%zu; at most %d)",
		    j->env.nrcpt, RCPT_MAX);
		die_usage(m);
	}
	if (j->env.nrcpt == 0)
		die_usage(j->cli.read_rcpts ? "no recipients: none on the "
		    "command line and none in To, Cc or Bcc" :
		    "no recipients given");
}

static void
make_envelope(struct job *j)
{
	const struct account *a = j->acct;
	const char *why;
	char *m;

	if (j->cli.from && a->allow_from_override)
		j->env.from = sender_arg(j->cli.from);
	else if (j->from_arg && a->allow_from_override)
		j->env.from = xstrdup(j->from_arg);
	else if (a->from)
		j->env.from = xstrdup(a->from);
	else
		j->env.from = local_sender(a);
	if (*j->env.from && addr_check(j->env.from, 0, &why) == -1) {
		m = xasprintf("invalid sender address '%s': %s", j->env.from,
		    why);
		die_usage(m);
	}
	if (j->cli.dsn_notify)
		j->env.dsn_notify = xstrdup(j->cli.dsn_notify);
	else if (a->dsn_notify && strcasecmp(a->dsn_notify, "off") != 0) {
		char *p;

		j->env.dsn_notify = xstrdup(a->dsn_notify);
		for (p = j->env.dsn_notify; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	}
	if (j->cli.dsn_ret)
		j->env.dsn_ret = xstrdup(j->cli.dsn_ret);
	else if (a->dsn_return && strcmp(a->dsn_return, "off") != 0)
		j->env.dsn_ret = xstrdup(strcmp(a->dsn_return, "headers") ?
		    "FULL" : "HDRS");
	if (j->cli.envid)
		j->env.envid = codec_xtext(j->cli.envid);
	collect_recipients(j);
}

/*
 * The From an added header gets: the envelope sender, or for the null
 * sender (-f '<>') the account's address or user@host; the name from -F,
 * from_full_name or GECOS.  *local and *gecos own what was made for it.
 */
static const char *
default_from(struct job *j, const char **name, char **local, char **gecos)
{
	const struct account *a = j->acct;

	if (j->cli.fullname)
		*name = j->cli.fullname;
	else if (a->from_full_name)
		*name = a->from_full_name;
	else
		*name = *gecos = gecos_name();
	if (*j->env.from)
		return j->env.from;
	return a->from ? a->from : (*local = local_sender(a));
}

static void
fix_headers(struct job *j)
{
	const struct account *a = j->acct;
	struct compose_opts o;
	char *gecos = NULL, *local = NULL;
	const char *dom = addr_domain(j->env.from);

	memset(&o, 0, sizeof(o));
	o.set_from = a->set_from_header;
	o.set_date = a->set_date_header;
	o.set_msgid = a->set_msgid_header;
	o.remove_bcc = a->remove_bcc_headers;
	o.from_addr = default_from(j, &o.from_name, &local, &gecos);
	o.domain = dom ? dom : "localhost";
	compose_fix_headers(&j->msg, &o, &j->msgid);
	/* After: the fields it adds are never bare names, and a replaced
	   From must not look missing to it. */
	if (rcpt_rewrite(&j->rc, &j->msg, a->from ? a->from : j->env.from,
	    &j->r) == -1)
		die_result(j);
	free(gecos);
	free(local);
}

/* Print the outcome's line and return its exit code. */
static int
report(struct job *j)
{
	int code = result_exit(&j->r);
	char *line;

	if (code != 0) {
		line = result_line(&j->r);
		log_error("%s", line);
		free(line);
	}
	return code;
}

/* Open the queue of the chosen account (or the default one). */
static int
open_queue(struct job *j, const struct account *a)
{
	char *dir = a && a->queue_dir ? xstrdup(a->queue_dir) :
	    queue_default_dir();
	int rc = queue_open(&j->q, dir, &j->r);

	free(dir);
	return rc;
}

/*
 * Sendmail mode's spool file: the message as read, except that one which
 * is not MIME and has overlong lines gets a quoted-printable body.
 */
static int
spool_message(struct job *j)
{
	if (msg_spool(&j->msg, j->spool_fd, &j->r) == -1)
		return -1;
	j->env.size = j->msg.size;
	if (j->msg.in.maxline <= 998 && j->msg.in.linelen <= 998)
		return 0;
	if (j->msg.in.nul || msg_find(&j->msg, "MIME-Version", 0) >= 0)
		return 0;
	return compose_requote(&j->msg, j->spool_fd, &j->env.size, &j->r);
}

static int
spool(struct job *j)
{
	if (j->cli.dry_run) {
		FILE *fp = tmpfile();

		if (fp == NULL || (j->spool_fd = dup(fileno(fp))) == -1) {
			result_local(&j->r, RES_PERM, STAGE_NONE, ERR_CANTCREAT,
			    "temporary file", "%s", strerror(errno));
			return -1;
		}
		fclose(fp);
	} else {
		if (open_queue(j, j->acct) == -1)
			return -1;
		j->spool_fd = queue_spool_create(&j->q, &j->spool_id, &j->r);
		/* Ours until we exit or hand it over: -q skips it. */
		if (j->spool_fd == -1 || flock(j->spool_fd, LOCK_EX) == -1)
			return -1;
	}
	if ((j->cli.mode == MODE_COMPOSE ? compose_write(&j->comp,
	    j->spool_fd, &j->env.size, &j->r) : spool_message(j)) == -1) {
		/* No partial entry is ever left behind. */
		if (j->spool_id)
			queue_spool_remove(&j->q, j->spool_id);
		free(j->spool_id);
		j->spool_id = NULL;
		return -1;
	}
	if (j->cli.mode == MODE_COMPOSE) {
		j->env.eightbit = j->comp.eightbit;
		j->env.composed = 1;
	} else
		j->env.eightbit = j->msg.in.eightbit || (j->cli.body_type &&
		    strcasecmp(j->cli.body_type, "8BITMIME") == 0);
	j->meta.account = xstrdup(j->acct->name);
	j->meta.message_id = j->msgid ? xstrdup(j->msgid) : NULL;
	j->meta.created = (long long)time(NULL);
	j->meta.next_attempt = j->meta.created;
	/* The envelope last: now the entry is complete. */
	if (j->spool_id && queue_write_env(&j->q, QD_TMP, j->spool_id,
	    &j->env, &j->meta, 0, &j->r) == -1) {
		queue_spool_remove(&j->q, j->spool_id);
		free(j->spool_id);
		j->spool_id = NULL;
		return -1;
	}
	if (j->msg.in.nul) {
		result_local(&j->r, RES_PERM, STAGE_NONE, ERR_DATA,
		    "reading the message", "the message contains NUL bytes");
		return -1;
	}
	return 0;
}

/*
 * The message was not accepted: queue it (temporary failure, queue on)
 * or keep it in failed/.  Prints the one line; returns the exit code.
 */
static int
keep(struct job *j)
{
	struct result wr;
	char *line = result_line(&j->r);
	int code = result_exit(&j->r), queued;

	result_init(&wr);
	queued = j->r.cls == RES_TEMP && j->acct->queue && !j->cli.no_queue;
	free(j->meta.last_error);
	j->meta.last_error = xstrdup(line);
	if (queued) {
		j->meta.attempts = 1;
		j->meta.next_attempt = (long long)time(NULL) + runq_backoff(1);
	}
	if (j->spool_id == NULL) {
		log_error("%s", line);
	} else if (queue_move(&j->q, QD_TMP, queued ? QD_QUEUE : QD_FAILED,
	    j->spool_id, j->spool_fd, &j->env, &j->meta, &wr) == -1) {
		char *w = result_line(&wr);

		log_error("%s", line);
		log_error("%s (the message stays in %s/tmp for the next -q)",
		    w, j->q.path);
		free(w);
		code = queued ? 75 : code;
	} else if (queued) {
		log_error("%s (queued as %s, next attempt in %ld s)", line,
		    j->spool_id, runq_backoff(1));
		code = 0;
		j->stored = j->queued = 1;
	} else {
		j->stored = 1;
		log_error("%s", line);
		if (log_verbose())
			log_note("message kept in the failed folder");
	}
	free(line);
	result_free(&wr);
	return code;
}

/* After a successful send: whatever else is due goes now. */
static void
flush_after_send(struct job *j)
{
	struct runq_stats st;

	if (j->cli.no_queue || j->q.path == NULL)
		return;
	(void)runq_flush(&j->q, &j->cfg, j->acct, NULL, 0, &st);
}

static int
dry_run(struct job *j)
{
	char chunk[IO_CHUNK];
	ssize_t n;
	size_t i;

	printf("MAIL FROM:<%s>\n", j->env.from);
	for (i = 0; i < j->env.nrcpt; i++)
		printf("RCPT TO:<%s>\n", j->env.rcpt[i]);
	printf("\n");
	fflush(stdout);
	if (lseek(j->spool_fd, 0, SEEK_SET) == -1)
		return 74;
	while ((n = read(j->spool_fd, chunk, sizeof(chunk))) > 0)
		if (fwrite(chunk, 1, (size_t)n, stdout) != (size_t)n)
			return 74;
	return fflush(stdout) == 0 && n == 0 ? 0 : 74;
}

/* The server has the message: the entry goes before anything else. */
static void
accepted(void *ctx)
{
	struct job *j = ctx;

	if (j->spool_id)
		queue_remove(&j->q, QD_TMP, j->spool_id);
}

static int
send_message(struct job *j)
{
	struct deliver_params p;
	struct config_error err;
	char *password = NULL;
	int rc;

	if (j->acct->nhosts == 0) {
		result_local(&j->r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
		    "no host configured for account %s (set 'host' or use "
		    "--host)", j->acct->name);
		return -1;
	}
	if (config_password(j->acct, &password, &err) == -1) {
		result_local(&j->r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
		    "%s", err.msg);
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.acct = j->acct;
	p.password = password;
	p.env = &j->env;
	p.fd = j->spool_fd;
	p.accepted = accepted;
	p.accepted_ctx = j;
	rc = deliver(&p, &j->r);
	xfree_secret(password);
	return rc;
}

static void
write_log(struct job *j, int code)
{
	struct log_entry e;

	memset(&e, 0, sizeof(e));
	e.host = j->r.server ? j->r.server : j->acct->nhosts ?
	    j->acct->hosts[0] : "";
	e.user = j->acct->user;
	e.from = j->env.from;
	e.rcpt = j->env.rcpt;
	e.nrcpt = j->env.nrcpt;
	e.size = j->env.size;
	e.account = j->acct->name;
	e.msgid = j->msgid;
	e.queue_id = NULL;
	e.duration = now() - j->start;
	e.r = &j->r;
	e.exitcode = code;
	log_message(j->acct->logfile, j->acct->syslog, j->cli.syslog_tag, &e);
}

static void
load_config(struct job *j)
{
	struct config_error err;

	config_init(&j->cfg);
	if (config_load(&j->cfg, j->cli.config_file, &err) == -1)
		die_config(err.msg);
}

/* -A, or -f matching an account's from, or the default. */
static void
choose_without_message(struct job *j)
{
	char *sender = j->cli.from ? sender_arg(j->cli.from) : NULL;

	choose_account(j, sender);
	free(sender);
}

static int
print_config(struct job *j)
{
	choose_without_message(j);
	config_print(j->acct, j->acct->file ? j->acct->file : j->cfg.path,
	    stdout);
	return 0;
}

static void
print_json(struct job *j, int code)
{
	struct json_outcome o;

	memset(&o, 0, sizeof(o));
	o.status = code == 0 && !j->queued ? "sent" : j->queued ? "queued" :
	    "failed";
	o.exit = code;
	o.r = &j->r;
	o.queue_id = j->stored ? j->spool_id : NULL;
	o.message_id = j->msgid;
	json_print(stdout, &o);
}

static int send_core(struct job *);

static int
run_send(struct job *j)
{
	int code = send_core(j);

	if (j->cli.json && !j->cli.dry_run)
		print_json(j, code);
	return code;
}

/* --from, else a -H From: the From mailbox, and the envelope sender. */
static void
take_from(struct job *j, struct addr_list *from)
{
	char err[1024];

	if (composer_from(&j->cli, from, err, sizeof(err)) == -1)
		die_usage(err);
	if (from->n)
		j->from_arg = xstrdup(from->v[0].spec);
}

/* Composer mode up to the spool: files, body, header fields. */
static int
compose_message(struct job *j)
{
	struct addr_list from = { NULL, 0 };
	struct composer_hdrs h;
	struct addr self;
	char err[1024], *sender, *gecos = NULL, *local = NULL;
	const char *dom;
	size_t i;

	take_from(j, &from);
	sender = selector_address(j);
	choose_account(j, sender);
	free(sender);
	make_envelope(j);
	for (i = 0; i < j->cli.attach.n; i++)
		if (compose_attach(&j->comp, j->cli.attach.v[i],
		    MIMETYPE_SYSTEM_FILE, &j->r) == -1)
			goto fail;
	if ((j->cli.html && compose_text_file(&j->comp.html, j->cli.html,
	    "--html file", &j->r) == -1) || ((j->cli.body || (!isatty(0) &&
	    fcntl(0, F_GETFD) != -1)) &&
	    compose_text_file(&j->comp.text, j->cli.body, "--body file",
	    &j->r) == -1))
		goto fail;
	if (from.n) {
		self = from.v[0];
	} else {
		const char *name;

		self.spec = (char *)default_from(j, &name, &local, &gecos);
		self.name = (char *)name;
	}
	memset(&h, 0, sizeof(h));
	h.from = &self;
	h.to = &j->to_hdr;
	h.cc = &j->cc_hdr;
	h.domain = (dom = addr_domain(self.spec)) ? dom : "localhost";
	if (composer_fields(&j->comp, &j->cli, &h, err, sizeof(err)) == -1) {
		free(h.msgid);
		die_usage(err);
	}
	j->msgid = h.msgid;
	j->env.smtputf8 = rcpt_smtputf8(&j->env, &j->comp, NULL);
	free(gecos);
	free(local);
	addr_list_free(&from);
	return 0;
fail:
	addr_list_free(&from);
	return -1;
}

static int
send_core(struct job *j)
{
	char *sender, err[1024];
	int code;

	if (j->cli.mode == MODE_COMPOSE) {
		if (compose_message(j) == -1)
			return report(j);
	} else {
		struct addr_list from = { NULL, 0 };

		if (msg_read_head(&j->msg, 0, j->cli.ignore_dots, &j->r) == -1)
			return report(j);
		take_from(j, &from);
		sender = selector_address(j);
		choose_account(j, sender);
		free(sender);
		make_envelope(j);
		if (composer_msg_fields(&j->msg, &j->cli, &from, &j->msgid,
		    err, sizeof(err)) == -1)
			die_usage(err);
		addr_list_free(&from);
		fix_headers(j);
		j->env.smtputf8 = rcpt_smtputf8(&j->env, NULL, &j->msg);
	}
	if (spool(j) == -1)
		return j->spool_id ? keep(j) : report(j);
	if (j->cli.dry_run)
		return dry_run(j);
	if (send_message(j) == 0) {
		/* accepted() removed the entry already */
		write_log(j, 0);
		flush_after_send(j);
		return 0;
	}
	code = keep(j);
	write_log(j, code);
	return code;
}

static int
serverinfo(struct job *j)
{
	struct deliver_params p;
	struct session_info info;
	struct tls_peer peer;
	int code;

	choose_without_message(j);
	if (j->acct->nhosts == 0) {
		log_error("no host configured for account %s (set 'host' or "
		    "use --host)", j->acct->name);
		return EXIT_CONFIG;
	}
	memset(&p, 0, sizeof(p));
	memset(&peer, 0, sizeof(peer));
	envelope_init(&j->env);
	p.acct = j->acct;
	p.env = &j->env;
	p.fd = -1;
	p.probe_only = 1;
	p.info = &info;
	p.peer = &peer;
	if (deliver(&p, &j->r) == 0) {
		serverinfo_print(stdout, j->r.server, j->acct->port, &info,
		    &j->r, &peer, j->acct->tls_mode == TLSM_STARTTLS);
		code = 0;
	} else
		code = report(j);
	tls_peer_free(&peer);
	return code;
}

/* mailq, -q/--flush, --drop: the account named, or "default", if any. */
static int
run_queue(struct job *j)
{
	struct runq_stats st;
	struct config_error err;
	struct account *a = NULL;
	char note[128];

	if (j->cli.account || j->cli.host) {
		choose_without_message(j);
		a = j->acct;
	} else if ((a = config_account(&j->cfg, "default")) != NULL &&
	    config_finish(a, &err) == -1)
		die_config(err.msg);
	if (open_queue(j, a) == -1)
		return report(j);
	switch (j->cli.mode) {
	case MODE_LIST:
		return runq_list(&j->q, stdout);
	case MODE_DROP:
		return runq_drop(&j->q, j->cli.drop_id, &j->r) == -1 ?
		    report(j) : 0;
	default:
		(void)runq_flush(&j->q, &j->cfg, a, j->cli.args.v,
		    j->cli.args.n, &st);
		snprintf(note, sizeof(note), "queue run: %u sent, %u deferred, "
		    "%u failed, %u not due or busy", st.sent, st.deferred,
		    st.failed, st.skipped);
		log_note(note);
		return 0;
	}
}

int
main(int argc, char **argv)
{
	struct job j;
	char err[512];
	int code;

	memset(&j, 0, sizeof(j));
	j.spool_fd = -1;
	j.start = now();
	signal(SIGPIPE, SIG_IGN);
	/* Passwords may be read with the configuration and are held until
	   exit: no core dumps, no ptrace by other users, from the start. */
	compat_nodump(1);
	result_init(&j.r);
	msg_init(&j.msg);
	compose_init(&j.comp);
	envelope_init(&j.env);
	current = &j;
	if (cli_parse(&j.cli, argc, argv, err, sizeof(err)) == -1) {
		/* the command line is unknown: look for --json in it */
		for (code = 1; code < argc; code++)
			if (strcmp(argv[code], "--json") == 0)
				j.cli.json = 1;
		die_usage(err);
	}
	log_set_verbose(j.cli.verbose);
	switch (j.cli.mode) {
	case MODE_HELP:
		fputs(cli_usage(), stdout);
		return 0;
	case MODE_VERSION:
		printf("outbox %s\n", PACKAGE_VERSION);
		return 0;
	case MODE_NEWALIASES:
		return 0;
	default:
		break;
	}
	load_config(&j);
	switch (j.cli.mode) {
	case MODE_PRINTCONFIG:
		code = print_config(&j);
		break;
	case MODE_SEND:
	case MODE_COMPOSE:
		code = run_send(&j);
		break;
	case MODE_SERVERINFO:
		code = serverinfo(&j);
		break;
	default:
		code = run_queue(&j);
		break;
	}
	if (j.spool_fd != -1)
		close(j.spool_fd);
	queue_close(&j.q);
	msg_free(&j.msg);
	compose_free(&j.comp);
	addr_list_free(&j.to_hdr);
	addr_list_free(&j.cc_hdr);
	rcpt_free(&j.rc);
	free(j.from_arg);
	envelope_free(&j.env);
	result_free(&j.r);
	free(j.msgid);
	free(j.spool_id);
	envelope_meta_free(&j.meta);
	if (j.own_acct)
		config_account_free(j.acct);
	config_free(&j.cfg);
	cli_free(&j.cli);
	return code;
}
