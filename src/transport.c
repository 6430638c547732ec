/*
 * transport.c -- buffered line I/O; the plain-socket backend.
 */
#include "autoconf.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#ifdef HAVE_SYS_SENDFILE_H
#include <sys/sendfile.h>
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "tls.h"
#include "transport.h"
#include "xmalloc.h"

int
transport_fail(struct transport *t, enum transport_err e, const char *fmt,
    ...)
{
	va_list ap;

	t->err = e;
	va_start(ap, fmt);
	vsnprintf(t->errmsg, sizeof(t->errmsg), fmt, ap);
	va_end(ap);
	return -1;
}

void
transport_result(const struct transport *t, struct result *r,
    enum result_stage stage, const char *what, const char *text)
{
	enum result_class cls = RES_PERM;
	enum result_err err;

	switch (t->err) {
	case TE_TOOLONG:
	case TE_TLS:
	case TE_NOTTLS:
	case TE_INJECT:
		err = ERR_PROTOCOL;
		break;
	case TE_VERIFY:
		err = ERR_NOPERM;
		break;
	case TE_CONFIG:
		err = ERR_CONFIG;
		break;
	default:
		cls = RES_TEMP;
		err = ERR_TEMP;
		break;
	}
	if (text == NULL)
		text = t->errmsg[0] ? t->errmsg : "I/O error";
	result_local(r, cls, stage, err, what, "%s%s", t->err == TE_TOOLONG ?
	    "malformed reply: " : "", text);
}

/* A failed read or write on the socket: reset and EPIPE are the server
   going away, like EOF. */
int
transport_errno(struct transport *t, int e, const char *during,
    const char *op)
{
	if (e == ECONNRESET || e == EPIPE || e == ECONNABORTED)
		return transport_fail(t, TE_RESET, "%sconnection reset by "
		    "server", during);
	return transport_fail(t, TE_IO, "%s%s: %s", during, op, strerror(e));
}

void
transport_deadline(struct transport *t, int ms)
{
	t->deadline = ms > 0 ? compat_now_ms() + ms : 0;
}

int
transport_wait(struct transport *t, int events)
{
	struct pollfd pfd;
	int rc, wait;
	long left;

	pfd.fd = t->fd;
	pfd.events = (short)events;
	for (;;) {
		wait = t->timeout_ms > 0 ? t->timeout_ms : -1;
		if (t->deadline) {
			left = t->deadline - compat_now_ms();
			if (left <= 0)
				left = 0;
			if (wait < 0 || left < wait)
				wait = (int)left;
		}
		rc = wait == 0 ? 0 : poll(&pfd, 1, wait);
		if (rc > 0)
			return 0;
		if (rc == 0)
			return transport_fail(t, TE_TIMEOUT, "timed out after "
			    "%d s", t->timeout_ms / 1000);
		if (errno != EINTR)
			return transport_fail(t, TE_IO, "poll: %s",
			    strerror(errno));
	}
}

static ssize_t
sock_read(struct transport *t, void *p, size_t n)
{
	ssize_t r;

	for (;;) {
		r = read(t->fd, p, n);
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return transport_errno(t, errno, "", "read");
		if (transport_wait(t, POLLIN) == -1)
			return -1;
	}
}

static int
sock_write(struct transport *t, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n) {
		w = write(t->fd, c, n);
		if (w > 0) {
			c += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return transport_errno(t, errno, "", "write");
		if (transport_wait(t, POLLOUT) == -1)
			return -1;
	}
	return 0;
}

static size_t
sock_pending(struct transport *t)
{
	char c;
	ssize_t n;

	/* Bytes already in the kernel's receive buffer count; the end of
	   the connection (readable too) does not: that is no injection,
	   just a server that went away. */
	do
		n = recv(t->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	return n > 0 ? 1 : 0;
}

static int
sock_starttls(struct transport *t, const void *conf)
{
	return tls_start(t, conf);
}

static void
sock_close(struct transport *t)
{
	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
}

static const struct transport_ops sock_ops = {
	sock_read, sock_write, sock_pending, sock_starttls, sock_close, NULL
};

void
transport_init(struct transport *t, const struct transport_ops *ops,
    void *ctx, int timeout_ms)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->ctx = ctx;
	t->fd = -1;
	t->timeout_ms = timeout_ms;
	t->wbuf = xmalloc(WBUF_SIZE);
}

void
transport_init_fd(struct transport *t, int fd, int timeout_ms)
{
	transport_init(t, &sock_ops, NULL, timeout_ms);
	t->fd = fd;
}

void
transport_close(struct transport *t)
{
	if (t->ops && t->ops->close)
		t->ops->close(t);
	free(t->wbuf);
	t->wbuf = NULL;
	t->ops = NULL;
}

long
transport_readline(struct transport *t, char *line, size_t max)
{
	size_t len = 0;
	ssize_t n;

	for (;;) {
		char *nl = memchr(t->rbuf + t->rpos, '\n', t->rlen - t->rpos);
		size_t take = nl ? (size_t)(nl - (t->rbuf + t->rpos)) :
		    t->rlen - t->rpos;

		if (len + take > max) {
			/* Swallow nothing more: the reply is already bad. */
			return transport_fail(t, TE_TOOLONG, "line longer "
			    "than %zu bytes", max);
		}
		memcpy(line + len, t->rbuf + t->rpos, take);
		len += take;
		t->rpos += take;
		if (nl) {
			t->rpos++;
			if (len && line[len - 1] == '\r')
				len--;
			line[len] = '\0';
			return (long)len;
		}
		t->rpos = t->rlen = 0;
		n = t->ops->read(t, t->rbuf, sizeof(t->rbuf));
		if (n < 0)
			return -1;
		if (n == 0)
			return transport_fail(t, TE_EOF, "connection closed "
			    "by server");
		t->rlen = (size_t)n;
	}
}

int
transport_flush(struct transport *t)
{
	size_t n = t->wlen;

	if (n == 0)
		return 0;
	t->wlen = 0;
	return t->ops->write(t, t->wbuf, n);
}

int
transport_write(struct transport *t, const void *p, size_t n)
{
	const char *c = p;

	/* A large block goes straight out, without a copy (after what
	   is buffered, in order). */
	if (n >= WBUF_SIZE / 4) {
		if (transport_flush(t) == -1)
			return -1;
		return t->ops->write(t, c, n);
	}
	if (t->wlen + n > WBUF_SIZE && transport_flush(t) == -1)
		return -1;
	memcpy(t->wbuf + t->wlen, c, n);
	t->wlen += n;
	return 0;
}

ssize_t
transport_sendfile(struct transport *t, int fd, size_t max)
{
#ifdef HAVE_SYS_SENDFILE_H
	size_t sent = 0;
	ssize_t w;

	if (t->ops != &sock_ops)
		return -2;
	if (transport_flush(t) == -1)
		return -1;
	while (sent < max) {
		w = sendfile(t->fd, fd, NULL, max - sent);
		if (w > 0) {
			sent += (size_t)w;
			continue;
		}
		if (w == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (transport_wait(t, POLLOUT) == -1)
				return -1;
			continue;
		}
		/* A file system without it: nothing went out yet. */
		if (sent == 0 && (errno == EINVAL || errno == ENOSYS))
			return -2;
		return transport_errno(t, errno, "", "sendfile");
	}
	return (ssize_t)sent;
#else
	(void)t;
	(void)fd;
	(void)max;
	return -2;
#endif
}

size_t
transport_unread(struct transport *t)
{
	return t->rlen - t->rpos + (t->ops->pending ? t->ops->pending(t) : 0);
}

int
transport_starttls(struct transport *t, const void *conf)
{
	if (t->tls)
		return transport_fail(t, TE_TLS, "TLS is already active");
	if (transport_flush(t) == -1)
		return -1;
	if (transport_unread(t) != 0)
		return transport_fail(t, TE_INJECT, "server sent data before "
		    "the TLS handshake");
	if (t->ops->starttls == NULL)
		return transport_fail(t, TE_TLS, "TLS not supported here");
	return t->ops->starttls(t, conf);
}

int
transport_readable(struct transport *t, int ms)
{
	struct pollfd pfd;
	int rc;

	if (t->rpos < t->rlen || t->fd == -1 ||
	    (t->ops->pending && t->ops->pending(t)))
		return 1;
	pfd.fd = t->fd;
	pfd.events = POLLIN;
	do
		rc = poll(&pfd, 1, ms);
	while (rc == -1 && errno == EINTR);
	return rc > 0 ? 1 : rc;
}

int
transport_channel_binding(struct transport *t, const char **type,
    unsigned char **data, size_t *len)
{
	if (t->ops->cbind == NULL)
		return -1;
	return t->ops->cbind(t, type, data, len);
}
