/*
 * net.c -- resolve a host and connect to one of its addresses: Happy
 * Eyeballs (RFC 8305) over the addresses, and SOCKS5 (RFC 1928, 1929)
 * when a proxy is configured.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "compat.h"
#include "net.h"
#include "socks.h"
#include "xmalloc.h"

static int
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return 0;
}

static int
bind_source(int fd, const char *source_ip, int family)
{
	struct addrinfo hints, *res;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	if (getaddrinfo(source_ip, NULL, &hints, &res) != 0)
		return -1;
	rc = bind(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return rc;
}

/*
 * Start connecting to one address: 0 when connected at once, 1 when in
 * progress (*fdp set either way), -1 with errno.
 */
static int
start_addr(const struct addrinfo *ai, const char *source_ip, int *fdp)
{
	int fd, one = 1, e;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return -1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (source_ip && bind_source(fd, source_ip, ai->ai_family) == -1)
		goto fail;
	*fdp = fd;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno == EINPROGRESS)
		return 1;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

static void
note(const struct net_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(const struct net_opts *o, const char *fmt, ...)
{
	va_list ap;
	char *m;

	if (o->trace == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) == -1)
		m = NULL;
	va_end(ap);
	if (m) {
		o->trace(m);
		free(m);
	}
}

/* ---- Happy Eyeballs -------------------------------------------------- */

struct attempt {
	int		 fd;
	size_t		 idx;		/* in he.ai[] */
	long long	 start;		/* ms */
};

struct he {
	const struct net_opts	*o;
	int			 port;
	const struct addrinfo	*ai[NET_MAX_ADDRS];
	char			 name[NET_MAX_ADDRS][INET6_ADDRSTRLEN];
	int			 err[NET_MAX_ADDRS];	/* 0: none (yet) */
	long long		 took[NET_MAX_ADDRS];	/* ms, if err */
	size_t			 n, next;
	struct attempt		 live[NET_MAX_ADDRS];
	size_t			 nlive;
	long long		 last_start;
	int			 fd;		/* the winner, or -1 */
	size_t			 won;
};

/*
 * RFC 8305 section 4: the families take turns, starting with the family
 * of getaddrinfo's first answer; each family keeps getaddrinfo's order.
 */
static void
he_order(struct he *h, const struct addrinfo *res)
{
	const struct addrinfo *first[2] = { res, NULL }, *p;
	int fam0 = res->ai_family, turn = 0;

	for (p = res; p && first[1] == NULL; p = p->ai_next)
		if (p->ai_family != fam0)
			first[1] = p;
	while (h->n < NET_MAX_ADDRS && (first[0] || first[1])) {
		if (first[turn] == NULL)
			turn = !turn;
		p = first[turn];
		h->ai[h->n] = p;
		getnameinfo(p->ai_addr, p->ai_addrlen, h->name[h->n],
		    sizeof(h->name[0]), NULL, 0, NI_NUMERICHOST);
		h->n++;
		/* this family's next address */
		for (p = p->ai_next; p && (p->ai_family == fam0) != (turn == 0);
		    p = p->ai_next)
			;
		first[turn] = p;
		turn = !turn;
	}
}

static void
he_failed(struct he *h, size_t i, int err, long long now, long long start)
{
	h->err[i] = err;
	h->took[i] = now - start;
	if (h->next < h->n)
		note(h->o, "%s port %d: %s; trying the next address",
		    h->name[i], h->port, err == ETIMEDOUT ? "timed out" :
		    strerror(err));
}

/* Start the next address (and the ones after while each fails at once). */
static void
he_start(struct he *h)
{
	struct attempt *a;
	size_t i;
	int fd = -1, rc;

	h->last_start = compat_now_ms();
	while (h->fd == -1 && h->next < h->n) {
		i = h->next++;
		note(h->o, "connecting to %s port %d", h->name[i], h->port);
		rc = start_addr(h->ai[i], h->o->source_ip, &fd);
		if (rc == 0) {
			h->fd = fd;
			h->won = i;
		} else if (rc == 1) {
			a = &h->live[h->nlive++];
			a->fd = fd;
			a->idx = i;
			a->start = h->last_start;
			return;
		} else
			he_failed(h, i, errno, h->last_start, h->last_start);
	}
}

static void
he_drop(struct he *h, size_t k)
{
	close(h->live[k].fd);
	h->live[k] = h->live[--h->nlive];
}

/* How long poll() may wait: the next head start or the first timeout;
   -1 (for ever) when there is neither. */
static int
he_wait(const struct he *h, long long now)
{
	long long w = 0, d;
	size_t k;
	int have = 0;

	if (h->next < h->n) {
		w = h->last_start + NET_ATTEMPT_DELAY_MS - now;
		have = 1;
	}
	for (k = 0; k < h->nlive && h->o->timeout_ms > 0; k++) {
		d = h->live[k].start + h->o->timeout_ms - now;
		if (!have || d < w)
			w = d;
		have = 1;
	}
	if (!have)
		return -1;
	return w < 0 ? 0 : w > 86400000 ? 86400000 : (int)w;
}

/* One round: wait, then settle the attempts that answered or timed out.
   1 when the next address is due (one failed, or the head start is up). */
static int
he_round(struct he *h)
{
	struct pollfd pfd[NET_MAX_ADDRS];
	socklen_t len;
	long long now = compat_now_ms();
	size_t k;
	int soerr, due = 0, rc;

	for (k = 0; k < h->nlive; k++) {
		pfd[k].fd = h->live[k].fd;
		pfd[k].events = POLLOUT;
		pfd[k].revents = 0;
	}
	rc = poll(pfd, h->nlive, he_wait(h, now));
	now = compat_now_ms();
	for (k = h->nlive; rc > 0 && k-- > 0;) {
		if (pfd[k].revents == 0)
			continue;
		len = sizeof(soerr);
		if (getsockopt(h->live[k].fd, SOL_SOCKET, SO_ERROR, &soerr,
		    &len) == -1)
			soerr = errno;
		if (soerr == 0 && (pfd[k].revents & POLLOUT)) {
			h->fd = h->live[k].fd;
			h->won = h->live[k].idx;
			h->live[k] = h->live[--h->nlive];
			return 0;
		}
		he_failed(h, h->live[k].idx, soerr ? soerr : ECONNRESET, now,
		    h->live[k].start);
		he_drop(h, k);
		due = 1;
	}
	for (k = h->nlive; h->o->timeout_ms > 0 && k-- > 0;)
		if (now - h->live[k].start >= h->o->timeout_ms) {
			he_failed(h, h->live[k].idx, ETIMEDOUT, now,
			    h->live[k].start);
			he_drop(h, k);
			due = 1;
		}
	if (h->next < h->n && !due &&
	    now - h->last_start >= NET_ATTEMPT_DELAY_MS) {
		if (h->nlive)
			note(h->o, "%s port %d: no answer after %d ms; trying "
			    "the next address alongside",
			    h->name[h->live[h->nlive - 1].idx], h->port,
			    NET_ATTEMPT_DELAY_MS);
		due = 1;
	}
	return due;
}

/* Connect to one of h's addresses: the socket, or -1. */
static int
he_connect(struct he *h)
{
	size_t k;

	h->fd = -1;
	he_start(h);
	while (h->fd == -1 && h->nlive > 0)
		if (he_round(h) && h->fd == -1)
			he_start(h);
	if (h->fd != -1 && h->nlive)
		note(h->o, "connected to %s port %d", h->name[h->won],
		    h->port);
	for (k = h->nlive; k-- > 0;) {
		note(h->o, "%s port %d: abandoned: %s answered first",
		    h->name[h->live[k].idx], h->port, h->name[h->won]);
		he_drop(h, k);
	}
	return h->fd;
}

/* Why every address failed, each with its own reason when several. */
static char *
he_errors(const struct he *h)
{
	struct buf b;
	char *one;
	size_t i, tried = 0;

	buf_init(&b, 4096);
	for (i = 0; i < h->n; i++) {
		if (h->err[i] == 0)
			continue;
		if (h->err[i] == ETIMEDOUT)
			one = xasprintf("timed out after %lld s",
			    h->took[i] / 1000);
		else
			one = xstrdup(strerror(h->err[i]));
		if (h->n > 1)
			(void)buf_addf(&b, "%s%s: %s", tried ? "; " : "",
			    h->name[i], one);
		else
			(void)buf_addstr(&b, one);
		free(one);
		tried++;
	}
	return buf_take(&b);
}

/*
 * Resolve name and connect to one of its addresses.  -1 with r set
 * (what names the connection): a name that does not exist is ERR_NOHOST
 * unless proxy (the proxy's own name: a temporary failure, so that the
 * message waits in the queue while the setting is fixed), the rest
 * ERR_TEMP; the text starts with prefix.
 */
static int
connect_name(const char *name, int port, const struct net_opts *o,
    const char *what, const char *prefix, int proxy, int *loopback,
    struct result *r)
{
	struct addrinfo hints, *res;
	struct he *h;
	char portstr[16], *why;
	int rc, fd;

	snprintf(portstr, sizeof(portstr), "%d", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(name, portstr, &hints, &res);
	if (rc != 0) {
		if (!proxy && (rc == EAI_NONAME || rc == EAI_FAIL ||
		    rc == EAI_NODATA))
			result_local(r, RES_PERM, STAGE_CONNECT, ERR_NOHOST,
			    what, "host not found: %s", gai_strerror(rc));
		else
			result_local(r, RES_TEMP, STAGE_CONNECT, ERR_TEMP,
			    what, "%s%s", prefix, rc == EAI_SYSTEM ?
			    strerror(errno) : gai_strerror(rc));
		return -1;
	}
	h = xcalloc(1, sizeof(*h));
	h->o = o;
	h->port = port;
	he_order(h, res);
	fd = he_connect(h);
	if (fd != -1)
		*loopback = is_loopback(h->ai[h->won]->ai_addr);
	else {
		why = he_errors(h);
		result_local(r, RES_TEMP, STAGE_CONNECT, ERR_TEMP, what,
		    "%s%s", prefix, why);
		free(why);
	}
	freeaddrinfo(res);
	free(h);
	return fd;
}

/* ---- SOCKS5 ------------------------------------------------------------ */

/* Wait for fd to be ready for events: 0, or -1 with errno. */
static int
wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rc;

	do
		rc = poll(&pfd, 1, timeout_ms > 0 ? timeout_ms : -1);
	while (rc == -1 && errno == EINTR);
	if (rc == 0)
		errno = ETIMEDOUT;
	return rc > 0 ? 0 : -1;
}

static int
write_all(int fd, const unsigned char *p, size_t n, int timeout_ms)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLOUT, timeout_ms) == -1)
				return -1;
			continue;
		}
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Exactly n octets, never more (what follows is the SMTP stream's):
   0, or -1 with errno (0 for end of file). */
static int
read_exact(int fd, unsigned char *p, size_t n, int timeout_ms)
{
	ssize_t got;

	while (n > 0) {
		got = recv(fd, p, n, 0);
		if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLIN, timeout_ms) == -1)
				return -1;
			continue;
		}
		if (got <= 0) {
			if (got == 0)
				errno = 0;
			return -1;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

struct socks_ctx {
	int			 fd;
	const struct net_opts	*o;
	const char		*what;
	struct result		*r;
};

static int
socks_fail(struct socks_ctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
socks_fail(struct socks_ctx *x, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) == -1)
		m = NULL;
	va_end(ap);
	result_local(x->r, RES_TEMP, STAGE_CONNECT, ERR_TEMP, x->what, "%s",
	    m ? m : "SOCKS5 proxy failure");
	free(m);
	return -1;
}

/* An I/O failure in the handshake. */
static int
socks_io_fail(struct socks_ctx *x)
{
	if (errno == 0)
		return socks_fail(x, "the proxy closed the connection during "
		    "the SOCKS5 handshake");
	if (errno == ETIMEDOUT)
		return socks_fail(x, "the proxy did not answer within %d s",
		    x->o->timeout_ms / 1000);
	return socks_fail(x, "the proxy: %s", strerror(errno));
}

static int
socks_send(struct socks_ctx *x, unsigned char *m, size_t n)
{
	int rc = write_all(x->fd, m, n, x->o->timeout_ms);

	compat_bzero(m, n);
	return rc == -1 ? socks_io_fail(x) : 0;
}

/* Greeting and, when the proxy asks for it, user and password. */
static int
socks_auth(struct socks_ctx *x)
{
	unsigned char m[SOCKS_MSG_MAX];
	const char *why;
	int up = x->o->proxy_user != NULL, method;
	size_t n;

	if (socks_send(x, m, socks_greeting(m, up)) == -1)
		return -1;
	if (read_exact(x->fd, m, 2, x->o->timeout_ms) == -1)
		return socks_io_fail(x);
	if ((method = socks_method_parse(m, up, &why)) == -1)
		return socks_fail(x, "%s", why);
	if (method == SOCKS_METHOD_REFUSED)
		return socks_fail(x, "the proxy accepts none of the "
		    "authentication methods offered (%s)", up ? "none, "
		    "user/password" : "none: set proxy_user and "
		    "proxy_password if it wants a user name");
	if (method == SOCKS_METHOD_NONE)
		return 0;
	note(x->o, "SOCKS5: the proxy asks for a user name: %s",
	    x->o->proxy_user);
	n = socks_userpass(m, x->o->proxy_user, x->o->proxy_password ?
	    x->o->proxy_password : "");
	if (n == 0)
		return socks_fail(x, "proxy_user and proxy_password must be "
		    "1 to 255 octets each");
	if (socks_send(x, m, n) == -1)
		return -1;
	if (read_exact(x->fd, m, 2, x->o->timeout_ms) == -1)
		return socks_io_fail(x);
	if (socks_userpass_parse(m, &why) == -1)
		return socks_fail(x, "%s", why);
	if (m[1] != 0)
		return socks_fail(x, "the proxy refused the user name and "
		    "password (proxy_user %s; RFC 1929 status %d)",
		    x->o->proxy_user, m[1]);
	return 0;
}

/* CONNECT host:port, and the proxy's reply. */
static int
socks_request(struct socks_ctx *x, const char *host, int port)
{
	unsigned char m[SOCKS_REPLY_MAX];
	struct socks_reply rep;
	const char *why;
	size_t have = 0, n;
	int want;

	n = socks_connect_request(m, host, port);
	if (n == 0)
		return socks_fail(x, "host name too long for SOCKS5");
	if (socks_send(x, m, n) == -1)
		return -1;
	memset(&rep, 0, sizeof(rep));
	rep.rep = -1;
	while ((want = socks_reply_parse(m, have, &rep, &why)) > (int)have)
		if (read_exact(x->fd, m + have, (size_t)want - have,
		    x->o->timeout_ms) == -1) {
			if (rep.rep > 0)
				break;
			return socks_io_fail(x);
		} else
			have = (size_t)want;
	if (rep.rep > 0)
		return socks_fail(x, "the proxy could not connect: %s "
		    "(SOCKS5 reply %d)", socks_rep_name(rep.rep), rep.rep);
	if (want == -1)
		return socks_fail(x, "%s", why);
	note(x->o, "SOCKS5: the proxy connected to %s port %d (its end: %s "
	    "port %d)", host, port, rep.addr, rep.port);
	return 0;
}

/*
 * Acknowledge at once what comes next.  A proxy that relays without
 * TCP_NODELAY (microsocks) holds the server's greeting back (Nagle) until
 * its reply to CONNECT is acknowledged, which a delayed ACK puts off by
 * 40 ms: measured with bench/net.sh.
 */
static void
quick_ack(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

/* Through the proxy to host:port: the socket, or -1 with r set. */
static int
via_proxy(const char *host, int port, const struct net_opts *o,
    struct result *r)
{
	struct socks_ctx x;
	char *what;
	int fd, pport = o->proxy_port ? o->proxy_port : NET_SOCKS_PORT;
	int loopback;

	what = xasprintf("connect to %s port %d through the proxy %s port "
	    "%d", host, port, o->proxy_host, pport);
	note(o, "SOCKS5 proxy %s port %d, which is to resolve %s",
	    o->proxy_host, pport, host);
	fd = connect_name(o->proxy_host, pport, o, what, "the proxy: ", 1,
	    &loopback, r);
	if (fd != -1) {
		x.fd = fd;
		x.o = o;
		x.what = what;
		x.r = r;
		note(o, "SOCKS5: asking the proxy for %s port %d", host,
		    port);
		if (socks_auth(&x) == -1 || socks_request(&x, host, port) ==
		    -1) {
			close(fd);
			fd = -1;
		} else
			quick_ack(fd);
	}
	free(what);
	return fd;
}

int
net_connect(const char *host, int port, const struct net_opts *o,
    int *loopback, struct result *r)
{
	char *what;
	int fd;

	*loopback = 0;
	if (o->proxy_host && *o->proxy_host)
		return via_proxy(host, port, o, r);
	what = xasprintf("connect to %s port %d", host, port);
	fd = connect_name(host, port, o, what, "", 0, loopback, r);
	free(what);
	return fd;
}

int
net_connect_again(int fd, const char *host, int port,
    const struct net_opts *o)
{
	struct net_opts quiet = *o;
	struct sockaddr_storage ss;
	struct addrinfo ai;
	struct he *h;
	struct result r;
	socklen_t len = sizeof(ss);
	int fd2;

	quiet.trace = NULL;
	if (o->proxy_host && *o->proxy_host) {
		result_init(&r);
		fd2 = via_proxy(host, port, &quiet, &r);
		result_free(&r);
		return fd2;
	}
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	memset(&ai, 0, sizeof(ai));
	ai.ai_family = ss.ss_family;
	ai.ai_socktype = SOCK_STREAM;
	ai.ai_protocol = IPPROTO_TCP;
	ai.ai_addr = (struct sockaddr *)&ss;
	ai.ai_addrlen = len;
	h = xcalloc(1, sizeof(*h));
	h->o = &quiet;
	h->port = port;
	he_order(h, &ai);
	fd2 = he_connect(h);
	free(h);
	return fd2;
}
