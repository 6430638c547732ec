/*
 * deliver.h -- one delivery attempt: net -> transport -> session.
 *
 * Shared by sending and (later) by queue flushing.  Tries the account's
 * hosts in order while the failure is a temporary one before MAIL.
 */
#ifndef OUTBOX_DELIVER_H
#define OUTBOX_DELIVER_H

#include "config.h"
#include "envelope.h"
#include "result.h"
#include "session.h"
#include "tls.h"

struct deliver_params {
	const struct account	*acct;
	const char		*password;	/* NULL if none */
	/* client certificate and key in memory (PEM), else the files */
	const char		*cert_pem;
	size_t			 cert_len;
	const char		*key_pem;
	size_t			 key_len;
	const struct envelope	*env;
	int			 fd;		/* the spooled message */
	int			 probe_only;	/* --serverinfo */
	struct session_info	*info;		/* filled if not NULL */
	struct tls_peer		*peer;		/* filled if not NULL */
	/* called right after the 250 to the final dot, before QUIT */
	void			(*accepted)(void *);
	void			*accepted_ctx;
	/* if not NULL: called with the octets of the message read so far
	   while its body is sent (a progress line) */
	void			(*progress)(void *, unsigned long long);
	void			*progress_ctx;
};

/* Returns 0 when accepted; -1 with r describing the failure. */
int	deliver(const struct deliver_params *, struct result *);

/*
 * A connection that carries several messages (the queue runner): open
 * tries the hosts in order (p->env and p->fd unused); send delivers one
 * message over it, reconnecting if the server closed; close says QUIT.
 */
struct deliver_conn;
struct deliver_conn *deliver_open(const struct deliver_params *,
	    struct result *);
int	deliver_send(struct deliver_conn *, const struct envelope *, int fd,
	    struct result *);
void	deliver_close(struct deliver_conn *);

#endif
