/*
 * runq.h -- the queue runner: -q / --flush, mailq, --drop.
 *
 * Entries are delivered one account at a time over one connection per
 * account (RSET between messages).  Each entry is locked while it is
 * handled, so concurrent runs never send one twice.  A temporary failure
 * reschedules the entry (1, 2, 4, ... minutes, at most 4 hours); a
 * permanent one, or an entry older than queue_max_age, moves to failed/.
 */
#ifndef OUTBOX_RUNQ_H
#define OUTBOX_RUNQ_H

#include <stdio.h>
#include <time.h>

#include "config.h"
#include "queue.h"

struct runq_stats {
	unsigned	 sent;
	unsigned	 deferred;
	unsigned	 failed;
	unsigned	 skipped;	/* locked by another run, or not due */
};

/* Seconds to wait after the n-th failed attempt (n >= 1). */
long	runq_backoff(unsigned attempts);

/*
 * Deliver the due entries (or exactly ids, due or not, when given).
 * fallback is the account for entries whose account no longer exists
 * (may be NULL).  Returns 0, or -1 if the queue could not be read.
 */
int	runq_flush(struct queue *, struct config *, struct account *fallback,
	    char *const *ids, size_t nids, struct runq_stats *);

/* mailq: one block per entry; "Mail queue is empty" when none. */
int	runq_list(struct queue *, FILE *);

/* Remove one entry; -1 with r set (66 unknown id, 75 being sent). */
int	runq_drop(struct queue *, const char *id, struct result *);

#endif
