/*
 * fuzz_socks.c -- the SOCKS5 reply parsers on any bytes.  The reply to
 * CONNECT is fed as net.c reads it (only as many octets as the parser
 * asks for), and whole; both must agree, never ask for more than
 * SOCKS_REPLY_MAX, and leave a NUL-terminated address.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "socks.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct socks_reply a, b;
	const char *why;
	size_t have = 0;
	int want, whole;

	if (size >= 2) {
		why = NULL;
		if (socks_method_parse(data, size & 1, &why) == -1 &&
		    why == NULL)
			__builtin_trap();
		why = NULL;
		if (socks_userpass_parse(data, &why) == -1 && why == NULL)
			__builtin_trap();
	}
	memset(&a, 0, sizeof(a));
	while ((want = socks_reply_parse(data, have, &a, &why)) > (int)have) {
		if (want > SOCKS_REPLY_MAX)
			__builtin_trap();
		if ((size_t)want > size)
			return 0;	/* the proxy sent too little */
		have = (size_t)want;
	}
	if (want == -1 && why == NULL)
		__builtin_trap();
	memset(&b, 0, sizeof(b));
	whole = socks_reply_parse(data, size, &b, &why);
	if (whole != want)
		__builtin_trap();
	if (want > 0) {
		if (strlen(a.addr) >= sizeof(a.addr) ||
		    strcmp(a.addr, b.addr) != 0 || a.port != b.port ||
		    a.rep != b.rep || a.rep != data[1])
			__builtin_trap();
		(void)socks_rep_name(a.rep);
	}
	return 0;
}
