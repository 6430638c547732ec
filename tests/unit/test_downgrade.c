/*
 * test_downgrade.c -- a composed message fitted to a server without
 * 8BITMIME (8bit parts become quoted-printable) or without SMTPUTF8
 * (header domains become A-labels), fed in every chunk size.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "downgrade.h"
#include "xmalloc.h"

#define B	"=_outbox_0123456789abcdef_m"
#define A	"=_outbox_0123456789abcdef_a"

/* A composer-shaped message: 8bit text and html, a base64 part. */
static const char msg8[] =
    "From: =?UTF-8?B?SsO2cmc=?= <j@b\xc3\xbc" "cher.example>\r\n"
    "To: a@example.org, =?UTF-8?B?w6k=?= <x@\xc3\xa9t\xc3\xa9.example>\r\n"
    "Subject: =?UTF-8?B?w6l0w6k=?=\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed;\r\n boundary=\"" B "\"\r\n\r\n"
    "This is a multi-part message in MIME format.\r\n"
    "--" B "\r\n"
    "Content-Type: multipart/alternative;\r\n boundary=\"" A "\"\r\n\r\n"
    "--" A "\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
    "\xc3\xa9t\xc3\xa9 trailing space \r\n"
    "-- \r\n"
    "--=not a boundary\r\n"
    ".leading dot = equals\r\n"
    "\r\n--" A "\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
    "<p>\xe2\x82\xac</p>"
    "\r\n--" A "--\r\n--" B "\r\n"
    "Content-Type: application/octet-stream;\r\n name=\"x.bin\"\r\n"
    "Content-Disposition: attachment;\r\n filename=\"x.bin\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n"
    "AAEC/w==\r\n"
    "--" B "--\r\n";

static char *
run(const char *in, size_t n, size_t chunk, int qp, int alabel, size_t *len)
{
	struct downgrade d;
	struct buf out;
	size_t i, k;

	downgrade_init(&d, qp, alabel);
	buf_init(&out, 1024 * 1024);
	for (i = 0; i < n; i += k) {
		k = n - i < chunk ? n - i : chunk;
		downgrade_filter(&d, in + i, k, &out);
	}
	downgrade_finish(&d, &out);
	*len = out.len;
	assert_int_equal(d.bad, 0);
	return buf_take(&out);
}

/* Undo quoted-printable (the test's own decoder). */
static char *
qp_decode(const char *s, size_t n, size_t *len)
{
	char *o = xmalloc(n + 1);
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' &&
		    s[i + 2] == '\n') {
			i += 2;
		} else if (s[i] == '=' && i + 2 < n) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };

			o[k++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else
			o[k++] = s[i];
	}
	*len = k;
	return o;
}

/* The body of the part that follows "--boundary\r\n" header block. */
static char *
part_body(const char *m, const char *after, const char *end_mark,
    size_t *len)
{
	const char *p = strstr(m, after), *e;

	assert_non_null(p);
	p = strstr(p, "\r\n\r\n");
	assert_non_null(p);
	p += 4;
	e = strstr(p, end_mark);
	assert_non_null(e);
	*len = (size_t)(e - p);
	return xstrndup(p, *len);
}

static void
test_qp_parts(void **state)
{
	size_t chunk, len, blen, dlen;
	char *out, *body, *dec;

	(void)state;
	for (chunk = 1; chunk <= sizeof(msg8); chunk++) {
		out = run(msg8, sizeof(msg8) - 1, chunk, 1, 0, &len);
		assert_int_equal(strlen(out), len);
		/* no 8-bit octet left in the bodies; headers untouched */
		assert_non_null(strstr(out, "From: =?UTF-8?B?SsO2cmc=?= "
		    "<j@b\xc3\xbc"));
		assert_null(strstr(out, "Content-Transfer-Encoding: 8bit"));
		assert_non_null(strstr(out, "--" A "--\r\n--" B "\r\n"));
		assert_non_null(strstr(out, "AAEC/w==\r\n--" B "--\r\n"));
		body = part_body(out, "text/plain", "\r\n--" A, &blen);
		assert_false(strpbrk(body, "\x80\xc3\xe2"));
		dec = qp_decode(body, blen, &dlen);
		assert_int_equal(dlen, strlen("\xc3\xa9t\xc3\xa9 trailing "
		    "space \r\n-- \r\n--=not a boundary\r\n.leading dot = "
		    "equals\r\n"));
		assert_memory_equal(dec, "\xc3\xa9t\xc3\xa9 trailing space "
		    "\r\n-- \r\n--=not a boundary\r\n.leading dot = equals\r\n",
		    dlen);
		free(dec);
		free(body);
		body = part_body(out, "text/html", "\r\n--" A "--", &blen);
		dec = qp_decode(body, blen, &dlen);
		assert_int_equal(dlen, 10);
		assert_memory_equal(dec, "<p>\xe2\x82\xac</p>", dlen);
		free(dec);
		free(body);
		free(out);
	}
}

static void
test_alabels(void **state)
{
	size_t len;
	char *out;

	(void)state;
	out = run(msg8, sizeof(msg8) - 1, 7, 0, 1, &len);
	assert_non_null(strstr(out, "From: =?UTF-8?B?SsO2cmc=?= "
	    "<j@xn--bcher-kva.example>\r\n"));
	assert_non_null(strstr(out, "To: a@example.org, =?UTF-8?B?w6k=?= "
	    "<x@xn--t-9fab.example>\r\n"));
	/* bodies untouched when only SMTPUTF8 is missing */
	assert_non_null(strstr(out, "Content-Transfer-Encoding: 8bit\r\n\r\n"
	    "\xc3\xa9t\xc3\xa9"));
	free(out);
}

static void
test_single_part(void **state)
{
	static const char m[] =
	    "Subject: x\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n"
	    "caf\xc3\xa9\r\nno newline at the end \xc3\xa9";
	size_t len, dlen;
	char *out, *dec, *body;

	(void)state;
	out = run(m, sizeof(m) - 1, 3, 1, 0, &len);
	assert_non_null(strstr(out, "Content-Transfer-Encoding: "
	    "quoted-printable\r\n\r\n"));
	body = strstr(out, "\r\n\r\n") + 4;
	dec = qp_decode(body, strlen(body), &dlen);
	assert_int_equal(dlen, strlen("caf\xc3\xa9\r\nno newline at the end "
	    "\xc3\xa9"));
	assert_memory_equal(dec, "caf\xc3\xa9\r\nno newline at the end "
	    "\xc3\xa9", dlen);
	free(dec);
	free(out);
}

static void
test_nothing_to_do(void **state)
{
	size_t len;
	char *out;

	(void)state;
	/* Both flags off: every octet passes as it is. */
	out = run(msg8, sizeof(msg8) - 1, 5, 0, 0, &len);
	assert_int_equal(len, sizeof(msg8) - 1);
	assert_memory_equal(out, msg8, len);
	free(out);
}

/* Header addresses with no ASCII form are named, never "converted". */
static void
test_bad_addresses(void **state)
{
	static const struct {
		const char		*msg;
		enum downgrade_bad	 bad;
		const char		*addr;
		const char		*field;
	} cases[] = {
		{ "From: a@example.org\r\nReply-To: R <x@\xe2\x98\x83"
		  ".example>\r\n\r\nbody\r\n", DG_BAD_DOMAIN,
		  "x@\xe2\x98\x83.example", "Reply-To" },
		{ "To: a@example.org,\r\n j\xc3\xb6rg@example.org\r\n\r\n"
		  "b\r\n", DG_BAD_LOCAL, "j\xc3\xb6rg@example.org", "To" },
		{ "Cc: \"J\xc3\xb6\"@b\xc3\xbc" "cher.example\r\n\r\n",
		  DG_BAD_LOCAL, "\"J\xc3\xb6\"@b\xc3\xbc" "cher.example",
		  "Cc" },
		{ "X-Note: caf\xc3\xa9\r\n\r\n", DG_BAD_TEXT,
		  "caf\xc3\xa9", "X-Note" },
		/* a part's header and the body are not looked at */
		{ "To: a@b\xc3\xbc" "cher.example\r\n\r\nj\xc3\xb6rg@x\r\n",
		  DG_OK, "", "" },
	};
	struct downgrade d;
	struct buf out;
	size_t i, k, n;
	char *t;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = strlen(cases[i].msg);
		for (k = 1; k <= n; k++) {
			downgrade_init(&d, 1, 1);
			buf_init(&out, 1 << 16);
			downgrade_filter(&d, cases[i].msg, k, &out);
			downgrade_filter(&d, cases[i].msg + k, n - k, &out);
			downgrade_finish(&d, &out);
			assert_int_equal(d.bad, cases[i].bad);
			assert_string_equal(d.bad_addr, cases[i].addr);
			assert_string_equal(d.bad_field, cases[i].field);
			assert_int_equal(downgrade_past_header(&d), 1);
			buf_free(&out);
		}
		if (!cases[i].bad)
			continue;
		t = downgrade_bad_text(&d);
		assert_non_null(strstr(t, cases[i].addr));
		assert_non_null(strstr(t, "SMTPUTF8"));
		free(t);
	}
	/* a NUL inside an 8-bit domain (fuzz_downgrade found a read past
	   the copy cut at the NUL): noted as bad, the bytes kept */
	{
		static const char nul[] = "To: a@\xc3\xbc\0x.example\r\n\r\nb\r\n";

		downgrade_init(&d, 1, 1);
		buf_init(&out, 1 << 16);
		downgrade_filter(&d, nul, sizeof(nul) - 1, &out);
		downgrade_finish(&d, &out);
		assert_int_equal(d.bad, DG_BAD_DOMAIN);
		assert_int_equal(out.len, sizeof(nul) - 1);
		assert_memory_equal(out.data, nul, sizeof(nul) - 1);
		buf_free(&out);
	}
	/* without alabel nothing is looked for */
	downgrade_init(&d, 1, 0);
	buf_init(&out, 1 << 16);
	downgrade_filter(&d, cases[0].msg, strlen(cases[0].msg), &out);
	downgrade_finish(&d, &out);
	assert_int_equal(d.bad, DG_OK);
	buf_free(&out);
}

/* Only a composed message the server lacks something for is filtered. */
static void
test_setup(void **state)
{
	struct envelope e;
	struct downgrade d;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.eightbit = 1;
	e.smtputf8 = 1;
	assert_int_equal(downgrade_setup(&d, &e, 0, 0), 0);	/* not composed */
	e.composed = 1;
	assert_int_equal(downgrade_setup(&d, &e, 1, 1), 0);
	assert_int_equal(downgrade_setup(&d, &e, 0, 1), 1);
	assert_true(d.qp && !d.alabel);
	assert_int_equal(downgrade_setup(&d, &e, 1, 0), 1);
	assert_true(!d.qp && d.alabel);
	e.eightbit = e.smtputf8 = 0;
	assert_int_equal(downgrade_setup(&d, &e, 0, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qp_parts),
		cmocka_unit_test(test_alabels),
		cmocka_unit_test(test_single_part),
		cmocka_unit_test(test_nothing_to_do),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
