/*
 * test_smtpbs.c -- the -bs reply to the final dot, from what the
 * submission that carried the message reports, over a table.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "limits.h"
#include "smtpbs.h"

static const struct {
	int		 code;
	int		 queued;
	const char	*id;
	const char	*text;
	const char	*want;
} cases[] = {
	/* accepted by the server */
	{ 0, 0, NULL, "", "250 2.0.0 Ok: sent" },
	/* -odq, or kept in the queue after a temporary failure: 250 (the
	   client must not send it again), whatever the exit code */
	{ 0, 1, "6b1.2.a", "", "250 2.0.0 Ok: queued as 6b1.2.a" },
	{ 0, 1, "6b1.2.a", "DATA refused: 451 4.3.0 later (kept in the "
	    "queue as 6b1.2.a, next attempt in 60 s)",
	    "250 2.0.0 Ok: queued as 6b1.2.a: DATA refused: 451 4.3.0 later "
	    "(kept in the queue as 6b1.2.a, next attempt in 60 s)" },
	{ 77, 1, "6b1.2.a", "AUTH refused: 535 5.7.8 no",
	    "250 2.0.0 Ok: queued as 6b1.2.a: AUTH refused: 535 5.7.8 no" },
	{ 76, 1, NULL, "x", "250 2.0.0 Ok: queued: x" },
	/* exit 0 without "queued": what it said, if anything */
	{ 0, 0, NULL, "kept in tmp", "250 2.0.0 Ok: kept in tmp" },
	/* refused: the exit code decides */
	{ 64, 0, NULL, "invalid sender", "554 5.5.4 invalid sender" },
	{ 65, 0, NULL, "NUL", "554 5.6.0 NUL" },
	{ 66, 0, NULL, "no input", "451 4.3.0 no input" },
	{ 67, 0, NULL, "RCPT TO:<b@x> refused: 550 5.1.1 no",
	    "550 5.1.1 RCPT TO:<b@x> refused: 550 5.1.1 no" },
	{ 68, 0, NULL, "no host", "554 5.4.4 no host" },
	{ 69, 0, NULL, "552 too big", "554 5.0.0 552 too big" },
	{ 70, 0, NULL, "bug", "451 4.3.0 bug" },
	{ 71, 0, NULL, "fork", "451 4.3.0 fork" },
	{ 73, 0, NULL, "disk", "451 4.3.0 disk" },
	{ 74, 0, NULL, "io", "451 4.3.0 io" },
	{ 75, 0, NULL, "later", "451 4.3.0 later" },
	{ 76, 0, NULL, "tls", "451 4.5.0 tls" },
	{ 77, 0, NULL, "auth", "451 4.7.0 auth" },
	{ 78, 0, NULL, "config", "451 4.3.5 config" },
	{ 1, 0, NULL, "", "451 4.3.0 the submission failed (exit 1)" },
	{ -1, 0, NULL, "", "451 4.3.0 the submission did not finish" },
	{ 67, 0, NULL, "", "550 5.1.1 the submission failed (exit 67)" },
	/* the text is one printable line */
	{ 65, 0, NULL, "a\rb\nc\x01\x7f\xc3\xa9",
	    "554 5.6.0 a?b?c????" },
};

static void
test_table(void **state)
{
	char out[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		smtpbs_final_reply(cases[i].code, cases[i].queued,
		    cases[i].id, cases[i].text, out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("case %zu:\n   got  [%s]\n   want [%s]", i, out,
			    cases[i].want);
	}
}

/* A long text is cut, never the reply code; a small buffer holds. */
static void
test_bounds(void **state)
{
	char text[4000], out[1024], tiny[12];

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	smtpbs_final_reply(67, 0, NULL, text, out, sizeof(out));
	assert_int_equal(strncmp(out, "550 5.1.1 x", 11), 0);
	assert_int_equal(strlen(out), 10 + SMTPBS_TEXT_MAX);
	smtpbs_final_reply(67, 0, NULL, text, tiny, sizeof(tiny));
	assert_string_equal(tiny, "550 5.1.1 x");
	smtpbs_final_reply(0, 1, NULL, NULL, out, sizeof(out));
	assert_string_equal(out, "250 2.0.0 Ok: queued");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
