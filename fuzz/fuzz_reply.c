/*
 * fuzz_reply.c -- the reply parser and EHLO capabilities on any bytes.
 * Lines are split at LF as the transport does; every line is fed until
 * the parser completes or refuses, then capabilities are read.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reply r;
	struct caps c;
	const char *p = (const char *)data, *end = p + size, *nl, *why;
	char *one;
	int rc = 0;

	reply_init(&r);
	while (p < end && rc == 0) {
		nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (len && p[len - 1] == '\r')
			len--;
		rc = reply_feed(&r, p, len, &why);
		if (rc == -1 && why == NULL)
			__builtin_trap();
		p = nl ? nl + 1 : end;
	}
	if (rc == 1) {
		if (r.code < 200 || r.code > 599)
			__builtin_trap();
		reply_caps(&r, &c);
		if (strlen(c.auth) >= sizeof(c.auth))
			__builtin_trap();
		one = reply_oneline(&r);
		free(one);
	}
	reply_free(&r);
	return 0;
}
