/*
 * transport.h -- buffered line I/O over a socket, TLS, or a test fake.
 *
 * The session never branches on TLS: it reads lines and writes bytes
 * here.  A backend (plain socket here, GnuTLS in tls.c, an in-memory fake
 * in the unit tests) supplies raw read and write with a deadline.  Writes
 * are buffered until transport_flush() or until the buffer is full, so a
 * pipelined batch leaves in one write.
 */
#ifndef OUTBOX_TRANSPORT_H
#define OUTBOX_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>

#include "limits.h"
#include "result.h"

/*
 * What went wrong, classified where it happened: the first group is no
 * fault of anyone's configuration (the connection went away: temporary);
 * the rest are a protocol mismatch, a certificate, or local settings.
 */
enum transport_err {
	TE_NONE = 0,
	TE_EOF,		/* peer closed, with or without close_notify */
	TE_RESET,	/* connection reset, broken pipe */
	TE_TIMEOUT,
	TE_IO,		/* another read/write error */
	TE_DROP,	/* TLS layer gave up: rehandshake request, an alert
			   such as internal_error, a damaged record */
	TE_TOOLONG,	/* line longer than the caller's maximum */
	TE_TLS,		/* protocol mismatch: no common version or cipher */
	TE_NOTTLS,	/* the answer to the ClientHello is not TLS at all
			   (a server speaking plain SMTP) */
	TE_VERIFY,	/* certificate verification failed or refused */
	TE_INJECT,	/* data received before the TLS handshake */
	TE_CONFIG	/* local TLS settings: trust file, client
			   certificate, priorities */
};

struct transport;

struct transport_ops {
	/* >0 bytes read, 0 at EOF, -1 on error (t->err set) */
	ssize_t	(*read)(struct transport *, void *, size_t);
	/* write everything or -1 (t->err set) */
	int	(*write)(struct transport *, const void *, size_t);
	/* bytes the backend holds already decoded (TLS records) */
	size_t	(*pending)(struct transport *);
	/* start TLS over this backend (may replace t->ops/ctx) */
	int	(*starttls)(struct transport *, const void *tls_conf);
	void	(*close)(struct transport *);
	/* channel-binding data (xmalloc'd) and its type name, or -1 */
	int	(*cbind)(struct transport *, const char **type,
		    unsigned char **data, size_t *len);
};

struct transport {
	const struct transport_ops *ops;
	void		*ctx;		/* backend state */
	int		 fd;		/* socket, or -1 */
	int		 timeout_ms;	/* per read/write; <= 0: none */
	long		 deadline;	/* monotonic ms; 0: none */
	int		 tls;		/* TLS is on */

	char		 rbuf[RBUF_SIZE];
	size_t		 rpos, rlen;
	char		*wbuf;
	size_t		 wlen;

	enum transport_err err;
	char		 errmsg[1024];	/* room for a certificate's names */
};

/* Set up over a connected socket (takes ownership of fd). */
void	transport_init_fd(struct transport *, int fd, int timeout_ms);
/* Set up over any backend (tests). */
void	transport_init(struct transport *, const struct transport_ops *,
	    void *ctx, int timeout_ms);
void	transport_close(struct transport *);

/*
 * Read one line, without its CRLF (or bare LF), into line (room: max+1,
 * NUL-terminated).  Returns the length, or -1 (t->err: TE_EOF, TE_TIMEOUT,
 * TE_IO, TE_TOOLONG, TE_TLS).
 */
long	transport_readline(struct transport *, char *line, size_t max);
int	transport_write(struct transport *, const void *, size_t);
int	transport_flush(struct transport *);
/*
 * Send up to max octets of file fd from its offset (which moves on)
 * after what is buffered, without copying them through user space
 * (sendfile(), plain sockets only).  Returns the octets sent (max unless
 * the file ended), 0 at the end of the file, -1 with t->err set, or -2
 * when this transport cannot (TLS, a test backend, a file system that
 * refuses sendfile()): then nothing was sent, use transport_write().
 */
ssize_t	transport_sendfile(struct transport *, int fd, size_t max);
/* Bytes received but not yet consumed. */
size_t	transport_unread(struct transport *);
/*
 * Start TLS.  Fails with TE_INJECT when the server has sent anything not
 * yet read (response injection), TE_TLS/TE_NOTTLS/TE_VERIFY on handshake
 * failure.
 */
int	transport_starttls(struct transport *, const void *tls_conf);

/*
 * Whether the server has sent anything (or closed) within ms
 * milliseconds: 1 if so, 0 if it kept silent, -1 on a poll error.
 * Nothing is read and t->err is left alone.
 */
int	transport_readable(struct transport *, int ms);

/*
 * Channel-binding data of the TLS connection (RFC 9266 tls-exporter on
 * TLS 1.3, RFC 5929 tls-unique before), xmalloc'd; -1 when there is none.
 */
int	transport_channel_binding(struct transport *, const char **type,
	    unsigned char **data, size_t *len);

/*
 * Bound everything from now on to ms milliseconds in total (a slow-drip
 * server cannot stretch a reply or a handshake), or lift the bound (0).
 */
void	transport_deadline(struct transport *, int ms);

/*
 * Record t's failure in r at stage: temporary for a connection that went
 * away (TE_EOF ... TE_DROP), 76 for a protocol mismatch or a malformed
 * reply, 77 for a certificate, 78 for local settings (the only such
 * table); the text is t->errmsg, or text when it is not NULL.
 */
void	transport_result(const struct transport *, struct result *r,
	    enum result_stage, const char *what, const char *text);

/* Helper for backends: record an error, returns -1. */
int	transport_fail(struct transport *, enum transport_err,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Helper for backends: a socket errno (reset and EPIPE as TE_RESET),
   the message prefixed by during ("" or e.g. "TLS handshake: "). */
int	transport_errno(struct transport *, int err, const char *during,
	    const char *op);
/* Wait for fd readiness (POLLIN or POLLOUT); -1 with TE_TIMEOUT/TE_IO. */
int	transport_wait(struct transport *, int events);

#endif
