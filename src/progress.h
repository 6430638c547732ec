/*
 * progress.h -- a progress line on a terminal while a large message is
 * sent.
 *
 * One line, rewritten in place ("\r") at most every PROGRESS_EVERY_MS:
 *
 *   outbox: sending 12.5 MiB of 40.0 MiB (31%), 8.2 MiB/s, 0:03 left
 *
 * and once the send has ended, a last line: "outbox: sent 40.0 MiB in
 * 4.9 s (8.2 MiB/s)" when the server took the message, else the line as
 * it stood, ended, so that the failure's own line follows it.  Whether a
 * line is wanted at all (a terminal, a person at it) is the caller's
 * decision.  The formatting functions are pure.
 */
#ifndef OUTBOX_PROGRESS_H
#define OUTBOX_PROGRESS_H

#include <stddef.h>

/* Messages up to this size are sent without a progress line. */
#define PROGRESS_MIN		(4ULL * 1024 * 1024)
#define PROGRESS_EVERY_MS	200
/* Room for any line progress_format() makes. */
#define PROGRESS_LINE_MAX	128

struct progress {
	int		 fd;		/* the terminal */
	int		 own;		/* fd is progress_init()'s to close */
	unsigned long long total;	/* octets of the message */
	unsigned long long done;	/* octets sent so far */
	long long	 start_ms;	/* first octet; -1: none yet */
	long long	 last_ms;	/* last line written */
	size_t		 shown;		/* length of the line on screen */
};

/*
 * For a message of total octets, the line on fd: when that is a terminal,
 * on a descriptor of its own opened non-blocking (a terminal that is held
 * with ^S loses lines, never holds up the send), closed by progress_end().
 */
void	progress_init(struct progress *, int fd, unsigned long long total);
/*
 * done octets of the message are on their way: rewrite the line when
 * PROGRESS_EVERY_MS has passed since the last (the first call writes at
 * once).  ctx is the struct progress: the shape of a body-send callback.
 */
void	progress_update(void *ctx, unsigned long long done);
/* The send has ended (accepted or not): the last line, if any was
   shown.  Call it once for each progress_init(). */
void	progress_end(struct progress *, int accepted);

/* "999 B", "1.5 KiB", "12.3 MiB", "2.0 GiB" into buf. */
void	progress_size(char *buf, size_t len, unsigned long long n);
/* "0:07", "12:34", "1:02:03" (seconds, rounded up); "--:--" if < 0. */
void	progress_time(char *buf, size_t len, long long seconds);
/*
 * The updating line, without "\r": done of total after elapsed_ms.  Rate
 * and time left show "--" until PROGRESS_EVERY_MS has passed.  Returns
 * its length.
 */
size_t	progress_format(char *buf, size_t len, unsigned long long done,
	    unsigned long long total, long long elapsed_ms);
/* The last line of an accepted message, without the newline. */
size_t	progress_format_end(char *buf, size_t len, unsigned long long total,
	    long long elapsed_ms);

#endif
