/*
 * test_reply.c -- reply_feed, reply_oneline, reply_caps over tables.
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

#include "limits.h"
#include "reply.h"

#define MAXL	12

/*
 * A reply as lines fed one at a time.  Every line but the last must give
 * 0; the last gives rc.  On success the parsed fields must be exactly as
 * listed.
 */
struct feed_case {
	const char	*lines[MAXL];
	int		 rc;
	int		 code;
	const char	*enhanced;
	const char	*text;
	size_t		 nlines;
};

#define BAD(...)	{ { __VA_ARGS__ }, -1, 0, NULL, NULL, 0 }

static const struct feed_case feed_cases[] = {
	/* well-formed */
	{ { "220 mx.example.com ESMTP ready" }, 1, 220, "",
	    "mx.example.com ESMTP ready", 1 },
	{ { "250-first", "250-second", "250 third" }, 1, 250, "",
	    "first\nsecond\nthird", 3 },
	{ { "250" }, 1, 250, "", "", 1 },
	{ { "250 " }, 1, 250, "", "", 1 },
	{ { "250-", "250 end" }, 1, 250, "", "\nend", 2 },
	{ { "200 lowest" }, 1, 200, "", "lowest", 1 },
	{ { "599 highest" }, 1, 599, "", "highest", 1 },
	{ { "354 go ahead" }, 1, 354, "", "go ahead", 1 },
	{ { "250 a\tb" }, 1, 250, "", "a\tb", 1 },
	{ { "250 caf\xc3\xa9" }, 1, 250, "", "caf\xc3\xa9", 1 },
	/* enhanced status codes: only when the class digit matches */
	{ { "550 5.1.1 no" }, 1, 550, "5.1.1", "no", 1 },
	{ { "250 2.0.0" }, 1, 250, "2.0.0", "", 1 },
	{ { "250 2.1.5 Ok" }, 1, 250, "2.1.5", "Ok", 1 },
	{ { "550 4.1.1 x" }, 1, 550, "", "4.1.1 x", 1 },
	{ { "250 5.0.0 x" }, 1, 250, "", "5.0.0 x", 1 },
	{ { "550 5.1.10 x" }, 1, 550, "5.1.10", "x", 1 },
	{ { "554 5.7.1   spaced" }, 1, 554, "5.7.1", "spaced", 1 },
	{ { "550 5.1234.1 x" }, 1, 550, "", "5.1234.1 x", 1 },
	{ { "550 5.1.1x" }, 1, 550, "", "5.1.1x", 1 },
	{ { "550 5..1 x" }, 1, 550, "", "5..1 x", 1 },
	{ { "550 5.1. x" }, 1, 550, "", "5.1. x", 1 },
	{ { "451-4.3.0 first", "451 4.3.0 second" }, 1, 451, "4.3.0",
	    "first\nsecond", 2 },
	{ { "250-mx.example", "250-PIPELINING", "250 SIZE 1000" }, 1, 250,
	    "", "mx.example\nPIPELINING\nSIZE 1000", 3 },
	/* malformed */
	BAD(""),
	BAD("25"),
	BAD("abc"),
	BAD("x50 ok"),
	BAD("2x0 ok"),
	BAD("25x ok"),
	BAD("-250 ok"),
	BAD(" 250 ok"),
	BAD("050 ok"),
	BAD("150 ok"),
	BAD("199 ok"),
	BAD("600 ok"),
	BAD("650 ok"),
	BAD("999 ok"),
	BAD("250x"),
	BAD("250x ok"),
	BAD("250_ok"),
	BAD("2500 ok"),
	BAD("250-a", "251 b"),
	BAD("250-a", "550 b"),
	BAD("250-a", "250-b", "25 c"),
	BAD("250-a", "250x"),
	BAD("250 a\rb"),
	BAD("250 a\nb"),
	BAD("250 \x1b[31mred"),
	BAD("250 del\x7f"),
	BAD("250 bell\a"),
	BAD("250-fine", "250 bad\x01"),
};

static void
test_feed_table(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(feed_cases) / sizeof(feed_cases[0]); i++) {
		const struct feed_case *c = &feed_cases[i];
		struct reply r;
		const char *why = NULL;
		int rc = 0;

		reply_init(&r);
		for (j = 0; j < MAXL && c->lines[j]; j++) {
			int last = j + 1 == MAXL || c->lines[j + 1] == NULL;

			why = NULL;
			rc = reply_feed(&r, c->lines[j], strlen(c->lines[j]),
			    &why);
			if (!last && rc != 0)
				fail_msg("case %zu line %zu: rc %d, want 0 "
				    "(why: %s)", i, j, rc, why ? why : "-");
		}
		if (rc != c->rc)
			fail_msg("case %zu (\"%s\"...): rc %d, want %d (why: "
			    "%s)", i, c->lines[0], rc, c->rc, why ? why : "-");
		if (c->rc == -1) {
			assert_non_null(why);
			assert_true(why[0] != '\0');
		} else {
			assert_int_equal(r.code, c->code);
			assert_string_equal(r.enhanced, c->enhanced);
			assert_string_equal(buf_cstr(&r.text), c->text);
			assert_int_equal(r.nlines, c->nlines);
			assert_int_equal(r.done, 1);
		}
		reply_free(&r);
	}
}

/* A NUL inside the line is a control character, not an end. */
static void
test_feed_embedded_nul(void **state)
{
	static const char line[] = "250 a\0b";
	struct reply r;
	const char *why = NULL;

	(void)state;
	reply_init(&r);
	assert_int_equal(reply_feed(&r, line, sizeof(line) - 1, &why), -1);
	assert_non_null(why);
	reply_free(&r);
}

/* Feeding a complete reply again is an error, until reply_reset. */
static void
test_feed_after_done(void **state)
{
	struct reply r;
	const char *why = NULL;

	(void)state;
	reply_init(&r);
	assert_int_equal(reply_feed(&r, "250 ok", 6, &why), 1);
	assert_int_equal(reply_feed(&r, "250 again", 9, &why), -1);
	reply_reset(&r);
	assert_int_equal(r.code, 0);
	assert_int_equal(r.nlines, 0);
	assert_string_equal(buf_cstr(&r.text), "");
	assert_int_equal(reply_feed(&r, "354 go", 6, &why), 1);
	assert_int_equal(r.code, 354);
	assert_string_equal(buf_cstr(&r.text), "go");
	reply_free(&r);
}

/* Bounds: line length, number of lines, joined text. */
static void
test_feed_bounds(void **state)
{
	struct {
		size_t	 linelen;	/* bytes in each line */
		size_t	 nlines;
		int	 rc;		/* of the last line fed */
	} cases[] = {
		{ REPLY_LINE_MAX - 2, 1, 1 },
		{ REPLY_LINE_MAX + 1, 1, -1 },
		{ REPLY_LINE_MAX + 100, 1, -1 },
		{ 100000, 1, -1 },
		{ 10, REPLY_LINES_MAX, 1 },
		{ 10, REPLY_LINES_MAX + 1, -1 },
		{ 10, 1000, -1 },
		/* joined text past REPLY_TEXT_MAX */
		{ 1000, REPLY_TEXT_MAX / 1000 + 2, -1 },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *line = malloc(cases[i].linelen + 1);
		struct reply r;
		const char *why = NULL;
		int rc = 0;

		memset(line, 'x', cases[i].linelen);
		line[cases[i].linelen] = '\0';
		memcpy(line, "250-", 4);
		reply_init(&r);
		for (j = 0; j < cases[i].nlines; j++) {
			if (j + 1 == cases[i].nlines)
				line[3] = ' ';
			rc = reply_feed(&r, line, cases[i].linelen, &why);
			if (rc == -1)
				break;
			if (j + 1 < cases[i].nlines && rc != 0)
				fail_msg("bounds case %zu line %zu: rc %d", i,
				    j, rc);
		}
		if (rc != cases[i].rc)
			fail_msg("bounds case %zu (len %zu, %zu lines): rc %d "
			    "at line %zu, want %d", i, cases[i].linelen,
			    cases[i].nlines, rc, j, cases[i].rc);
		if (cases[i].rc == -1 && cases[i].nlines > REPLY_LINES_MAX)
			assert_int_equal(j, REPLY_LINES_MAX);
		reply_free(&r);
		free(line);
	}
}

static void
test_oneline(void **state)
{
	static const struct {
		const char	*lines[MAXL];
		const char	*want;
	} cases[] = {
		{ { "250 single" }, "single" },
		{ { "250-first", "250-second", "250 third" },
		    "first second third" },
		{ { "550-5.1.1 no such", "550 5.1.1 user here" },
		    "no such user here" },
		{ { "250" }, "" },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reply r;
		const char *why;
		char *s;

		reply_init(&r);
		for (j = 0; cases[i].lines[j]; j++)
			(void)reply_feed(&r, cases[i].lines[j],
			    strlen(cases[i].lines[j]), &why);
		s = reply_oneline(&r);
		assert_string_equal(s, cases[i].want);
		free(s);
		reply_free(&r);
	}
}

struct caps_case {
	const char		*lines[MAXL];
	unsigned		 flags;
	unsigned long long	 size;
	const char		*auth;
};

#define ALLCAPS (CAP_PIPELINING | CAP_8BITMIME | CAP_SMTPUTF8 | CAP_DSN | \
	CAP_CHUNKING | CAP_ENHANCED | CAP_STARTTLS | CAP_SIZE | CAP_AUTH)

static const struct caps_case caps_cases[] = {
	{ { "250-mx.example.com Hello", "250-PIPELINING",
	    "250-SIZE 10240000", "250-8BITMIME", "250-SMTPUTF8", "250-DSN",
	    "250-CHUNKING", "250-ENHANCEDSTATUSCODES", "250-STARTTLS",
	    "250 AUTH PLAIN LOGIN CRAM-MD5" }, ALLCAPS, 10240000,
	    "PLAIN LOGIN CRAM-MD5" },
	/* the first line is the domain, never a capability */
	{ { "250 PIPELINING" }, 0, 0, "" },
	{ { "250-STARTTLS", "250 SIZE 100" }, CAP_SIZE, 100, "" },
	{ { "250-AUTH PLAIN", "250 DSN" }, CAP_DSN, 0, "" },
	{ { "250 mx.example" }, 0, 0, "" },
	/* one at a time */
	{ { "250-mx", "250 PIPELINING" }, CAP_PIPELINING, 0, "" },
	{ { "250-mx", "250 8BITMIME" }, CAP_8BITMIME, 0, "" },
	{ { "250-mx", "250 SMTPUTF8" }, CAP_SMTPUTF8, 0, "" },
	{ { "250-mx", "250 DSN" }, CAP_DSN, 0, "" },
	{ { "250-mx", "250 CHUNKING" }, CAP_CHUNKING, 0, "" },
	{ { "250-mx", "250 ENHANCEDSTATUSCODES" }, CAP_ENHANCED, 0, "" },
	{ { "250-mx", "250 STARTTLS" }, CAP_STARTTLS, 0, "" },
	/* SIZE with and without a number */
	{ { "250-mx", "250 SIZE" }, CAP_SIZE, 0, "" },
	{ { "250-mx", "250 SIZE 0" }, CAP_SIZE, 0, "" },
	{ { "250-mx", "250 SIZE 35882577" }, CAP_SIZE, 35882577, "" },
	{ { "250-mx", "250 SIZE 18446744073709551615" }, CAP_SIZE,
	    18446744073709551615ULL, "" },
	{ { "250-mx", "250 SIZE abc" }, CAP_SIZE, 0, "" },
	{ { "250-mx", "250 size 5000" }, CAP_SIZE, 5000, "" },
	/* keywords are case-insensitive */
	{ { "250-mx", "250-pipelining", "250-8bitmime", "250 starttls" },
	    CAP_PIPELINING | CAP_8BITMIME | CAP_STARTTLS, 0, "" },
	/* near misses are not capabilities */
	{ { "250-mx", "250-PIPELININGX", "250-SIZEABLE 5", "250-DSNX",
	    "250-X-STARTTLS", "250-XAUTH PLAIN", "250 8BITMIMEX" }, 0, 0,
	    "" },
	/* AUTH lists */
	{ { "250-mx", "250 AUTH PLAIN" }, CAP_AUTH, 0, "PLAIN" },
	{ { "250-mx", "250 AUTH" }, CAP_AUTH, 0, "" },
	{ { "250-mx", "250 auth plain login" }, CAP_AUTH, 0,
	    "PLAIN LOGIN" },
	{ { "250-mx", "250 AUTH  PLAIN   LOGIN " }, CAP_AUTH, 0,
	    "PLAIN LOGIN" },
	{ { "250-mx", "250 AUTH=LOGIN PLAIN" }, CAP_AUTH, 0,
	    "LOGIN PLAIN" },
	{ { "250-mx", "250 AUTH=LOGIN" }, CAP_AUTH, 0, "LOGIN" },
	{ { "250-mx", "250-AUTH SCRAM-SHA-256 PLAIN", "250 AUTH=LOGIN" },
	    CAP_AUTH, 0, "SCRAM-SHA-256 PLAIN LOGIN" },
	{ { "250-mx", "250-AUTH PLAIN", "250-SIZE 42", "250 PIPELINING" },
	    CAP_AUTH | CAP_SIZE | CAP_PIPELINING, 42, "PLAIN" },
};

static void
test_caps_table(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(caps_cases) / sizeof(caps_cases[0]); i++) {
		const struct caps_case *c = &caps_cases[i];
		struct reply r;
		struct caps caps;
		const char *why = NULL;
		int rc = 0;

		reply_init(&r);
		for (j = 0; j < MAXL && c->lines[j]; j++)
			rc = reply_feed(&r, c->lines[j], strlen(c->lines[j]),
			    &why);
		if (rc != 1)
			fail_msg("caps case %zu: reply_feed rc %d (%s)", i, rc,
			    why ? why : "-");
		/* reply_caps must set every field, whatever was there */
		memset(&caps, 0xa5, sizeof(caps));
		caps.auth[sizeof(caps.auth) - 1] = '\0';
		reply_caps(&r, &caps);
		if (caps.flags != c->flags)
			fail_msg("caps case %zu (%s): flags 0x%x, want 0x%x",
			    i, c->lines[1] ? c->lines[1] : c->lines[0],
			    caps.flags, c->flags);
		if (caps.size != c->size)
			fail_msg("caps case %zu: size %llu, want %llu", i,
			    caps.size, c->size);
		if (strcmp(caps.auth, c->auth) != 0)
			fail_msg("caps case %zu: auth \"%s\", want \"%s\"", i,
			    caps.auth, c->auth);
		reply_free(&r);
	}
}

/* A very long AUTH list is cut, never overflows. */
static void
test_caps_long_auth(void **state)
{
	char line[REPLY_LINE_MAX];
	struct reply r;
	struct caps caps;
	const char *why;
	size_t n;

	(void)state;
	n = (size_t)snprintf(line, sizeof(line), "250 AUTH");
	while (n + 8 < REPLY_LINE_MAX - 2)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " MECH%03zu",
		    n % 1000);
	reply_init(&r);
	assert_int_equal(reply_feed(&r, "250-mx", 6, &why), 0);
	assert_int_equal(reply_feed(&r, line, n, &why), 1);
	reply_caps(&r, &caps);
	assert_int_equal(caps.flags, CAP_AUTH);
	assert_true(strlen(caps.auth) < sizeof(caps.auth));
	assert_true(strncmp(caps.auth, "MECH", 4) == 0);
	reply_free(&r);
}

/*
 * The list keeps every keyword line, known or not, as sent and in the
 * server's order; never the greeting line.
 */
static const struct {
	const char	*lines[MAXL];
	const char	*list;
} list_cases[] = {
	{ { "250-mx.example Hello", "250-PIPECONNECT", "250-HELP",
	    "250-X-FOO bar", "250-size 100", "250 AUTH=LOGIN PLAIN" },
	    "PIPECONNECT\nHELP\nX-FOO bar\nsize 100\nAUTH=LOGIN PLAIN" },
	{ { "250 mx.example" }, "" },
	{ { "250-mx", "250 DSN" }, "DSN" },
	{ { "250-mx", "250-", "250 HELP" }, "HELP" },
	{ { "250-mx", "250-XCLIENT ADDR\tNAME", "250 LIMITS RCPTMAX=10" },
	    "XCLIENT ADDR\tNAME\nLIMITS RCPTMAX=10" },
};

static void
test_caps_list(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++) {
		struct reply r;
		struct caps caps;
		const char *why = NULL, *l;

		reply_init(&r);
		for (j = 0; j < MAXL && (l = list_cases[i].lines[j]); j++)
			(void)reply_feed(&r, l, strlen(l), &why);
		assert_true(r.done);
		memset(&caps, 0xa5, sizeof(caps));
		reply_caps(&r, &caps);
		if (strcmp(caps.list, list_cases[i].list) != 0)
			fail_msg("list case %zu: \"%s\", want \"%s\"", i,
			    caps.list, list_cases[i].list);
		assert_int_equal(caps.list_cut, 0);
		reply_free(&r);
	}
}

/* More keyword text than the list holds: whole lines kept, the rest
   counted. */
static void
test_caps_list_cut(void **state)
{
	char line[64];
	struct reply r;
	struct caps caps;
	const char *why;
	size_t i, n, kept;

	(void)state;
	reply_init(&r);
	assert_int_equal(reply_feed(&r, "250-mx", 6, &why), 0);
	for (i = 0; i < 100; i++) {
		n = (size_t)snprintf(line, sizeof(line), "250%cX-KEYWORD-%03zu "
		    "with some arguments", i < 99 ? '-' : ' ', i);
		assert_int_equal(reply_feed(&r, line, n, &why), i == 99);
	}
	reply_caps(&r, &caps);
	assert_true(strlen(caps.list) < sizeof(caps.list));
	assert_true(strncmp(caps.list, "X-KEYWORD-000 with", 18) == 0);
	for (kept = 1, i = 0; caps.list[i]; i++)
		kept += caps.list[i] == '\n';
	assert_true(kept > 10);
	assert_int_equal(kept + caps.list_cut, 100);
	reply_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed_table),
		cmocka_unit_test(test_feed_embedded_nul),
		cmocka_unit_test(test_feed_after_done),
		cmocka_unit_test(test_feed_bounds),
		cmocka_unit_test(test_oneline),
		cmocka_unit_test(test_caps_table),
		cmocka_unit_test(test_caps_long_auth),
		cmocka_unit_test(test_caps_list),
		cmocka_unit_test(test_caps_list_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
