/*
 * queue.c -- the spool directory.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "queue.h"
#include "xmalloc.h"

/* The folders by enum queue_dir. */
static const char *const folder_names[3] = { "tmp", "queue", "failed" };

char *
queue_default_dir(void)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (geteuid() == 0)
		return xstrdup(QUEUE_SYSTEM_DIR);
	if (x && *x == '/')
		return xasprintf("%s/outbox/queue", x);
	if (home == NULL || *home != '/') {
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : "/tmp";
	}
	return xasprintf("%s/.local/state/outbox/queue", home);
}

/* mkdir -p, new directories 0700. */
static int
make_dirs(const char *path)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST)
			rc = -1;
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

static int
open_sub(int dirfd, const char *name)
{
	if (mkdirat(dirfd, name, 0700) == -1 && errno != EEXIST)
		return -1;
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

/* Who may own what the queue trusts. */
enum owner_rule {
	OWN_SELF,		/* the effective user */
	OWN_SELF_OR_ROOT,	/* ... or root (a shared queue's folders) */
	OWN_ANY			/* anyone (root reading a shared queue) */
};

/*
 * Why st may not be trusted, in why (len bytes): an owner the rule does
 * not allow, or a write bit for others, or
 * for a group other than allowed_gid (and then only on a sticky
 * directory, where no one removes or renames what is not theirs).  -1
 * if so, else 0.
 */
static int
untrusted(const struct stat *st, gid_t allowed_gid, enum owner_rule own,
    char *why, size_t len)
{
	unsigned int mode = (unsigned int)st->st_mode & 07777;

	if (st->st_uid != geteuid() && own != OWN_ANY &&
	    !(own == OWN_SELF_OR_ROOT && st->st_uid == 0))
		snprintf(why, len, "is owned by uid %lu, not %lu",
		    (unsigned long)st->st_uid, (unsigned long)geteuid());
	else if (mode & S_IWOTH)
		snprintf(why, len, "is writable by others (mode %04o)", mode);
	else if ((mode & S_IWGRP) && (allowed_gid == QUEUE_NO_GID ||
	    st->st_gid != allowed_gid || !(mode & S_ISVTX)))
		snprintf(why, len, "is writable by its group (mode %04o)",
		    mode);
	else
		return 0;
	return -1;
}

int
queue_check_dir(int fd, const char *path, gid_t allowed_gid,
    struct result *r)
{
	struct stat st;
	char why[128];

	if (fstat(fd, &st) == -1) {
		result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT,
		    "queue directory", "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		snprintf(why, sizeof(why), "is not a directory");
	else if (untrusted(&st, allowed_gid, allowed_gid != QUEUE_NO_GID ?
	    OWN_SELF_OR_ROOT : OWN_SELF, why, sizeof(why)) == 0)
		return 0;
	result_local(r, RES_PERM, STAGE_NONE, ERR_CANTCREAT, NULL,
	    "queue directory %s %s: refusing to use it", path, why);
	return -1;
}

/* A directory that cannot be made or opened: errno says why. */
static void
open_failed(const char *path, struct result *r)
{
	result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT,
	    "queue directory", "%s: %s", path, strerror(errno));
}

int
queue_open(struct queue *q, const char *dir, struct result *r)
{
	return queue_open_shared(q, dir, QUEUE_NO_GID, r);
}

int
queue_open_shared(struct queue *q, const char *dir, gid_t gid,
    struct result *r)
{
	int *fds[3] = { &q->tmpfd, &q->queuefd, &q->failedfd };
	char *sub = NULL;
	size_t k;

	memset(q, 0, sizeof(*q));
	q->dirfd = q->tmpfd = q->queuefd = q->failedfd = -1;
	q->path = xstrdup(dir);
	q->gid = gid;
	if (make_dirs(dir) == -1 ||
	    (q->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		open_failed(dir, r);
		goto fail;
	}
	if (queue_check_dir(q->dirfd, dir, gid, r) == -1)
		goto fail;
	for (k = 0; k < 3; k++) {
		sub = xasprintf("%s/%s", dir, folder_names[k]);
		if ((*fds[k] = open_sub(q->dirfd, folder_names[k])) == -1) {
			open_failed(sub, r);
			goto fail;
		}
		if (queue_check_dir(*fds[k], sub, gid, r) == -1)
			goto fail;
		free(sub);
		sub = NULL;
	}
	return 0;
fail:
	free(sub);
	queue_close(q);
	return -1;
}

void
queue_close(struct queue *q)
{
	if (q->path == NULL) {
		/* never opened (zeroed): descriptor 0 is not ours */
		memset(q, 0, sizeof(*q));
		q->dirfd = q->tmpfd = q->queuefd = q->failedfd = -1;
		q->gid = QUEUE_NO_GID;
		return;
	}
	if (q->tmpfd != -1)
		close(q->tmpfd);
	if (q->queuefd != -1)
		close(q->queuefd);
	if (q->failedfd != -1)
		close(q->failedfd);
	if (q->dirfd != -1)
		close(q->dirfd);
	free(q->path);
	free(q->why);
	memset(q, 0, sizeof(*q));
	q->dirfd = q->tmpfd = q->queuefd = q->failedfd = -1;
	q->gid = QUEUE_NO_GID;
}

int
queue_spool_create(struct queue *q, char **id, struct result *r)
{
	unsigned char rnd[6];
	char *name;
	int fd, tries;

	for (tries = 0; tries < 10; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			memset(rnd, tries, sizeof(rnd));
		name = xasprintf("%llx.%d.%02x%02x%02x%02x%02x%02x",
		    (unsigned long long)time(NULL), (int)getpid(), rnd[0],
		    rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
		fd = openat(q->tmpfd, name, O_RDWR | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd != -1) {
			*id = name;
			return fd;
		}
		free(name);
		if (errno != EEXIST)
			break;
	}
	result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT, "spool file",
	    "%s/tmp: %s", q->path, strerror(errno));
	return -1;
}

void
queue_spool_remove(struct queue *q, const char *id)
{
	(void)unlinkat(q->tmpfd, id, 0);
}

int
queue_dirfd(const struct queue *q, enum queue_dir d)
{
	return d == QD_TMP ? q->tmpfd : d == QD_QUEUE ? q->queuefd :
	    q->failedfd;
}

int
queue_id_valid(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n < 64 && strspn(id, "0123456789abcdef.") == n &&
	    id[0] != '.';
}

int
queue_write_env(struct queue *q, enum queue_dir d, const char *id,
    const struct envelope *e, const struct envelope_meta *m, int durable,
    struct result *r)
{
	int dfd = queue_dirfd(q, d), fd;
	char *text, *tmp, *final;
	size_t len;
	int rc = -1;

	if ((text = envelope_format(e, m, &len)) == NULL) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_SOFTWARE, "envelope",
		    "a line break in an envelope value");
		return -1;
	}
	tmp = xasprintf("%s.env.tmp", id);
	final = xasprintf("%s.env", id);
	(void)unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1 || compat_write_all(fd, text, len) == -1 ||
	    (durable && fsync(fd) == -1) || close(fd) == -1) {
		int saved = errno;

		if (fd != -1)
			(void)unlinkat(dfd, tmp, 0);
		result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT,
		    "queue", "%s: %s", q->path, strerror(saved));
		goto done;
	}
	if (renameat(dfd, tmp, dfd, final) == -1 ||
	    (durable && fsync(dfd) == -1)) {
		result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT,
		    "queue", "%s: %s", q->path, strerror(errno));
		(void)unlinkat(dfd, tmp, 0);
		goto done;
	}
	rc = 0;
done:
	free(text);
	free(tmp);
	free(final);
	return rc;
}

/* The reason an envelope was not read, naming it: q->why. */
static const char *
env_failed(struct queue *q, enum queue_dir d, const char *id,
    const char *reason)
{
	free(q->why);
	q->why = xasprintf("envelope %s/%s/%s.env %s", q->path,
	    folder_names[d], id, reason);
	return q->why;
}

/*
 * Open ID.env for reading if it may be trusted: -1 with *why if not.
 * Never blocks (a FIFO is refused after the open, not waited on).
 */
static int
open_env(struct queue *q, enum queue_dir d, const char *id,
    struct stat *st, const char **why)
{
	char *name = xasprintf("%s.env", id), reason[160];
	int fd;

	fd = openat(queue_dirfd(q, d), name, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC);
	free(name);
	if (fd == -1 || fstat(fd, st) == -1)
		snprintf(reason, sizeof(reason), "cannot be read: %s",
		    strerror(errno));
	else if (!S_ISREG(st->st_mode))
		snprintf(reason, sizeof(reason), "is not a regular file");
	else if (untrusted(st, QUEUE_NO_GID, q->gid != QUEUE_NO_GID &&
	    geteuid() == 0 ? OWN_ANY : OWN_SELF, reason,
	    sizeof(reason)) == 0) {
		if (st->st_size <= 16 * 1024 * 1024)
			return fd;
		snprintf(reason, sizeof(reason), "is too large (%lld bytes)",
		    (long long)st->st_size);
	}
	if (fd != -1)
		close(fd);
	*why = env_failed(q, d, id, reason);
	return -1;
}

int
queue_read_env(struct queue *q, enum queue_dir d, const char *id,
    struct envelope *e, struct envelope_meta *m, const char **why)
{
	char *text, reason[160];
	struct stat st;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = open_env(q, d, id, &st, why)) == -1)
		return -1;
	text = xmalloc((size_t)st.st_size + 1);
	n = read(fd, text, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size)
		*why = env_failed(q, d, id, "was cut short while read");
	else if ((rc = envelope_parse(text, (size_t)n, e, m, why)) == -1) {
		snprintf(reason, sizeof(reason), "is malformed: %s", *why);
		*why = env_failed(q, d, id, reason);
	} else if (st.st_uid != geteuid() && (!m->has_uid ||
	    m->uid != (unsigned long)st.st_uid)) {
		/* Another user's entry in a shared queue (root reads it):
		   what it says of its sender must be what the system
		   says. */
		snprintf(reason, sizeof(reason), "belongs to uid %lu but "
		    "does not record it", (unsigned long)st.st_uid);
		*why = env_failed(q, d, id, reason);
		rc = -1;
	} else if (st.st_uid != geteuid()) {
		/* ... and a -C file it names is never read for it. */
		free(m->config);
		m->config = NULL;
	}
	free(text);
	return rc;
}

int
queue_move(struct queue *q, enum queue_dir from, enum queue_dir to,
    const char *id, int msgfd, const struct envelope *e,
    const struct envelope_meta *m, struct result *r)
{
	char *env = xasprintf("%s.env", id);
	int ffd = queue_dirfd(q, from), tfd = queue_dirfd(q, to);

	if (fsync(msgfd) == -1 || renameat(ffd, id, tfd, id) == -1) {
		result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT, "queue",
		    "%s: %s", q->path, strerror(errno));
		free(env);
		return -1;
	}
	if (queue_write_env(q, to, id, e, m, 1, r) == -1) {
		/* Put the message back where its envelope still is. */
		(void)renameat(tfd, id, ffd, id);
		free(env);
		return -1;
	}
	(void)unlinkat(ffd, env, 0);
	(void)fsync(ffd);
	free(env);
	return 0;
}

void
queue_remove(struct queue *q, enum queue_dir d, const char *id)
{
	char *env = xasprintf("%s.env", id);
	int dfd = queue_dirfd(q, d);

	(void)unlinkat(dfd, env, 0);
	(void)unlinkat(dfd, id, 0);
	free(env);
}

int
queue_lock(struct queue *q, enum queue_dir d, const char *id)
{
	struct stat a, b;
	int dfd = queue_dirfd(q, d), fd;

	fd = openat(dfd, id, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1 || fstat(fd, &a) == -1 ||
	    !S_ISREG(a.st_mode) ||
	    fstatat(dfd, id, &b, AT_SYMLINK_NOFOLLOW) == -1 ||
	    a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		/* busy, or sent and removed while we waited for it */
		close(fd);
		return -1;
	}
	return fd;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * In a shared queue a user other than root sees only their own entries
 * (the envelope's owner is the submitting user).
 */
static int
visible(const struct queue *q, int dirfd, const char *env)
{
	struct stat st;

	if (q->gid == QUEUE_NO_GID || geteuid() == 0)
		return 1;
	return fstatat(dirfd, env, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_uid == geteuid();
}

char **
queue_ids(struct queue *q, enum queue_dir d)
{
	DIR *dir;
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, len;
	int fd = dup(queue_dirfd(q, d));

	if (fd == -1 || (dir = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return xcalloc(1, sizeof(char *));
	}
	rewinddir(dir);
	while ((de = readdir(dir)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".env") != 0)
			continue;
		if (!visible(q, fd, de->d_name))
			continue;
		v = xrealloc(v, (n + 2) * sizeof(char *));
		v[n] = xstrndup(de->d_name, len - 4);
		if (!queue_id_valid(v[n])) {
			free(v[n]);
			continue;
		}
		n++;
	}
	closedir(dir);
	if (v == NULL)
		return xcalloc(1, sizeof(char *));
	v[n] = NULL;
	qsort(v, n, sizeof(char *), cmp_str);
	return v;
}

void
queue_ids_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static int
exists(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* d/ID.env has no message beside it: find it, or drop the envelope. */
static void
repair_env(struct queue *q, enum queue_dir d, const char *id)
{
	enum queue_dir all[3] = { QD_TMP, QD_QUEUE, QD_FAILED };
	char *env = xasprintf("%s.env", id);
	size_t k;
	int fd, found = 0;

	for (k = 0; k < 3; k++) {
		if (all[k] == d || !exists(queue_dirfd(q, all[k]), id))
			continue;
		found = 1;
		if ((fd = queue_lock(q, all[k], id)) == -1)
			break;		/* a live process is moving it */
		if (exists(queue_dirfd(q, all[k]), env))
			(void)unlinkat(queue_dirfd(q, d), env, 0);
		else if (renameat(queue_dirfd(q, d), env,
		    queue_dirfd(q, all[k]), env) == 0)
			(void)fsync(queue_dirfd(q, all[k]));
		close(fd);
		break;
	}
	if (!found && !exists(queue_dirfd(q, d), id))
		(void)unlinkat(queue_dirfd(q, d), env, 0);
	free(env);
}

/* A half-written envelope whose message is not locked: drop it. */
static void
repair_tmpfile(struct queue *q, enum queue_dir d, const char *name)
{
	enum queue_dir all[3] = { QD_TMP, QD_QUEUE, QD_FAILED };
	char *id = xstrndup(name, strlen(name) - 8);
	size_t k;
	int fd;

	for (k = 0; k < 3; k++) {
		if (!exists(queue_dirfd(q, all[k]), id))
			continue;
		if ((fd = queue_lock(q, all[k], id)) == -1)
			goto done;	/* being written right now */
		close(fd);
	}
	(void)unlinkat(queue_dirfd(q, d), name, 0);
done:
	free(id);
}

void
queue_repair(struct queue *q)
{
	enum queue_dir all[3] = { QD_TMP, QD_QUEUE, QD_FAILED };
	struct dirent *de;
	char **ids;
	size_t k, i, n;
	DIR *dir;
	int fd;

	for (k = 0; k < 3; k++) {
		ids = queue_ids(q, all[k]);
		for (i = 0; ids[i]; i++)
			if (!exists(queue_dirfd(q, all[k]), ids[i]))
				repair_env(q, all[k], ids[i]);
		queue_ids_free(ids);
		if ((fd = dup(queue_dirfd(q, all[k]))) == -1)
			continue;
		if ((dir = fdopendir(fd)) == NULL) {
			close(fd);
			continue;
		}
		rewinddir(dir);		/* dup()s share the offset */
		while ((de = readdir(dir)) != NULL) {
			n = strlen(de->d_name);
			if (n > 8 &&
			    strcmp(de->d_name + n - 8, ".env.tmp") == 0)
				repair_tmpfile(q, all[k], de->d_name);
		}
		closedir(dir);
	}
}
