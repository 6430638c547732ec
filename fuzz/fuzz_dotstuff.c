/*
 * fuzz_dotstuff.c -- the wire filter: the same bytes fed whole and split
 * at a point chosen by the input must give the same output, with no bare
 * CR or LF.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dotstuff.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t
run(const char *in, size_t n, size_t split, char *out)
{
	struct dotstuff ds;
	size_t m;

	dotstuff_init(&ds, 1);
	m = dotstuff_filter(&ds, in, split, out);
	m += dotstuff_filter(&ds, in + split, n - split, out + m);
	m += dotstuff_finish(&ds, out + m, 1);
	return m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a, *b;
	size_t split, na, nb, i;

	if (size < 1)
		return 0;
	split = data[0] % size;
	a = malloc(DOTSTUFF_MAX_OUT(size) + 8);
	b = malloc(DOTSTUFF_MAX_OUT(size) + 8);
	na = run((const char *)data + 1, size - 1, 0, a);
	nb = run((const char *)data + 1, size - 1, split > 0 ? split - 1 : 0,
	    b);
	if (na != nb || memcmp(a, b, na) != 0)
		__builtin_trap();
	for (i = 0; i < na; i++)
		if ((a[i] == '\r') != (i + 1 < na && a[i + 1] == '\n'))
			__builtin_trap();
	free(a);
	free(b);
	return 0;
}
