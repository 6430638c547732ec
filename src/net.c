/*
 * net.c -- resolve a host and connect to one of its addresses.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "net.h"
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

/* One address: 0 and *fdp, or -1 with errno. */
static int
try_addr(const struct addrinfo *ai, const char *source_ip, int timeout_ms,
    int *fdp)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, one = 1, soerr = 0, rc;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return -1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (source_ip && bind_source(fd, source_ip, ai->ai_family) == -1)
		goto fail;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		goto ok;
	if (errno != EINPROGRESS)
		goto fail;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	do
		rc = poll(&pfd, 1, timeout_ms > 0 ? timeout_ms : -1);
	while (rc == -1 && errno == EINTR);
	if (rc == 0) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		goto fail;
	if (soerr) {
		errno = soerr;
		goto fail;
	}
ok:
	*fdp = fd;
	return 0;
fail:
	rc = errno;
	close(fd);
	errno = rc;
	return -1;
}

/* -v: why this address failed, before the next one is tried. */
static void
trace_failure(void (*trace)(const char *), const char *addr, int port,
    int err)
{
	char *m = xasprintf("%s port %d: %s; trying the next address", addr,
	    port, strerror(err));

	trace(m);
	free(m);
}

int
net_connect_again(int fd, const char *source_ip, int timeout_ms)
{
	struct sockaddr_storage ss;
	struct addrinfo ai;
	socklen_t len = sizeof(ss);
	int fd2;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	memset(&ai, 0, sizeof(ai));
	ai.ai_family = ss.ss_family;
	ai.ai_socktype = SOCK_STREAM;
	ai.ai_protocol = IPPROTO_TCP;
	ai.ai_addr = (struct sockaddr *)&ss;
	ai.ai_addrlen = len;
	if (try_addr(&ai, source_ip, timeout_ms, &fd2) == -1)
		return -1;
	return fd2;
}

int
net_connect(const char *host, int port, const char *source_ip,
    int timeout_ms, int *loopback, struct result *r,
    void (*trace)(const char *))
{
	struct addrinfo hints, *res, *ai;
	char portstr[16], addrstr[INET6_ADDRSTRLEN], what[300];
	int rc, fd = -1, err = 0;
	long long start = compat_now_ms();

	snprintf(portstr, sizeof(portstr), "%d", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(what, sizeof(what), "connect to %s port %d", host, port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		if (rc == EAI_NONAME || rc == EAI_FAIL || rc == EAI_NODATA)
			result_local(r, RES_PERM, STAGE_CONNECT, ERR_NOHOST,
			    what, "host not found: %s", gai_strerror(rc));
		else
			result_local(r, RES_TEMP, STAGE_CONNECT, ERR_TEMP,
			    what, "%s", rc == EAI_SYSTEM ? strerror(errno) :
			    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		getnameinfo(ai->ai_addr, ai->ai_addrlen, addrstr,
		    sizeof(addrstr), NULL, 0, NI_NUMERICHOST);
		if (trace) {
			char *m = xasprintf("connecting to %s port %d",
			    addrstr, port);
			trace(m);
			free(m);
		}
		if (try_addr(ai, source_ip, timeout_ms, &fd) == 0) {
			*loopback = is_loopback(ai->ai_addr);
			break;
		}
		err = errno;
		fd = -1;
		if (trace && ai->ai_next)
			trace_failure(trace, addrstr, port, err);
	}
	freeaddrinfo(res);
	if (fd == -1) {
		if (err == ETIMEDOUT)
			result_local(r, RES_TEMP, STAGE_CONNECT, ERR_TEMP,
			    what, "timed out after %lld s",
			    (compat_now_ms() - start) / 1000);
		else
			result_local(r, RES_TEMP, STAGE_CONNECT, ERR_TEMP,
			    what, "%s", strerror(err));
	}
	return fd;
}
