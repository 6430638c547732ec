/*
 * net.h -- resolve a host and connect to one of its addresses.
 */
#ifndef OUTBOX_NET_H
#define OUTBOX_NET_H

#include "result.h"

/*
 * Connect to host:port, trying every address (IPv6 and IPv4) in turn,
 * each with timeout_ms for the connect.  source_ip binds the local end
 * when set.  Returns a non-blocking socket with TCP_NODELAY, or -1 with r
 * set: ERR_NOHOST (permanent) when the name does not exist, ERR_TEMP for
 * DNS try-again, refused, unreachable and timeouts.  *loopback tells
 * whether the peer is a loopback address.  trace, when not NULL, is
 * told each address tried and why one failed before the next is tried.
 */
int	net_connect(const char *host, int port, const char *source_ip,
	    int timeout_ms, int *loopback, struct result *r,
	    void (*trace)(const char *));

/*
 * A second connection to the peer of the connected socket fd (the same
 * address and port), within timeout_ms: the socket, or -1 with errno.
 */
int	net_connect_again(int fd, const char *source_ip, int timeout_ms);

#endif
