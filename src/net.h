/*
 * net.h -- resolve a host and connect to one of its addresses, directly
 * or through a SOCKS5 proxy.
 */
#ifndef OUTBOX_NET_H
#define OUTBOX_NET_H

#include "result.h"

/* RFC 8305's Connection Attempt Delay: the head start of each address
   over the next. */
#define NET_ATTEMPT_DELAY_MS	250
/* Addresses of one name tried at most. */
#define NET_MAX_ADDRS		16
/* proxy_port's default (RFC 1928). */
#define NET_SOCKS_PORT		1080

struct net_opts {
	const char	*source_ip;	/* bind the local end, or NULL */
	int		 timeout_ms;	/* each connect, each proxy read;
					   0: none */
	const char	*proxy_host;	/* SOCKS5 proxy, or NULL: direct */
	int		 proxy_port;	/* 0: NET_SOCKS_PORT */
	const char	*proxy_user;	/* RFC 1929 when set */
	const char	*proxy_password;
	void		(*trace)(const char *);	/* -v notes, or NULL */
};

/*
 * Connect to host:port.  Directly: every address of the name (IPv6 and
 * IPv4) is tried the Happy Eyeballs way (RFC 8305): the families take
 * turns, starting with getaddrinfo's first; each address starts when
 * the one before has failed or has had NET_ATTEMPT_DELAY_MS without an
 * answer, and the first to connect wins (the others are closed).  Each
 * attempt has timeout_ms.  Through a proxy (o->proxy_host set): the
 * proxy's addresses are connected to that way, and the proxy is asked
 * to connect to host by name (RFC 1928's domain name form): host itself
 * is never looked up here.
 *
 * Returns a non-blocking socket with TCP_NODELAY, or -1 with r set:
 * ERR_NOHOST (permanent) when host does not exist (direct only);
 * ERR_TEMP for DNS try-again, refused, unreachable, timeouts and every
 * failure of or refusal by the proxy, with each address's error (or the
 * proxy's reason) in the text.  *loopback tells whether the peer is a
 * loopback address (never through a proxy, whose far side is unknown).
 * o->trace, when set, is told each address tried, why one failed or was
 * given up, and each step with the proxy.
 */
int	net_connect(const char *host, int port, const struct net_opts *o,
	    int *loopback, struct result *r);

/*
 * A second connection to what the connected socket fd reaches: host:port
 * through the same proxy when o->proxy_host is set, else fd's peer
 * address and port; within o->timeout_ms and without traces.  The
 * socket, or -1.
 */
int	net_connect_again(int fd, const char *host, int port,
	    const struct net_opts *o);

#endif
