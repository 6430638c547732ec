/*
 * test_envelope.c -- the queue's envelope file: round trips byte for
 * byte, refusals, and every way a file can be broken.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "envelope.h"
#include "limits.h"
#include "xmalloc.h"

static void
test_roundtrip(void **state)
{
	static const char *const addrs[] = {
		"plain@example.org",
		"\"with space\"@example.org",
		"\"quote\\\"and\\\\backslash\"@example.org",
		"\"tab\there\"@example.org",
		"j\xc3\xb6rg@b\xc3\xbc" "cher.example",
		"trailing-space-in-quotes\" \"@x.example",
		"\"  leading\"@x.example",
		"user@[127.0.0.1]",
		"a:b;c,d@x.example",
	};
	struct envelope e, got;
	struct envelope_meta m = { 0 }, gm;
	const char *why;
	size_t i, len;
	char *text;

	(void)state;
	envelope_init(&e);
	e.from = xstrdup("");		/* the null sender */
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		envelope_add_rcpt(&e, addrs[i]);
	e.dsn_notify = xstrdup("SUCCESS,FAILURE");
	e.dsn_ret = xstrdup("HDRS");
	e.envid = xstrdup("abc+2B");
	e.eightbit = 1;
	e.smtputf8 = 2;
	e.composed = 1;
	e.nul = 2;
	e.binary = 1;
	e.size = 12345678901ULL;
	m.account = xstrdup("work");
	m.message_id = xstrdup("<x@y>");
	m.created = 1795333846;
	m.attempts = 3;
	m.next_attempt = 1795334846;
	m.last_error = xstrdup("RCPT TO:<a@b>: refused: 451 4.3.0 try: later");
	text = envelope_format(&e, &m, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	assert_int_equal(envelope_parse(text, len, &got, &gm, &why), 0);
	assert_string_equal(got.from, "");
	assert_int_equal(got.nrcpt, e.nrcpt);
	for (i = 0; i < e.nrcpt; i++)
		assert_string_equal(got.rcpt[i], e.rcpt[i]);
	assert_string_equal(got.dsn_notify, e.dsn_notify);
	assert_string_equal(got.dsn_ret, e.dsn_ret);
	assert_string_equal(got.envid, e.envid);
	assert_int_equal(got.eightbit, 1);
	assert_int_equal(got.smtputf8, 2);
	assert_int_equal(got.composed, 1);
	assert_int_equal(got.nul, 2);
	assert_int_equal(got.binary, 1);
	assert_true(got.size == e.size);
	assert_string_equal(gm.account, "work");
	assert_string_equal(gm.message_id, "<x@y>");
	assert_true(gm.created == m.created);
	assert_int_equal(gm.attempts, 3);
	assert_true(gm.next_attempt == m.next_attempt);
	assert_string_equal(gm.last_error, m.last_error);
	free(text);
	envelope_free(&got);
	envelope_meta_free(&gm);
	envelope_free(&e);
	envelope_meta_free(&m);
}

static void
test_refuses_line_breaks(void **state)
{
	static const char *const bad[] = { "a@b\r\nrcpt: evil@x", "a\n@b",
	    "a@b\r" };
	struct envelope e;
	struct envelope_meta m = { 0 };
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		envelope_init(&e);
		e.from = xstrdup("s@x.example");
		envelope_add_rcpt(&e, bad[i]);
		assert_null(envelope_format(&e, &m, &len));
		envelope_free(&e);
		envelope_init(&e);
		e.from = xstrdup(bad[i]);
		envelope_add_rcpt(&e, "ok@x.example");
		assert_null(envelope_format(&e, &m, &len));
		envelope_free(&e);
	}
	envelope_init(&e);
	e.from = xstrdup("s@x.example");
	envelope_add_rcpt(&e, "ok@x.example");
	m.last_error = xstrdup("two\nlines");
	assert_null(envelope_format(&e, &m, &len));
	envelope_free(&e);
	envelope_meta_free(&m);
}

/* The submitting uid of a system queue entry round-trips; without it
   no uid line is written and none is read. */
static void
test_uid(void **state)
{
	struct envelope e, e2;
	struct envelope_meta m = { 0 }, m2;
	const char *why;
	char *text;
	size_t len;

	(void)state;
	envelope_init(&e);
	e.from = xstrdup("s@x.example");
	assert_int_equal(envelope_add_rcpt(&e, "r@x.example"), 0);
	text = envelope_format(&e, &m, &len);
	assert_non_null(text);
	assert_null(strstr(text, "uid:"));
	memset(&m2, 0, sizeof(m2));
	envelope_init(&e2);
	assert_int_equal(envelope_parse(text, len, &e2, &m2, &why), 0);
	assert_int_equal(m2.has_uid, 0);
	free(text);
	envelope_free(&e2);
	envelope_meta_free(&m2);
	m.has_uid = 1;
	m.uid = 4294967295UL;
	text = envelope_format(&e, &m, &len);
	assert_non_null(strstr(text, "\nuid: 4294967295\n"));
	memset(&m2, 0, sizeof(m2));
	envelope_init(&e2);
	assert_int_equal(envelope_parse(text, len, &e2, &m2, &why), 0);
	assert_int_equal(m2.has_uid, 1);
	assert_true(m2.uid == 4294967295UL);
	free(text);
	envelope_free(&e2);
	envelope_meta_free(&m2);
	envelope_free(&e);
}

static void
test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"outbox-envelope: 1\nfrom: a@b\nrcpt: c@d\n",	/* no end */
		"outbox-envelope: 2\nfrom: a@b\nrcpt: c@d\nend: 1\n",
		"from: a@b\noutbox-envelope: 1\nrcpt: c@d\nend: 1\n",
		"outbox-envelope: 1\nfrom: a@b\nend: 1\n",	/* no rcpt */
		"outbox-envelope: 1\nrcpt: c@d\nend: 1\n",	/* no from */
		"outbox-envelope: 1\nfrom: a@b\nfrom: x@y\nrcpt: c@d\nend: 1\n",
		"outbox-envelope: 1\nfrom: a@b\nrcpt: c@d\nbogus: 1\nend: 1\n",
		"outbox-envelope: 1\nfrom: a@b\nrcpt: c@d\nsize: 12x\nend: 1\n",
		"outbox-envelope: 1\nfrom: a@b\nrcpt: c@d\nend: 1\nrcpt: e@f\n",
		"outbox-envelope: 1\nfrom: a@b\nrcpt: c@d\nend: 1",
		"outbox-envelope: 1\nfrom:a@b\nrcpt: c@d\nend: 1\n",
		"outbox-envelope: 1\nfrom a@b\nrcpt: c@d\nend: 1\n",
		"outbox-envelope: 1\nfrom: a@b\nrcpt: c@d\nend: 0\n",
		"outbox-envelope: 1\nfrom: a@b\nrcpt: c@d\nuid: -1\nend: 1\n",
		"outbox-envelope: 1\nfrom: a@b\nrcpt: c@d\nuid: 4294967296\n"
		    "end: 1\n",
		"outbox-envelope: 1\nfrom: a@b\nrcpt: c@d\nuid: 1\nuid: 2\n"
		    "end: 1\n",
	};
	struct envelope e;
	struct envelope_meta m;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (envelope_parse(bad[i], strlen(bad[i]), &e, &m, &why) != -1)
			fail_msg("case %zu parsed", i);
		assert_non_null(why);
	}
	/* a NUL inside */
	assert_int_equal(envelope_parse("outbox-envelope: 1\nfrom: a\0b\n"
	    "rcpt: c@d\nend: 1\n", 40, &e, &m, &why), -1);
}

/*
 * Duplicates go, exact byte comparison as before (so "A@x" and "a@x"
 * are two recipients), and the first-seen order stays: it is the order
 * of RCPT TO.
 */
static void
test_add_rcpt_dedup(void **state)
{
	static const char *const in[] = { "b@x.example", "a@x.example",
	    "b@x.example", "A@x.example", "a@x.example", "a@X.example",
	    "c@x.example", "b@x.example", "\"a\"@x.example" };
	static const char *const want[] = { "b@x.example", "a@x.example",
	    "A@x.example", "a@X.example", "c@x.example", "\"a\"@x.example" };
	struct envelope e;
	size_t i;

	(void)state;
	envelope_init(&e);
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		assert_int_equal(envelope_add_rcpt(&e, in[i]), 0);
	assert_int_equal(e.nrcpt, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < e.nrcpt; i++)
		assert_string_equal(e.rcpt[i], want[i]);
	envelope_free(&e);
	assert_null(e.seen);
}

/* Recipients read back from the queue count for later additions. */
static void
test_add_rcpt_after_parse(void **state)
{
	static const char text[] = "outbox-envelope: 1\nfrom: s@x.example\n"
	    "rcpt: a@x.example\nrcpt: b@x.example\nend: 1\n";
	struct envelope e;
	struct envelope_meta m;
	const char *why;

	(void)state;
	assert_int_equal(envelope_parse(text, sizeof(text) - 1, &e, &m, &why),
	    0);
	assert_int_equal(envelope_add_rcpt(&e, "b@x.example"), 0);
	assert_int_equal(envelope_add_rcpt(&e, "c@x.example"), 0);
	assert_int_equal(e.nrcpt, 3);
	assert_string_equal(e.rcpt[2], "c@x.example");
	envelope_free(&e);
	envelope_meta_free(&m);
}

/*
 * RCPT_MAX distinct recipients, each added three times: RCPT_MAX kept in
 * order; one more new address is refused, a known one is still fine.
 */
static void
test_add_rcpt_limit(void **state)
{
	struct envelope e;
	char a[64];
	size_t i;
	int round;

	(void)state;
	envelope_init(&e);
	for (round = 0; round < 3; round++)
		for (i = 0; i < RCPT_MAX; i++) {
			snprintf(a, sizeof(a), "user%zu@x.example", i);
			assert_int_equal(envelope_add_rcpt(&e, a), 0);
		}
	assert_int_equal(e.nrcpt, RCPT_MAX);
	for (i = 0; i < RCPT_MAX; i += 997) {
		snprintf(a, sizeof(a), "user%zu@x.example", i);
		assert_string_equal(e.rcpt[i], a);
	}
	assert_int_equal(envelope_add_rcpt(&e, "one-more@x.example"), -1);
	assert_int_equal(e.nrcpt, RCPT_MAX);
	assert_int_equal(envelope_add_rcpt(&e, "user5@x.example"), 0);
	assert_int_equal(e.nrcpt, RCPT_MAX);
	envelope_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refuses_line_breaks),
		cmocka_unit_test(test_uid),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_add_rcpt_dedup),
		cmocka_unit_test(test_add_rcpt_after_parse),
		cmocka_unit_test(test_add_rcpt_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
