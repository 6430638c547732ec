/*
 * fuzz_addr.c -- the address-list parser on any NUL-terminated text;
 * every address it returns must pass addr_check.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr_list l = { NULL, 0 };
	char *s = xstrndup((const char *)data, size);
	const char *why;
	size_t i;

	if (addr_parse_list(s, &l, &why) == 0) {
		for (i = 0; i < l.n; i++)
			if (addr_check(l.v[i].spec, 1, &why) != 0)
				__builtin_trap();
	} else if (l.n != 0)
		__builtin_trap();
	addr_list_free(&l);
	free(s);
	return 0;
}
