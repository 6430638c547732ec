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
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"
#include "xmalloc.h"

char *
queue_default_dir(void)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (geteuid() == 0)
		return xstrdup("/var/spool/outbox");
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

int
queue_open(struct queue *q, const char *dir, struct result *r)
{
	struct stat st;

	memset(q, 0, sizeof(*q));
	q->dirfd = q->tmpfd = q->queuefd = q->failedfd = -1;
	q->path = xstrdup(dir);
	if (make_dirs(dir) == -1)
		goto fail;
	q->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (q->dirfd == -1)
		goto fail;
	if (fstat(q->dirfd, &st) == -1)
		goto fail;
	if (st.st_uid != geteuid()) {
		errno = EPERM;
		result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT,
		    "queue directory", "%s is not owned by this user", dir);
		queue_close(q);
		return -1;
	}
	if ((q->tmpfd = open_sub(q->dirfd, "tmp")) == -1 ||
	    (q->queuefd = open_sub(q->dirfd, "queue")) == -1 ||
	    (q->failedfd = open_sub(q->dirfd, "failed")) == -1)
		goto fail;
	return 0;
fail:
	result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT,
	    "queue directory", "%s: %s", dir, strerror(errno));
	queue_close(q);
	return -1;
}

void
queue_close(struct queue *q)
{
	if (q->tmpfd != -1)
		close(q->tmpfd);
	if (q->queuefd != -1)
		close(q->queuefd);
	if (q->failedfd != -1)
		close(q->failedfd);
	if (q->dirfd != -1)
		close(q->dirfd);
	free(q->path);
	memset(q, 0, sizeof(*q));
	q->dirfd = q->tmpfd = q->queuefd = q->failedfd = -1;
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
