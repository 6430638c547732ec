/*
 * test_buf.c -- the bounded buffer: appends up to the maximum and not a
 * byte more, failed appends change nothing, always NUL-terminated.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"

#define MAXP	6

struct add_case {
	size_t		 max;
	const char	*pieces[MAXP];
	int		 rc[MAXP];
	const char	*final;
};

static const struct add_case add_cases[] = {
	{ 10, { "abc", "defg", "hij" }, { 0, 0, 0 }, "abcdefghij" },
	{ 10, { "abc", "defgh", "ijk" }, { 0, 0, -1 }, "abcdefgh" },
	{ 10, { "abcdefghijk" }, { -1 }, "" },
	{ 10, { "abcdefghijk", "abc" }, { -1, 0 }, "abc" },
	{ 0, { "", "a", "" }, { 0, -1, 0 }, "" },
	{ 1, { "a", "b" }, { 0, -1 }, "a" },
	{ 5, { "", "", "abcde", "" }, { 0, 0, 0, 0 }, "abcde" },
	/* across the first allocation */
	{ 200, { "0123456789012345678901234567890123456789",
	    "0123456789012345678901234567890123456789",
	    "0123456789012345678901234567890123456789" }, { 0, 0, 0 },
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789" },
	{ 65, { "01234567890123456789012345678901"
	    "23456789012345678901234567890123", "4", "5" }, { 0, 0, -1 },
	    "01234567890123456789012345678901"
	    "234567890123456789012345678901234" },
};

static void
test_add_table(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(add_cases) / sizeof(add_cases[0]); i++) {
		const struct add_case *c = &add_cases[i];
		struct buf b;

		buf_init(&b, c->max);
		assert_string_equal(buf_cstr(&b), "");
		for (j = 0; j < MAXP && c->pieces[j]; j++) {
			size_t before = b.len;
			int rc = buf_addstr(&b, c->pieces[j]);

			if (rc != c->rc[j])
				fail_msg("case %zu piece %zu: rc %d, want %d",
				    i, j, rc, c->rc[j]);
			if (rc == -1)
				assert_int_equal(b.len, before);
			assert_true(b.len <= c->max);
			assert_int_equal(strlen(buf_cstr(&b)), b.len);
		}
		if (strcmp(buf_cstr(&b), c->final) != 0)
			fail_msg("case %zu: [%s], want [%s]", i, buf_cstr(&b),
			    c->final);
		assert_int_equal(b.len, strlen(c->final));
		buf_free(&b);
		assert_null(b.data);
		assert_int_equal(b.len, 0);
	}
}

/* addc and addf obey the same bound. */
static void
test_addc_addf(void **state)
{
	static const struct {
		size_t		 max;
		int		 n;		/* addf("%d-%s", n, s) */
		const char	*s;
		int		 rc;
		const char	*want;
	} f[] = {
		{ 100, 42, "x", 0, "42-x" },
		{ 4, 42, "x", 0, "42-x" },
		{ 3, 42, "x", -1, "" },
		{ 10, -7, "abcdef", 0, "-7-abcdef" },
		{ 8, -7, "abcdef", -1, "" },
	};
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		buf_init(&b, f[i].max);
		if (buf_addf(&b, "%d-%s", f[i].n, f[i].s) != f[i].rc)
			fail_msg("addf case %zu: want rc %d", i, f[i].rc);
		assert_string_equal(buf_cstr(&b), f[i].want);
		assert_int_equal(b.len, strlen(f[i].want));
		buf_free(&b);
	}
	buf_init(&b, 3);
	assert_int_equal(buf_addc(&b, 'a'), 0);
	assert_int_equal(buf_addc(&b, '\0'), 0);
	assert_int_equal(buf_addc(&b, 'c'), 0);
	assert_int_equal(buf_addc(&b, 'd'), -1);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0c", 4);	/* and the terminator */
	buf_free(&b);
}

/* Binary data with NUL bytes keeps its length. */
static void
test_binary(void **state)
{
	static const char bin[] = "a\0b\0\0c";
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_add(&b, bin, sizeof(bin) - 1), 0);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, bin, 7);
	assert_int_equal(buf_add(&b, NULL, 0), 0);
	assert_int_equal(b.len, 6);
	buf_free(&b);
}

static void
test_reset_take(void **state)
{
	struct buf b;
	char *p;

	(void)state;
	buf_init(&b, 16);
	assert_int_equal(buf_addstr(&b, "hello"), 0);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	assert_non_null(b.data);			/* memory kept */
	assert_int_equal(buf_addstr(&b, "0123456789abcdef"), 0);
	assert_int_equal(buf_addc(&b, 'x'), -1);	/* max survives reset */
	p = buf_take(&b);
	assert_string_equal(p, "0123456789abcdef");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	free(p);
	/* the buffer is usable again, with the same maximum */
	assert_int_equal(buf_addstr(&b, "again"), 0);
	assert_string_equal(buf_cstr(&b), "again");
	assert_int_equal(buf_addstr(&b, "0123456789abcdef"), -1);
	buf_free(&b);
	/* taking an empty buffer gives an empty string, not NULL */
	buf_init(&b, 16);
	p = buf_take(&b);
	assert_non_null(p);
	assert_string_equal(p, "");
	free(p);
	buf_reset(&b);
	buf_free(&b);
	buf_free(&b);
}

/*
 * Sizes that would wrap around are refused and change nothing.  Run in a
 * child: a wrong answer means a wild memcpy that would corrupt the heap.
 */
static int
overflow_child(size_t max, size_t n)
{
	struct buf b;
	char c = 'x';

	buf_init(&b, max);
	if (buf_add(&b, &c, 1) != 0)
		return 2;
	if (buf_add(&b, &c, n) != -1)
		return 3;
	if (b.len != 1 || strcmp(buf_cstr(&b), "x") != 0)
		return 4;
	buf_free(&b);
	return 0;
}

static void
test_overflow(void **state)
{
	static const struct {
		size_t	 max;
		size_t	 n;
	} rows[] = {
		{ 100, SIZE_MAX },
		{ 100, SIZE_MAX - 1 },
		{ 100, SIZE_MAX / 2 },
		{ SIZE_MAX, SIZE_MAX },
		{ SIZE_MAX, SIZE_MAX - 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0)
			_exit(overflow_child(rows[i].max, rows[i].n));
		assert_true(pid > 0);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (WIFSIGNALED(st))
			fail_msg("row %zu: buf_add(max %zu, len 1, n %zu) "
			    "crashed with signal %d", i, rows[i].max,
			    rows[i].n, WTERMSIG(st));
		if (WEXITSTATUS(st) == 3)
			fail_msg("row %zu: buf_add(max %zu, len 1, n %zu) "
			    "returned 0", i, rows[i].max, rows[i].n);
		if (WEXITSTATUS(st) != 0)
			fail_msg("row %zu: child status %d", i,
			    WEXITSTATUS(st));
	}
}

/* Many small appends up to a large maximum: contents exact. */
static void
test_many(void **state)
{
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, 100000);
	for (i = 0; i < 10000; i++)
		assert_int_equal(buf_addf(&b, "%04zu", i % 10000), 0);
	assert_int_equal(b.len, 40000);
	for (i = 0; i < 10000; i += 997) {
		char want[5];

		snprintf(want, sizeof(want), "%04zu", i);
		assert_memory_equal(b.data + 4 * i, want, 4);
	}
	assert_int_equal(b.data[b.len], '\0');
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_table),
		cmocka_unit_test(test_addc_addf),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_reset_take),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
