/*
 * test_dotstuff.c -- CRLF normalisation and dot-stuffing, whatever the
 * buffer boundaries, and the SMTP smuggling forms.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dotstuff.h"

struct ds_case {
	const char	*in;
	size_t		 inlen;		/* 0: strlen(in) */
	int		 stuff;
	const char	*out;		/* filter + finish(dot = 1) */
	size_t		 outlen;	/* 0: strlen(out) */
};

#define S(s)	s, sizeof(s) - 1

static const struct ds_case cases[] = {
	{ S(""), 1, S(".\r\n") },
	{ S("a"), 1, S("a\r\n.\r\n") },
	{ S("a\n"), 1, S("a\r\n.\r\n") },
	{ S("a\r\n"), 1, S("a\r\n.\r\n") },
	{ S("a\r"), 1, S("a\r\n.\r\n") },
	{ S("a\rb"), 1, S("a\r\nb\r\n.\r\n") },
	{ S("a\nb"), 1, S("a\r\nb\r\n.\r\n") },
	{ S("a\n\nb"), 1, S("a\r\n\r\nb\r\n.\r\n") },
	{ S("a\r\r\nb"), 1, S("a\r\n\r\nb\r\n.\r\n") },
	{ S("a\n\rb"), 1, S("a\r\n\r\nb\r\n.\r\n") },
	{ S("a\r\n\r\nb\r\n"), 1, S("a\r\n\r\nb\r\n.\r\n") },
	{ S("\n"), 1, S("\r\n.\r\n") },
	{ S("\r"), 1, S("\r\n.\r\n") },
	{ S("\r\n"), 1, S("\r\n.\r\n") },
	{ S("\n\r"), 1, S("\r\n\r\n.\r\n") },
	{ S("\r\r"), 1, S("\r\n\r\n.\r\n") },
	/* dot-stuffing */
	{ S("."), 1, S("..\r\n.\r\n") },
	{ S(".a"), 1, S("..a\r\n.\r\n") },
	{ S(".\r\n"), 1, S("..\r\n.\r\n") },
	{ S("a\n.b\n"), 1, S("a\r\n..b\r\n.\r\n") },
	{ S("a\n..\n"), 1, S("a\r\n...\r\n.\r\n") },
	{ S("a.b\n"), 1, S("a.b\r\n.\r\n") },
	{ S(" .a\n"), 1, S(" .a\r\n.\r\n") },
	{ S("a\r\n.\r\n.\r\n"), 1, S("a\r\n..\r\n..\r\n.\r\n") },
	/* without stuffing (BDAT): only line ends change */
	{ S(".a\n"), 0, S(".a\r\n.\r\n") },
	{ S("a\n.\nb"), 0, S("a\r\n.\r\nb\r\n.\r\n") },
	/* SMTP smuggling forms: every one becomes a stuffed line */
	{ S("\n.\n"), 1, S("\r\n..\r\n.\r\n") },
	{ S("\r.\r"), 1, S("\r\n..\r\n.\r\n") },
	{ S("\r\n.\r"), 1, S("\r\n..\r\n.\r\n") },
	{ S("\n.\r\n"), 1, S("\r\n..\r\n.\r\n") },
	{ S("\r.\n"), 1, S("\r\n..\r\n.\r\n") },
	{ S("a\r.\rb"), 1, S("a\r\n..\r\nb\r\n.\r\n") },
	{ S("a\n.\rMAIL FROM:<x@y>\r\n"), 1,
	    S("a\r\n..\r\nMAIL FROM:<x@y>\r\n.\r\n") },
	{ S("a\r\n.\r\nMAIL FROM:<x@y>\r\n"), 1,
	    S("a\r\n..\r\nMAIL FROM:<x@y>\r\n.\r\n") },
	/* NUL bytes pass through; they are no line end */
	{ S("a\0b\n"), 1, S("a\0b\r\n.\r\n") },
	{ S("\0.\n"), 1, S("\0.\r\n.\r\n") },
	{ S("a\n\0\r.\r"), 1, S("a\r\n\0\r\n..\r\n.\r\n") },
	/* 8-bit bytes pass through */
	{ S("caf\xc3\xa9\n.\xff\n"), 1, S("caf\xc3\xa9\r\n..\xff\r\n.\r\n") },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

#define CANARY 0x5a

/* Set: pieces go as session.c sends them (dotstuff_next()): what
   dotstuff_clean() passes as it is, the rest filtered a line at a time. */
static int via_clean;

static size_t
piece(struct dotstuff *ds, const char *in, size_t n, char *out)
{
	const char *wire;
	size_t o = 0, k, m;

	if (!via_clean)
		return dotstuff_filter(ds, in, n, out);
	/* as session.c sends: dotstuff_next() into out + o */
	while (n > 0) {
		k = dotstuff_next(ds, in, n, out + o, n, &wire, &m);
		assert_true(k > 0 && k <= n);
		if (wire != out + o)
			memcpy(out + o, wire, m);
		o += m;
		in += k;
		n -= k;
	}
	return o;
}

/*
 * Run in through the filter in pieces: cuts[] are the split points
 * (increasing, ncuts of them), then finish(dot).  Every call must stay
 * within DOTSTUFF_MAX_OUT and finish within 5 bytes.
 */
static size_t
run(const char *in, size_t n, int stuff, const size_t *cuts, size_t ncuts,
    int dot, char *out)
{
	struct dotstuff ds;
	size_t o = 0, from = 0, k, m, to;
	char *tmp = malloc(DOTSTUFF_MAX_OUT(n) + 16);

	dotstuff_init(&ds, stuff);
	for (k = 0; k <= ncuts; k++) {
		to = k < ncuts ? cuts[k] : n;
		memset(tmp, CANARY, DOTSTUFF_MAX_OUT(to - from) + 16);
		m = piece(&ds, in + from, to - from, tmp);
		assert_true(m <= DOTSTUFF_MAX_OUT(to - from));
		assert_int_equal((unsigned char)tmp[DOTSTUFF_MAX_OUT(to -
		    from)], CANARY);
		memcpy(out + o, tmp, m);
		o += m;
		from = to;
	}
	memset(tmp, CANARY, 16);
	m = dotstuff_finish(&ds, tmp, dot);
	assert_true(m <= 5);
	assert_int_equal((unsigned char)tmp[5], CANARY);
	memcpy(out + o, tmp, m);
	o += m;
	free(tmp);
	return o;
}

static void
expect_bytes(const char *what, size_t idx, const char *got, size_t gotlen,
    const char *want, size_t wantlen)
{
	size_t i;

	if (gotlen == wantlen && memcmp(got, want, gotlen) == 0)
		return;
	fprintf(stderr, "%s %zu: got %zu bytes:", what, idx, gotlen);
	for (i = 0; i < gotlen; i++)
		fprintf(stderr, " %02x", (unsigned char)got[i]);
	fprintf(stderr, "\n   want %zu bytes:", wantlen);
	for (i = 0; i < wantlen; i++)
		fprintf(stderr, " %02x", (unsigned char)want[i]);
	fprintf(stderr, "\n");
	fail_msg("%s %zu: output differs", what, idx);
}

static void
test_table_whole(void **state)
{
	size_t i, n;
	char out[512];

	(void)state;
	for (i = 0; i < NCASES; i++) {
		n = run(cases[i].in, cases[i].inlen, cases[i].stuff, NULL, 0, 1,
		    out);
		expect_bytes("case", i, out, n, cases[i].out, cases[i].outlen);
	}
}

/* Every split point, every pair of split points, one byte at a time. */
static void
test_table_splits(void **state)
{
	size_t i, a, b, n, cuts[64];
	char out[512];

	(void)state;
	for (i = 0; i < NCASES; i++) {
		const struct ds_case *c = &cases[i];

		for (a = 0; a <= c->inlen; a++) {
			cuts[0] = a;
			n = run(c->in, c->inlen, c->stuff, cuts, 1, 1, out);
			expect_bytes("split-1 case", i, out, n, c->out,
			    c->outlen);
			for (b = a; b <= c->inlen; b++) {
				cuts[1] = b;
				n = run(c->in, c->inlen, c->stuff, cuts, 2, 1,
				    out);
				expect_bytes("split-2 case", i, out, n, c->out,
				    c->outlen);
			}
		}
		assert_true(c->inlen < 64);
		for (a = 0; a < c->inlen; a++)
			cuts[a] = a + 1;
		n = run(c->in, c->inlen, c->stuff, cuts,
		    c->inlen ? c->inlen - 1 : 0, 1, out);
		expect_bytes("bytewise case", i, out, n, c->out, c->outlen);
	}
}

/* finish(dot = 0): only the missing line end, never a dot. */
static void
test_finish_nodot(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} nd[] = {
		{ "", "" },
		{ "a", "a\r\n" },
		{ "a\n", "a\r\n" },
		{ "a\r", "a\r\n" },
		{ ".", "..\r\n" },
	};
	size_t i, n;
	char out[64];

	(void)state;
	for (i = 0; i < sizeof(nd) / sizeof(nd[0]); i++) {
		n = run(nd[i].in, strlen(nd[i].in), 1, NULL, 0, 0, out);
		expect_bytes("nodot", i, out, n, nd[i].out, strlen(nd[i].out));
	}
}

/* Empty input: finish gives exactly ".\r\n". */
static void
test_finish_empty(void **state)
{
	struct dotstuff ds;
	char out[8];

	(void)state;
	dotstuff_init(&ds, 1);
	assert_int_equal(dotstuff_finish(&ds, out, 1), 3);
	assert_memory_equal(out, ".\r\n", 3);
	dotstuff_init(&ds, 1);
	assert_int_equal(dotstuff_filter(&ds, "", 0, out), 0);
	assert_int_equal(dotstuff_finish(&ds, out, 1), 3);
	assert_memory_equal(out, ".\r\n", 3);
}

/*
 * An independent model of the filter: split into lines at CRLF, CR or
 * LF; each line is written with CRLF, stuffed if it starts with '.'; the
 * stream then ends with ".\r\n".
 */
static size_t
model(const char *in, size_t n, char *out)
{
	size_t i = 0, o = 0;
	int bol = 1;

	while (i < n) {
		char c = in[i];

		if (c == '\r' || c == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			if (c == '\r' && i + 1 < n && in[i + 1] == '\n')
				i++;
			i++;
			bol = 1;
			continue;
		}
		if (bol && c == '.')
			out[o++] = '.';
		out[o++] = c;
		bol = 0;
		i++;
	}
	if (!bol) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	memcpy(out + o, ".\r\n", 3);
	return o + 3;
}

/* Properties every output must have, whatever the input. */
static void
check_wire(const char *in, size_t inlen, const char *out, size_t n)
{
	size_t i;

	assert_true(n >= 3);
	assert_memory_equal(out + n - 3, ".\r\n", 3);
	for (i = 0; i < n; i++) {
		if (out[i] == '\r' && (i + 1 >= n || out[i + 1] != '\n'))
			fail_msg("bare CR at %zu (input length %zu)", i, inlen);
		if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r'))
			fail_msg("bare LF at %zu (input length %zu)", i, inlen);
	}
	/* No end-of-data before the terminator. */
	if (n >= 5)
		for (i = 0; i + 5 < n; i++)
			if (memcmp(out + i, "\r\n.\r\n", 5) == 0)
				fail_msg("early end of data at %zu", i);
	/* The output starts with ".\r\n" only when it is just that. */
	if (n > 3)
		assert_false(memcmp(out, ".\r\n", 3) == 0);
	/* every line that starts with '.' is stuffed */
	for (i = 0; i + 3 < n; i++)
		if ((i == 0 || out[i - 1] == '\n') && out[i] == '.')
			assert_int_equal(out[i + 1], '.');
	(void)in;
}

/*
 * Exhaustive over a hostile alphabet: every string of up to 7 bytes of
 * CR, LF, '.', NUL and 'a', whole, split at every point and byte-wise,
 * must equal the model and keep the wire properties.
 */
static void
test_exhaustive_smuggling(void **state)
{
	static const char alpha[] = { '\r', '\n', '.', '\0', 'a' };
	char in[8], out[64], want[64];
	size_t len, idx[8], i, n, w, cut, cuts[8];
	unsigned long count = 0;

	(void)state;
	for (len = 0; len <= 7; len++) {
		memset(idx, 0, sizeof(idx));
		for (;;) {
			for (i = 0; i < len; i++)
				in[i] = alpha[idx[i]];
			w = model(in, len, want);
			n = run(in, len, 1, NULL, 0, 1, out);
			expect_bytes("exhaustive", count, out, n, want, w);
			check_wire(in, len, out, n);
			for (cut = 0; cut <= len; cut++) {
				cuts[0] = cut;
				n = run(in, len, 1, cuts, 1, 1, out);
				expect_bytes("exhaustive split", count, out, n,
				    want, w);
			}
			for (i = 0; i + 1 < len; i++)
				cuts[i] = i + 1;
			n = run(in, len, 1, cuts, len ? len - 1 : 0, 1, out);
			expect_bytes("exhaustive bytewise", count, out, n, want,
			    w);
			count++;
			/* next string of this length */
			for (i = 0; i < len; i++) {
				if (++idx[i] < sizeof(alpha))
					break;
				idx[i] = 0;
			}
			if (i == len)
				break;
		}
	}
	assert_int_equal(count, 1 + 5 + 25 + 125 + 625 + 3125 + 15625 +
	    78125);
}

/* A large input in uneven pieces equals the model. */
static void
test_large_uneven(void **state)
{
	size_t n = 200000, i, o, w, cuts[1000], nc = 0, at = 0;
	char *in = malloc(n), *out = malloc(DOTSTUFF_MAX_OUT(n) + 8);
	char *want = malloc(DOTSTUFF_MAX_OUT(n) + 8);
	unsigned seed = 12345;

	(void)state;
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		switch ((seed >> 16) % 16) {
		case 0: in[i] = '\r'; break;
		case 1: in[i] = '\n'; break;
		case 2: case 3: in[i] = '.'; break;
		default: in[i] = (char)('a' + (seed >> 20) % 26); break;
		}
	}
	while (nc < 999) {
		seed = seed * 1103515245 + 12345;
		at += (seed >> 16) % 400;
		if (at >= n)
			break;
		cuts[nc++] = at;
	}
	o = run(in, n, 1, cuts, nc, 1, out);
	w = model(in, n, want);
	assert_int_equal(o, w);
	assert_memory_equal(out, want, w);
	check_wire(in, n, out, o);
	free(in);
	free(out);
	free(want);
}

/* The same tables, splits and models with the clean runs sent as they
   are: the output must not change by a byte. */
static void
test_clean_table(void **state)
{
	via_clean = 1;
	test_table_whole(state);
	test_table_splits(state);
	via_clean = 0;
}

static void
test_clean_exhaustive(void **state)
{
	via_clean = 1;
	test_exhaustive_smuggling(state);
	test_large_uneven(state);
	via_clean = 0;
}

/*
 * What is clean: a normalised message without leading dots goes whole
 * (no copy at all); a leading dot with stuffing, a bare CR or LF, and an
 * LF after a CR that ended the previous piece stop it exactly there.
 */
static void
test_clean_extent(void **state)
{
	static const struct {
		const char	*in;
		int		 stuff;
		size_t		 want;
	} rows[] = {
		{ "ab\r\ncd\r\n\r\nef", 1, 12 },
		{ "ab\r\n.cd\r\n", 1, 4 },
		{ "ab\r\n.cd\r\n", 0, 9 },
		{ ".ab\r\n", 1, 0 },
		{ "ab\ncd\r\n", 1, 2 },
		{ "ab\rcd\r\n", 1, 2 },
		{ "ab\r", 1, 2 },
		{ "ab\r\r\n", 1, 2 },
		{ "\n", 1, 0 },
		{ "", 1, 0 },
	};
	struct dotstuff ds;
	size_t i, n;
	char big[3000];

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		dotstuff_init(&ds, rows[i].stuff);
		n = dotstuff_clean(&ds, rows[i].in, strlen(rows[i].in));
		if (n != rows[i].want)
			fail_msg("row %zu: clean %zu, want %zu", i, n,
			    rows[i].want);
	}
	/* a CR ended the last piece: its LF is the filter's to eat */
	dotstuff_init(&ds, 1);
	assert_int_equal(dotstuff_filter(&ds, "a\r", 2, big), 3);
	assert_int_equal(dotstuff_clean(&ds, "\nb\r\n", 4), 0);
	/* a long normalised message: all of it */
	for (i = 0; i + 80 <= sizeof(big); i += 80) {
		memset(big + i, 'x', 78);
		memcpy(big + i + 78, "\r\n", 2);
	}
	dotstuff_init(&ds, 1);
	assert_int_equal(dotstuff_clean(&ds, big, i), i);
	assert_int_equal(ds.state, DS_BOL);
	assert_int_equal(dotstuff_clean(&ds, big, 100), 100);
	assert_int_equal(ds.state, DS_MID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_whole),
		cmocka_unit_test(test_table_splits),
		cmocka_unit_test(test_finish_nodot),
		cmocka_unit_test(test_finish_empty),
		cmocka_unit_test(test_exhaustive_smuggling),
		cmocka_unit_test(test_large_uneven),
		cmocka_unit_test(test_clean_table),
		cmocka_unit_test(test_clean_exhaustive),
		cmocka_unit_test(test_clean_extent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
