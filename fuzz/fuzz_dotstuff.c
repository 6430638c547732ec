/*
 * fuzz_dotstuff.c -- the wire filter: the same bytes fed whole and split
 * at a point chosen by the input must give the same output, with no bare
 * CR or LF; and with what dotstuff_clean() passes copied as it is (as
 * session.c sends it), the same output again.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dotstuff.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t
piece(struct dotstuff *ds, const char *in, size_t n, char *out, int clean)
{
	const char *wire;
	size_t o = 0, k, m;

	if (!clean)
		return dotstuff_filter(ds, in, n, out);
	/* as session.c sends: dotstuff_next() into out + o */
	while (n > 0) {
		k = dotstuff_next(ds, in, n, out + o, n, &wire, &m);
		if (k == 0 || k > n)
			__builtin_trap();
		if (wire != out + o)
			memcpy(out + o, wire, m);
		o += m;
		in += k;
		n -= k;
	}
	return o;
}

static size_t
run(const char *in, size_t n, size_t split, char *out, int clean)
{
	struct dotstuff ds;
	size_t m;

	dotstuff_init(&ds, 1);
	m = piece(&ds, in, split, out, clean);
	m += piece(&ds, in + split, n - split, out + m, clean);
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
	na = run((const char *)data + 1, size - 1, 0, a, 0);
	nb = run((const char *)data + 1, size - 1, split > 0 ? split - 1 : 0,
	    b, 0);
	if (na != nb || memcmp(a, b, na) != 0)
		__builtin_trap();
	nb = run((const char *)data + 1, size - 1, split > 0 ? split - 1 : 0,
	    b, 1);
	if (na != nb || memcmp(a, b, na) != 0)
		__builtin_trap();
	for (i = 0; i < na; i++)
		if ((a[i] == '\r') != (i + 1 < na && a[i + 1] == '\n'))
			__builtin_trap();
	free(a);
	free(b);
	return 0;
}
