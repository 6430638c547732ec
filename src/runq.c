/*
 * runq.c -- the queue runner: -q / --flush, mailq, --drop.
 */
#include "autoconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "deliver.h"
#include "dsn.h"
#include "limits.h"
#include "log.h"
#include "oauth.h"
#include "ratelimit.h"
#include "runq.h"
#include "xmalloc.h"

#define BACKOFF_FIRST	60L
#define BACKOFF_MAX	(4L * 3600)

long
runq_backoff(unsigned attempts)
{
	long s = BACKOFF_FIRST;

	while (attempts-- > 1 && s < BACKOFF_MAX)
		s *= 2;
	return s < BACKOFF_MAX ? s : BACKOFF_MAX;
}

struct item {
	enum queue_dir	 dir;
	char		*id;
	char		*account;
	char		*config;	/* -C FILE of the submission, or NULL */
	int		 foreign;	/* another user's entry of the shared
					   queue: only system accounts */
};

static int
cmp_str0(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int
cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = cmp_str0(x->config, y->config);

	if (c == 0)
		c = x->foreign - y->foreign;
	if (c == 0)
		c = strcmp(x->account, y->account);
	return c ? c : strcmp(x->id, y->id);
}

static void
add_item(struct queue *q, enum queue_dir d, const char *id,
    struct item **v, size_t *n)
{
	struct envelope e;
	struct envelope_meta m;
	const char *why;

	if (queue_read_env(q, d, id, &e, &m, &why) == -1) {
		/* Never sent: say why, so that it can be mended or dropped. */
		log_warn("queue %s: not sent: %s", id, why);
		return;
	}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].dir = d;
	(*v)[*n].id = xstrdup(id);
	(*v)[*n].account = xstrdup(m.account ? m.account : "default");
	(*v)[*n].config = m.config ? xstrdup(m.config) : NULL;
	(*v)[*n].foreign = m.has_uid && m.uid != (unsigned long)geteuid();
	(*n)++;
	envelope_free(&e);
	envelope_meta_free(&m);
}

/*
 * The entries to look at, grouped by configuration and account: every
 * queued (and interrupted) one, or exactly ids, which may also name
 * failed/ entries.  *unknown gets the first id that names nothing.
 */
static struct item *
collect(struct queue *q, char *const *ids, size_t nids, size_t *n,
    const char **unknown)
{
	struct item *v = NULL;
	enum queue_dir dirs[3] = { QD_QUEUE, QD_TMP, QD_FAILED };
	char **all;
	size_t i, j, k, before;
	unsigned char *found = xcalloc(nids + 1, 1);

	*n = 0;
	*unknown = NULL;
	for (k = 0; k < (nids ? 3u : 2u); k++) {
		all = queue_ids(q, dirs[k]);
		for (i = 0; all[i]; i++) {
			for (j = 0; j < nids && strcmp(ids[j], all[i]); j++)
				;
			if (nids > 0 && (j == nids || found[j]))
				continue;
			before = *n;
			add_item(q, dirs[k], all[i], &v, n);
			if (nids > 0 && *n > before)
				found[j] = 1;
		}
		queue_ids_free(all);
	}
	for (j = 0; j < nids && *unknown == NULL; j++)
		if (!found[j])
			*unknown = ids[j];
	free(found);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_item);
	return v;
}

struct run {
	struct queue		*q;
	const struct runq_opts	*o;
	struct runq_stats	*st;
	time_t			 now;
	/* an entry's own configuration file, read for it (own.path) */
	struct config		 own;
	int			 own_loaded;
	/* the account being served */
	const char		*name;
	struct account		*acct;		/* a copy, owned */
	char			*password;
	struct deliver_conn	*conn;
	struct result		 connr;	/* why there is no connection */
	int			 broken;
	int			 unknown;	/* not configured: left alone */
	/* its provider limits (ratelimit.h) */
	struct ratelimit	 rl;
	int			 limited;	/* rate_limit set */
	unsigned		 on_conn;	/* messages over conn */
	unsigned		 held;		/* entries held this run */
	long long		 first_go;	/* when the first may go */
};

/* The account's entries that wait for its rate_limit: said once. */
static void
report_held(struct run *x)
{
	char *at;

	if (x->held == 0)
		return;
	at = ratelimit_when(x->first_go, ratelimit_now());
	log_error("account %s: rate_limit %s reached: %u %s held in the "
	    "queue, the first to go at %s (mailq shows each)", x->name,
	    x->acct->rate_limit, x->held, x->held == 1 ? "entry" : "entries",
	    at);
	free(at);
}

static void
end_account(struct run *x)
{
	report_held(x);
	x->held = x->on_conn = 0;
	x->limited = 0;
	deliver_close(x->conn);
	x->conn = NULL;
	xfree_secret(x->password);
	x->password = NULL;
	result_free(&x->connr);
	result_init(&x->connr);
	config_account_free(x->acct);
	x->acct = NULL;
	x->broken = x->unknown = 0;
	x->name = NULL;
}

/* The configuration that serves item it: this run's (-C, or none
   recorded), else the file it was submitted with, read again. */
static struct config *
item_config(struct run *x, const struct item *it, struct result *r)
{
	struct config_error err;

	if (x->o->explicit_config || it->config == NULL ||
	    (x->o->cfg->path && strcmp(x->o->cfg->path, it->config) == 0))
		return x->o->cfg;
	if (x->own_loaded && cmp_str0(x->own.path, it->config) == 0)
		return &x->own;
	if (x->own_loaded)
		config_free(&x->own);
	config_init(&x->own);
	x->own_loaded = 1;
	if (config_load(&x->own, it->config, &err) == -1) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL, "%s",
		    err.msg);
		return NULL;
	}
	return &x->own;
}

/* Set up for the account of item it; on failure x->broken with why. */
static void
begin_account(struct run *x, const struct item *it)
{
	struct config_error err;
	struct config *cfg = item_config(x, it, &x->connr);
	struct account *a;

	x->name = it->account;
	if (cfg == NULL) {
		x->broken = 1;
		return;
	}
	a = config_account(cfg, it->account);
	if (a && it->foreign && (a->file == NULL ||
	    strcmp(a->file, CONFIG_SYSTEM_FILE) != 0)) {
		/* A user submitted it through the system: it goes through
		   a system account or not at all. */
		result_local(&x->connr, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
		    "account %s of another user's entry is not in %s",
		    it->account, CONFIG_SYSTEM_FILE);
		x->broken = 1;
		return;
	}
	if (a == NULL && x->o->skip_unknown) {
		x->unknown = 1;
		return;
	}
	if (a == NULL)
		a = x->o->fallback;
	if (a == NULL) {
		result_local(&x->connr, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
		    "account %s no longer exists", it->account);
		x->broken = 1;
		return;
	}
	x->acct = config_account_copy(a);
	x->limited = ratelimit_init(&x->rl, x->q->dirfd, x->name,
	    x->acct->rate_limit);
	if (oauth_enabled(x->acct)) {
		/* A token that cannot be had now: the entries wait. */
		if (config_finish(x->acct, &err) == -1)
			result_local(&x->connr, RES_PERM, STAGE_NONE,
			    ERR_CONFIG, NULL, "%s", err.msg);
		else if (oauth_access_token(x->acct, NULL, &x->password,
		    &x->connr) == 0)
			return;
		x->broken = 1;
		return;
	}
	/* Never asks: a password that is missing is a 78, and the entries
	   wait for the configuration to be mended. */
	if (config_finish(x->acct, &err) == -1 ||
	    config_password(x->acct, &x->password, &err) == -1 ||
	    config_password_check(x->acct, x->password, &err) == -1) {
		result_local(&x->connr, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
		    "%s", err.msg);
		x->broken = 1;
	}
}

/* One log line per attempt, as a send writes it. */
static void
log_attempt(struct run *x, const struct item *it, const struct envelope *e,
    const struct envelope_meta *m, const struct result *r, long long start)
{
	const struct account *a = x->acct;
	struct log_entry l;

	if (a == NULL || (a->logfile == NULL && a->syslog == NULL))
		return;
	memset(&l, 0, sizeof(l));
	l.host = r->server ? r->server : a->nhosts ? a->hosts[0] : "";
	l.user = a->user;
	l.from = e->from;
	l.rcpt = e->rcpt;
	l.nrcpt = e->nrcpt;
	l.size = e->size;
	l.account = it->account;
	l.msgid = m->message_id;
	l.queue_id = it->id;
	l.duration = (compat_now_ms() - start) / 1e3;
	l.r = r;
	l.exitcode = result_exit(r);
	log_message(a->logfile, a->syslog, x->o->syslog_tag, &l);
}

/* A queue write that failed (wr): say so; the caller says what is left. */
static void
log_write_error(const struct item *it, const struct result *wr)
{
	char *w = result_line(wr);

	log_error("queue %s: %s", it->id, w);
	free(w);
}

/* Reschedule an entry after a deferred attempt. */
static void
defer(struct run *x, const struct item *it, int fd, struct envelope *e,
    struct envelope_meta *m, const struct result *r)
{
	struct result wr;
	char *line = result_line(r);

	result_init(&wr);
	free(m->last_error);
	m->last_error = line;
	m->attempts++;
	m->next_attempt = (long long)x->now + runq_backoff(m->attempts);
	if (it->dir == QD_TMP ? queue_move(x->q, QD_TMP, QD_QUEUE, it->id, fd,
	    e, m, &wr) : queue_write_env(x->q, QD_QUEUE, it->id, e, m, 1,
	    &wr))
		log_write_error(it, &wr);
	log_error("queue %s: deferred: %s", it->id, line);
	x->st->deferred++;
	result_free(&wr);
}

static void send_entry(struct run *, const struct item *, int,
    struct envelope *, struct envelope_meta *);

/*
 * Tell the sender: a delivery status notification with the null reverse
 * path, sent now when it can be, else queued like any message.  Never
 * for a message from the null sender (no loops) or with NOTIFY=NEVER.
 */
static void
bounce(struct run *x, const struct item *it, int fd,
    const struct envelope *e, const struct envelope_meta *m,
    const char *why, const char *status, const struct result *r)
{
	struct envelope ne;
	struct envelope_meta nm;
	struct dsn_info d;
	struct result wr;
	struct item ni;
	char host[256], *id = NULL;
	long long size;
	int nfd;

	if (e->from[0] == '\0' || (e->dsn_notify &&
	    strcasecmp(e->dsn_notify, "NEVER") == 0))
		return;
	result_init(&wr);
	envelope_init(&ne);
	memset(&nm, 0, sizeof(nm));
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	memset(&d, 0, sizeof(d));
	d.env = e;
	d.meta = m;
	d.id = it->id;
	d.reporting = host;
	d.reason = why;
	d.status = status;
	d.r = r;
	if ((nfd = queue_spool_create(x->q, &id, &wr)) == -1 ||
	    flock(nfd, LOCK_EX) == -1 || (size = dsn_write(nfd, fd, &d)) < 0) {
		log_error("queue %s: cannot write the delivery status "
		    "notification: %s", it->id, strerror(errno));
		goto done;
	}
	ne.from = xstrdup("");
	envelope_add_rcpt(&ne, e->from);
	ne.size = (unsigned long long)size;
	nm.account = xstrdup(it->account);
	nm.created = nm.next_attempt = (long long)x->now;
	if (queue_write_env(x->q, QD_TMP, id, &ne, &nm, 0, &wr) == -1) {
		queue_spool_remove(x->q, id);
		goto done;
	}
	ni.dir = QD_TMP;
	ni.id = id;
	ni.account = it->account;
	ni.config = it->config;
	send_entry(x, &ni, nfd, &ne, &nm);
done:
	if (nfd != -1)
		close(nfd);
	free(id);
	envelope_free(&ne);
	envelope_meta_free(&nm);
	result_free(&wr);
}

/*
 * Move an entry to failed/ and tell its sender.  If it cannot be moved,
 * it stays queued and nobody is told it failed: what is on disk and what
 * the notice says must agree.
 */
static void
fail_entry(struct run *x, const struct item *it, int fd, struct envelope *e,
    struct envelope_meta *m, const char *why, const char *status,
    const struct result *r)
{
	struct result wr;

	result_init(&wr);
	free(m->last_error);
	m->last_error = xstrdup(why);
	if (queue_move(x->q, it->dir, QD_FAILED, it->id, fd, e, m, &wr)) {
		log_write_error(it, &wr);
		log_error("queue %s: failed, but kept in %s/ for now: %s",
		    it->id, it->dir == QD_TMP ? "tmp" : "queue", why);
		x->st->deferred++;
		result_free(&wr);
		return;
	}
	log_error("queue %s: failed: %s", it->id, why);
	x->st->failed++;
	result_free(&wr);
	bounce(x, it, fd, e, m, why, status, r);
}

/* A failed/ entry named by --flush that is not accepted: it stays there,
   with the news, and its sender is not told a second time. */
static void
fail_again(struct run *x, const struct item *it, struct envelope *e,
    struct envelope_meta *m, const struct result *r)
{
	struct result wr;

	result_init(&wr);
	free(m->last_error);
	m->last_error = result_line(r);
	if (queue_write_env(x->q, QD_FAILED, it->id, e, m, 1, &wr))
		log_write_error(it, &wr);
	log_error("queue %s: failed again: %s", it->id, m->last_error);
	x->st->failed++;
	result_free(&wr);
}

/* The server refused an OAuth2 token that looked valid: a new one, and
   one more connection with it. */
static void
oauth_retry(struct run *x, struct deliver_params *p)
{
	char *token = NULL;
	struct result r;

	result_init(&r);
	if (oauth_access_token(x->acct, x->password, &token, &r) == -1) {
		result_free(&x->connr);
		x->connr = r;
		return;
	}
	result_free(&r);
	xfree_secret(x->password);
	x->password = token;
	p->password = token;
	result_free(&x->connr);
	result_init(&x->connr);
	x->conn = deliver_open(p, &x->connr);
}

/* max_messages_per_connection: after that many, QUIT and a new one. */
static void
conn_limit(struct run *x)
{
	int max = x->acct ? x->acct->max_messages_per_connection : 0;
	char *line;

	if (x->conn == NULL || max <= 0 || x->on_conn < (unsigned)max)
		return;
	if (log_verbose()) {
		line = xasprintf("account %s: max_messages_per_connection %d "
		    "reached: QUIT, and a new connection", x->name, max);
		log_note(line);
		free(line);
	}
	deliver_close(x->conn);
	x->conn = NULL;
	x->on_conn = 0;
}

/* This account's connection, opened once (again after
   max_messages_per_connection); -1 (x->connr says why) when there is
   none: then every entry of the account waits. */
static int
connection(struct run *x)
{
	struct deliver_params p;

	conn_limit(x);
	if (!x->broken && x->conn == NULL) {
		memset(&p, 0, sizeof(p));
		p.acct = x->acct;
		p.password = x->password;
		x->conn = deliver_open(&p, &x->connr);
		if (x->conn == NULL && oauth_refused(x->acct, &x->connr))
			oauth_retry(x, &p);
		if (x->conn == NULL)
			x->broken = 1;
	}
	return x->broken ? -1 : 0;
}

/*
 * The account's rate_limit is reached: the entry waits until the limit
 * lets it go, with no attempt counted and no backoff.  A failed/ entry
 * named by --flush stays where it is.
 */
static void
hold(struct run *x, const struct item *it, int fd, struct envelope *e,
    struct envelope_meta *m, long long when)
{
	struct result wr;
	char *at = ratelimit_when(when, ratelimit_now()), *line;

	if (x->held++ == 0)
		x->first_go = when;
	x->st->held++;
	if (it->dir == QD_FAILED) {
		log_error("queue %s: not sent: rate_limit %s of account %s "
		    "reached; it may go at %s", it->id, x->acct->rate_limit,
		    x->name, at);
		free(at);
		return;
	}
	result_init(&wr);
	free(m->last_error);
	line = ratelimit_when(when, 0);
	m->last_error = xasprintf("%s %s of account %s: goes at %s",
	    RATELIMIT_HELD, x->acct->rate_limit, x->name, line);
	free(line);
	m->next_attempt = (when + 999) / 1000;
	if (it->dir == QD_TMP ? queue_move(x->q, QD_TMP, QD_QUEUE, it->id, fd,
	    e, m, &wr) : queue_write_env(x->q, QD_QUEUE, it->id, e, m, 1,
	    &wr))
		log_write_error(it, &wr);
	if (log_verbose()) {
		line = xasprintf("queue %s: held by rate_limit %s until %s",
		    it->id, x->acct->rate_limit, at);
		log_note(line);
		free(line);
	}
	free(at);
	result_free(&wr);
}

/* A slot of the account's rate_limit for one message: 2 no limit, 1
   taken (*stamp), 0 reached (*when), -1 no send log (r says why), 3 not
   this run's to count: a user's run in the shared system queue, whose
   send log is root's (root's run sends the entry). */
static int
take_slot(struct run *x, long long *stamp, long long *when,
    struct result *r)
{
	char *line;
	int rc;

	if (!x->limited)
		return 2;
	if (x->q->gid != QUEUE_NO_GID && geteuid() != 0)
		return 3;
	rc = ratelimit_take(&x->rl, ratelimit_now(), x->held, stamp, when, r);
	if (rc == 1 && log_verbose()) {
		line = xasprintf("account %s: rate_limit %s: within the limit",
		    x->name, x->acct->rate_limit);
		log_note(line);
		free(line);
	}
	return rc;
}

static void
send_entry(struct run *x, const struct item *it, int fd, struct envelope *e,
    struct envelope_meta *m)
{
	struct result r;
	const struct result *out = &r;	/* what decides */
	long long start = compat_now_ms(), stamp = 0, when = 0;
	char *line;
	int slot;

	result_init(&r);
	if ((slot = take_slot(x, &stamp, &when, &r)) == 0 || slot == 3) {
		if (slot == 0)
			hold(x, it, fd, e, m, when);
		else
			x->st->skipped++;
		result_free(&r);
		return;
	} else if (slot == -1)
		;	/* no send log, no send: r defers it */
	else if (connection(x) == -1)
		out = &x->connr;
	else {
		(void)deliver_send(x->conn, e, fd, &r);
		x->on_conn++;
	}
	if (slot == 1)
		ratelimit_done(&x->rl, stamp, ratelimit_now(), out == &r &&
		    ratelimit_counted(&r));
	log_attempt(x, it, e, m, out, start);
	if (it->dir == QD_FAILED && result_disposition(out) != DISP_SENT) {
		fail_again(x, it, e, m, out);
		result_free(&r);
		return;
	}
	switch (result_disposition(out)) {
	case DISP_SENT:
		queue_remove(x->q, it->dir, it->id);
		x->st->sent++;
		if (log_verbose()) {
			line = xasprintf("queue %s: sent", it->id);
			log_note(line);
			free(line);
		}
		break;
	case DISP_DEFERRED:
		defer(x, it, fd, e, m, out);
		break;
	case DISP_FAILED:
		line = result_line(out);
		fail_entry(x, it, fd, e, m, line, out->enhanced[0] == '5' ?
		    out->enhanced : "5.0.0", out);
		free(line);
		break;
	}
	result_free(&r);
}

/* Past queue_max_age: given up, due or not (a failed/ entry sent again
   by name is not: it was given up on already). */
static int
expired(const struct run *x, const struct item *it,
    const struct envelope_meta *m)
{
	return it->dir != QD_FAILED && x->acct &&
	    x->acct->queue_max_age > 0 &&
	    (long long)x->now - m->created > x->acct->queue_max_age;
}

static void
handle(struct run *x, const struct item *it)
{
	struct envelope e;
	struct envelope_meta m;
	const char *why;
	char *reason;
	int fd;

	if (x->unknown || (fd = queue_lock(x->q, it->dir, it->id)) == -1) {
		x->st->skipped++;
		return;
	}
	/* Read again under the lock: another run may have just sent it. */
	if (queue_read_env(x->q, it->dir, it->id, &e, &m, &why) == -1) {
		x->st->skipped++;
		close(fd);
		return;
	}
	if (expired(x, it, &m)) {
		reason = xasprintf("expired: not delivered within %lds (last "
		    "error: %s)", x->acct->queue_max_age,
		    m.last_error ? m.last_error : "none");
		fail_entry(x, it, fd, &e, &m, reason, "4.4.7", NULL);
		free(reason);
	} else if (x->o->due_only && it->dir == QD_QUEUE &&
	    m.next_attempt > (long long)x->now)
		x->st->skipped++;
	else
		send_entry(x, it, fd, &e, &m);
	envelope_free(&e);
	envelope_meta_free(&m);
	close(fd);
}

#define INCOMPLETE_MAX_AGE	86400L

/*
 * Remove what an interrupted spooling left in tmp/ more than a day ago:
 * a message that never got its envelope (input not fully read, never to
 * be sent), and half-written envelope files.  Locked files are in use.
 */
static void
sweep_tmp(struct queue *q, time_t now)
{
	DIR *dir;
	struct dirent *de;
	struct stat st;
	char *env;
	int dfd = queue_dirfd(q, QD_TMP), fd;

	if ((fd = dup(dfd)) == -1 || (dir = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	rewinddir(dir);		/* dup()s share the offset */
	while ((de = readdir(dir)) != NULL) {
		size_t n = strlen(de->d_name);
		int half = n > 8 && strcmp(de->d_name + n - 8, ".env.tmp") == 0;

		if (!half && !queue_id_valid(de->d_name))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode) || now - st.st_mtime <
		    INCOMPLETE_MAX_AGE)
			continue;
		if (half) {
			(void)unlinkat(dfd, de->d_name, 0);
			continue;
		}
		env = xasprintf("%s.env", de->d_name);
		if (fstatat(dfd, env, &st, AT_SYMLINK_NOFOLLOW) == -1 &&
		    (fd = queue_lock(q, QD_TMP, de->d_name)) != -1) {
			(void)unlinkat(dfd, de->d_name, 0);
			close(fd);
		}
		free(env);
	}
	closedir(dir);
}

int
runq_flush(struct queue *q, const struct runq_opts *o,
    struct runq_stats *st, struct result *r)
{
	struct run x;
	struct item *v;
	const char *unknown;
	size_t n, i;

	memset(st, 0, sizeof(*st));
	memset(&x, 0, sizeof(x));
	x.q = q;
	x.o = o;
	x.st = st;
	x.now = time(NULL);
	result_init(&x.connr);
	queue_repair(q);
	sweep_tmp(q, x.now);
	v = collect(q, o->ids, o->nids, &n, &unknown);
	for (i = 0; i < n; i++) {
		if (i == 0 || cmp_str0(v[i - 1].config, v[i].config) != 0 ||
		    v[i - 1].foreign != v[i].foreign ||
		    strcmp(v[i - 1].account, v[i].account) != 0) {
			end_account(&x);
			begin_account(&x, &v[i]);
		}
		handle(&x, &v[i]);
	}
	end_account(&x);
	result_free(&x.connr);
	if (x.own_loaded)
		config_free(&x.own);
	for (i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].account);
		free(v[i].config);
	}
	free(v);
	if (unknown) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_NOINPUT, "--flush",
		    "no queue entry %s", unknown);
		return -1;
	}
	return 0;
}

int
runq_drop(struct queue *q, const char *id, struct result *r)
{
	enum queue_dir dirs[3] = { QD_QUEUE, QD_FAILED, QD_TMP };
	struct stat st;
	size_t k;
	int fd;

	if (!queue_id_valid(id)) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_NOINPUT, "--drop",
		    "no queue entry %s", id);
		return -1;
	}
	for (k = 0; k < 3; k++) {
		if (fstatat(queue_dirfd(q, dirs[k]), id, &st,
		    AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		/* A shared queue: a user drops only their own entries. */
		if (q->gid != QUEUE_NO_GID && geteuid() != 0 &&
		    st.st_uid != geteuid())
			continue;
		if ((fd = queue_lock(q, dirs[k], id)) == -1) {
			result_local(r, RES_TEMP, STAGE_NONE, ERR_TEMP,
			    "--drop", "%s is being sent right now", id);
			return -1;
		}
		queue_remove(q, dirs[k], id);
		close(fd);
		return 0;
	}
	result_local(r, RES_PERM, STAGE_NONE, ERR_NOINPUT, "--drop",
	    "no queue entry %s", id);
	return -1;
}
