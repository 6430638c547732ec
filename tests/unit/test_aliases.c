/*
 * test_aliases.c -- /etc/aliases files: loading, file:line errors,
 * recursive resolution, loops, `default:`, bounds.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "aliases.h"
#include "buf.h"
#include "limits.h"
#include "xmalloc.h"

#define MAXR	6

static char	 dir[] = "/tmp/test_aliases.XXXXXX";
static char	 path[sizeof(dir) + 16];

/* Write len octets to the one aliases file in the temporary directory. */
static void
put_file(const char *text, size_t len)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static struct aliases *
load_text(const char *text)
{
	struct aliases *a = NULL;
	char err[512] = "";

	put_file(text, strlen(text));
	if (aliases_load(&a, path, err, sizeof(err)) != 0)
		fail_msg("load [%s]: %s", text, err);
	assert_non_null(a);
	return a;
}

struct rcase {
	const char	*file;
	const char	*name;
	const char	*want[MAXR];	/* NULL-terminated; none: error */
	const char	*why;		/* NULL: success */
};

static const struct rcase resolve_cases[] = {
	/* simple, several values, display names */
	{ "root: admin@example.org\n", "root",
	    { "admin@example.org" }, NULL },
	{ "staff: a@x.org, b@y.org,c@z.org\n", "staff",
	    { "a@x.org", "b@y.org", "c@z.org" }, NULL },
	{ "root: Admin <admin@x.org>, \"Doe, J\" <j@x.org>\n", "root",
	    { "admin@x.org", "j@x.org" }, NULL },
	{ "a: \"j doe\"@x.org\n", "a", { "\"j doe\"@x.org" }, NULL },
	{ "a: \"a:b\"@x.org, c@[IPv6:2001:db8::1], (x:y) d@x.org\n", "a",
	    { "\"a:b\"@x.org", "c@[IPv6:2001:db8::1]", "d@x.org" }, NULL },
	{ "a: \"T: x\" <t@x.org>, (a \\) :) u@x.org\n", "a",
	    { "t@x.org", "u@x.org" }, NULL },
	{ "a: j@b\xc3\xbc" "cher.example\n", "a",
	    { "j@b\xc3\xbc" "cher.example" }, NULL },
	{ "a: x@y.org,, z@y.org,\n", "a", { "x@y.org", "z@y.org" }, NULL },
	/* continuation lines, comments, blank lines, CRLF */
	{ "staff: a@x.org,\n  b@y.org,\n\tc@z.org\n", "staff",
	    { "a@x.org", "b@y.org", "c@z.org" }, NULL },
	{ "staff: a@x.org,\n# note\n\n  b@y.org\nother: o@x.org\n", "staff",
	    { "a@x.org", "b@y.org" }, NULL },
	{ "a: Jo\n  <jo@x.org>\n", "a", { "jo@x.org" }, NULL },
	{ "# c\n\n   \n  # indented comment\nroot: r@x.org\n# end", "root",
	    { "r@x.org" }, NULL },
	{ "a: b@x.org,\r\n c@x.org\r\n", "a", { "b@x.org", "c@x.org" },
	    NULL },
	{ "a: b@x.org", "a", { "b@x.org" }, NULL },
	/* recursion */
	{ "a: b\nb: c@x.org\n", "a", { "c@x.org" }, NULL },
	{ "a: b, d@x.org\nb: c\nc: c@x.org\n", "a",
	    { "c@x.org", "d@x.org" }, NULL },
	{ "a: b, c\nb: d\nc: d\nd: d@x.org\n", "a", { "d@x.org" }, NULL },
	/* loops */
	{ "a: b\nb: a\n", "a", { NULL }, "alias loop" },
	{ "a: b, a@x.org\nb: a, b@x.org\n", "a",
	    { "b@x.org", "a@x.org" }, NULL },
	{ "a: b, a@x.org\nb: a, b@x.org\n", "b",
	    { "a@x.org", "b@x.org" }, NULL },
	{ "root: root, admin@x.org\n", "root", { "admin@x.org" }, NULL },
	{ "root: root\n", "root", { NULL }, "alias loop" },
	{ "a: b, |prog\nb: a\n", "a", { NULL }, "alias loop" },
	/* default: */
	{ "default: catch@x.org\nroot: r@x.org\n", "www-data",
	    { "catch@x.org" }, NULL },
	{ "default: catch@x.org\nroot: r@x.org\n", "root",
	    { "r@x.org" }, NULL },
	{ "default: catch@x.org\n", "default", { "catch@x.org" }, NULL },
	{ "default: root\nroot: admin@x.org\n", "nobody",
	    { "admin@x.org" }, NULL },
	{ "a: b\ndefault: d@x.org\n", "a", { "d@x.org" }, NULL },
	{ "default: nobody\n", "x", { NULL }, "alias loop" },
	{ "default: nobody, d@x.org\n", "x", { "d@x.org" }, NULL },
	{ "default: root\nroot: default, r@x.org\n", "x", { "r@x.org" },
	    NULL },
	/* nothing */
	{ "root: r@x.org\n", "other", { NULL }, "no alias resolves it" },
	{ "a: b\n", "a", { NULL }, "no alias resolves it" },
	{ "", "root", { NULL }, "no alias resolves it" },
	{ "root: r@x.org\n", "r@x.org", { NULL }, "not a local name" },
	{ "root: r@x.org\n", "", { NULL }, "not a local name" },
	/* duplicates: exact match only, case kept */
	{ "a: x@y.org, b, x@y.org\nb: x@y.org, z@y.org\n", "a",
	    { "x@y.org", "z@y.org" }, NULL },
	{ "a: X@y.org, x@y.org, X@y.org\n", "a", { "X@y.org", "x@y.org" },
	    NULL },
	/* local delivery targets are skipped */
	{ "a: |/usr/bin/prog, /var/mail/a, :include:/etc/list, \\a, "
	    "\"|prog arg\", :INCLUDE:/x, real@x.org\n", "a",
	    { "real@x.org" }, NULL },
	{ "a: |prog, /file\n", "a", { NULL },
	    "only program, file, include or \\user targets" },
	{ "a: b\nb: :include:/etc/list, \\b\n", "a", { NULL },
	    "only program, file, include or \\user targets" },
	/* case */
	{ "Root: Admin@Example.ORG\n", "ROOT", { "Admin@Example.ORG" },
	    NULL },
	{ "a: B\nb: b@x.org\n", "A", { "b@x.org" }, NULL },
	{ "DEFAULT: d@x.org\n", "x", { "d@x.org" }, NULL },
	/* a name listed twice: the first entry counts */
	{ "a: first@x.org\nA: second@x.org\n", "a", { "first@x.org" },
	    NULL },
	{ "z: z@x.org\na: first@x.org\nb: b@x.org\na: second@x.org\n", "a",
	    { "first@x.org" }, NULL },
};

static void
check_out(const char *label, const struct aliases_out *o,
    const char *const *want)
{
	size_t j, n = 0;

	while (n < MAXR && want[n] != NULL)
		n++;
	if (o->n != n)
		fail_msg("%s: %zu addresses (first [%s]), want %zu", label,
		    o->n, o->n ? o->v[0] : "", n);
	for (j = 0; j < n; j++)
		if (strcmp(o->v[j], want[j]) != 0)
			fail_msg("%s #%zu: [%s], want [%s]", label, j, o->v[j],
			    want[j]);
}

static void
test_resolve(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]);
	    i++) {
		const struct rcase *c = &resolve_cases[i];
		struct aliases_out o = { NULL, 0 };
		struct aliases *a = load_text(c->file);
		const char *why = NULL;
		char label[64];
		int rc;

		snprintf(label, sizeof(label), "case %zu (%s)", i, c->name);
		rc = aliases_resolve(a, c->name, &o, &why);
		if (c->why == NULL && rc != 0)
			fail_msg("%s: failed: %s", label, why);
		if (c->why != NULL && (rc != -1 || why == NULL ||
		    strcmp(why, c->why) != 0))
			fail_msg("%s: rc %d why [%s], want -1 [%s]", label, rc,
			    why ? why : "", c->why);
		check_out(label, &o, c->want);
		aliases_out_free(&o);
		aliases_free(a);
	}
}

/* out keeps what it held; a failure leaves it exactly as it was. */
static void
test_resolve_appends(void **state)
{
	static const char *const want1[] = { "keep@x.org", "b@x.org",
	    "c@x.org", NULL };
	static const char *const want2[] = { "keep@x.org", "b@x.org",
	    "c@x.org", "d@x.org", NULL };
	struct aliases_out o = { NULL, 0 };
	struct aliases *a;
	const char *why;

	(void)state;
	a = load_text("a: keep@x.org, b@x.org\nb: b@x.org, c@x.org\n"
	    "c: keep@x.org\nd: d@x.org, |prog\nloop: loop\n");
	o.v = xmalloc(sizeof(o.v[0]));
	o.v[0] = xstrdup("keep@x.org");
	o.n = 1;
	assert_int_equal(aliases_resolve(a, "a", &o, &why), 0);
	assert_int_equal(aliases_resolve(a, "b", &o, &why), 0);
	check_out("appends", &o, want1);
	/* only addresses out already holds: still resolved */
	assert_int_equal(aliases_resolve(a, "c", &o, &why), 0);
	check_out("already there", &o, want1);
	assert_int_equal(aliases_resolve(a, "loop", &o, &why), -1);
	assert_string_equal(why, "alias loop");
	assert_int_equal(aliases_resolve(a, "nobody", &o, &why), -1);
	assert_string_equal(why, "no alias resolves it");
	check_out("unchanged", &o, want1);
	assert_int_equal(aliases_resolve(a, "D", &o, &why), 0);
	check_out("then more", &o, want2);
	aliases_out_free(&o);
	assert_null(o.v);
	assert_int_equal(o.n, 0);
	aliases_free(a);
}

struct lcase {
	const char	*file;
	const char	*err;		/* after "PATH" */
	int		 prefix;	/* err ends in addr.c's reason */
};

static const struct lcase load_cases[] = {
	{ "root admin@x.org\n", ":1: missing ':' after alias name", 0 },
	{ "# c\n: x@y.org\n", ":2: empty alias name", 0 },
	{ "  x@y.org\n", ":1: continuation line without an entry", 0 },
	{ "# c\n\tx@y.org\n", ":2: continuation line without an entry", 0 },
	{ "a b: x@y.org\n", ":1: bad alias name \"a b\"", 0 },
	{ "a@x.org: y@z.org\n", ":1: bad alias name \"a@x.org\"", 0 },
	{ "\"a\": x@y.org\n", ":1: bad alias name \"\"a\"\"", 0 },
	{ "a..b: x@y.org\n", ":1: bad alias name \"a..b\"", 0 },
	{ "a:\n", ":1: alias \"a\" has no value", 0 },
	{ "a: ,\n  ,\n", ":1: alias \"a\" has no value", 0 },
	{ "a: x@y.org\nb: y@z.org\nc\n", ":3: missing ':' after alias name",
	    0 },
	{ "x: y@z.org\nbad", ":2: missing ':' after alias name", 0 },
	{ "a: x@y.org\n\n\nb: x@@y.org\n", ":4: bad value \"x@@y.org\": ",
	    1 },
	{ "a: x@y.org,\n  bad value\n", ":2: bad value \"bad value\": ", 1 },
	{ "a: x@y.org,\n#c\n\n  b c\n", ":4: bad value \"b c\": ", 1 },
	{ "a: x@y.org y@z.org\n", ":1: bad value \"x@y.org y@z.org\": ",
	    1 },
	{ "a: x@y.org, \"abc\n", ":1: unterminated quote", 0 },
	{ "a: x@y.org,\n \"abc, d@x.org\n", ":2: unterminated quote", 0 },
	{ "a: \"b c\"\n", ":1: bad value \"\"b c\"\": ", 1 },
	{ "a: <b@x.org\n", ":1: bad value \"<b@x.org\": ", 1 },
	{ "a: G: b@x.org, c@x.org;\n",
	    ":1: bad value \"G: b@x.org\": group syntax", 0 },
	{ "a: G:;\n", ":1: bad value \"G:;\": group syntax", 0 },
};

static void
test_load_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(load_cases) / sizeof(load_cases[0]); i++) {
		const struct lcase *c = &load_cases[i];
		struct aliases *a = (struct aliases *)1;
		char err[512] = "", want[512];
		size_t wl;

		snprintf(want, sizeof(want), "%s%s", path, c->err);
		wl = strlen(want);
		put_file(c->file, strlen(c->file));
		if (aliases_load(&a, path, err, sizeof(err)) != -1)
			fail_msg("load case %zu: accepted", i);
		assert_null(a);
		if (c->prefix ? strncmp(err, want, wl) != 0 || err[wl] == '\0' :
		    strcmp(err, want) != 0)
			fail_msg("load case %zu: [%s], want [%s]%s", i, err,
			    want, c->prefix ? "..." : "");
	}
}

static void
expect_load_error(const char *file, size_t len, const char *tail)
{
	struct aliases *a = (struct aliases *)1;
	char err[512], want[512];

	put_file(file, len);
	snprintf(want, sizeof(want), "%s%s", path, tail);
	assert_int_equal(aliases_load(&a, path, err, sizeof(err)), -1);
	assert_null(a);
	assert_string_equal(err, want);
}

static void
test_file_errors(void **state)
{
	struct aliases *a = (struct aliases *)1;
	char err[512], want[600], missing[64];
	const char *why;

	(void)state;
	snprintf(missing, sizeof(missing), "%s/missing", dir);
	snprintf(want, sizeof(want), "%s: No such file or directory",
	    missing);
	assert_int_equal(aliases_load(&a, missing, err, sizeof(err)), -1);
	assert_null(a);
	assert_string_equal(err, want);

	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	assert_int_equal(aliases_load(&a, dir, err, sizeof(err)), -1);
	assert_string_equal(err, want);

	/* a NUL byte is refused; /dev/null is an empty table */
	expect_load_error("a: b@x.org\nb: c\0d@x.org\n", 24,
	    ":2: NUL byte in line");
	assert_int_equal(aliases_load(&a, "/dev/null", err, sizeof(err)), 0);
	{
		struct aliases_out o = { NULL, 0 };

		assert_int_equal(aliases_resolve(a, "root", &o, &why), -1);
		assert_string_equal(why, "no alias resolves it");
		assert_int_equal(o.n, 0);
	}
	aliases_free(a);
	aliases_free(NULL);
	/* no table at all */
	{
		struct aliases_out o = { NULL, 0 };

		assert_int_equal(aliases_resolve(NULL, "root", &o, &why), -1);
		assert_string_equal(why, "no alias resolves it");
	}
}

/* CONFIG_SIZE_MAX octets load; one more does not.  Lines likewise. */
static void
test_bounds_file(void **state)
{
	char *text = xmalloc(CONFIG_SIZE_MAX + 2);
	struct aliases *a;
	char err[512];
	size_t i;

	(void)state;
	/* "a: a@x.org\n" then comment lines, then padding to the size */
	memset(text, '#', CONFIG_SIZE_MAX + 1);
	memcpy(text, "a: a@x.org\n", 11);
	for (i = 11 + 99; i < CONFIG_SIZE_MAX; i += 100)
		text[i] = '\n';
	put_file(text, CONFIG_SIZE_MAX);
	assert_int_equal(aliases_load(&a, path, err, sizeof(err)), 0);
	aliases_free(a);
	expect_load_error(text, CONFIG_SIZE_MAX + 1, ": file too large");

	/* one line of CONFIG_LINE_MAX octets, then one of one more */
	memset(text, ' ', CONFIG_LINE_MAX + 1);
	memcpy(text, "a: a@x.org", 10);
	text[CONFIG_LINE_MAX] = '\n';
	put_file(text, CONFIG_LINE_MAX + 1);
	assert_int_equal(aliases_load(&a, path, err, sizeof(err)), 0);
	aliases_free(a);
	memcpy(text, "# comment\n", 10);
	memset(text + 10, ' ', CONFIG_LINE_MAX + 1);
	text[10 + CONFIG_LINE_MAX + 1] = '\n';
	expect_load_error(text, 10 + CONFIG_LINE_MAX + 2,
	    ":2: line too long");
	free(text);
}

/* A chain n0 -> n1 -> ... expands ALIASES_DEPTH_MAX names deep. */
static void
test_bounds_depth(void **state)
{
	static const int len[] = { ALIASES_DEPTH_MAX + 1,
	    ALIASES_DEPTH_MAX + 2 };
	size_t k;

	(void)state;
	for (k = 0; k < 2; k++) {
		struct aliases_out o = { NULL, 0 };
		struct aliases *a;
		struct buf b;
		const char *why = NULL;
		int i, rc;

		buf_init(&b, CONFIG_SIZE_MAX);
		for (i = 0; i < len[k] - 1; i++)
			assert_int_equal(buf_addf(&b, "n%d: n%d\n", i, i + 1),
			    0);
		assert_int_equal(buf_addf(&b, "n%d: end@x.org\n", i), 0);
		a = load_text(buf_cstr(&b));
		rc = aliases_resolve(a, "n0", &o, &why);
		if (k == 0) {
			assert_int_equal(rc, 0);
			assert_int_equal(o.n, 1);
			assert_string_equal(o.v[0], "end@x.org");
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(why, "aliases nested too deeply");
			assert_int_equal(o.n, 0);
		}
		aliases_out_free(&o);
		aliases_free(a);
		buf_free(&b);
	}
}

/* RCPT_MAX addresses in out at most; past that nothing is added. */
static void
test_bounds_rcpt(void **state)
{
	struct aliases_out o = { NULL, 0 };
	struct aliases *a;
	struct buf b;
	const char *why = NULL;
	int i;

	(void)state;
	buf_init(&b, CONFIG_SIZE_MAX);
	assert_int_equal(buf_addstr(&b, "big: u0@x.org"), 0);
	for (i = 1; i < RCPT_MAX; i++)
		assert_int_equal(buf_addf(&b, ",\n u%d@x.org", i), 0);
	assert_int_equal(buf_addf(&b, "\nmore: u0@x.org, u%d@x.org\n"
	    "dup: u5@x.org\n", RCPT_MAX), 0);
	a = load_text(buf_cstr(&b));
	assert_int_equal(aliases_resolve(a, "big", &o, &why), 0);
	assert_int_equal(o.n, RCPT_MAX);
	assert_string_equal(o.v[RCPT_MAX - 1], "u9999@x.org");
	assert_int_equal(aliases_resolve(a, "dup", &o, &why), 0);
	assert_int_equal(aliases_resolve(a, "more", &o, &why), -1);
	assert_string_equal(why, "too many recipients");
	assert_int_equal(o.n, RCPT_MAX);
	aliases_out_free(&o);
	aliases_free(a);
	buf_free(&b);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/aliases", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_appends),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_bounds_file),
		cmocka_unit_test(test_bounds_depth),
		cmocka_unit_test(test_bounds_rcpt),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
