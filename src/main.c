/*
 * main.c -- wiring: argv -> config -> message -> envelope -> deliver ->
 * where the message is kept, and the exit code.  The only place that owns
 * process state and calls exit().
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
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
#include "compat.h"
#include "config.h"
#include "deliver.h"
#include "entry.h"
#include "envelope.h"
#include "json.h"
#include "limits.h"
#include "log.h"
#include "msg.h"
#include "oauth.h"
#include "priv.h"
#include "progress.h"
#include "queue.h"
#include "ratelimit.h"
#include "result.h"
#include "runq.h"
#include "secrets.h"
#include "sendmail_edit.h"
#include "serverinfo.h"
#include "smtpbs.h"
#include "submit.h"
#include "take.h"
#include "verify.h"
#include "xmalloc.h"

/* After a successful send: whatever else is due goes now, each entry
   with its own account as configured (not this run's overrides). */
static void
flush_after_send(const struct cli *c, struct config *cfg, struct entry *e)
{
	struct runq_opts o;
	struct runq_stats st;
	struct result r;

	if (c->no_queue || e->q.path == NULL || e->via)
		return;
	memset(&o, 0, sizeof(o));
	o.cfg = cfg;
	o.explicit_config = c->config_file != NULL;
	o.skip_unknown = 1;
	o.due_only = 1;
	o.syslog_tag = c->syslog_tag;
	result_init(&r);
	(void)runq_flush(&e->q, &o, &st, &r);
	result_free(&r);
}

static int
dry_run(const struct envelope *env, int fd)
{
	char chunk[IO_CHUNK];
	ssize_t n;
	size_t i;

	printf("MAIL FROM:<%s>\n", env->from);
	for (i = 0; i < env->nrcpt; i++)
		printf("RCPT TO:<%s>\n", env->rcpt[i]);
	printf("\n");
	fflush(stdout);
	if (lseek(fd, 0, SEEK_SET) == -1)
		return 74;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (fwrite(chunk, 1, (size_t)n, stdout) != (size_t)n)
			return 74;
	return fflush(stdout) == 0 && n == 0 ? 0 : 74;
}

/* The server has the message: the entry goes before anything else. */
static void
accepted(void *ctx)
{
	struct entry *e = ctx;

	if (e->id)
		entry_remove(e);
	e->kept = 0;
}

/*
 * A send or a probe needs a server: 78 with the fix when there is none.
 * When no file was read at all, the fix is to name one, or to write a
 * configuration where outbox looks.
 */
static int
need_host(const struct config *cfg, const struct account *a,
    struct result *r)
{
	if (a->nhosts > 0)
		return 0;
	if (cfg->path == NULL && cfg->looked)
		result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
		    "no configuration: looked for %s; give a server with "
		    "--host HOST or write one of these files (see "
		    "outbox.conf(5))", cfg->looked);
	else
		result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
		    "no host configured for account %s (set 'host' or use "
		    "--host)", a->name);
	return -1;
}

/*
 * May a missing password be asked for on the terminal?  Only when the
 * message did not come from standard input (composer mode: with a
 * terminal there, the body is --body's or none) and standard input and
 * error are a terminal; never for a system account, whose password the
 * user is not to know.
 */
static int
may_ask(const struct cli *c, const struct account *a)
{
	return c->mode == MODE_COMPOSE && isatty(0) && isatty(2) &&
	    !priv_system(a);
}

/*
 * A progress line while the body goes out: a message over PROGRESS_MIN,
 * standard error a terminal and a person at it (composer mode, or a
 * message typed at the terminal: a program that calls sendmail hands it
 * a pipe or a file); not with -v, whose transcript has the terminal.
 */
static int
show_progress(const struct cli *c, const struct envelope *env)
{
	return env->size > PROGRESS_MIN && !c->verbose && isatty(2) &&
	    (c->mode == MODE_COMPOSE || isatty(0));
}

/* The server refused an OAuth2 token that looked valid: one more
   attempt, on a new connection, with a new token. */
static int
oauth_again(struct deliver_params *p, struct secrets *sec, struct result *r)
{
	char *token = NULL;

	if (oauth_access_token(p->acct, sec->password, &token, r) == -1)
		return -1;
	xfree_secret(sec->password);
	sec->password = token;
	p->password = token;
	result_clear(r);
	return deliver(p, r);
}

static int
send_message(const struct cli *c, const struct config *cfg,
    const struct account *a, const struct envelope *env, struct entry *e,
    struct result *r)
{
	struct deliver_params p;
	struct progress pg;
	struct secrets sec;
	int rc;

	if (need_host(cfg, a, r) == -1)
		return -1;
	if (secrets_get(a, may_ask(c, a), &sec, r) == -1) {
		secrets_free(&sec);
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.acct = a;
	p.password = sec.password;
	p.cert_pem = sec.cert;
	p.cert_len = sec.cert_len;
	p.key_pem = sec.key;
	p.key_len = sec.key_len;
	p.env = env;
	p.fd = e->fd;
	p.accepted = accepted;
	p.accepted_ctx = e;
	if (show_progress(c, env)) {
		progress_init(&pg, 2, env->size);
		p.progress = progress_update;
		p.progress_ctx = &pg;
	}
	rc = deliver(&p, r);
	if (rc == -1 && oauth_refused(a, r))
		rc = oauth_again(&p, &sec, r);
	if (p.progress)
		progress_end(&pg, rc == 0);
	secrets_free(&sec);
	return rc;
}

static void
write_log(const struct cli *c, const struct account *a,
    const struct input *in, const struct entry *e, const struct result *r,
    int code, long long start)
{
	struct log_entry l;
	char err[1024], *line;

	memset(&l, 0, sizeof(l));
	l.host = r->server ? r->server : a->nhosts ? a->hosts[0] : "";
	l.user = a->user;
	l.from = in->env.from;
	l.rcpt = in->env.rcpt;
	l.nrcpt = in->env.nrcpt;
	l.size = in->env.size;
	l.account = a->name;
	l.msgid = in->msgid;
	l.queue_id = e->kept ? e->id : NULL;
	l.duration = (compat_now_ms() - start) / 1e3;
	l.r = r;
	l.exitcode = code;
	if (priv_system(a) && a->logfile && c->log_file == NULL) {
		/* the system account's log: the group writes it */
		line = log_line(&l);
		if (priv_log(a->name, line, err, sizeof(err)) == -1)
			log_warn("%s", err);
		free(line);
		log_message(NULL, a->syslog, c->syslog_tag, &l);
	} else
		log_message(a->logfile, a->syslog, c->syslog_tag, &l);
}

/* The one line of a failure before anything was kept. */
static int
report(const struct result *r)
{
	int code = result_exit(r);
	char *line;

	if (code != 0) {
		line = result_line(r);
		log_error("%s%s", line, code == 64 ? " (see outbox --help)" :
		    "");
		free(line);
	}
	return code;
}

static void
print_json(const struct result *r, int code, const struct entry *e,
    const char *msgid)
{
	struct json_outcome o;
	int queued = e && e->kept == 1 + (int)QD_QUEUE;

	memset(&o, 0, sizeof(o));
	o.status = queued ? "queued" : code == 0 ? "sent" : "failed";
	o.exit = code;
	o.r = r;
	o.queue_id = e && e->kept ? e->id : NULL;
	o.message_id = msgid;
	json_print(stdout, &o);
}

/* The -C file as an absolute path, for the entry to remember. */
static char *
config_origin(const struct cli *c)
{
	char *p, *out;

	if (c->config_file == NULL || (p = realpath(c->config_file,
	    NULL)) == NULL)
		return NULL;
	out = xstrdup(p);
	free(p);
	return out;
}

/*
 * The message waits for the account's rate_limit: held in the queue
 * until `when` (ms), exit 0; with --no-queue or queue off, kept in
 * failed/ and 75.  A system account's send log is the system queue's,
 * which only its queue run (root's) can use: its messages wait there.
 */
static int
rate_hold(const struct cli *c, const struct account *a,
    const struct envelope *env, struct entry *e, long long when,
    struct result *r)
{
	long long now = ratelimit_now();
	char *at = ratelimit_when(when, now), *full = ratelimit_when(when, 0);
	char *why;

	if (!a->queue || c->no_queue) {
		result_local(r, RES_TEMP, STAGE_NONE, ERR_TEMP, "rate_limit",
		    "%s of account %s reached: not sent%s%s", a->rate_limit,
		    a->name, e->via ? " (a system account: only the system "
		    "queue run can count its sends)" : "; the next message "
		    "may go at ", e->via ? "" : at);
		free(at);
		free(full);
		return entry_keep(e, a, 1, env, r);
	}
	result_local(r, RES_TEMP, STAGE_NONE, ERR_TEMP, "rate_limit",
	    "%s of account %s reached: held in the queue", a->rate_limit,
	    a->name);
	why = e->via ? xasprintf("%s %s of account %s: the system queue run "
	    "sends it", RATELIMIT_HELD, a->rate_limit, a->name) :
	    xasprintf("%s %s of account %s: goes at %s", RATELIMIT_HELD,
	    a->rate_limit, a->name, full);
	if (entry_hold(e, env, (when + 999) / 1000, why) == 0) {
		if (e->via)
			log_error("rate_limit %s of account %s: queued as %s "
			    "for the system queue run, which keeps to it",
			    a->rate_limit, a->name, e->id);
		else
			log_error("rate_limit %s of account %s reached: "
			    "queued as %s, to go at %s (in %lld s)",
			    a->rate_limit, a->name, e->id, at,
			    (when - now + 999) / 1000);
	}
	free(why);
	free(at);
	free(full);
	return 0;
}

/*
 * Before a send, the account's rate_limit (ratelimit.h): 1 when the
 * message may go (*taken: a slot of rl holds *stamp, for
 * ratelimit_done()); else 0 with *code: it is held (rate_hold()), or
 * kept as after a temporary failure when the send log is unusable.
 */
static int
rate_gate(const struct cli *c, const struct account *a,
    const struct envelope *env, struct entry *e, struct ratelimit *rl,
    long long *stamp, int *taken, int *code, struct result *r)
{
	long long when = 0;
	char *line;
	int rc;

	*taken = 0;
	if (a->rate_limit == NULL || strcmp(a->rate_limit, "off") == 0)
		return 1;
	if (e->via) {
		*code = rate_hold(c, a, env, e, ratelimit_now(), r);
		return 0;
	}
	if (!ratelimit_init(rl, e->q.dirfd, a->name, a->rate_limit))
		return 1;
	rc = ratelimit_take(rl, ratelimit_now(), 0, stamp, &when, r);
	if (rc == 1) {
		*taken = 1;
		line = xasprintf("account %s: rate_limit %s: within the "
		    "limit", a->name, a->rate_limit);
		log_note(line);
		free(line);
		return 1;
	}
	*code = rc == 0 ? rate_hold(c, a, env, e, when, r) :
	    entry_keep(e, a, c->no_queue, env, r);
	return 0;
}

/* Read or build the message, spool it, send it, keep it if need be. */
static int
send_pipeline(const struct cli *c, struct config *cfg, struct input *in,
    struct entry *e, struct result *r)
{
	struct account *a = NULL;
	struct ratelimit rl;
	char *origin = NULL;
	long long start = compat_now_ms(), stamp = 0;
	int code, rc, taken = 0;

	if (take_message(c, cfg, in, &a, r) == -1) {
		code = report(r);
		if (in->interrupted)
			code = 128 + SIGINT;
		goto done;
	}
	origin = config_origin(c);
	if (take_spool(c, a, origin, in, e, r) == -1) {
		code = e->id ? entry_keep(e, a, c->no_queue, &in->env, r) :
		    report(r);
		goto done;
	}
	if (c->dry_run) {
		code = dry_run(&in->env, e->fd);
		goto done;
	}
	if (c->queue_only && a->queue && !c->no_queue) {
		code = entry_queue_only(e, &in->env, r);
		goto done;
	}
	if (!rate_gate(c, a, &in->env, e, &rl, &stamp, &taken, &code, r)) {
		write_log(c, a, in, e, r, code, start);
		goto done;
	}
	rc = send_message(c, cfg, a, &in->env, e, r);
	if (taken)
		ratelimit_done(&rl, stamp, ratelimit_now(), rc == 0 ||
		    ratelimit_counted(r));
	if (rc == 0) {
		/* accepted() removed the entry already */
		write_log(c, a, in, e, r, 0, start);
		flush_after_send(c, cfg, e);
		code = 0;
		goto done;
	}
	code = entry_keep(e, a, c->no_queue, &in->env, r);
	write_log(c, a, in, e, r, result_exit(r), start);
done:
	free(origin);
	config_account_free(a);
	return code;
}

/*
 * The configuration cannot be read or is broken (why): a message on
 * standard input is still kept, in the user's own failed/ with the
 * reason, its recipients as given, and the exit is 78.
 */
static int
keep_unconfigured(const struct cli *c, struct input *in, struct entry *e,
    const char *why, struct result *r)
{
	struct account *a = config_account_new("default");
	struct addr_list l = { NULL, 0 };
	struct result wr;
	const char *w, *f;
	char *line;
	size_t i;
	int code;

	result_init(&wr);
	result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL, "%s", why);
	if (c->mode != MODE_SEND || c->dry_run || msg_read_head(&in->msg, 0,
	    c->ignore_dots, &wr) == -1) {
		code = report(r);
		goto done;
	}
	/* -f as given ("<...>" stripped), else the null sender */
	if ((in->env.from = submit_selector(c, NULL, NULL)) == NULL)
		in->env.from = xstrdup("");
	for (i = 0; i < c->args.n; i++)
		(void)envelope_add_rcpt(&in->env, c->args.v[i]);
	if (c->read_rcpts && msg_recipients(&in->msg, &l, &w, &f) == 0)
		for (i = 0; i < l.n; i++)
			(void)envelope_add_rcpt(&in->env, l.v[i].spec);
	addr_list_free(&l);
	if (entry_create(e, a, &wr) == -1 || edit_spool(&in->msg, e->fd,
	    &in->env.size, &wr) == -1) {
		line = result_line(&wr);
		log_error("%s (not kept: %s)", why, line);
		free(line);
		entry_discard(e);
		code = result_exit(r);
		goto done;
	}
	e->meta.account = xstrdup(a->name);
	e->meta.created = (long long)time(NULL);
	code = entry_keep(e, a, 1, &in->env, r);
done:
	result_free(&wr);
	config_account_free(a);
	return code;
}

static int
run_send(const struct cli *c, struct config *cfg, const char *cfgerr,
    struct result *r)
{
	struct input in;
	struct entry e;
	int code;

	take_init(&in);
	memset(&e, 0, sizeof(e));
	e.fd = -1;
	code = cfgerr ? keep_unconfigured(c, &in, &e, cfgerr, r) :
	    send_pipeline(c, cfg, &in, &e, r);
	if (c->json && !c->dry_run)
		print_json(r, code, &e, in.msgid);
	if (e.fd != -1)
		close(e.fd);
	queue_close(&e.q);
	free(e.id);
	envelope_meta_free(&e.meta);
	take_free(&in);
	return code;
}

/* The account of -A / -f / --host, for the modes without a message. */
static struct account *
account_without_message(const struct cli *c, struct config *cfg,
    struct result *r)
{
	struct account *a;
	char *sender = submit_selector(c, NULL, NULL);

	if (submit_account(cfg, c, sender, &a, r) == -1)
		a = NULL;
	free(sender);
	return a;
}

static int
print_config(const struct cli *c, struct config *cfg, struct result *r)
{
	struct account *a = account_without_message(c, cfg, r);

	struct config_shown sh;
	char *from, *dir;

	if (a == NULL)
		return report(r);
	sh.from = from = a->from ? NULL : submit_local_sender(a);
	sh.queue_dir = dir = entry_queue_dir(a);
	config_print(a, a->file ? a->file : cfg->path, &sh, stdout);
	free(from);
	free(dir);
	config_account_free(a);
	return 0;
}

static int
serverinfo(const struct cli *c, struct config *cfg, struct result *r)
{
	struct account *a = account_without_message(c, cfg, r);
	int code = 0;

	if (a == NULL)
		return report(r);
	if (need_host(cfg, a, r) == -1 || serverinfo_run(stdout, a, r) == -1)
		code = report(r);
	config_account_free(a);
	return code;
}

/* --login: the OAuth2 grant for the account of -A (or the default). */
static int
login(const struct cli *c, struct config *cfg, struct result *r)
{
	struct account *a = account_without_message(c, cfg, r);
	int code = 0;

	if (a == NULL)
		return report(r);
	if (priv_system(a) || (a->file && strcmp(a->file,
	    CONFIG_SYSTEM_FILE) == 0 && getuid() != 0)) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
		    "account %s: OAuth2 for accounts of %s is not supported "
		    "yet", a->name, CONFIG_SYSTEM_FILE);
		code = report(r);
	} else if (oauth_login(a, r) == -1)
		code = report(r);
	config_account_free(a);
	return code;
}

/*
 * mailq, -q/--flush, --drop.  With -A or --host the queue of that
 * account, whose settings (with the overrides) then serve every entry
 * whose account is gone; else the default account's queue.
 */
static int
run_queue(const struct cli *c, struct config *cfg, struct result *r)
{
	struct runq_stats st;
	struct runq_opts o;
	struct account *a = NULL;
	struct queue q;
	char note[160];
	int code = 0;

	memset(&q, 0, sizeof(q));
	if ((c->account || c->host) &&
	    (a = account_without_message(c, cfg, r)) == NULL)
		return report(r);
	if (a == NULL && config_account(cfg, "default") != NULL &&
	    submit_account(cfg, c, NULL, &a, r) == -1)
		return report(r);
	if (entry_queue_open(&q, a, r) == -1) {
		code = report(r);
		goto done;
	}
	switch (c->mode) {
	case MODE_LIST:
		code = runq_list(&q, stdout);
		break;
	case MODE_DROP:
		code = runq_drop(&q, c->drop_id, r) == -1 ? report(r) : 0;
		break;
	default:
		memset(&o, 0, sizeof(o));
		o.cfg = cfg;
		o.explicit_config = c->config_file != NULL;
		o.fallback = a;
		o.ids = c->args.v;
		o.nids = c->args.n;
		o.due_only = c->due;
		o.syslog_tag = c->syslog_tag;
		if (runq_flush(&q, &o, &st, r) == -1)
			code = report(r);
		snprintf(note, sizeof(note), "queue run: %u sent, %u deferred, "
		    "%u failed, %u not due or busy", st.sent, st.deferred,
		    st.failed, st.skipped);
		log_note(note);
		break;
	}
done:
	queue_close(&q);
	config_account_free(a);
	return code;
}

/* -bv: one line per recipient on stdout; a fault of the run on stderr. */
static int
run_verify(const struct cli *c, struct config *cfg, struct result *r)
{
	int code = verify_run(c, cfg, stdout, r);

	return code == -1 ? report(r) : code;
}

static int
dispatch(const struct cli *c, struct config *cfg, struct result *r)
{
	switch (c->mode) {
	case MODE_PRINTCONFIG:
		return print_config(c, cfg, r);
	case MODE_SEND:
	case MODE_COMPOSE:
		return run_send(c, cfg, NULL, r);
	case MODE_SERVERINFO:
		return serverinfo(c, cfg, r);
	case MODE_LOGIN:
		return login(c, cfg, r);
	case MODE_VERIFY:
		return run_verify(c, cfg, r);
	default:
		return run_queue(c, cfg, r);
	}
}

/* A failure before any mode ran: its line, and --json still answers. */
static int
early_exit(int json, struct result *r)
{
	int code = report(r);

	if (json)
		print_json(r, code, NULL, NULL);
	return code;
}

static int
is_queue_mode(enum cli_mode m)
{
	return m == MODE_LIST || m == MODE_FLUSH || m == MODE_DROP;
}

/*
 * The configuration.  A setgid outbox (priv.h) reads the system file
 * with its group, then hands the group to the helper (send modes) or
 * drops it, and only then reads the user's files.  The queue modes of a
 * user without a configuration of their own keep the group: they serve
 * that user's entries of the system queue, and read nothing of theirs.
 */
static int
load_config(const struct cli *c, struct config *cfg,
    struct config_error *err)
{
	int sys, send = c->mode == MODE_SEND || c->mode == MODE_COMPOSE;

	if (!priv_active())
		return config_load(cfg, c->config_file, err);
	cfg->group = (long)priv_gid();
	if (c->config_file || getuid() == 0) {
		priv_drop();
		return config_load(cfg, c->config_file, err);
	}
	cfg->sealed = 1;
	if ((sys = config_load_system(cfg, err)) == -1) {
		priv_drop();
		return -1;
	}
	if (sys == 2) {
		priv_drop();
		if (!config_user_exists()) {
			snprintf(err->msg, sizeof(err->msg), "%s: %s",
			    CONFIG_SYSTEM_FILE, strerror(EACCES));
			return -1;
		}
		log_warn("%s is not readable: using your own configuration",
		    CONFIG_SYSTEM_FILE);
	} else if (sys == 0 && is_queue_mode(c->mode) &&
	    !config_user_exists() && c->log_file == NULL) {
		/* It keeps the group, and reads no file of the user's (not
		   even one made since the check): the system file alone.
		   What passwordeval runs sees nothing of the user's
		   environment, as in the helper. */
		clearenv();
		(void)setenv("PATH", "/usr/bin:/bin", 1);
		config_password_sealed(1);
		return 0;
	} else if (sys == 0 && send) {
		if (priv_split(cfg) == -1)
			log_warn("cannot start the setgid helper: %s",
			    strerror(errno));
	} else
		priv_drop();
	return config_load_user(cfg, sys, err);
}

int
main(int argc, char **argv)
{
	struct cli cli;
	struct config cfg;
	struct config_error cerr;
	struct result r;
	char err[512];
	int code, i;

	signal(SIGPIPE, SIG_IGN);
	/* Passwords may be read with the configuration and are held until
	   exit: no core dumps, no ptrace by other users, from the start. */
	compat_nodump(1);
	(void)priv_init();
	result_init(&r);
	if (cli_parse(&cli, argc, argv, err, sizeof(err)) == -1) {
		/* the command line is unknown: look for --json in it */
		for (i = 1; i < argc && strcmp(argv[i], "--json") != 0; i++)
			;
		result_local(&r, RES_PERM, STAGE_NONE, ERR_USAGE, NULL, "%s",
		    err);
		code = early_exit(i < argc, &r);
		result_free(&r);
		return code;
	}
	config_init(&cfg);
	log_set_verbose(cli.verbose);
	switch (cli.mode) {
	case MODE_HELP:
		fputs(cli_usage(), stdout);
		code = 0;
		goto done;
	case MODE_VERSION:
		printf("outbox %s\n", PACKAGE_VERSION);
		code = 0;
		goto done;
	case MODE_NEWALIASES:
		code = 0;
		goto done;
	case MODE_SMTP:
		/* Each message's own process reads the configuration (and
		   takes the group again, from the file's setgid bit). */
		if (priv_active())
			priv_drop();
		code = smtpbs_run(&cli, 0, 1);
		goto done;
	default:
		break;
	}
	if (load_config(&cli, &cfg, &cerr) == -1) {
		if (cli.mode == MODE_SEND && !cli.dry_run)
			code = run_send(&cli, &cfg, cerr.msg, &r);
		else {
			result_local(&r, RES_PERM, STAGE_NONE, ERR_CONFIG,
			    NULL, "%s", cerr.msg);
			code = early_exit(cli.json, &r);
		}
		goto done;
	}
	code = dispatch(&cli, &cfg, &r);
done:
	priv_end();
	result_free(&r);
	config_free(&cfg);
	cli_free(&cli);
	return code;
}
