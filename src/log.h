/*
 * log.h -- the -v transcript, warnings, and the per-message log line.
 */
#ifndef OUTBOX_LOG_H
#define OUTBOX_LOG_H

#include "result.h"

/* Turn the transcript on (stderr). */
void	log_set_verbose(int);
int	log_verbose(void);
/* A transcript line: dir "C" or "S"; controls are escaped. */
void	log_trace(const char *dir, const char *line);
/* An informational transcript line ("-- connecting ..."). */
void	log_note(const char *line);
/* "outbox: warning: ..." on stderr. */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "outbox: ..." on stderr. */
void	log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct log_entry {
	const char	*host;
	const char	*user;
	const char	*from;
	char *const	*rcpt;
	size_t		 nrcpt;
	unsigned long long size;
	const char	*account;
	const char	*msgid;
	const char	*queue_id;
	double		 duration;
	const struct result *r;
	int		 exitcode;
};

/*
 * Append one msmtp-format line (plus outbox's fields) to path, and/or
 * send it to syslog when facility is set ("on" or a facility name).
 * Failures are reported as a warning, never fatal.
 */
void	log_message(const char *path, const char *facility, const char *tag,
	    const struct log_entry *);
/* The line log_message() appends to a file, with its newline
   (xmalloc'd). */
char	*log_line(const struct log_entry *);

#endif
