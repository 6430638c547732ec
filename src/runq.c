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

#include "deliver.h"
#include "dsn.h"
#include "log.h"
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
};

static int
cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->account, y->account);

	return c ? c : strcmp(x->id, y->id);
}

static void
add_item(struct queue *q, enum queue_dir d, const char *id,
    struct item **v, size_t *n)
{
	struct envelope e;
	struct envelope_meta m;
	const char *why;

	if (queue_read_env(q, d, id, &e, &m, &why) == -1)
		return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].dir = d;
	(*v)[*n].id = xstrdup(id);
	(*v)[*n].account = xstrdup(m.account ? m.account : "default");
	(*n)++;
	envelope_free(&e);
	envelope_meta_free(&m);
}

/* The entries to look at, grouped by account. */
static struct item *
collect(struct queue *q, char *const *ids, size_t nids, size_t *n)
{
	struct item *v = NULL;
	char **all;
	size_t i, k;
	enum queue_dir dirs[2] = { QD_QUEUE, QD_TMP };

	*n = 0;
	for (k = 0; k < 2; k++) {
		all = queue_ids(q, dirs[k]);
		for (i = 0; all[i]; i++) {
			size_t j;

			for (j = 0; j < nids && strcmp(ids[j], all[i]); j++)
				;
			if (nids == 0 || j < nids)
				add_item(q, dirs[k], all[i], &v, n);
		}
		queue_ids_free(all);
	}
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_item);
	return v;
}

struct run {
	struct queue		*q;
	struct config		*cfg;
	struct account		*fallback;
	struct runq_stats	*st;
	int			 forced;
	time_t			 now;
	/* the account being served */
	const char		*name;
	struct account		*acct;
	char			*password;
	struct deliver_conn	*conn;
	struct result		 connr;	/* why there is no connection */
	int			 broken;
};

static void
end_account(struct run *x)
{
	deliver_close(x->conn);
	x->conn = NULL;
	xfree_secret(x->password);
	x->password = NULL;
	result_free(&x->connr);
	result_init(&x->connr);
	x->broken = 0;
	x->acct = NULL;
	x->name = NULL;
}

/* Set up for the account of item it; on failure x->broken with why. */
static void
begin_account(struct run *x, const struct item *it)
{
	struct config_error err;

	x->name = it->account;
	x->acct = config_account(x->cfg, it->account);
	if (x->acct == NULL)
		x->acct = x->fallback;
	if (x->acct == NULL) {
		result_local(&x->connr, RES_TEMP, STAGE_NONE, ERR_CONFIG, NULL,
		    "account %s no longer exists", it->account);
		x->broken = 1;
		return;
	}
	if (config_finish(x->acct, &err) == -1 ||
	    config_password(x->acct, &x->password, &err) == -1) {
		result_local(&x->connr, RES_TEMP, STAGE_NONE, ERR_CONFIG, NULL,
		    "%s", err.msg);
		x->broken = 1;
	}
}

/* Reschedule an entry after a temporary failure. */
static void
defer(struct run *x, const struct item *it, int fd, struct envelope *e,
    struct envelope_meta *m, const struct result *r)
{
	struct result wr;
	char *line = result_line(r);

	result_init(&wr);
	m->attempts++;
	m->next_attempt = (long long)x->now + runq_backoff(m->attempts);
	free(m->last_error);
	m->last_error = line;
	if (it->dir == QD_TMP ? queue_move(x->q, QD_TMP, QD_QUEUE, it->id, fd,
	    e, m, &wr) : queue_write_env(x->q, QD_QUEUE, it->id, e, m, 1,
	    &wr)) {
		char *w = result_line(&wr);

		log_error("queue %s: %s", it->id, w);
		free(w);
	}
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
	send_entry(x, &ni, nfd, &ne, &nm);
done:
	if (nfd != -1)
		close(nfd);
	free(id);
	envelope_free(&ne);
	envelope_meta_free(&nm);
	result_free(&wr);
}

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
		char *w = result_line(&wr);

		log_error("queue %s: %s", it->id, w);
		free(w);
	}
	log_error("queue %s: failed: %s", it->id, why);
	x->st->failed++;
	result_free(&wr);
	bounce(x, it, fd, e, m, why, status, r);
}

static void
send_entry(struct run *x, const struct item *it, int fd, struct envelope *e,
    struct envelope_meta *m)
{

	struct deliver_params p;
	struct result r;
	char *line;

	result_init(&r);
	if (!x->broken && x->conn == NULL) {
		memset(&p, 0, sizeof(p));
		p.acct = x->acct;
		p.password = x->password;
		if ((x->conn = deliver_open(&p, &x->connr)) == NULL)
			x->broken = 1;
	}
	if (x->broken) {
		/* No connection for this account: every entry waits. */
		defer(x, it, fd, e, m, &x->connr);
		return;
	}
	if (deliver_send(x->conn, e, fd, &r) == 0) {
		queue_remove(x->q, it->dir, it->id);
		x->st->sent++;
		if (log_verbose()) {
			line = xasprintf("queue %s: sent", it->id);
			log_note(line);
			free(line);
		}
	} else if (r.cls == RES_TEMP || r.stage < STAGE_MAIL ||
	    r.err == ERR_IO) {
		/* A connection problem is no fault of the message. */
		defer(x, it, fd, e, m, &r);
	} else {
		line = result_line(&r);
		fail_entry(x, it, fd, e, m, line, r.enhanced[0] == '5' ?
		    r.enhanced : "5.0.0", &r);
		free(line);
	}
	result_free(&r);
}

static void
handle(struct run *x, const struct item *it)
{
	struct envelope e;
	struct envelope_meta m;
	const char *why;
	char *reason;
	int fd;

	if ((fd = queue_lock(x->q, it->dir, it->id)) == -1) {
		x->st->skipped++;
		return;
	}
	/* Read again under the lock: another run may have just sent it. */
	if (queue_read_env(x->q, it->dir, it->id, &e, &m, &why) == -1) {
		x->st->skipped++;
		close(fd);
		return;
	}
	if (x->acct && x->acct->queue_max_age > 0 &&
	    (long long)x->now - m.created > x->acct->queue_max_age) {
		/* Expired: given up, due or not. */
		reason = xasprintf("expired: not delivered within %lds (last "
		    "error: %s)", x->acct->queue_max_age,
		    m.last_error ? m.last_error : "none");
		fail_entry(x, it, fd, &e, &m, reason, "4.4.7", NULL);
		free(reason);
	} else if (!x->forced && it->dir == QD_QUEUE &&
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
runq_flush(struct queue *q, struct config *cfg, struct account *fallback,
    char *const *ids, size_t nids, struct runq_stats *st)
{
	struct run x;
	struct item *v;
	size_t n, i;

	memset(st, 0, sizeof(*st));
	memset(&x, 0, sizeof(x));
	x.q = q;
	x.cfg = cfg;
	x.fallback = fallback;
	x.st = st;
	x.forced = nids > 0;
	x.now = time(NULL);
	result_init(&x.connr);
	queue_repair(q);
	sweep_tmp(q, x.now);
	v = collect(q, ids, nids, &n);
	for (i = 0; i < n; i++) {
		if (x.name == NULL || strcmp(x.name, v[i].account) != 0) {
			end_account(&x);
			begin_account(&x, &v[i]);
		}
		handle(&x, &v[i]);
	}
	end_account(&x);
	result_free(&x.connr);
	for (i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].account);
	}
	free(v);
	return 0;
}

static void
print_age(FILE *fp, long long secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		fprintf(fp, "%llds", secs);
	else if (secs < 7200)
		fprintf(fp, "%lldm", secs / 60);
	else if (secs < 2 * 86400)
		fprintf(fp, "%lldh", secs / 3600);
	else
		fprintf(fp, "%lldd", secs / 86400);
}

static void
list_entry(struct queue *q, enum queue_dir d, const char *id, FILE *fp,
    time_t now)
{
	struct envelope e;
	struct envelope_meta m;
	const char *why;
	char *err;
	size_t i;
	int fd;

	if (queue_read_env(q, d, id, &e, &m, &why) == -1)
		return;
	fprintf(fp, "%s  %llu bytes  age ", id, e.size);
	print_age(fp, (long long)now - m.created);
	fprintf(fp, "  attempts %u  ", m.attempts);
	if (d == QD_TMP) {
		fd = queue_lock(q, d, id);
		fputs(fd == -1 ? "being sent now" : "interrupted, sent by "
		    "the next -q", fp);
		if (fd != -1)
			close(fd);
	} else if (m.next_attempt <= (long long)now)
		fputs("next attempt: now", fp);
	else {
		fputs("next attempt in ", fp);
		print_age(fp, m.next_attempt - (long long)now);
	}
	fprintf(fp, "\n    from: <%s>\n    to:", e.from);
	for (i = 0; i < e.nrcpt; i++)
		fprintf(fp, "%s <%s>", i ? "," : "", e.rcpt[i]);
	fputc('\n', fp);
	if (m.last_error) {
		err = result_sanitize(m.last_error, 1024);
		fprintf(fp, "    last error: %s\n", err);
		free(err);
	}
	envelope_free(&e);
	envelope_meta_free(&m);
}

int
runq_list(struct queue *q, FILE *fp)
{
	enum queue_dir dirs[2] = { QD_QUEUE, QD_TMP };
	time_t now = time(NULL);
	size_t i, k, n = 0;
	char **ids;

	for (k = 0; k < 2; k++) {
		ids = queue_ids(q, dirs[k]);
		for (i = 0; ids[i]; i++, n++)
			list_entry(q, dirs[k], ids[i], fp, now);
		queue_ids_free(ids);
	}
	if (n == 0)
		fputs("Mail queue is empty\n", fp);
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
		result_local(r, RES_PERM, STAGE_NONE, ERR_USAGE, "--drop",
		    "'%s' is not a queue id", id);
		return -1;
	}
	for (k = 0; k < 3; k++) {
		if (fstatat(queue_dirfd(q, dirs[k]), id, &st,
		    AT_SYMLINK_NOFOLLOW) == -1)
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
