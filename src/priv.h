/*
 * priv.h -- outbox installed setgid: the system configuration's secrets
 * and the shared system queue, for users who may not read them.
 *
 * When outbox starts with an effective group other than its real one
 * (the setgid bit of its file: nothing is compiled in), priv_init()
 * notes that group.  main reads the system configuration with it, then
 * priv_split() forks a helper that keeps the group and that
 * configuration, and drops the group for good in the calling process,
 * before anything the user controls is read (their files, -C, the
 * message, attachments).
 *
 * The helper answers the requests below and nothing else: the output of
 * a system account's passwordeval (run with a fixed PATH and an empty
 * environment), a system account's client certificate and key, a line
 * for a system account's log file, and queue entries in the account's
 * system queue: created by the helper, filled by the caller through the
 * descriptor it passes back, and moved or removed only by the helper and
 * only while this run lasts.  Envelopes it writes record the caller's
 * real uid and never a -C file.
 */
#ifndef OUTBOX_PRIV_H
#define OUTBOX_PRIV_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "queue.h"

/* Note the group if started setgid; 1 if so, else 0. */
int	priv_init(void);
/* Started setgid (whether or not the group is still held)? */
int	priv_active(void);
/* Is the group still held (not dropped, not handed to the helper)? */
int	priv_holding(void);
/* The group outbox was started with, or QUEUE_NO_GID. */
gid_t	priv_gid(void);
/* Drop the group for good; on failure exit 71 (never go on with it). */
void	priv_drop(void);
/*
 * Fork the helper (which keeps sys) and drop the group for good here.
 * -1 with errno if the helper cannot be started (the group is dropped
 * all the same).
 */
int	priv_split(const struct config *sys);
/* Close the channel and reap the helper. */
void	priv_end(void);

/* Is a served through the helper: a system account while split? */
int	priv_system(const struct account *a);

/*
 * Requests to the helper.  Each returns 0, or -1 with a one-line reason
 * in err (len bytes).
 */
/* passwordeval's first line of output (xmalloc'd; wipe it after use). */
int	priv_secret(const char *account, char **out, char *err, size_t len);
/* The contents of the account's tls_cert_file or tls_key_file. */
int	priv_file(const char *account, const char *keyword, char **data,
	    size_t *n, char *err, size_t len);
/* Append line (with its newline) to the account's log file. */
int	priv_log(const char *account, const char *line, char *err,
	    size_t len);
/*
 * A new entry in tmp/ of the account's system queue: its descriptor
 * (read/write, locked), *id and *dir (xmalloc'd); -1 on failure.
 */
int	priv_create(const char *account, char **id, char **dir, char *err,
	    size_t len);
/* Write the entry's envelope (text made by envelope_format()) in to. */
int	priv_env(const char *id, enum queue_dir to, int move, const char *text,
	    size_t n, char *err, size_t len);
/* Remove the entry from tmp/. */
int	priv_remove(const char *id, char *err, size_t len);

#endif
