/*
 * entry.c -- the queue entry of the message this run submits.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "entry.h"
#include "log.h"
#include "priv.h"
#include "runq.h"
#include "xmalloc.h"

/*
 * Open the queue of an account (or the default one).  A setgid outbox
 * run by root, or still holding its group for the queue modes, opens it
 * as the shared system queue.
 */
char *
entry_queue_dir(const struct account *a)
{
	return a && a->queue_dir ? xstrdup(a->queue_dir) :
	    priv_holding() ? xstrdup(QUEUE_SYSTEM_DIR) : queue_default_dir();
}

int
entry_queue_open(struct queue *q, const struct account *a, struct result *r)
{
	char *dir = entry_queue_dir(a);
	int rc = (priv_active() && geteuid() == 0) || priv_holding() ?
	    queue_open_shared(q, dir, priv_gid(), r) : queue_open(q, dir, r);

	free(dir);
	return rc;
}

/* The helper's refusal, as a result. */
static int
helper_fail(struct result *r, const char *what, const char *err)
{
	result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT, what, "%s",
	    err);
	return -1;
}

/* A new entry in the system queue, through the setgid helper. */
static int
entry_create_via(struct entry *e, const struct account *a, struct result *r)
{
	char err[1024], *dir;

	queue_close(&e->q);
	if ((e->fd = priv_create(a->name, &e->id, &dir, err,
	    sizeof(err))) == -1)
		return helper_fail(r, "system queue", err);
	e->q.path = dir;
	e->via = 1;
	return 0;
}

/* The entry's envelope in tmp/ (to QD_TMP), or the entry moved to to. */
int
entry_env(struct entry *e, enum queue_dir to, const struct envelope *env,
    struct result *r)
{
	char err[1024], *text;
	size_t len;
	int rc;

	if (!e->via)
		return to == QD_TMP ? queue_write_env(&e->q, QD_TMP, e->id,
		    env, &e->meta, 0, r) : queue_move(&e->q, QD_TMP, to,
		    e->id, e->fd, env, &e->meta, r);
	if ((text = envelope_format(env, &e->meta, &len)) == NULL) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_SOFTWARE, "envelope",
		    "a line break in an envelope value");
		return -1;
	}
	rc = priv_env(e->id, to, to != QD_TMP, text, len, err, sizeof(err));
	free(text);
	return rc == -1 ? helper_fail(r, "system queue", err) : 0;
}

void
entry_remove(struct entry *e)
{
	char err[1024];

	if (e->via)
		(void)priv_remove(e->id, err, sizeof(err));
	else
		queue_remove(&e->q, QD_TMP, e->id);
}

/* A new entry in tmp/, ours (locked) until we exit or hand it over. */
int
entry_create(struct entry *e, const struct account *a, struct result *r)
{
	if (priv_system(a))
		return entry_create_via(e, a, r);
	if (entry_queue_open(&e->q, a, r) == -1 ||
	    (e->fd = queue_spool_create(&e->q, &e->id, r)) == -1)
		return -1;
	if (flock(e->fd, LOCK_EX) == -1) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_CANTCREAT, "queue",
		    "cannot lock %s/tmp/%s: %s", e->q.path, e->id,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* No partial entry is ever left behind. */
void
entry_discard(struct entry *e)
{
	if (e->id)
		entry_remove(e);
	free(e->id);
	e->id = NULL;
}

int
entry_dry(struct entry *e, struct result *r)
{
	FILE *fp = tmpfile();

	if (fp == NULL || (e->fd = dup(fileno(fp))) == -1) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_CANTCREAT,
		    "temporary file", "%s", strerror(errno));
		if (fp)
			fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

/*
 * The attempt did not end in SENT: keep the message where the one rule
 * (result_disposition) says, print the one line that says why and where
 * it is now, and return the exit code.  A deferred message goes to the
 * queue (exit 0 for a temporary failure, else the table's code, so the
 * caller learns that e.g. the login was refused); with --no-queue or
 * queue off, and for a failed one, to failed/.
 */
int
entry_keep(struct entry *e, const struct account *a, int no_queue,
    const struct envelope *env, const struct result *r)
{
	enum result_disposition d = result_disposition(r);
	int to_queue = d == DISP_DEFERRED && a->queue && !no_queue;
	enum queue_dir to = to_queue ? QD_QUEUE : QD_FAILED;
	struct result wr;
	char *line = result_line(r), *why;
	int code = result_exit(r);

	result_init(&wr);
	e->meta.last_error = xstrdup(line);
	if (to_queue) {
		e->meta.attempts = 1;
		e->meta.next_attempt = (long long)time(NULL) + runq_backoff(1);
		if (code == 75)
			code = 0;
	}
	if (entry_env(e, to, env, &wr) == 0) {
		e->kept = 1 + (int)to;
		if (to_queue)
			log_error("%s (kept in the queue as %s, next attempt "
			    "in %ld s)", line, e->id, runq_backoff(1));
		else
			log_error("%s (kept in failed/ as %s)", line, e->id);
	} else if (to_queue) {
		/* Still complete in tmp/: the next -q sends it. */
		why = result_line(&wr);
		log_error("%s (kept in %s/tmp as %s for the next -q: %s)",
		    line, e->q.path, e->id, why);
		free(why);
		e->kept = 1 + (int)QD_TMP;
	} else {
		/* Nothing sendable may stay behind a failure exit. */
		why = result_line(&wr);
		entry_remove(e);
		log_error("%s (not kept: %s)", line, why);
		free(why);
		code = 73;
	}
	free(line);
	result_free(&wr);
	return code;
}

/*
 * -odq: the complete entry goes to queue/ without an attempt, due at
 * once, for the next -q; exit 0 and nothing on stderr, as Postfix.  (With
 * --no-queue or queue off there is no queue to wait in: it is sent now.)
 */
int
entry_queue_only(struct entry *e, const struct envelope *env, struct result *r)
{
	struct result wr;
	char *why;

	result_local(r, RES_TEMP, STAGE_NONE, ERR_TEMP, NULL,
	    "queued without an attempt (-odq)");
	e->meta.last_error = result_line(r);
	e->meta.attempts = 0;
	e->meta.next_attempt = (long long)time(NULL);
	result_init(&wr);
	if (entry_env(e, QD_QUEUE, env, &wr) == 0)
		e->kept = 1 + (int)QD_QUEUE;
	else {
		/* Still complete in tmp/: the next -q sends it. */
		why = result_line(&wr);
		log_error("queued without an attempt (-odq): kept in %s/tmp "
		    "as %s for the next -q: %s", e->q.path, e->id, why);
		free(why);
		e->kept = 1 + (int)QD_TMP;
	}
	result_free(&wr);
	return 0;
}

int
entry_hold(struct entry *e, const struct envelope *env, long long when,
    const char *why)
{
	struct result wr;
	char *w;

	free(e->meta.last_error);
	e->meta.last_error = xstrdup(why);
	e->meta.attempts = 0;
	e->meta.next_attempt = when;
	result_init(&wr);
	if (entry_env(e, QD_QUEUE, env, &wr) == 0)
		e->kept = 1 + (int)QD_QUEUE;
	else {
		/* Still complete in tmp/: the next -q sends it. */
		w = result_line(&wr);
		log_error("kept in %s/tmp as %s for the next -q: %s",
		    e->q.path, e->id, w);
		free(w);
		e->kept = 1 + (int)QD_TMP;
	}
	result_free(&wr);
	return e->kept == 1 + (int)QD_QUEUE ? 0 : -1;
}
