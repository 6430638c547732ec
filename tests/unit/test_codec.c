/*
 * test_codec.c -- base64 (RFC 4648 §10), xtext (RFC 3461), header
 * phrases with RFC 2047 encoded-words.
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

#include "codec.h"

struct b64_case {
	const char	*raw;
	size_t		 rawlen;
	const char	*enc;
};

#define R(s)	s, sizeof(s) - 1

static const struct b64_case b64_cases[] = {
	/* RFC 4648 §10 */
	{ R(""), "" },
	{ R("f"), "Zg==" },
	{ R("fo"), "Zm8=" },
	{ R("foo"), "Zm9v" },
	{ R("foob"), "Zm9vYg==" },
	{ R("fooba"), "Zm9vYmE=" },
	{ R("foobar"), "Zm9vYmFy" },
	/* the whole alphabet, binary and NUL bytes */
	{ R("\xfb\xff"), "+/8=" },
	{ R("\xff\xfe\x00"), "//4A" },
	{ R("\x00"), "AA==" },
	{ R("\x00\x00\x00"), "AAAA" },
	{ R("\x00\x10\x83\x10\x51\x87\x20\x92\x8b\x30\xd3\x8f\x41\x14\x93"
	    "\x51\x55\x97\x61\x96\x9b\x71\xd7\x9f\x82\x18\xa3\x92\x59\xa7"
	    "\xa2\x9a\xab\xb2\xdb\xaf\xc3\x1c\xb3\xd3\x5d\xb7\xe3\x9e\xbb"
	    "\xf3\xdf\xbf"),
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/" },
	/* SASL PLAIN: "\0user\0pass" */
	{ R("\0user\0pass"), "AHVzZXIAcGFzcw==" },
};

static void
test_b64_encode(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(b64_cases) / sizeof(b64_cases[0]); i++) {
		char *e = codec_b64_encode(b64_cases[i].raw,
		    b64_cases[i].rawlen);

		if (strcmp(e, b64_cases[i].enc) != 0)
			fail_msg("encode case %zu: \"%s\", want \"%s\"", i, e,
			    b64_cases[i].enc);
		free(e);
	}
}

static void
test_b64_decode(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(b64_cases) / sizeof(b64_cases[0]); i++) {
		unsigned char *out = (unsigned char *)"junk";
		long n = codec_b64_decode(b64_cases[i].enc,
		    strlen(b64_cases[i].enc), &out);

		if (n != (long)b64_cases[i].rawlen)
			fail_msg("decode case %zu (%s): length %ld, want %zu",
			    i, b64_cases[i].enc, n, b64_cases[i].rawlen);
		assert_non_null(out);
		assert_memory_equal(out, b64_cases[i].raw, (size_t)n);
		assert_int_equal(out[n], '\0');
		free(out);
	}
}

/* Only n bytes are read: the rest of the string is not looked at. */
static void
test_b64_decode_len(void **state)
{
	unsigned char *out;

	(void)state;
	assert_int_equal(codec_b64_decode("Zm9vYmFy!!!!", 8, &out), 6);
	assert_memory_equal(out, "foobar", 7);
	free(out);
	assert_int_equal(codec_b64_decode("Zm9v====", 4, &out), 3);
	assert_memory_equal(out, "foo", 4);
	free(out);
}

static const char *const b64_bad[] = {
	"Z", "Zg", "Zg=", "Zm9vY", "Zm9vYg=",		/* length */
	"====", "Z===", "=Zg=", "Z=g=", "Zm=v",		/* padding */
	"Zg==Zg==", "Zm8=Zm8=", "Zg==AAAA",		/* padding inside */
	"Zm9v\n", "Zm9v\nYmFy", "Zm 9v", " Zm9v", "Zm9v ",	/* space */
	"Zm9v!A==", "Zm9-", "Zm9_", "Zm9.", "Zm\x80v",	/* characters */
	"Zh==", "Zm9=", "Zg=a", "AB==", "AAB=",	/* non-canonical */
	"Zm9vYh==", "Zm9vYmF=",
};

static void
test_b64_decode_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(b64_bad) / sizeof(b64_bad[0]); i++) {
		unsigned char *out = (unsigned char *)"junk";
		long n = codec_b64_decode(b64_bad[i], strlen(b64_bad[i]), &out);

		if (n != -1)
			fail_msg("bad case %zu (\"%s\"): accepted, length %ld",
			    i, b64_bad[i], n);
		assert_null(out);
	}
}

/* Round trip of every length 0..300 with every byte value. */
static void
test_b64_roundtrip(void **state)
{
	unsigned char raw[300], *out;
	size_t n, i;
	char *e;

	(void)state;
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 7 + 3);
	for (n = 0; n <= sizeof(raw); n++) {
		e = codec_b64_encode(raw, n);
		assert_int_equal(strlen(e), (n + 2) / 3 * 4);
		assert_int_equal(codec_b64_decode(e, strlen(e), &out), (long)n);
		assert_memory_equal(out, raw, n);
		free(out);
		free(e);
	}
}

static void
test_xtext(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} x[] = {
		{ "", "" },
		{ "abc", "abc" },
		{ "a+b", "a+2Bb" },
		{ "a=b", "a+3Db" },
		{ "a b", "a+20b" },
		{ "<id.123@host.example>", "<id.123@host.example>" },
		{ "!~", "!~" },
		{ "\x7f", "+7F" },
		{ "\x01\t\r\n", "+01+09+0D+0A" },
		{ "caf\xc3\xa9", "caf+C3+A9" },
		{ "++==", "+2B+2B+3D+3D" },
		{ "\xff", "+FF" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
		char *s = codec_xtext(x[i].in);

		if (strcmp(s, x[i].out) != 0)
			fail_msg("xtext case %zu: \"%s\", want \"%s\"", i, s,
			    x[i].out);
		free(s);
	}
}

static void
test_has_8bit(void **state)
{
	static const struct {
		const char	*s;
		size_t		 n;
		int		 want;
	} h[] = {
		{ "", 0, 0 },
		{ "plain ascii ~\x7f", 14, 0 },
		{ "caf\xc3\xa9", 5, 1 },
		{ "\x80", 1, 1 },
		{ "a\0\xff", 3, 1 },		/* past a NUL */
		{ "ab\xff", 2, 0 },		/* only n bytes */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		if (codec_has_8bit(h[i].s, h[i].n) != h[i].want)
			fail_msg("has_8bit case %zu: want %d", i, h[i].want);
}

/* ASCII phrases: atoms as they are, anything else quoted. */
static void
test_phrase_ascii(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} p[] = {
		{ "John", "John" },
		{ "John Doe", "John Doe" },
		{ "O'Brien", "O'Brien" },
		{ "a!#$%&'*+-/=?^_`{|}~z", "a!#$%&'*+-/=?^_`{|}~z" },
		{ "John Q. Public", "\"John Q. Public\"" },
		{ "Doe, John", "\"Doe, John\"" },
		{ "a@b", "\"a@b\"" },
		{ "x (y)", "\"x (y)\"" },
		{ "<x>", "\"<x>\"" },
		{ "a;b:c", "\"a;b:c\"" },
		{ "[x]", "\"[x]\"" },
		{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
		{ "back\\slash", "\"back\\\\slash\"" },
		{ " lead", "\" lead\"" },
		{ "trail ", "\"trail \"" },
		{ "two  spaces", "\"two  spaces\"" },
		{ "", "\"\"" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		char *s = codec_phrase(p[i].in);

		if (strcmp(s, p[i].out) != 0)
			fail_msg("phrase case %zu (%s): [%s], want [%s]", i,
			    p[i].in, s, p[i].out);
		free(s);
	}
}

/* Is s (n bytes) well-formed UTF-8, with no sequence cut? */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;

	while (i < n) {
		if (s[i] < 0x80)
			len = 1;
		else if ((s[i] & 0xe0) == 0xc0)
			len = 2;
		else if ((s[i] & 0xf0) == 0xe0)
			len = 3;
		else if ((s[i] & 0xf8) == 0xf0)
			len = 4;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

/*
 * Decode a phrase made of encoded-words separated by single spaces; each
 * word at most 75 characters and holding whole UTF-8 characters.  Returns
 * the decoded text (caller frees).
 */
static char *
decode_words(const char *phrase, size_t *nwords)
{
	const char *p = phrase, *end, *q;
	char *out = calloc(1, strlen(phrase) + 1);
	size_t o = 0;

	*nwords = 0;
	for (;;) {
		unsigned char *dec;
		long n;

		end = strchr(p, ' ');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > 75)
			fail_msg("encoded-word of %zu characters in [%s]",
			    (size_t)(end - p), phrase);
		if (strncmp(p, "=?UTF-8?B?", 10) != 0 &&
		    strncmp(p, "=?utf-8?B?", 10) != 0 &&
		    strncmp(p, "=?UTF-8?b?", 10) != 0 &&
		    strncmp(p, "=?utf-8?b?", 10) != 0)
			fail_msg("not an encoded-word at [%s]", p);
		if (end - p < 12 || end[-1] != '=' || end[-2] != '?')
			fail_msg("encoded-word not closed at [%s]", p);
		q = p + 10;
		n = codec_b64_decode(q, (size_t)(end - 2 - q), &dec);
		if (n < 0)
			fail_msg("bad base64 in [%.*s]", (int)(end - p), p);
		if (!utf8_ok(dec, (size_t)n))
			fail_msg("encoded-word splits a UTF-8 sequence: "
			    "[%.*s]", (int)(end - p), p);
		memcpy(out + o, dec, (size_t)n);
		o += (size_t)n;
		free(dec);
		(*nwords)++;
		if (*end == '\0')
			break;
		if (end[1] == ' ' || end[1] == '\0')
			fail_msg("encoded-words not separated by one space");
		p = end + 1;
	}
	out[o] = '\0';
	return out;
}

static void
test_phrase_encoded_exact(void **state)
{
	char *s;

	(void)state;
	s = codec_phrase("J\xc3\xb6rg");
	assert_string_equal(s, "=?UTF-8?B?SsO2cmc=?=");
	free(s);
	s = codec_phrase("\xc3\xa9");
	assert_string_equal(s, "=?UTF-8?B?w6k=?=");
	free(s);
}

/* Long and awkward non-ASCII names: decode them back and compare. */
static void
test_phrase_encoded_roundtrip(void **state)
{
	static const char *const pieces[] = {
		"\xc3\xa9",			/* 2 bytes */
		"\xe2\x82\xac",			/* 3 bytes */
		"\xf0\x9f\x98\x80",		/* 4 bytes */
		"a",
	};
	char name[512];
	size_t prefix, kind, reps, n, i, words;
	char *s, *back;

	(void)state;
	for (kind = 0; kind < 4; kind++) {
		for (prefix = 0; prefix < 5; prefix++) {
			for (reps = 1; reps < 60; reps += 7) {
				n = 0;
				for (i = 0; i < prefix; i++)
					name[n++] = 'x';
				for (i = 0; i < reps; i++) {
					const char *pc = pieces[kind == 3 ?
					    i % 3 : kind];

					memcpy(name + n, pc, strlen(pc));
					n += strlen(pc);
				}
				name[n] = '\0';
				s = codec_phrase(name);
				back = decode_words(s, &words);
				if (strcmp(back, name) != 0)
					fail_msg("round trip of %zu bytes: "
					    "[%s] -> [%s]", n, s, back);
				if (n > 45)
					assert_true(words >= 2);
				free(back);
				free(s);
			}
		}
	}
}

/* Mixed: spaces and specials inside a non-ASCII name survive encoding. */
static void
test_phrase_encoded_specials(void **state)
{
	static const char *const names[] = {
		"M\xc3\xbcller, Hans",
		"\"Q\" J\xc3\xb6rg",
		"  \xc3\xa9  ",
		"=?UTF-8?B?x?= \xc3\xa9",
	};
	size_t i, words;
	char *s, *back;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		s = codec_phrase(names[i]);
		back = decode_words(s, &words);
		assert_string_equal(back, names[i]);
		free(back);
		free(s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_encode),
		cmocka_unit_test(test_b64_decode),
		cmocka_unit_test(test_b64_decode_len),
		cmocka_unit_test(test_b64_decode_bad),
		cmocka_unit_test(test_b64_roundtrip),
		cmocka_unit_test(test_xtext),
		cmocka_unit_test(test_has_8bit),
		cmocka_unit_test(test_phrase_ascii),
		cmocka_unit_test(test_phrase_encoded_exact),
		cmocka_unit_test(test_phrase_encoded_roundtrip),
		cmocka_unit_test(test_phrase_encoded_specials),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
