/*
 * test_addr.c -- RFC 5322 address lists, addr-spec checks, IDNA.
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

#include "addr.h"
#include "limits.h"

#define MAXA	4

struct want {
	const char	*spec;
	const char	*name;		/* NULL: no display name */
};

struct list_case {
	const char	*in;
	size_t		 n;
	struct want	 a[MAXA];
};

static const struct list_case good[] = {
	{ "a@b.example", 1, { { "a@b.example", NULL } } },
	{ "  a@b.example  ", 1, { { "a@b.example", NULL } } },
	{ "root", 1, { { "root", NULL } } },
	{ "www-data", 1, { { "www-data", NULL } } },
	{ "John Doe <john@example.com>", 1,
	    { { "john@example.com", "John Doe" } } },
	{ "<john@example.com>", 1, { { "john@example.com", NULL } } },
	{ "John<john@example.com>", 1, { { "john@example.com", "John" } } },
	{ "\"Doe, John\" <john@example.com>", 1,
	    { { "john@example.com", "Doe, John" } } },
	{ "\"Doe, John\" <john@example.com>, jane@example.org", 2,
	    { { "john@example.com", "Doe, John" },
	      { "jane@example.org", NULL } } },
	{ "J\xc3\xb6rg <j@example.org>", 1,
	    { { "j@example.org", "J\xc3\xb6rg" } } },
	/* comments */
	/* the old form: the comment stands in for a display name */
	{ "john@example.com (John Doe)", 1,
	    { { "john@example.com", "John Doe" } } },
	{ "root (Cron \\(x\\) Daemon)", 1, { { "root", "Cron (x) Daemon" } } },
	{ "(c1) a@x.org, b@x.org (c2)", 2,
	    { { "a@x.org", NULL }, { "b@x.org", "c2" } } },
	{ "Name <a@x.org> (ignored)", 1, { { "a@x.org", "Name" } } },
	{ "(comment) john@example.com", 1, { { "john@example.com", NULL } } },
	{ "john(c)@(d)example.com", 1, { { "john@example.com", NULL } } },
	{ "john@example.com (a (nested) comment)", 1,
	    { { "john@example.com", "a (nested) comment" } } },
	{ "john@example.com (with \\) escaped)", 1,
	    { { "john@example.com", "with ) escaped" } } },
	{ "John (the man) Doe <j@example.org>", 1,
	    { { "j@example.org", "John Doe" } } },
	{ "a@x.org (c1) , (c2) b@y.org", 2,
	    { { "a@x.org", "c1" }, { "b@y.org", NULL } } },
	/* folding white space */
	{ "John\r\n Doe\r\n\t<j@example.org>", 1,
	    { { "j@example.org", "John Doe" } } },
	/* groups */
	{ "undisclosed-recipients:;", 0, { { NULL, NULL } } },
	{ "undisclosed-recipients: ;", 0, { { NULL, NULL } } },
	{ "Friends: a@x.org, \"B\" <b@y.org>;", 2,
	    { { "a@x.org", NULL }, { "b@y.org", "B" } } },
	{ "Friends: a@x.org;, c@z.org", 2,
	    { { "a@x.org", NULL }, { "c@z.org", NULL } } },
	{ "The Team: a@x.org, b@y.org; c@z.org", 3,
	    { { "a@x.org", NULL }, { "b@y.org", NULL },
	      { "c@z.org", NULL } } },
	/* quoted local parts */
	{ "\"a b\"@x.org", 1, { { "\"a b\"@x.org", NULL } } },
	{ "\"a\\\"b\"@x.org", 1, { { "\"a\\\"b\"@x.org", NULL } } },
	{ "\"a@b\"@x.org", 1, { { "\"a@b\"@x.org", NULL } } },
	{ "Name <\"a b\"@x.org>", 1, { { "\"a b\"@x.org", "Name" } } },
	/* domain literals */
	{ "a@[192.0.2.1]", 1, { { "a@[192.0.2.1]", NULL } } },
	{ "a@[IPv6:2001:db8::1]", 1, { { "a@[IPv6:2001:db8::1]", NULL } } },
	{ "X <a@[192.0.2.1]>", 1, { { "a@[192.0.2.1]", "X" } } },
	/* several */
	{ "a@x.org, b@y.org,c@z.org", 3,
	    { { "a@x.org", NULL }, { "b@y.org", NULL },
	      { "c@z.org", NULL } } },
	{ "root, A <a@x.org>, \"B, b\" <b@y.org>, c@z.org", 4,
	    { { "root", NULL }, { "a@x.org", "A" }, { "b@y.org", "B, b" },
	      { "c@z.org", NULL } } },
	{ "a@b\xc3\xbc" "cher.example", 1,
	    { { "a@b\xc3\xbc" "cher.example", NULL } } },
	{ "", 0, { { NULL, NULL } } },
};

static const char *const bad[] = {
	"\"unterminated@x.org",
	"\"a b@x.org",
	"a@x.org (unterminated",
	"a@x.org (nested (unterminated)",
	"Name <a@x.org",
	"<a@x.org",
	"Name a@x.org",
	"John Doe a@x.org",
	"a@x.org b@y.org",
	"a..b@x.org",
	".a@x.org",
	"a.@x.org",
	"a@x..org",
	"a@.x.org",
	"a@x.org.",
	"a@",
	"Name <a@>",
	"@b",
	"@b.example",
	"a@b@c",
	"<>",
	"Name <>",
	"a@x.org>",
	"<a@x.org> <b@y.org>",
	"a@[192.0.2.1",
	"a@x.org; b@y.org",
	"G1: G2: a@x.org;;",
	"a\\b@x.org",
	"a@x.org\x01",
	"a b@x.org",
	"Name <john doe@x.org>",
	"Name <a@x y.org>",
	"a@x.org, b..c@y.org",
	/* a literal must not carry SMTP parameters (issue 9) */
	"x@[1.2.3.4> NOTIFY=SUCCESS ORCPT=rfc822;a]",
	"<x@[1.2.3.4> NOTIFY=SUCCESS ORCPT=rfc822;a]>",
	"X <x@[1.2.3.4 ]>",
	"x@[1.2.3.4\r\n ]",
	"x@[example.org]",
};

static void
check_list(size_t idx, const struct list_case *c, const struct addr_list *l,
    size_t base)
{
	size_t j;

	if (l->n != base + c->n)
		fail_msg("case %zu (%s): %zu addresses, want %zu", idx, c->in,
		    l->n - base, c->n);
	for (j = 0; j < c->n; j++) {
		const struct addr *a = &l->v[base + j];

		if (strcmp(a->spec, c->a[j].spec) != 0)
			fail_msg("case %zu (%s) #%zu: spec [%s], want [%s]",
			    idx, c->in, j, a->spec, c->a[j].spec);
		if (c->a[j].name == NULL && a->name != NULL)
			fail_msg("case %zu (%s) #%zu: name [%s], want none",
			    idx, c->in, j, a->name);
		if (c->a[j].name != NULL && (a->name == NULL ||
		    strcmp(a->name, c->a[j].name) != 0))
			fail_msg("case %zu (%s) #%zu: name [%s], want [%s]",
			    idx, c->in, j, a->name ? a->name : "(none)",
			    c->a[j].name);
	}
}

static void
test_parse_good(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct addr_list l = { NULL, 0 };
		const char *why = NULL;

		if (addr_parse_list(good[i].in, &l, &why) != 0)
			fail_msg("case %zu (%s): rejected: %s", i, good[i].in,
			    why ? why : "-");
		check_list(i, &good[i], &l, 0);
		addr_list_free(&l);
	}
}

/* Appending: earlier entries are kept, new ones come after them. */
static void
test_parse_appends(void **state)
{
	struct addr_list l = { NULL, 0 };
	const char *why;
	size_t i;

	(void)state;
	assert_int_equal(addr_parse_list("first@x.org", &l, &why), 0);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t before = l.n;

		assert_int_equal(addr_parse_list(good[i].in, &l, &why), 0);
		check_list(i, &good[i], &l, before);
	}
	assert_string_equal(l.v[0].spec, "first@x.org");
	addr_list_free(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
}

static void
test_parse_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct addr_list l = { NULL, 0 };
		const char *why = NULL;

		/* out must be unchanged on failure */
		assert_int_equal(addr_parse_list("keep@x.org", &l, &why), 0);
		why = NULL;
		if (addr_parse_list(bad[i], &l, &why) != -1)
			fail_msg("bad case %zu (%s): accepted, %zu addresses "
			    "(first [%s])", i, bad[i], l.n - 1,
			    l.n > 1 ? l.v[1].spec : "");
		assert_non_null(why);
		assert_true(why[0] != '\0');
		assert_int_equal(l.n, 1);
		assert_string_equal(l.v[0].spec, "keep@x.org");
		addr_list_free(&l);
	}
}

static void
test_check(void **state)
{
	static const struct {
		const char	*spec;
		int		 allow_local;
		int		 want;
	} c[] = {
		{ "a@b.example", 0, 0 },
		{ "a.b-c+d@x.example", 0, 0 },
		{ "root", 1, 0 },
		{ "root", 0, -1 },
		{ "www-data", 1, 0 },
		{ "\"a b\"@c.example", 0, 0 },
		{ "\"a@b\"@c.example", 0, 0 },
		{ "\"a b\"", 1, 0 },
		{ "\"a b\"", 0, -1 },
		{ "a@[192.0.2.1]", 0, 0 },
		{ "a@[1.2]3]", 0, -1 },
		{ "a@[1.2.3.4", 0, -1 },
		{ "", 1, -1 },
		{ "", 0, -1 },
		{ "a@", 0, -1 },
		{ "a@", 1, -1 },
		{ "@b", 0, -1 },
		{ "@b", 1, -1 },
		{ "a..b@c", 0, -1 },
		{ "a..b", 1, -1 },
		{ ".a@c", 0, -1 },
		{ "a.@c", 0, -1 },
		{ "a@b..c", 0, -1 },
		{ "a@b.", 0, -1 },
		{ "a@b c", 0, -1 },
		{ "a b@c", 0, -1 },
		{ "a@b@c", 0, -1 },
		{ "\"a\"b@c", 0, -1 },
		{ "\"a\"\"@c", 0, -1 },
		{ "a\r@b", 0, -1 },
		{ "a@b\n", 0, -1 },
		{ "<a@b>", 0, -1 },
		{ "a,b@c", 0, -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *why = NULL;
		int rc = addr_check(c[i].spec, c[i].allow_local, &why);

		if (rc != c[i].want)
			fail_msg("check case %zu ([%s], local %d): %d, want %d",
			    i, c[i].spec, c[i].allow_local, rc, c[i].want);
		if (rc == -1)
			assert_non_null(why);
	}
}

/*
 * Domain literals: RFC 5321 address literals only, each octet dcontent
 * (33-90, 94-126).  Anything else could smuggle text into MAIL or RCPT.
 */
static void
test_check_literal(void **state)
{
	static const struct {
		const char	*spec;
		int		 want;
	} c[] = {
		{ "a@[192.0.2.1]", 0 },
		{ "a@[0.0.0.0]", 0 },
		{ "a@[255.255.255.255]", 0 },
		{ "a@[010.001.1.1]", 0 },
		{ "a@[IPv6:2001:db8::1]", 0 },
		{ "a@[IPv6:::1]", 0 },
		{ "a@[ipv6:::1]", 0 },
		{ "a@[IPv6:::ffff:192.0.2.1]", 0 },
		{ "a@[IPv6:2001:db8:0:0:0:0:0:1]", 0 },
		{ "a@[x-tag:any!thing~]", 0 },
		{ "a@[T1:a/b=c]", 0 },
		{ "a@[tag:^_`{|}]", 0 },
		/* the red team's address: parameters in a literal */
		{ "x@[1.2.3.4> NOTIFY=SUCCESS ORCPT=rfc822;a]", -1 },
		/* each character outside dcontent */
		{ "a@[1.2.3.4 ]", -1 },
		{ "a@[ 1.2.3.4]", -1 },
		{ "a@[tag:a b]", -1 },
		{ "a@[1.2.3.4>]", -1 },
		{ "a@[tag:>]", -1 },
		{ "a@[<1.2.3.4]", -1 },
		{ "a@[tag:<]", -1 },
		{ "a@[1.2[3.4]", -1 },
		{ "a@[tag:[]", -1 },
		{ "a@[1.2\\3.4]", -1 },
		{ "a@[tag:\\x]", -1 },
		{ "a@[1.2]3.4]", -1 },
		{ "a@[tag:]]", -1 },
		{ "a@[1.2.3.4\t]", -1 },
		{ "a@[tag:\x01]", -1 },
		{ "a@[tag:\r\n]", -1 },
		{ "a@[tag:\x1b[0m]", -1 },
		{ "a@[tag:\x7f]", -1 },
		{ "a@[tag:\xc3\xa9]", -1 },
		{ "a@[tag:\xff]", -1 },
		/* not an address literal */
		{ "a@[]", -1 },
		{ "a@[1.2.3]", -1 },
		{ "a@[1.2.3.4.5]", -1 },
		{ "a@[1.2.3.4.]", -1 },
		{ "a@[1..3.4]", -1 },
		{ "a@[256.1.1.1]", -1 },
		{ "a@[1234.1.1.1]", -1 },
		{ "a@[35555555555555555555555555555555555558/0.2g:#xy]", -1 },
		{ "a@[1.2.3.99999999999999999999]", -1 },
		{ "a@[-1.2.3.4]", -1 },
		{ "a@[example.org]", -1 },
		{ "a@[IPv6:]", -1 },
		{ "a@[IPv6:1.2.3.4]", -1 },
		{ "a@[IPv6:2001:db8::g]", -1 },
		{ "a@[IPv6:fe80::1%eth0]", -1 },
		{ "a@[IPv6:1:2:3:4:5:6:7:8:9]", -1 },
		{ "a@[:x]", -1 },
		{ "a@[tag:]", -1 },
		{ "a@[tag-:x]", -1 },
		{ "a@[t_g:x]", -1 },
		{ "a@[t.g:x]", -1 },
		{ "a@[1.2.3.4", -1 },
		{ "a@1.2.3.4]", -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *why = NULL;
		int rc = addr_check(c[i].spec, 0, &why);

		if (rc != c[i].want)
			fail_msg("literal case %zu ([%s]): %d, want %d", i,
			    c[i].spec, rc, c[i].want);
		if (rc == -1)
			assert_non_null(why);
	}
}

/* Length bound: ADDR_MAX octets is the most. */
static void
test_check_length(void **state)
{
	char spec[ADDR_MAX + 2];
	const char *why;
	size_t i;

	(void)state;
	/* "aaa...@x.example" of exactly ADDR_MAX, then one more */
	memset(spec, 'a', sizeof(spec));
	memcpy(spec + ADDR_MAX - 10, "@x.example", 10);
	spec[ADDR_MAX] = '\0';
	/* put dots in so that labels are plausible */
	for (i = 50; i < ADDR_MAX - 12; i += 50)
		spec[i] = '.';
	assert_int_equal(addr_check(spec, 0, &why), 0);
	memmove(spec + 1, spec, ADDR_MAX + 1);
	spec[0] = 'b';
	assert_int_equal(strlen(spec), ADDR_MAX + 1);
	assert_int_equal(addr_check(spec, 0, &why), -1);
}

static void
test_domain(void **state)
{
	(void)state;
	assert_string_equal(addr_domain("a@b.example"), "b.example");
	assert_string_equal(addr_domain("\"x@y\"@z.example"), "z.example");
	assert_string_equal(addr_domain("a@[192.0.2.1]"), "[192.0.2.1]");
	assert_null(addr_domain("root"));
}

static void
test_domain_ascii(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;	/* NULL: error */
	} c[] = {
		{ "b\xc3\xbc" "cher.example", "xn--bcher-kva.example" },
		{ "B\xc3\xbc" "cher.Example", "xn--bcher-kva.example" },
		{ "m\xc3\xbcnchen.de", "xn--mnchen-3ya.de" },
		{ "fa\xc3\x9f.de", "xn--fa-hia.de" },	/* IDNA2008 */
		{ "example.com", "example.com" },
		{ "EXAMPLE.com", "EXAMPLE.com" },
		{ "xn--bcher-kva.example", "xn--bcher-kva.example" },
		{ "mx1.sub.example.org", "mx1.sub.example.org" },
		{ "\xff\xfe.example", NULL },
		{ "a\xc3.example", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *why = NULL;
		char *s = addr_domain_ascii(c[i].in, &why);

		if (c[i].out == NULL) {
			if (s != NULL)
				fail_msg("idna case %zu: accepted as [%s]", i,
				    s);
			assert_non_null(why);
			continue;
		}
		if (s == NULL)
			fail_msg("idna case %zu: rejected: %s", i,
			    why ? why : "-");
		if (strcmp(s, c[i].out) != 0)
			fail_msg("idna case %zu: [%s], want [%s]", i, s,
			    c[i].out);
		free(s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_appends),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_check_literal),
		cmocka_unit_test(test_check_length),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_domain_ascii),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
