/*
 * envelope.h -- who a message is from and to, and how to send it.
 */
#ifndef OUTBOX_ENVELOPE_H
#define OUTBOX_ENVELOPE_H

#include <stddef.h>

struct envelope {
	char		*from;		/* reverse path; "": null sender */
	char		**rcpt;
	size_t		 nrcpt;
	char		*dsn_notify;	/* "NEVER" or e.g. "SUCCESS,FAILURE" */
	char		*dsn_ret;	/* "FULL" or "HDRS" */
	char		*envid;
	int		 eightbit;	/* body has 8-bit bytes */
	int		 smtputf8;	/* addresses or headers need SMTPUTF8 */
	unsigned long long size;	/* message bytes, CRLF form */
};

void	envelope_init(struct envelope *);
void	envelope_free(struct envelope *);
/* Add a recipient unless it is already there (exact match). */
void	envelope_add_rcpt(struct envelope *, const char *);

#endif
