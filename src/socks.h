/*
 * socks.h -- SOCKS5 (RFC 1928) with user/password (RFC 1929): the
 * messages a client sends and the parsers of what a proxy answers.
 * Pure functions: no I/O, no allocation; net.c does the talking.
 */
#ifndef OUTBOX_SOCKS_H
#define OUTBOX_SOCKS_H

#include <stddef.h>

/* Longest message built here: a request with a 255-octet name, or the
   user/password sub-negotiation with 255 octets of each. */
#define SOCKS_MSG_MAX	515
/* Longest reply to CONNECT: a 255-octet domain name (ATYP 3). */
#define SOCKS_REPLY_MAX	(4 + 1 + 255 + 2)

#define SOCKS_METHOD_NONE	0x00
#define SOCKS_METHOD_USERPASS	0x02
#define SOCKS_METHOD_REFUSED	0xff

#define SOCKS_ATYP_IPV4		1
#define SOCKS_ATYP_DOMAIN	3
#define SOCKS_ATYP_IPV6		4

/*
 * The greeting: version 5 and the methods offered: "no authentication",
 * and user/password too when userpass is set.  Writes into out (at least
 * SOCKS_MSG_MAX octets); returns the length.
 */
size_t	socks_greeting(unsigned char *out, int userpass);

/*
 * The proxy's choice of method (2 octets): the method, or -1 with *why
 * set when the version is not 5 or the method is one that was not
 * offered (SOCKS_METHOD_REFUSED is returned as is: none acceptable).
 */
int	socks_method_parse(const unsigned char *in, int userpass,
	    const char **why);

/*
 * RFC 1929's request: user and password of 1..255 octets each.  Writes
 * into out (SOCKS_MSG_MAX); returns the length, or 0 when a length is
 * out of range.  The caller wipes out after sending it.
 */
size_t	socks_userpass(unsigned char *out, const char *user,
	    const char *password);

/* RFC 1929's status (2 octets): 0 accepted, 1 refused, -1 malformed. */
int	socks_userpass_parse(const unsigned char *in, const char **why);

/*
 * CONNECT to host:port.  An IPv4 or IPv6 literal goes as an address;
 * anything else as a domain name (ATYP 3), for the proxy to resolve:
 * host is never looked up here.  Writes into out (SOCKS_MSG_MAX);
 * returns the length, or 0 when host is empty or longer than 255.
 */
size_t	socks_connect_request(unsigned char *out, const char *host,
	    int port);

struct socks_reply {
	int	rep;		/* REP: 0 succeeded, else the refusal */
	int	atyp;
	char	addr[256];	/* BND.ADDR, printable (a name, v4, v6) */
	int	port;		/* BND.PORT */
};

/*
 * The reply to CONNECT, from the len octets received so far.  Returns
 * the length of the whole reply: when it is more than len, read up to
 * that many and call again (it never asks for more than
 * SOCKS_REPLY_MAX); when it is at most len, *out is filled in and the
 * reply is that long (anything after it is the connection's own data).
 * -1 with *why set when it cannot be a SOCKS5 reply (version, reserved
 * octet, address type, a NUL in a name).
 */
int	socks_reply_parse(const unsigned char *in, size_t len,
	    struct socks_reply *out, const char **why);

/* RFC 1928's name of a REP value ("Host unreachable"). */
const char *socks_rep_name(int rep);

#endif
