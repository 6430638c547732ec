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
#include "aliases.h"
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
	struct aliases	*aliases;	/* loaded when a local name needs it */
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

/* The account's aliases file, loaded once; NULL when none is set. */
static struct aliases *
job_aliases(struct job *j)
{
	char err[512];

	if (j->aliases == NULL && j->acct->aliases &&
	    aliases_load(&j->aliases, j->acct->aliases, err, sizeof(err)) ==
	    -1)
		die_config(err);
	return j->aliases;
}

/* A bare local name's addresses, or -1 with *why. */
static int
resolve_local(struct job *j, const char *name, struct aliases_out *out,
    const char **why)
{
	struct aliases *al = job_aliases(j);

	*why = "no aliases file is configured";
	return al ? aliases_resolve(al, name, out, why) : -1;
}

static void
hdr_add(struct addr_list *l, const char *spec, const char *name)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n].spec = xstrdup(spec);
	l->v[l->n].name = name ? xstrdup(name) : NULL;
	l->n++;
}

/*
 * Recipients from an argument or header (what says which, for messages):
 * into the envelope, and into hdr (when not NULL) as the header shows
 * them.  Local names go through the aliases; exit 67 when none does.
 */
static void
take_list(struct job *j, struct addr_list *l, const char *what,
    struct addr_list *hdr)
{
	struct aliases_out out = { NULL, 0 };
	const char *why;
	size_t i, k;

	for (i = 0; i < l->n; i++) {
		const struct addr *a = &l->v[i];

		if (strchr(a->spec, '@')) {
			envelope_add_rcpt(&j->env, a->spec);
			if (hdr)
				hdr_add(hdr, a->spec, a->name);
			continue;
		}
		if (resolve_local(j, a->spec, &out, &why) == -1) {
			char *m = xasprintf("recipient '%s'%s%s%s: cannot "
			    "resolve the local name: %s", a->spec,
			    what ? " (" : "", what ? what : "", what ? ")" :
			    "", why);

			die(67, ERR_NOUSER, m);
		}
		for (k = 0; k < out.n; k++)
			envelope_add_rcpt(&j->env, out.v[k]);
		for (k = 0; hdr && k < out.n && j->acct->rewrite_local_names;
		    k++)
			hdr_add(hdr, out.v[k], out.n == 1 ? a->name : NULL);
		if (hdr && !j->acct->rewrite_local_names)
			hdr_add(hdr, a->spec, a->name);
		aliases_out_free(&out);
	}
}

/* Can every non-ASCII domain in l become A-labels? */
static int
idna_ok(const struct addr_list *l, const char **why)
{
	const char *dom;
	char *ascii;
	size_t i;

	for (i = 0; i < l->n; i++) {
		dom = addr_domain(l->v[i].spec);
		if (dom == NULL || !codec_has_8bit(dom, strlen(dom)))
			continue;
		if ((ascii = addr_domain_ascii(dom, why)) == NULL)
			return 0;
		free(ascii);
	}
	return 1;
}

/* Parse a command-line address list (exit 64 naming it) and take it. */
static void
take_arg(struct job *j, const char *arg, const char *opt,
    struct addr_list *hdr)
{
	struct addr_list l = { NULL, 0 };
	const char *why;
	char *m;

	if (addr_parse_list(arg, &l, &why) == -1 || (l.n == 0 &&
	    (why = "no address") != NULL) || !idna_ok(&l, &why)) {
		m = xasprintf("invalid %s '%s': %s", opt, arg, why);
		die_usage(m);
	}
	take_list(j, &l, NULL, hdr);
	addr_list_free(&l);
}

static void
collect_recipients(struct job *j)
{
	struct addr_list l = { NULL, 0 };
	const char *why, *field;
	int compose = j->cli.mode == MODE_COMPOSE;
	size_t i;

	for (i = 0; i < j->cli.args.n; i++)
		take_arg(j, j->cli.args.v[i], "recipient",
		    compose ? &j->to_hdr : NULL);
	for (i = 0; i < j->cli.cc.n; i++)
		take_arg(j, j->cli.cc.v[i], "--cc address", &j->cc_hdr);
	for (i = 0; i < j->cli.bcc.n; i++)
		take_arg(j, j->cli.bcc.v[i], "--bcc address", NULL);
	if (j->cli.read_rcpts && !compose) {
		if (msg_recipients(&j->msg, &l, &why, &field) == -1) {
			char *m = xasprintf("invalid address in the %s "
			    "header: %s", field, why);

			die(65, ERR_DATA, m);
		}
		take_list(j, &l, "from the message header", NULL);
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
 * rewrite_local_names: bare local names in one field become the addresses
 * the aliases give (From: the account's address).  Names nothing
 * resolves stay as they are.
 */
static void
rewrite_field(struct job *j, size_t fi, int is_from)
{
	struct addr_list l = { NULL, 0 }, out = { NULL, 0 };
	struct aliases_out al = { NULL, 0 };
	const char *why, *self = j->acct->from ? j->acct->from : j->env.from;
	char *v = msg_value(&j->msg, fi), *list, *field, *name;
	size_t i, k, bare = 0;

	if (addr_parse_list(v, &l, &why) == 0 && (!is_from || *self))
		for (i = 0; i < l.n; i++)
			bare += strchr(l.v[i].spec, '@') == NULL;
	for (i = 0; bare && i < l.n; i++) {
		const struct addr *a = &l.v[i];

		if (strchr(a->spec, '@'))
			hdr_add(&out, a->spec, a->name);
		else if (is_from)
			hdr_add(&out, self, a->name);
		else if (resolve_local(j, a->spec, &al, &why) == 0) {
			for (k = 0; k < al.n; k++)
				hdr_add(&out, al.v[k], al.n == 1 ? a->name :
				    NULL);
			aliases_out_free(&al);
		} else
			hdr_add(&out, a->spec, a->name);
	}
	if (bare && out.n) {
		list = compose_addrs(&out);
		name = xstrndup(j->msg.head.data + j->msg.f[fi].off,
		    j->msg.f[fi].namelen);
		field = codec_fold(name, list);
		msg_replace(&j->msg, fi, field);
		free(name);
		free(field);
		free(list);
	}
	addr_list_free(&out);
	addr_list_free(&l);
	free(v);
}

static void
rewrite_local_names(struct job *j)
{
	static const char *const fields[] = { "From", "To", "Cc", NULL };
	size_t k, n = j->msg.nf;
	long i;

	if (!j->acct->rewrite_local_names)
		return;
	for (k = 0; fields[k]; k++)
		for (i = 0; (i = msg_find(&j->msg, fields[k],
		    (size_t)i)) >= 0 && (size_t)i < n; i++)
			rewrite_field(j, (size_t)i, k == 0);
}

/* Sendmail mode: --from and -H set fields of the message as given. */
static void
cli_fields(struct job *j, const struct addr_list *from)
{
	const char *why, *v;
	char *name, *field, *m;
	size_t i;
	int n;

	if (from->n) {
		v = compose_addrs(from);
		field = codec_fold("From", v);
		msg_delete(&j->msg, "From");
		msg_add_field(&j->msg, field);
		free(field);
		free((char *)v);
	}
	for (i = 0; i < j->cli.headers.n; i++) {
		v = j->cli.headers.v[i];
		if ((n = composer_header_arg(v, &why)) == -1) {
			m = xasprintf("-H '%s': %s", v, why);
			die_usage(m);
		}
		name = xstrndup(v, (size_t)n);
		for (v += n + 1; *v == ' ' || *v == '\t'; v++)
			;
		if (strcasecmp(name, "Message-ID") == 0) {
			free(j->msgid);
			j->msgid = xstrdup(v);
		}
		if (strcasecmp(name, "From") != 0) {
			field = codec_header(name, v);
			msg_delete(&j->msg, name);
			msg_add_field(&j->msg, field);
			free(field);
		}
		free(name);
	}
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
	/* The null sender (-f '<>') still gets a From: the account's
	   address or user@host. */
	if (*j->env.from)
		o.from_addr = j->env.from;
	else
		o.from_addr = a->from ? a->from : (local = local_sender(a));
	if (j->cli.fullname)
		o.from_name = j->cli.fullname;
	else if (a->from_full_name)
		o.from_name = a->from_full_name;
	else
		o.from_name = gecos = gecos_name();
	o.domain = dom ? dom : "localhost";
	compose_fix_headers(&j->msg, &o, &j->msgid);
	/* After: the fields it adds are never bare names, and a replaced
	   From must not look missing to it. */
	rewrite_local_names(j);
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
	struct buf head;
	off_t head_len;

	buf_init(&head, HEADER_BLOCK_MAX * 2 + 2);
	msg_head(&j->msg, &head);
	head_len = (off_t)head.len;
	buf_free(&head);
	if (msg_spool(&j->msg, j->spool_fd, &j->r) == -1)
		return -1;
	j->env.size = j->msg.size;
	if (j->msg.in.maxline <= 998 && j->msg.in.linelen <= 998)
		return 0;
	if (j->msg.in.nul || msg_find(&j->msg, "MIME-Version", 0) >= 0)
		return 0;
	return compose_requote(&j->msg, j->spool_fd, head_len, &j->env.size,
	    &j->r);
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

/* 0 ASCII, 1 a UTF-8 domain (A-labels will do), 2 a UTF-8 local part. */
static int
utf8_level(const char *spec)
{
	const char *dom = addr_domain(spec);
	size_t n = dom ? (size_t)(dom - 1 - spec) : strlen(spec);

	if (codec_has_8bit(spec, n))
		return 2;
	return dom && codec_has_8bit(dom, strlen(dom)) ? 1 : 0;
}

/* Does the message need SMTPUTF8 (envelope.h's levels)? */
static void
set_smtputf8(struct job *j)
{
	struct addr_list l = { NULL, 0 };
	const char *why;
	size_t i, k;
	int u = *j->env.from && utf8_level(j->env.from) > 0;

	for (i = 0; i < j->env.nrcpt; i++)
		if (utf8_level(j->env.rcpt[i]) > 0)
			u = 1;
	if (j->cli.mode != MODE_COMPOSE && codec_has_8bit(j->msg.head.data,
	    j->msg.body_off))
		u = 1;
	for (i = 0; i < j->comp.nf; i++) {
		if (j->comp.f[i].kind != CF_ADDR ||
		    addr_parse_list(j->comp.f[i].value, &l, &why) == -1)
			continue;
		for (k = 0; k < l.n; k++)
			if (utf8_level(l.v[k].spec) > u)
				u = utf8_level(l.v[k].spec);
		addr_list_free(&l);
	}
	j->env.smtputf8 = u;
}

/* --from, else a -H From: the From mailbox, and the envelope sender. */
static void
composer_from(struct job *j, struct addr_list *from)
{
	const char *v = j->cli.compose_from, *why = "no address", *h;
	size_t i;
	char *m;

	for (i = 0; v == NULL && i < j->cli.headers.n; i++) {
		h = j->cli.headers.v[i];
		if (strncasecmp(h, "From:", 5) == 0)
			for (v = h + 5; *v == ' ' || *v == '\t'; v++)
				;
	}
	if (v == NULL)
		return;
	if (addr_parse_list(v, from, &why) == -1 || from->n != 1 ||
	    strchr(from->v[0].spec, '@') == NULL) {
		m = xasprintf("invalid --from address '%s': %s", v,
		    from->n > 1 ? "more than one address" : from->n == 1 ?
		    "no domain" : why);
		die_usage(m);
	}
	j->from_arg = xstrdup(from->v[0].spec);
}

/* Open a file named by an option; -1 with r set (66). */
static int
open_input(struct job *j, const char *path, const char *what)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		result_local(&j->r, RES_PERM, STAGE_NONE, ERR_NOINPUT, NULL,
		    "cannot read %s '%s': %s", what, path, strerror(errno));
	return fd;
}

static int
load_text(struct job *j, struct compose_text *t, const char *path,
    const char *what)
{
	int fd = 0, rc;

	if (path && (fd = open_input(j, path, what)) == -1)
		return -1;
	rc = compose_text_load(t, fd, &j->r);
	if (fd != 0)
		close(fd);
	return rc;
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

	composer_from(j, &from);
	sender = j->cli.from ? sender_arg(j->cli.from) : NULL;
	choose_account(j, sender ? sender : j->from_arg);
	free(sender);
	make_envelope(j);
	for (i = 0; i < j->cli.attach.n; i++)
		if (compose_attach(&j->comp, j->cli.attach.v[i],
		    MIMETYPE_SYSTEM_FILE, &j->r) == -1)
			goto fail;
	if ((j->cli.html && load_text(j, &j->comp.html, j->cli.html,
	    "--html file") == -1) || ((j->cli.body || !isatty(0)) &&
	    load_text(j, &j->comp.text, j->cli.body, "--body file") == -1))
		goto fail;
	memset(&self, 0, sizeof(self));
	if (from.n) {
		self = from.v[0];
	} else {
		self.spec = *j->env.from ? j->env.from : j->acct->from ?
		    j->acct->from : (local = local_sender(j->acct));
		self.name = (char *)(j->cli.fullname ? j->cli.fullname :
		    j->acct->from_full_name ? j->acct->from_full_name :
		    (gecos = gecos_name()));
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
	set_smtputf8(j);
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
	char *sender;
	int code;

	if (j->cli.mode == MODE_COMPOSE) {
		if (compose_message(j) == -1)
			return report(j);
	} else {
		struct addr_list from = { NULL, 0 };

		if (msg_read_head(&j->msg, 0, j->cli.ignore_dots, &j->r) == -1)
			return report(j);
		composer_from(j, &from);
		sender = selector_address(j);
		choose_account(j, sender);
		free(sender);
		make_envelope(j);
		cli_fields(j, &from);
		addr_list_free(&from);
		fix_headers(j);
		set_smtputf8(j);
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
	aliases_free(j.aliases);
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
