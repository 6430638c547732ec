/*
 * test_result.c -- the outcome to exit code table (SPEC §7), the one-line
 * description (doc/HACKING), sanitising untrusted text.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cmocka.h>

#include "result.h"

/* A server refusal at a stage: which exit code. */
struct reply_exit {
	enum result_stage stage;
	int		 code;
	const char	*enhanced;
	int		 exit;
};

static const struct reply_exit reply_rows[] = {
	/* greeting */
	{ STAGE_GREETING, 421, "", EX_TEMPFAIL },
	{ STAGE_GREETING, 450, "", EX_TEMPFAIL },
	{ STAGE_GREETING, 554, "", EX_UNAVAILABLE },
	{ STAGE_GREETING, 554, "5.3.2", EX_UNAVAILABLE },
	/* EHLO, HELO */
	{ STAGE_EHLO, 451, "4.3.0", EX_TEMPFAIL },
	{ STAGE_EHLO, 421, "", EX_TEMPFAIL },
	{ STAGE_EHLO, 550, "", EX_UNAVAILABLE },
	{ STAGE_HELO, 451, "", EX_TEMPFAIL },
	{ STAGE_HELO, 501, "5.5.4", EX_UNAVAILABLE },
	/* STARTTLS: 4xx is temporary, 5xx is broken STARTTLS */
	{ STAGE_STARTTLS, 454, "4.7.0", EX_TEMPFAIL },
	{ STAGE_STARTTLS, 421, "", EX_TEMPFAIL },
	{ STAGE_STARTTLS, 554, "5.7.0", EX_PROTOCOL },
	{ STAGE_STARTTLS, 501, "", EX_PROTOCOL },
	{ STAGE_STARTTLS, 502, "5.5.1", EX_PROTOCOL },
	/* AUTH */
	{ STAGE_AUTH, 454, "4.7.0", EX_TEMPFAIL },
	{ STAGE_AUTH, 421, "", EX_TEMPFAIL },
	{ STAGE_AUTH, 535, "5.7.8", EX_NOPERM },
	{ STAGE_AUTH, 535, "", EX_NOPERM },
	{ STAGE_AUTH, 500, "5.7.8", EX_NOPERM },
	{ STAGE_AUTH, 554, "5.7.8", EX_NOPERM },
	{ STAGE_AUTH, 504, "5.5.4", EX_UNAVAILABLE },
	{ STAGE_AUTH, 501, "5.5.2", EX_UNAVAILABLE },
	/* MAIL: not a recipient */
	{ STAGE_MAIL, 451, "4.3.0", EX_TEMPFAIL },
	{ STAGE_MAIL, 452, "4.3.1", EX_TEMPFAIL },
	{ STAGE_MAIL, 421, "", EX_TEMPFAIL },
	{ STAGE_MAIL, 550, "5.7.1", EX_UNAVAILABLE },
	{ STAGE_MAIL, 552, "5.3.4", EX_UNAVAILABLE },
	{ STAGE_MAIL, 553, "5.1.8", EX_UNAVAILABLE },
	{ STAGE_MAIL, 550, "", EX_UNAVAILABLE },
	/* RCPT */
	{ STAGE_RCPT, 450, "4.2.0", EX_TEMPFAIL },
	{ STAGE_RCPT, 451, "4.1.1", EX_TEMPFAIL },
	{ STAGE_RCPT, 452, "4.5.3", EX_TEMPFAIL },
	{ STAGE_RCPT, 421, "", EX_TEMPFAIL },
	{ STAGE_RCPT, 550, "5.1.1", EX_NOUSER },
	{ STAGE_RCPT, 550, "", EX_NOUSER },
	{ STAGE_RCPT, 551, "", EX_NOUSER },
	{ STAGE_RCPT, 551, "5.1.6", EX_NOUSER },
	{ STAGE_RCPT, 553, "", EX_NOUSER },
	{ STAGE_RCPT, 553, "5.1.3", EX_NOUSER },
	{ STAGE_RCPT, 550, "5.7.1", EX_NOUSER },
	{ STAGE_RCPT, 554, "5.1.1", EX_NOUSER },
	{ STAGE_RCPT, 501, "5.1.3", EX_NOUSER },
	{ STAGE_RCPT, 552, "5.2.2", EX_UNAVAILABLE },
	{ STAGE_RCPT, 554, "5.7.1", EX_UNAVAILABLE },
	{ STAGE_RCPT, 554, "", EX_UNAVAILABLE },
	/* DATA command: not the message's fault */
	{ STAGE_DATA, 451, "4.3.0", EX_TEMPFAIL },
	{ STAGE_DATA, 421, "", EX_TEMPFAIL },
	{ STAGE_DATA, 554, "5.5.1", EX_UNAVAILABLE },
	{ STAGE_DATA, 503, "5.5.1", EX_UNAVAILABLE },
	/* after data: 554 and 5.6.x are the message's fault */
	{ STAGE_BODY, 451, "4.3.0", EX_TEMPFAIL },
	{ STAGE_BODY, 452, "4.3.1", EX_TEMPFAIL },
	{ STAGE_BODY, 421, "", EX_TEMPFAIL },
	{ STAGE_BODY, 554, "5.6.0", EX_DATAERR },
	{ STAGE_BODY, 554, "", EX_DATAERR },
	{ STAGE_BODY, 554, "5.7.1", EX_DATAERR },
	{ STAGE_BODY, 550, "5.6.0", EX_DATAERR },
	{ STAGE_BODY, 552, "5.6.3", EX_DATAERR },
	{ STAGE_BODY, 552, "5.3.4", EX_UNAVAILABLE },
	{ STAGE_BODY, 550, "5.7.1", EX_UNAVAILABLE },
	{ STAGE_BODY, 550, "", EX_UNAVAILABLE },
};

static void
test_exit_replies(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(reply_rows) / sizeof(reply_rows[0]); i++) {
		const struct reply_exit *row = &reply_rows[i];
		struct result r;
		int ex;

		result_init(&r);
		result_reply(&r, row->stage, "CMD", row->code, row->enhanced,
		    "text");
		assert_int_equal(r.cls, row->code >= 500 ? RES_PERM : RES_TEMP);
		assert_int_equal(r.err, ERR_NONE);
		assert_int_equal(r.code, row->code);
		assert_string_equal(r.enhanced, row->enhanced);
		ex = result_exit(&r);
		if (ex != row->exit)
			fail_msg("row %zu (stage %d, %d %s): exit %d (%s), "
			    "want %d (%s)", i, row->stage, row->code,
			    row->enhanced, ex, result_exit_name(ex), row->exit,
			    result_exit_name(row->exit));
		result_free(&r);
	}
}

/* Local failures: each kind its code, whatever the class and stage. */
static void
test_exit_local(void **state)
{
	static const struct {
		enum result_err	 err;
		int		 exit;
		const char	*name;
	} rows[] = {
		{ ERR_USAGE, EX_USAGE, "EX_USAGE" },
		{ ERR_DATA, EX_DATAERR, "EX_DATAERR" },
		{ ERR_NOINPUT, EX_NOINPUT, "EX_NOINPUT" },
		{ ERR_NOUSER, EX_NOUSER, "EX_NOUSER" },
		{ ERR_NOHOST, EX_NOHOST, "EX_NOHOST" },
		{ ERR_UNAVAILABLE, EX_UNAVAILABLE, "EX_UNAVAILABLE" },
		{ ERR_SOFTWARE, EX_SOFTWARE, "EX_SOFTWARE" },
		{ ERR_OSERR, EX_OSERR, "EX_OSERR" },
		{ ERR_CANTCREAT, EX_CANTCREAT, "EX_CANTCREAT" },
		{ ERR_IO, EX_IOERR, "EX_IOERR" },
		{ ERR_TEMP, EX_TEMPFAIL, "EX_TEMPFAIL" },
		{ ERR_PROTOCOL, EX_PROTOCOL, "EX_PROTOCOL" },
		{ ERR_NOPERM, EX_NOPERM, "EX_NOPERM" },
		{ ERR_CONFIG, EX_CONFIG, "EX_CONFIG" },
	};
	static const enum result_class classes[] = { RES_TEMP, RES_PERM };
	static const enum result_stage stages[] = { STAGE_NONE,
	    STAGE_CONNECT, STAGE_GREETING, STAGE_STARTTLS, STAGE_TLS,
	    STAGE_AUTH, STAGE_RCPT, STAGE_BODY };
	size_t i, c, s;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* the numeric values SPEC §7 lists */
		assert_string_equal(result_exit_name(rows[i].exit),
		    rows[i].name);
		for (c = 0; c < 2; c++) {
			for (s = 0; s < sizeof(stages) / sizeof(stages[0]);
			    s++) {
				struct result r;
				int ex;

				result_init(&r);
				result_local(&r, classes[c], stages[s],
				    rows[i].err, "what", "reason %d", 1);
				ex = result_exit(&r);
				if (ex != rows[i].exit)
					fail_msg("err %d class %d stage %d: "
					    "exit %d, want %d", rows[i].err,
					    classes[c], stages[s], ex,
					    rows[i].exit);
				result_free(&r);
			}
		}
	}
	assert_int_equal(EX_USAGE, 64);
	assert_int_equal(EX_DATAERR, 65);
	assert_int_equal(EX_NOINPUT, 66);
	assert_int_equal(EX_NOUSER, 67);
	assert_int_equal(EX_NOHOST, 68);
	assert_int_equal(EX_UNAVAILABLE, 69);
	assert_int_equal(EX_SOFTWARE, 70);
	assert_int_equal(EX_OSERR, 71);
	assert_int_equal(EX_CANTCREAT, 73);
	assert_int_equal(EX_IOERR, 74);
	assert_int_equal(EX_TEMPFAIL, 75);
	assert_int_equal(EX_PROTOCOL, 76);
	assert_int_equal(EX_NOPERM, 77);
	assert_int_equal(EX_CONFIG, 78);
	assert_string_equal(result_exit_name(0), "EX_OK");
}

/* Success is 0, and clearing a failure gives success again. */
static void
test_exit_ok(void **state)
{
	struct result r;

	(void)state;
	result_init(&r);
	assert_int_equal(r.cls, RES_OK);
	assert_int_equal(result_exit(&r), 0);
	result_add_rcpt(&r, "a@x.org", 250, "2.1.5", "ok");
	result_reply(&r, STAGE_RCPT, "RCPT TO:<b@x.org>", 550, "5.1.1",
	    "no");
	assert_int_equal(result_exit(&r), EX_NOUSER);
	result_clear(&r);
	assert_int_equal(r.cls, RES_OK);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.enhanced, "");
	assert_null(r.what);
	assert_null(r.text);
	assert_int_equal(result_exit(&r), 0);
	/* recipients survive a clear */
	assert_int_equal(r.nrcpt, 1);
	assert_string_equal(r.rcpt[0].address, "a@x.org");
	assert_int_equal(r.rcpt[0].code, 250);
	assert_string_equal(r.rcpt[0].enhanced, "2.1.5");
	assert_string_equal(r.rcpt[0].text, "ok");
	result_free(&r);
}

struct line_row {
	int		 local;		/* result_local, not a reply */
	const char	*what;
	int		 code;
	const char	*enhanced;
	const char	*text;
	const char	*want;
};

static const struct line_row line_rows[] = {
	/* doc/HACKING, verbatim */
	{ 0, "server greeting", 554, "", "no service here",
	    "server greeting: refused: 554 no service here" },
	{ 0, "EHLO localhost", 550, "", "go away",
	    "EHLO localhost: refused: 550 go away" },
	{ 0, "STARTTLS", 454, "4.7.0", "TLS not available",
	    "STARTTLS: refused: 454 4.7.0 TLS not available" },
	{ 0, "AUTH PLAIN", 535, "5.7.8", "authentication failed",
	    "AUTH PLAIN: refused: 535 5.7.8 authentication failed" },
	{ 0, "MAIL FROM:<a@example.org>", 451, "4.3.0", "try later",
	    "MAIL FROM:<a@example.org>: refused: 451 4.3.0 try later" },
	{ 0, "RCPT TO:<b@example.org>", 550, "5.1.1", "no such user",
	    "RCPT TO:<b@example.org>: refused: 550 5.1.1 no such user" },
	{ 0, "DATA", 554, "5.5.1", "no valid recipients",
	    "DATA: refused: 554 5.5.1 no valid recipients" },
	{ 0, "end of data", 554, "5.6.0", "bad content",
	    "end of data: refused: 554 5.6.0 bad content" },
	{ 1, "RCPT TO:<b@example.org>", 0, "", "connection closed by server",
	    "RCPT TO:<b@example.org>: connection closed by server" },
	{ 1, "server greeting", 0, "", "timed out after 3 s",
	    "server greeting: timed out after 3 s" },
	{ 1, "EHLO localhost", 0, "", "malformed reply: no separator",
	    "EHLO localhost: malformed reply: no separator" },
	{ 1, "connect to 127.0.0.1 port 1", 0, "", "Connection refused",
	    "connect to 127.0.0.1 port 1: Connection refused" },
	{ 1, "STARTTLS", 0, "", "server sent data before the TLS handshake",
	    "STARTTLS: server sent data before the TLS handshake" },
	/* edges */
	{ 0, "DATA", 554, "", "", "DATA: refused: 554" },
	{ 0, "DATA", 554, "5.0.0", "", "DATA: refused: 554 5.0.0" },
	{ 0, "end of data", 550, "", "line1 line2",
	    "end of data: refused: 550 line1 line2" },
	{ 0, "RCPT TO:<b@x>", 550, "", "evil\r\nBcc: \x1b[31mred",
	    "RCPT TO:<b@x>: refused: 550 evil\\x0D\\x0ABcc: \\x1B[31mred" },
	{ 0, "RCPT TO:<b\r@x>", 550, "", "no",
	    "RCPT TO:<b\\x0D@x>: refused: 550 no" },
	{ 1, NULL, 0, "", "out of memory", "out of memory" },
	{ 1, "reading the message", 0, "", "bad\ttab",
	    "reading the message: bad\\x09tab" },
};

static void
test_line(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(line_rows) / sizeof(line_rows[0]); i++) {
		const struct line_row *row = &line_rows[i];
		struct result r;
		char *s;

		result_init(&r);
		if (row->local)
			result_local(&r, RES_PERM, STAGE_NONE, ERR_TEMP,
			    row->what, "%s", row->text);
		else
			result_reply(&r, STAGE_DATA, row->what, row->code,
			    row->enhanced, row->text);
		s = result_line(&r);
		if (strcmp(s, row->want) != 0)
			fail_msg("line row %zu:\n   got  [%s]\n   want [%s]", i,
			    s, row->want);
		free(s);
		result_free(&r);
	}
}

static void
test_sanitize(void **state)
{
	static const struct {
		const char	*in;
		size_t		 max;
		const char	*want;
	} rows[] = {
		{ "plain text", 100, "plain text" },
		{ "", 10, "" },
		{ "a\rb\n", 100, "a\\x0Db\\x0A" },
		{ "\x1b[0m", 100, "\\x1B[0m" },
		{ "\x7f", 100, "\\x7F" },
		{ "\t", 100, "\\x09" },
		{ "\x01\x1f", 100, "\\x01\\x1F" },
		{ "caf\xc3\xa9", 100, "caf\xc3\xa9" },
		{ "backslash \\x41", 100, "backslash \\x41" },
		{ "abcdef", 3, "abc" },
		{ "ab\ncd", 3, "ab\\x0A" },
		{ "abc", 0, "" },
		/* C1 controls, raw or as UTF-8, and bytes that are not
		   UTF-8: a terminal could act on them */
		{ "a\x9b" "31mb", 100, "a\\x9B31mb" },
		{ "a\xc2\x9b" "31m", 100, "a\\xC2\\x9B31m" },
		{ "\xc2\xa0\xe2\x82\xac\xf0\x9f\x98\x80", 100,
		    "\xc2\xa0\xe2\x82\xac\xf0\x9f\x98\x80" },
		{ "\xc3", 100, "\\xC3" },
		{ "\xc0\xaf", 100, "\\xC0\\xAF" },
		{ "\xed\xa0\x80", 100, "\\xED\\xA0\\x80" },
		{ "\xe2\x82", 100, "\\xE2\\x82" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *s = result_sanitize(rows[i].in, rows[i].max);

		if (strcmp(s, rows[i].want) != 0)
			fail_msg("sanitize row %zu: [%s], want [%s]", i, s,
			    rows[i].want);
		free(s);
	}
}

/* A long reply is bounded in the line, and the line stays one line. */
static void
test_line_long(void **state)
{
	size_t n = 100000;
	char *text = malloc(n + 1);
	struct result r;
	char *s;

	(void)state;
	memset(text, 'x', n);
	text[n] = '\0';
	text[500] = '\n';
	result_init(&r);
	result_reply(&r, STAGE_RCPT, "RCPT TO:<b@x>", 550, "5.1.1", text);
	s = result_line(&r);
	assert_null(strchr(s, '\n'));
	assert_null(strchr(s, '\r'));
	assert_true(strncmp(s, "RCPT TO:<b@x>: refused: 550 5.1.1 xxx",
	    37) == 0);
	assert_true(strlen(s) < n);
	free(s);
	result_free(&r);
	free(text);
}

/* Overlong enhanced codes are cut, never overflow the 16-byte field. */
static void
test_enhanced_bound(void **state)
{
	struct result r;

	(void)state;
	result_init(&r);
	result_reply(&r, STAGE_RCPT, "x", 550, "5.111.1111111111111111", "t");
	assert_true(strlen(r.enhanced) < sizeof(r.enhanced));
	result_add_rcpt(&r, "a@b", 550, "5.111.1111111111111111", "t");
	assert_true(strlen(r.rcpt[0].enhanced) < sizeof(r.rcpt[0].enhanced));
	result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_replies),
		cmocka_unit_test(test_exit_local),
		cmocka_unit_test(test_exit_ok),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_line_long),
		cmocka_unit_test(test_enhanced_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
