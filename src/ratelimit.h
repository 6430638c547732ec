/*
 * ratelimit.h -- provider limits: `rate_limit N/PERIOD` as a sliding
 * window over a per-account send log.
 *
 * At most N messages of an account go out in any PERIOD (what Microsoft
 * 365's "30 messages a minute" means): a message may go when fewer than
 * N were sent in the PERIOD before it.  The times of the last N sends of
 * each account are kept in the queue directory, in rate/ACCOUNT (0600,
 * at most N lines, locked with flock), so that direct sends and queue
 * runs, in any number of processes at once, share one count.  A send
 * takes its slot under the lock before it connects and gives it back if
 * the server never had the message.
 *
 * Times are wall-clock milliseconds.  A logged time in the future (the
 * clock was set back) counts as now: the limit is never exceeded, and a
 * clock set back delays sending by at most one PERIOD.
 */
#ifndef OUTBOX_RATELIMIT_H
#define OUTBOX_RATELIMIT_H

#include "result.h"

/* The text a held entry's last-error starts with (mailq shows it). */
#define RATELIMIT_HELD	"held by rate_limit"

/*
 * Pure arithmetic.  t[0..nt) are the logged send times, oldest first.
 * ratelimit_prune() drops what no longer counts at now (at or before
 * now - period, and all but the newest n), clamps times after now to
 * now, keeps them sorted, and returns the new count.
 */
size_t	ratelimit_prune(long long *t, size_t nt, unsigned n,
	    long long period, long long now);
/*
 * The earliest time at which the message `ahead` places behind the next
 * one may go (ahead 0: the next one), given the pruned log: now when the
 * window has room, else when enough logged sends leave it.
 */
long long ratelimit_next(const long long *t, size_t nt, unsigned n,
	    long long period, long long now, unsigned ahead);

/* Parse a send log's text: one decimal time a line, bad lines skipped;
   at most max times, the newest kept.  *t is xmalloc'd. */
size_t	ratelimit_parse_log(const char *text, size_t len, size_t max,
	    long long **t);

struct ratelimit {
	int		 dirfd;		/* the queue's directory */
	const char	*account;
	unsigned	 n;
	long long	 period;	/* ms */
};

/*
 * Set up from the account's rate_limit value (NULL or "off": no limit,
 * returns 0); 1 when there is a limit.
 */
int	ratelimit_init(struct ratelimit *, int dirfd, const char *account,
	    const char *value);

/*
 * Take a slot at now (ms) for one message.  1: taken, *stamp is what was
 * logged; 0: the limit is reached, *when is the earliest time the
 * message `ahead` places behind the next one may go; -1: the send log
 * cannot be used (r set, a temporary failure: nothing may go unlogged).
 */
int	ratelimit_take(const struct ratelimit *, long long now,
	    unsigned ahead, long long *stamp, long long *when,
	    struct result *r);

/*
 * After the attempt that took stamp: sent (or the outcome unknown), the
 * slot keeps the time it ended, now; else it is given back.
 */
void	ratelimit_done(const struct ratelimit *, long long stamp,
	    long long now, int counted);

/* Did an attempt with this outcome (perhaps) hand the message over? */
int	ratelimit_counted(const struct result *);

/* The wall clock in milliseconds. */
long long ratelimit_now(void);

/* "3/1h" for messages; "HH:MM:SS" (local, with the date if not today)
   for a time in ms.  xmalloc'd. */
char	*ratelimit_when(long long ms, long long now);

#endif
