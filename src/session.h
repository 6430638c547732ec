/*
 * session.h -- the SMTP client: one transaction over a transport.
 *
 * session_run() speaks SMTP from the greeting to QUIT: EHLO (HELO
 * fallback), STARTTLS, AUTH, MAIL/RCPT/DATA (pipelined when offered), the
 * message from the body reader through the dot-stuffing filter, and the
 * final reply.  It reads no files and no configuration: everything comes
 * in through struct session_params.  The outcome goes into the result;
 * the transport stays open for the caller to describe and close.
 */
#ifndef OUTBOX_SESSION_H
#define OUTBOX_SESSION_H

#include <stddef.h>
#include <sys/types.h>

#include "envelope.h"
#include "reply.h"
#include "result.h"
#include "transport.h"

struct session_params {
	const char	*helo;		/* EHLO/HELO argument */
	int		 starttls;	/* STARTTLS required */
	const void	*tls_conf;	/* handed to transport_starttls() */
	int		 auth;		/* authenticate */
	const char	*auth_mech;	/* `auth` setting: NULL, "on", name */
	const char	*user;
	const char	*password;
	int		 loopback;	/* peer is a loopback address */
	const char	*server;	/* host name, for OAUTHBEARER */
	int		 port;
	const struct envelope *env;
	/* the message: >0 bytes, 0 at the end, -1 on error (errno) */
	ssize_t		(*body_read)(void *ctx, char *buf, size_t n);
	void		*body_ctx;
	/*
	 * Optional: send the message's next octets (at most max) straight
	 * to the transport, without a copy: transport_sendfile()'s returns
	 * (-1: t->err set; -2: cannot, use body_read).  Called with the
	 * body_ctx of session_send(), and only for a message that needs no
	 * change on the wire (env->clean) and no downgrade.
	 */
	ssize_t		(*body_send)(void *ctx, struct transport *,
			    size_t max);
	/* -v transcript, or NULL; dir is "C" or "S" */
	void		(*trace)(const char *dir, const char *line);
	/* one message only: QUIT may ride with its last command */
	int		 one_shot;
	/* stop after the capabilities (--serverinfo) */
	int		 probe_only;
};

/* Capabilities seen, for --serverinfo and tests. */
struct session_info {
	struct caps	 caps_plain;	/* before STARTTLS */
	struct caps	 caps;		/* the ones in force */
	char		 greeting[REPLY_LINE_MAX + 1];
};

struct session;

/*
 * Greeting, EHLO, STARTTLS, AUTH.  Returns the open session, or NULL with
 * r describing the failure (the connection then already said QUIT when
 * it could).  params must outlive the session.
 */
struct session *session_open(struct transport *, const struct session_params *,
	    struct result *, struct session_info *);
/*
 * One message over an open session (RSET before every message but the
 * first).  0 when accepted; -1 with r set.  After a failure the session
 * may still be usable for the next message: see session_usable().
 * SIZE= is env->size: the octets the body source gives, or, for a
 * composed message this server needs downgraded (downgrade_setup()),
 * what the downgrade filter makes of them -- the caller measures that.
 * r->size gets the octets actually passed on.
 */
int	session_send(struct session *, const struct envelope *,
	    ssize_t (*body_read)(void *, char *, size_t), void *body_ctx,
	    struct result *);
int	session_usable(const struct session *);
/* The server's capabilities in force (after STARTTLS, if any). */
const struct caps *session_caps(const struct session *);
/* QUIT when the connection allows it, and free. */
void	session_close(struct session *);

/*
 * Run one transaction: session_open, session_send, session_close.
 * Returns 0 when the server accepted the message (r->cls RES_OK), -1
 * otherwise with r describing the deciding failure; per-recipient
 * replies are appended to r as they come.
 */
int	session_run(struct transport *, const struct session_params *,
	    struct result *, struct session_info *);

#endif
