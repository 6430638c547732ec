/*
 * socks.c -- SOCKS5 (RFC 1928) and its user/password method (RFC 1929):
 * building the client's messages and parsing the proxy's replies.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "socks.h"

size_t
socks_greeting(unsigned char *out, int userpass)
{
	size_t n = 0;

	out[n++] = 5;
	out[n++] = userpass ? 2 : 1;
	out[n++] = SOCKS_METHOD_NONE;
	if (userpass)
		out[n++] = SOCKS_METHOD_USERPASS;
	return n;
}

int
socks_method_parse(const unsigned char *in, int userpass, const char **why)
{
	if (in[0] != 5) {
		*why = "not a SOCKS5 proxy (wrong version in its answer)";
		return -1;
	}
	if (in[1] == SOCKS_METHOD_NONE || in[1] == SOCKS_METHOD_REFUSED ||
	    (in[1] == SOCKS_METHOD_USERPASS && userpass))
		return in[1];
	*why = "the proxy chose an authentication method that was not "
	    "offered";
	return -1;
}

size_t
socks_userpass(unsigned char *out, const char *user, const char *password)
{
	size_t ul = strlen(user), pl = strlen(password), n = 0;

	if (ul < 1 || ul > 255 || pl < 1 || pl > 255)
		return 0;
	out[n++] = 1;
	out[n++] = (unsigned char)ul;
	memcpy(out + n, user, ul);
	n += ul;
	out[n++] = (unsigned char)pl;
	memcpy(out + n, password, pl);
	return n + pl;
}

int
socks_userpass_parse(const unsigned char *in, const char **why)
{
	if (in[0] != 1) {
		*why = "malformed answer to the user name and password "
		    "(wrong version)";
		return -1;
	}
	return in[1] == 0 ? 0 : 1;
}

size_t
socks_connect_request(unsigned char *out, const char *host, int port)
{
	unsigned char a[16];
	size_t hl = strlen(host), n = 0;

	out[n++] = 5;
	out[n++] = 1;		/* CONNECT */
	out[n++] = 0;
	if (inet_pton(AF_INET, host, a) == 1) {
		out[n++] = SOCKS_ATYP_IPV4;
		memcpy(out + n, a, 4);
		n += 4;
	} else if (inet_pton(AF_INET6, host, a) == 1) {
		out[n++] = SOCKS_ATYP_IPV6;
		memcpy(out + n, a, 16);
		n += 16;
	} else {
		if (hl < 1 || hl > 255)
			return 0;
		out[n++] = SOCKS_ATYP_DOMAIN;
		out[n++] = (unsigned char)hl;
		memcpy(out + n, host, hl);
		n += hl;
	}
	out[n++] = (unsigned char)((port >> 8) & 0xff);
	out[n++] = (unsigned char)(port & 0xff);
	return n;
}

/* The reply's length from its first five octets; -1 if ATYP is bad. */
static int
reply_len(const unsigned char *in)
{
	switch (in[3]) {
	case SOCKS_ATYP_IPV4:
		return 4 + 4 + 2;
	case SOCKS_ATYP_IPV6:
		return 4 + 16 + 2;
	case SOCKS_ATYP_DOMAIN:
		return 4 + 1 + in[4] + 2;
	default:
		return -1;
	}
}

int
socks_reply_parse(const unsigned char *in, size_t len,
    struct socks_reply *out, const char **why)
{
	const unsigned char *a;
	int total;

	*why = NULL;
	if (len >= 1 && in[0] != 5) {
		*why = "not a SOCKS5 reply (wrong version)";
		return -1;
	}
	if (len >= 2)
		out->rep = in[1];
	if (len >= 3 && in[2] != 0) {
		*why = "malformed SOCKS5 reply (reserved octet not zero)";
		return -1;
	}
	if (len < 5)
		return 5;
	if ((total = reply_len(in)) == -1) {
		*why = "malformed SOCKS5 reply (unknown address type)";
		return -1;
	}
	if ((size_t)total > len)
		return total;
	out->atyp = in[3];
	a = in + 4;
	if (in[3] == SOCKS_ATYP_IPV4)
		inet_ntop(AF_INET, a, out->addr, sizeof(out->addr));
	else if (in[3] == SOCKS_ATYP_IPV6)
		inet_ntop(AF_INET6, a, out->addr, sizeof(out->addr));
	else {
		if (memchr(a + 1, '\0', in[4]) != NULL) {
			*why = "malformed SOCKS5 reply (NUL in the name)";
			return -1;
		}
		memcpy(out->addr, a + 1, in[4]);
		out->addr[in[4]] = '\0';
	}
	out->port = (in[total - 2] << 8) | in[total - 1];
	return total;
}

const char *
socks_rep_name(int rep)
{
	static const char *const names[] = {
		"succeeded",
		"general SOCKS server failure",
		"connection not allowed by ruleset",
		"Network unreachable",
		"Host unreachable",
		"Connection refused",
		"TTL expired",
		"Command not supported",
		"Address type not supported",
	};

	if (rep >= 0 && (size_t)rep < sizeof(names) / sizeof(names[0]))
		return names[rep];
	return "unassigned reply code";
}
