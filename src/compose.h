/*
 * compose.h -- the header fields outbox adds to a message.
 */
#ifndef OUTBOX_COMPOSE_H
#define OUTBOX_COMPOSE_H

#include <time.h>

#include "msg.h"

struct compose_opts {
	int		 set_from;	/* enum hdr_mode */
	int		 set_date;
	int		 set_msgid;
	int		 remove_bcc;
	const char	*from_addr;	/* for an added From */
	const char	*from_name;	/* display name, or NULL */
	const char	*domain;	/* right side of an added Message-ID */
};

/*
 * Sendmail mode: add From, Date and Message-ID where missing (or always,
 * per the options) and remove Bcc.  *msgid gets the message's Message-ID
 * (added or found), xmalloc'd, or NULL.
 */
void	compose_fix_headers(struct msg *, const struct compose_opts *,
	    char **msgid);

/* RFC 5322 date-time in local time, English names. */
char	*compose_date(time_t);
/* A new unique msg-id, with angle brackets. */
char	*compose_msgid(const char *domain);

#endif
