/*
 * queue.h -- the spool directory: tmp/, queue/, failed/.
 *
 * Every directory is created 0700 and opened with O_NOFOLLOW; every file
 * is created 0600 with O_EXCL|O_NOFOLLOW relative to its opened directory,
 * so a planted symlink is never followed.  The directories and every
 * envelope read must belong to the effective user and be writable by no
 * one else: whoever can write an envelope chooses where it is sent.
 */
#ifndef OUTBOX_QUEUE_H
#define OUTBOX_QUEUE_H

#include <stddef.h>
#include <sys/types.h>

#include "envelope.h"
#include "result.h"

struct queue {
	char	*path;
	int	 dirfd;
	int	 tmpfd;
	int	 queuefd;
	int	 failedfd;
	char	*why;		/* the last queue_read_env() failure */
	gid_t	 gid;		/* shared through this group, or
				   QUEUE_NO_GID */
};

/* The system queue: root's, and shared by a setgid outbox. */
#define QUEUE_SYSTEM_DIR	"/var/spool/outbox"

/* No group may write to the queue: the user's alone. */
#define QUEUE_NO_GID	((gid_t)-1)

/* The default queue directory for this user (xmalloc'd). */
char	*queue_default_dir(void);

/*
 * Create (if needed) and open the queue; -1 with r set (ERR_CANTCREAT):
 * also when queue_check_dir() refuses the directory or a folder in it.
 * Parents of dir are created 0700 when missing, never checked.
 */
int	queue_open(struct queue *, const char *dir, struct result *r);
/*
 * The same for a queue shared through group gid (the system queue of a
 * setgid outbox): its directories may also belong to root, and its
 * folders be writable by gid if they are sticky.  Root reads every
 * entry (an entry of another user must record that user's uid, and any
 * -C file it names is ignored); anyone else sees only their own.
 */
int	queue_open_shared(struct queue *, const char *dir, gid_t gid,
	    struct result *r);
void	queue_close(struct queue *);

/*
 * May the opened directory fd (named path in messages) hold a queue?
 * It must be a directory owned by the effective user, without a write
 * bit for others, nor for its group unless that group is allowed_gid
 * (QUEUE_NO_GID: none).  -1 with r set if not (RES_PERM, ERR_CANTCREAT,
 * one line naming path and what is wrong), or if fstat() fails.
 */
int	queue_check_dir(int fd, const char *path, gid_t allowed_gid,
	    struct result *r);

/*
 * Create a new spool file in tmp/.  *id gets its name (xmalloc'd).
 * Returns the file descriptor (read/write), or -1 with r set.
 */
int	queue_spool_create(struct queue *, char **id, struct result *r);
/* Remove a spool file from tmp/. */
void	queue_spool_remove(struct queue *, const char *id);

enum queue_dir {
	QD_TMP,
	QD_QUEUE,
	QD_FAILED
};

/* The directory descriptor of a folder. */
int	queue_dirfd(const struct queue *, enum queue_dir);

/*
 * Write ID.env in a folder: to ID.env.tmp (O_EXCL|O_NOFOLLOW, 0600),
 * then renamed into place; with durable, fsynced and the folder too.
 */
int	queue_write_env(struct queue *, enum queue_dir, const char *id,
	    const struct envelope *, const struct envelope_meta *, int durable,
	    struct result *);
/*
 * Read ID.env from a folder; -1 with *why (naming the file) if it is
 * missing, malformed, or not to be trusted: not a regular file, owned by
 * another user, writable by group or others.  Such an entry must never
 * be sent.  *why belongs to the queue and lasts until the next call or
 * queue_close().
 */
int	queue_read_env(struct queue *, enum queue_dir, const char *id,
	    struct envelope *, struct envelope_meta *, const char **why);

/*
 * Make an entry durable in another folder: fsync the message (msgfd),
 * rename it, write its envelope there (durable), remove the old
 * envelope, fsync both folders.  The message's lock stays with msgfd.
 */
int	queue_move(struct queue *, enum queue_dir from, enum queue_dir to,
	    const char *id, int msgfd, const struct envelope *,
	    const struct envelope_meta *, struct result *);

/* Remove an entry: envelope first, so a crash leaves no sendable half. */
void	queue_remove(struct queue *, enum queue_dir, const char *id);

/*
 * Open and lock an entry's message without waiting.  Returns the file
 * descriptor, or -1 when it is locked by another process or no longer
 * there (checked after the lock is taken).
 */
int	queue_lock(struct queue *, enum queue_dir, const char *id);

/* The ids of the entries of a folder that have an envelope (xmalloc'd
   array of xmalloc'd strings, NULL-terminated), oldest name first. */
char	**queue_ids(struct queue *, enum queue_dir);
void	queue_ids_free(char **);

/*
 * Mend what a crash in the middle of queue_move() or queue_remove() can
 * leave: an envelope whose message sits in another folder (moved to it),
 * an envelope whose message is gone (removed), a half-written ID.env.tmp.
 * Entries whose message is locked belong to a live process: untouched.
 */
void	queue_repair(struct queue *);

/* An id must be a plain file name made by queue_spool_create(). */
int	queue_id_valid(const char *);

#endif
