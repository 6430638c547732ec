/*
 * entry.h -- the queue entry of the message this run submits: created
 * in tmp/ (the account's queue, or the system queue through the setgid
 * helper), completed with its envelope, removed once the server has it,
 * else kept where result_disposition() says.
 */
#ifndef OUTBOX_ENTRY_H
#define OUTBOX_ENTRY_H

#include "config.h"
#include "envelope.h"
#include "queue.h"
#include "result.h"

/* Its queue entry: in tmp/ while sending, then queue/ or failed/. */
struct entry {
	struct queue	 q;
	int		 fd;
	char		*id;
	struct envelope_meta meta;
	int		 kept;		/* 0, or 1 + enum queue_dir */
	int		 via;		/* in the system queue, through the
					   setgid helper (priv.h) */
};

/* The queue's directory for an account (or NULL), malloc'd. */
char	*entry_queue_dir(const struct account *);
/*
 * Open the queue of an account (or the default one; a NULL account).
 * A setgid outbox run by root, or still holding its group for the queue
 * modes, opens it as the shared system queue.  -1 with r set.
 */
int	entry_queue_open(struct queue *, const struct account *,
	    struct result *);
/* A new entry in tmp/, ours (locked) until we exit or hand it over;
   e->fd is the message file.  -1 with r set. */
int	entry_create(struct entry *, const struct account *, struct result *);
/* Or, for --dry-run, an unnamed temporary file. */
int	entry_dry(struct entry *, struct result *);
/* Write the envelope in tmp/ (to QD_TMP), or move the entry to to. */
int	entry_env(struct entry *, enum queue_dir to, const struct envelope *,
	    struct result *);
/* Remove the entry from tmp/. */
void	entry_remove(struct entry *);
/* Remove it, if it was made, and forget it: no partial entry stays. */
void	entry_discard(struct entry *);
/*
 * The attempt did not end in SENT: keep the message where
 * result_disposition() says (the queue unless no_queue or the account's
 * queue is off; else failed/), print the one line that says why and
 * where it is now, and return the exit code.
 */
int	entry_keep(struct entry *, const struct account *, int no_queue,
	    const struct envelope *, const struct result *);

/*
 * -odq: the complete entry goes to queue/ without an attempt, due at
 * once (r says so); 0, also when it stays complete in tmp/ for the next
 * -q because it could not be moved (said on stderr).
 */
int	entry_queue_only(struct entry *, const struct envelope *,
	    struct result *);

/*
 * A provider limit holds the message (ratelimit.h): the complete entry
 * goes to queue/ with no attempt counted, why as its last error, and
 * when (Unix time) as its next attempt.  0; -1 when it could not be
 * moved and stays complete in tmp/ for the next -q (said on stderr).
 */
int	entry_hold(struct entry *, const struct envelope *, long long when,
	    const char *why);

#endif
