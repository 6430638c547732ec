/*
 * runq.h -- the queue runner: -q / --flush, mailq, --drop.
 *
 * Entries are delivered one account at a time over one connection per
 * account (RSET between messages).  Each entry is locked while it is
 * handled, so concurrent runs never send one twice.  A deferred attempt
 * reschedules the entry (1, 2, 4, ... minutes, at most 4 hours); a failed
 * one, or an entry older than queue_max_age, moves to failed/.
 *
 * Provider limits: after max_messages_per_connection messages the
 * connection is closed (QUIT) and a new one opened; when the account's
 * rate_limit is reached (ratelimit.h) its remaining entries are held:
 * each gets the time the limit lets it go as its next attempt, with no
 * attempt counted, and one line on stderr says so.
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
	unsigned	 held;		/* waiting for the account's
					   rate_limit (not an attempt) */
};

/* Seconds to wait after the n-th failed attempt (n >= 1). */
long	runq_backoff(unsigned attempts);

struct runq_opts {
	struct config	*cfg;		/* the configuration this run read */
	int		 explicit_config; /* -C given: it serves every entry;
					   else an entry submitted with -C
					   FILE is served by FILE read anew */
	struct account	*fallback;	/* for entries whose account is not
					   configured (may be NULL) */
	int		 skip_unknown;	/* ... or leave those alone */
	char *const	*ids;		/* exactly these (also from failed/) */
	size_t		 nids;
	int		 due_only;	/* only entries whose time has come */
	const char	*syslog_tag;	/* -L */
};

/*
 * Attempt the entries (all queued ones, the due ones, or exactly ids)
 * over one connection per account.  Each attempt's outcome is decided by
 * result_disposition(): sent entries are removed, deferred ones
 * rescheduled, failed ones moved to failed/ with a notice to the sender;
 * a failed/ entry named by id that fails again stays there, with no new
 * notice.  Every attempt is logged.  Returns 0, or -1 with r set when an
 * id names no entry (66; the other ids are still attempted).
 */
int	runq_flush(struct queue *, const struct runq_opts *,
	    struct runq_stats *, struct result *r);

/* mailq: one block per entry, then failed/ entries with their reason;
   "Mail queue is empty" when there are none. */
int	runq_list(struct queue *, FILE *);

/* Remove one entry; -1 with r set (66 unknown id, 75 being sent). */
int	runq_drop(struct queue *, const char *id, struct result *);

#endif
