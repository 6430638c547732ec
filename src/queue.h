/*
 * queue.h -- the spool directory: tmp/, queue/, failed/.
 *
 * Every directory is created 0700 and opened with O_NOFOLLOW; every file
 * is created 0600 with O_EXCL|O_NOFOLLOW relative to its opened directory,
 * so a planted symlink is never followed.
 */
#ifndef OUTBOX_QUEUE_H
#define OUTBOX_QUEUE_H

#include "result.h"

struct queue {
	char	*path;
	int	 dirfd;
	int	 tmpfd;
	int	 queuefd;
	int	 failedfd;
};

/* The default queue directory for this user (xmalloc'd). */
char	*queue_default_dir(void);

/* Create (if needed) and open the queue; -1 with r set (ERR_CANTCREAT). */
int	queue_open(struct queue *, const char *dir, struct result *r);
void	queue_close(struct queue *);

/*
 * Create a new spool file in tmp/.  *id gets its name (xmalloc'd).
 * Returns the file descriptor (read/write), or -1 with r set.
 */
int	queue_spool_create(struct queue *, char **id, struct result *r);
/* Remove a spool file from tmp/. */
void	queue_spool_remove(struct queue *, const char *id);

#endif
