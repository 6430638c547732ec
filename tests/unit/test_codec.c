/*
 * test_codec.c -- base64 (RFC 4648 §10), xtext (RFC 3461), header
 * phrases with RFC 2047 encoded-words, quoted-printable (RFC 2045 §6.7),
 * header fields (RFC 5322 §2.2.3, RFC 2047), MIME parameters (RFC 2231).
 *
 * The encoders are checked by decoding their output again with the small,
 * strict decoders below, byte for byte.
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
 * word at most 75 characters and, if utf8, holding whole UTF-8 characters.
 * Returns the decoded text (caller frees).
 */
static char *
decode_words(const char *phrase, size_t *nwords, int utf8)
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
		if (utf8 && !utf8_ok(dec, (size_t)n))
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
				back = decode_words(s, &words, 1);
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
		back = decode_words(s, &words, 1);
		assert_string_equal(back, names[i]);
		free(back);
		free(s);
	}
}

/* Long ASCII names that could not be folded become encoded-words: no word
   of the result is over 75 octets, and it decodes to the name. */
static void
test_phrase_long(void **state)
{
	char word[301], quoted[120], words[400];
	const char *const names[] = { word, quoted };
	size_t i, words_n, k;
	char *s, *back, *p;

	(void)state;
	memset(word, 'a', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	snprintf(quoted, sizeof(quoted), "%s", "Smith, John (the elder) of the "
	    "Very Long Department of Things That Need Quoting");
	for (i = 0; i < 2; i++) {
		s = codec_phrase(names[i]);
		for (p = s; *p; p += k) {
			p += strspn(p, " ");
			k = strcspn(p, " ");
			assert_true(k <= 75);
		}
		back = decode_words(s, &words_n, 1);
		assert_string_equal(back, names[i]);
		free(back);
		free(s);
	}
	/* spaces between short atoms still fold: they stay as they are */
	for (i = 0, p = words; i < 40; i++)
		p += snprintf(p, sizeof(words) - (size_t)(p - words), "%sword",
		    i ? " " : "");
	s = codec_phrase(words);
	assert_string_equal(s, words);
	free(s);
}

/* ---- quoted-printable (RFC 2045 §6.7) ---------------------------------- */

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Uppercase hex digit value, or -1. */
static int
hex_up(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Does s (n bytes) hold the string t? */
static int
has_seq(const char *s, size_t n, const char *t)
{
	size_t i, k = strlen(t);

	for (i = 0; i + k <= n; i++)
		if (memcmp(s + i, t, k) == 0)
			return 1;
	return 0;
}

/*
 * Decode quoted-printable s (n bytes) into out, failing unless it is
 * strict: lines of at most 76 octets, '=' followed by two uppercase hex
 * digits or CRLF, CR only in CRLF, only printable octets, SP and TAB, no
 * white space before a line end or at the end, no '.' starting a line,
 * no "=_".  Returns the decoded length.
 */
static size_t
qp_decode(const char *s, size_t n, char *out)
{
	size_t i, o = 0, col = 0;
	unsigned char c;

	if (has_seq(s, n, "=_"))
		fail_msg("\"=_\" in quoted-printable");
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (col == 0 && c == '.')
			fail_msg("'.' starts a line at offset %zu", i);
		if (c == '\r' || c == '\n') {
			if (c == '\n' || i + 1 == n || s[i + 1] != '\n')
				fail_msg("bare CR or LF at offset %zu", i);
			if (i > 0 && is_wsp(s[i - 1]))
				fail_msg("white space ends a line at %zu", i);
			out[o++] = '\r';
			out[o++] = '\n';
			col = 0;
			i++;
			continue;
		}
		if (++col > 76)
			fail_msg("line over 76 octets at offset %zu", i);
		if (c == '=' && i + 2 < n && s[i + 1] == '\r' &&
		    s[i + 2] == '\n') {
			col = 0;
			i += 2;
		} else if (c == '=') {
			if (i + 2 >= n || hex_up(s[i + 1]) < 0 ||
			    hex_up(s[i + 2]) < 0)
				fail_msg("bad escape at offset %zu", i);
			out[o++] = (char)(hex_up(s[i + 1]) * 16 +
			    hex_up(s[i + 2]));
			i += 2;
			if ((col += 2) > 76)
				fail_msg("line over 76 octets at %zu", i);
		} else if (c == ' ' || c == '\t' || (c >= 33 && c <= 126))
			out[o++] = (char)c;
		else
			fail_msg("raw octet 0x%02x at offset %zu", c, i);
	}
	if (n > 0 && is_wsp(s[n - 1]))
		fail_msg("white space at the end");
	return o;
}

#define CANARY	32

/* Check that the CANARY bytes after room in p are untouched. */
static void
canary_check(const unsigned char *p, size_t room)
{
	size_t i;

	for (i = room; i < room + CANARY; i++)
		if (p[i] != 0xA5)
			fail_msg("wrote past the promised %zu bytes", room);
}

/*
 * Encode in (n bytes) fed chunk bytes at a time (all at once if 0),
 * holding every call to CODEC_QP_MAX_OUT and finish to 8 bytes.  Returns
 * the output (caller frees) and its length in *outlen.
 */
static char *
qp_run(const char *in, size_t n, size_t chunk, size_t *outlen)
{
	struct codec_qp q;
	char *out = malloc(4 * n + 16 * (n + 1) + 8);
	unsigned char *tmp;
	size_t i, k, w, o = 0, room;

	codec_qp_init(&q);
	if (chunk == 0)
		chunk = n ? n : 1;
	for (i = 0; i < n; i += k) {
		k = n - i < chunk ? n - i : chunk;
		room = CODEC_QP_MAX_OUT(k);
		tmp = malloc(room + CANARY);
		memset(tmp, 0xA5, room + CANARY);
		w = codec_qp_feed(&q, in + i, k, (char *)tmp);
		if (w > room)
			fail_msg("feed of %zu wrote %zu > %zu", k, w, room);
		canary_check(tmp, room);
		memcpy(out + o, tmp, w);
		o += w;
		free(tmp);
	}
	tmp = malloc(8 + CANARY);
	memset(tmp, 0xA5, 8 + CANARY);
	w = codec_qp_finish(&q, (char *)tmp);
	assert_true(w <= 8);
	canary_check(tmp, 8);
	memcpy(out + o, tmp, w);
	free(tmp);
	*outlen = o + w;
	return out;
}

static void
test_qp_exact(void **state)
{
	static const struct {
		const char	*in;
		size_t		 inlen;
		const char	*out;
	} c[] = {
		{ R(""), "" },
		{ R("abc"), "abc" },
		{ R("a=b"), "a=3Db" },
		{ R("a b"), "a b" },
		{ R("a b "), "a b=20" },
		{ R("a\t"), "a=09" },
		{ R("a \r\nb"), "a=20\r\nb" },
		{ R("a\t\r\n"), "a=09\r\n" },
		{ R("  \r\n"), " =20\r\n" },
		{ R("a\rb"), "a=0Db" },
		{ R("a\nb"), "a=0Ab" },
		{ R("\r"), "=0D" },
		{ R("\n\r"), "=0A=0D" },
		{ R("a \rb"), "a=20=0Db" },	/* SP before any CR */
		{ R("a \nb"), "a =0Ab" },
		{ R("a\r\r\n"), "a=0D\r\n" },
		{ R("\r\n\r\n"), "\r\n\r\n" },
		{ R("."), "=2E" },
		{ R(".\r\n"), "=2E\r\n" },
		{ R("a\r\n.b"), "a\r\n=2Eb" },
		{ R("a.b"), "a.b" },
		{ R("\0\x7f\x80\xff"), "=00=7F=80=FF" },
		{ R("caf\xc3\xa9"), "caf=C3=A9" },
		{ R("~!<>_?"), "~!<>_?" },
		{ R("=_"), "=3D_" },
		{ R("From x"), "From x" },
	};
	size_t i, n;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		s = qp_run(c[i].in, c[i].inlen, 0, &n);
		if (n != strlen(c[i].out) || memcmp(s, c[i].out, n) != 0)
			fail_msg("qp case %zu: [%.*s], want [%s]", i, (int)n,
			    s, c[i].out);
		free(s);
	}
}

/* Lines around 76 octets: na 'a's and a tail give wa 'a's and want. */
static void
test_qp_lines(void **state)
{
	static const struct {
		size_t		 na;
		const char	*tail;
		size_t		 wa;
		const char	*want;
	} c[] = {
		{ 75, "", 75, "" },
		{ 76, "", 75, "=\r\na" },
		{ 77, "", 75, "=\r\naa" },
		{ 75, "\r\n", 75, "\r\n" },
		{ 76, "\r\n", 75, "=\r\na\r\n" },
		{ 77, "\r\n", 75, "=\r\naa\r\n" },
		{ 72, " ", 72, "=20" },
		{ 73, " ", 73, "=\r\n=20" },
		{ 72, "=", 72, "=3D" },
		{ 73, "=", 73, "=\r\n=3D" },
		{ 74, ".b", 74, ".=\r\nb" },
		{ 75, ".b", 75, "=\r\n=2Eb" },
		{ 74, " b", 74, " =\r\nb" },
		{ 75, " b", 75, "=\r\n b" },
		{ 75, "\r\n.", 75, "\r\n=2E" },
		{ 151, "", 75, "=\r\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\na" },
	};
	char in[256], want[256], *s;
	size_t i, n, wn;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(in, 'a', c[i].na);
		memcpy(in + c[i].na, c[i].tail, strlen(c[i].tail));
		memset(want, 'a', c[i].wa);
		memcpy(want + c[i].wa, c[i].want, strlen(c[i].want));
		wn = c[i].wa + strlen(c[i].want);
		s = qp_run(in, c[i].na + strlen(c[i].tail), 0, &n);
		if (n != wn || memcmp(s, want, n) != 0)
			fail_msg("qp line case %zu: [%.*s]", i, (int)n, s);
		free(s);
	}
}

/* Encode, check, decode, compare; then feed in chunks of 1..17. */
static void
qp_roundtrip(const char *in, size_t n)
{
	char *one, *more, *dec;
	size_t len, mlen, chunk;

	one = qp_run(in, n, 0, &len);
	dec = malloc(len + 1);
	if (qp_decode(one, len, dec) != n || memcmp(dec, in, n) != 0)
		fail_msg("qp round trip of %zu bytes: [%.*s]", n, (int)len,
		    one);
	for (chunk = 1; chunk <= 17; chunk++) {
		more = qp_run(in, n, chunk, &mlen);
		if (mlen != len || memcmp(more, one, len) != 0)
			fail_msg("qp of %zu bytes in chunks of %zu differs", n,
			    chunk);
		free(more);
	}
	free(dec);
	free(one);
}

static void
test_qp_roundtrip_texts(void **state)
{
	static const struct {
		const char	*s;
		size_t		 n;
	} t[] = {
		{ R("Hello, world\r\n") },
		{ R("trailing space \r\ntrailing tab\t\r\nend ") },
		{ R("end\t") },
		{ R("  \r\n\t\t\r\n \t \r\n") },
		{ R("lone\rCR and lone\nLF\n\r\r\r\n") },
		{ R("\r\n.\r\n..\r\n.x\r\n") },
		{ R("=_=_ =?UTF-8?Q?x?= ==") },
		{ R("K\xc3\xb6nig \xce\x9a\xce\xb1\xce\xbb\xce\xb7 "
		    "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\r\n") },
		{ R("From here\r\nFrom there") },
		{ R("\0\0\0") },
		{ R("a \r") },
		{ R("\r\r\n\n") },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		qp_roundtrip(t[i].s, t[i].n);
}

/* All 256 byte values; lengths 1..300 of three patterns; lines near 76. */
static void
test_qp_roundtrip_generated(void **state)
{
	static const char text[] = "The quick brown fox. \t\r\n";
	static const char wsp[] = " \t\r\n.=a\r";
	char in[1024];
	size_t i, n, len;

	(void)state;
	for (i = 0; i < 256; i++)
		in[i] = (char)i;
	qp_roundtrip(in, 256);
	for (i = 0; i < 256; i++)
		in[i] = (char)(255 - i);
	qp_roundtrip(in, 256);
	for (n = 1; n <= 300; n++) {
		for (i = 0; i < n; i++)
			in[i] = (char)(i * 7 + 3);
		qp_roundtrip(in, n);
		for (i = 0; i < n; i++)
			in[i] = text[i % (sizeof(text) - 1)];
		qp_roundtrip(in, n);
		for (i = 0; i < n; i++)
			in[i] = wsp[(i * 5) % (sizeof(wsp) - 1)];
		qp_roundtrip(in, n);
	}
	for (len = 70; len <= 80; len++) {
		for (n = 0; n < 3 * (len + 2); n++)
			in[n] = n % (len + 2) == len ? '\r' :
			    n % (len + 2) == len + 1 ? '\n' :
			    n % (len + 2) == len - 1 ? ' ' : 'x';
		qp_roundtrip(in, n);
		qp_roundtrip(in, n - 2);
	}
}

/* The worst case stays within CODEC_QP_MAX_OUT (checked in qp_run). */
static void
test_qp_bound(void **state)
{
	char in[1000], *s;
	size_t n;

	(void)state;
	memset(in, 0xff, sizeof(in));
	s = qp_run(in, sizeof(in), 0, &n);
	assert_true(n <= CODEC_QP_MAX_OUT(sizeof(in)));
	free(s);
	memset(in, ' ', sizeof(in));
	s = qp_run(in, sizeof(in), 1, &n);
	free(s);
	memset(in, '\r', sizeof(in));
	s = qp_run(in, sizeof(in), 3, &n);
	free(s);
}

/* ---- header fields (RFC 5322 §2.2.3, RFC 2047) -------------------------- */

/*
 * Check one line of a field: at most max octets (76 if it holds an
 * encoded-word), not white space only.
 */
static void
line_check(const char *s, size_t n, size_t max)
{
	size_t i;

	if (has_seq(s, n, "=?") && max > 76)
		max = 76;
	if (n > max)
		fail_msg("line of %zu octets: [%.*s]", n, (int)n, s);
	for (i = 0; i < n && is_wsp(s[i]); i++)
		continue;
	if (i == n)
		fail_msg("empty or white-space line");
}

/*
 * Check a field made by codec_header() or codec_fold(): it starts with
 * "name:", a CR only in CRLF before SP or TAB (a fold), no LF alone, lines
 * checked by line_check().  Returns it unfolded (each CRLF deleted; the
 * caller frees).
 */
static char *
hdr_unfold(const char *h, const char *name, size_t max)
{
	size_t len = strlen(h), nlen = strlen(name), i, o = 0, start = 0;
	char *u = malloc(len + 1);

	if (strncmp(h, name, nlen) != 0 || h[nlen] != ':')
		fail_msg("[%s] does not start with %s:", h, name);
	for (i = 0; i <= len; i++) {
		if (i == len || h[i] == '\r') {
			line_check(h + start, i - start, max);
			if (i == len)
				break;
			if (h[i + 1] != '\n' || !is_wsp(h[i + 2]))
				fail_msg("CR not in a fold at %zu of [%s]", i,
				    h);
			start = ++i + 1;
			continue;
		}
		if (h[i] == '\n')
			fail_msg("bare LF at %zu of [%s]", i, h);
		u[o++] = h[i];
	}
	u[o] = '\0';
	return u;
}

/*
 * The value of a codec_header() field, decoded (caller frees); *plain
 * says whether it was left as is.  utf8: encoded-words must hold whole
 * UTF-8 characters.
 */
static char *
hdr_decode(const char *h, const char *name, int utf8, int *plain)
{
	char *u = hdr_unfold(h, name, 78), *v, *out;
	size_t nlen = strlen(name), words;

	if (u[nlen + 1] != ' ')
		fail_msg("no space after the colon in [%s]", h);
	v = u + nlen + 2;
	*plain = strstr(v, "=?") == NULL;
	if (*plain)
		out = strdup(v);
	else
		out = decode_words(v, &words, utf8);
	free(u);
	return out;
}

static void
test_header_exact(void **state)
{
	static const struct {
		const char	*name;
		const char	*value;
		const char	*out;
	} c[] = {
		{ "Subject", "Hello world", "Subject: Hello world" },
		{ "Subject", "", "Subject: " },
		{ "Subject", "x\ty", "Subject: x\ty" },
		{ "Subject", "caf\xc3\xa9", "Subject: =?UTF-8?B?Y2Fmw6k=?=" },
		{ "Subject", "a =?b?= c", "Subject: =?UTF-8?B?YSA9P2I/PSBj?=" },
		{ "Subject", " x", "Subject: =?UTF-8?B?IHg=?=" },
		{ "Subject", "=?x?=", "Subject: =?UTF-8?B?PT94Pz0=?=" },
		{ "X-A", "a?=b", "X-A: a?=b" },
	};
	size_t i;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		s = codec_header(c[i].name, c[i].value);
		if (strcmp(s, c[i].out) != 0)
			fail_msg("header case %zu: [%s], want [%s]", i, s,
			    c[i].out);
		free(s);
	}
}

/* Plain folding happens before the space; a word that cannot fit
   forces encoded-words. */
static void
test_header_fold_exact(void **state)
{
	char v[128], want[160], *s;
	int plain;

	(void)state;
	memset(v, 'a', 60);
	v[60] = ' ';
	memset(v + 61, 'b', 20);
	v[81] = '\0';
	s = codec_header("Subject", v);
	(void)snprintf(want, sizeof(want), "Subject: %.60s\r\n %s", v,
	    v + 61);
	assert_string_equal(s, want);
	free(s);
	/* "Subject: " and a word of 69 make 78: plain; 70: encoded */
	memset(v, 'w', 69);
	v[69] = '\0';
	s = codec_header("Subject", v);
	assert_int_equal(strlen(s), 78);
	assert_memory_equal(s + 9, v, 70);
	free(s);
	v[69] = 'w';
	v[70] = '\0';
	s = codec_header("Subject", v);
	free(hdr_decode(s, "Subject", 1, &plain));
	assert_int_equal(plain, 0);
	free(s);
	/* before the first of a run: no line ends in white space */
	memset(v, 'a', 60);
	memcpy(v + 60, " \t ", 3);
	memset(v + 63, 'b', 20);
	v[83] = '\0';
	s = codec_header("Subject", v);
	(void)snprintf(want, sizeof(want), "Subject: %.60s\r\n%s", v,
	    v + 60);
	assert_string_equal(s, want);
	free(s);
}

static void
header_roundtrip(const char *name, const char *value, int utf8, int want)
{
	char *s, *back;
	int plain;

	s = codec_header(name, value);
	back = hdr_decode(s, name, utf8, &plain);
	if (strcmp(back, value) != 0)
		fail_msg("header [%s] -> [%s] -> [%s]", value, s, back);
	if (want != -1 && plain != want)
		fail_msg("header [%s]: plain %d, want %d: [%s]", value, plain,
		    want, s);
	free(back);
	free(s);
}

static void
test_header_roundtrip(void **state)
{
	static const struct {
		const char	*name;
		const char	*value;
		int		 utf8;
		int		 plain;
	} c[] = {
		{ "Subject", "Re: [list] a perfectly ordinary subject line "
		    "that is long enough to need folding, twice over in fact, "
		    "since it goes on and on and on", 1, 1 },
		{ "Subject", "tab\tseparated\twords", 1, 1 },
		{ "Subject", "two  spaces,   three", 1, 1 },
		{ "Subject", "has =? inside", 1, 0 },
		{ "Subject", "trailing ", 1, 0 },
		{ "Subject", " leading", 1, 0 },
		{ "Subject", "\tleading", 1, 0 },
		{ "Subject", "line\r\nbreak", 1, 0 },
		{ "Subject", "lone\nLF", 1, 0 },
		{ "Subject", "lone\rCR", 1, 0 },
		{ "Subject", "DEL\x7f", 1, 0 },
		{ "Subject", "\x01 control", 1, 0 },
		{ "Subject", "\xce\x9a\xce\xb1\xce\xbb\xce\xb7\xce\xbc\xce\xad"
		    "\xcf\x81\xce\xb1 \xce\xba\xcf\x8c\xcf\x83\xce\xbc\xce\xb5",
		    1, 0 },
		{ "Subject", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae"
		    "\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88", 1, 0 },
		{ "Subject", "\xf0\x9f\x98\x80 party \xf0\x9f\x8e\x89", 1, 0 },
		{ "Subject", "\xff\xfe\xc3 bad", 0, 0 },
		{ "X-Extension-Header-With-A-Name-Long-Enough-To-Crowd-It",
		    "\xc3\xa9t\xc3\xa9", 1, 0 },
		{ "X-Extension-Header-With-A-Name-Long-Enough-To-Crowd", "\xc3"
		    "\xa9t\xc3\xa9", 1, 0 },
		{ "X-Extension-Header-With-A-Name-Long-Enough-To-Crow", "\xc3"
		    "\xa9t\xc3\xa9", 1, 0 },
		{ "X-Extension-Header-With-A-Name-Long-Enough-To-Crowd-It",
		    "plain", 1, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		header_roundtrip(c[i].name, c[i].value, c[i].utf8, c[i].plain);
}

#define KINDS	6

/*
 * Fill buf with at most n bytes (whole pieces) of kind: ASCII words,
 * Greek, CJK, emoji, mixed widths, or bytes 1..255 (not UTF-8).  Returns
 * the length; buf is NUL-terminated.
 */
static size_t
gen_text(char *buf, size_t n, int kind)
{
	static const char *const pieces[KINDS - 1][4] = {
		{ "lorem ", "ipsum ", "dolor", " sit " },
		{ "\xce\xba\xce\xb1\xce\xbb\xce\xb7", " ",
		    "\xce\xbc\xce\xad\xcf\x81\xce\xb1", "\xce\xa9" },
		{ "\xe6\x97\xa5", "\xe6\x9c\xac", "\xe8\xaa\x9e",
		    "\xe3\x81\xae" },
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x8e\x89", " ",
		    "\xf0\x9f\x91\x8d" },
		{ "a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80" },
	};
	size_t o = 0, i, l;

	if (kind == KINDS - 1) {
		for (o = 0; o < n; o++)
			buf[o] = (char)(o % 255 + 1);
		buf[n] = '\0';
		return n;
	}
	for (i = 0;; i++) {
		l = strlen(pieces[kind][i % 4]);
		if (o + l > n)
			break;
		memcpy(buf + o, pieces[kind][i % 4], l);
		o += l;
	}
	buf[o] = '\0';
	return o;
}

/* Every length 1..300 of every kind, under three names. */
static void
test_header_generated(void **state)
{
	static const char *const names[] = {
		"Subject",
		"X-Extension-Header-With-A-Name-Long-Enough-To-Crowd",
		"Comments",
	};
	char buf[400];
	size_t n, k;
	int kind;

	(void)state;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		for (kind = 0; kind < KINDS; kind++)
			for (n = 1; n <= 300; n++) {
				(void)gen_text(buf, n, kind);
				header_roundtrip(names[k], buf,
				    kind != KINDS - 1, -1);
			}
}

/* ---- structured folding ------------------------------------------------- */

/* Fail if a CRLF of f is inside a quoted string, comment or <...>. */
static void
fold_places(const char *f)
{
	const char *p;
	int quote = 0, angle = 0, cmt = 0;

	for (p = f; *p; p++) {
		if ((quote || cmt) && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '\r' && (quote || angle || cmt))
			fail_msg("folded inside at [%s]", p);
		else if (quote)
			quote = *p != '"';
		else if (cmt)
			cmt += (*p == '(') - (*p == ')');
		else if (*p == '"')
			quote = 1;
		else if (*p == '(')
			cmt = 1;
		else if (*p == '<' || *p == '>')
			angle = *p == '<';
	}
}

static void
test_fold_exact(void **state)
{
	char v[200], *s;

	(void)state;
	s = codec_fold("To", "a@example.com");
	assert_string_equal(s, "To: a@example.com");
	free(s);
	s = codec_fold("To", "");
	assert_string_equal(s, "To: ");
	free(s);
	s = codec_fold("To", "a@example.com,\r\n b@example.com");
	assert_string_equal(s, "To: a@example.com,\r\n b@example.com");
	free(s);
	/* no space: stays long */
	v[0] = '<';
	memset(v + 1, 'x', 120);
	(void)snprintf(v + 121, sizeof(v) - 121, "@example.com>");
	s = codec_fold("Message-ID", v);
	assert_true(strncmp(s, "Message-ID: ", 12) == 0);
	assert_string_equal(s + 12, v);
	free(s);
	/* fold before the space, as late as possible */
	s = codec_fold("To", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "@example.com, bbbbbbbbbbbb@example.com, c@example.com");
	assert_string_equal(s, "To: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaa@example.com,\r\n bbbbbbbbbbbb@example.com, "
	    "c@example.com");
	free(s);
}

static void
test_fold_lists(void **state)
{
	static const struct {
		const char	*name;
		const char	*value;
		int		 fits;
	} c[] = {
		{ "To", "\"Doe, John\" <john.doe@example.com>, \"Roe, Jane\" "
		    "<jane.roe@example.org>, \"Poe, Edgar A.\" "
		    "<eap@example.net>, Mary Major <mary.major@example.com>",
		    1 },
		{ "To", "\"A very long display name with many spaces inside it,"
		    " longer than one line of seventy-eight\" <x@example.com>,"
		    " b@example.com", 0 },
		{ "To", "Somebody <a very odd local part with spaces that makes"
		    " the address itself longer than a line@example.com>, "
		    "c@example.com", 0 },
		{ "Cc", "(a comment with a \" quote, and spaces, that goes on "
		    "and on and on for quite a while) a@example.com, "
		    "b@example.com, c@example.com", 0 },
		{ "References", "<a1@example.com> <b2@example.com> "
		    "<c3@example.com> <d4@example.com> <e5@example.com> "
		    "<f6@example.com> <g7@example.com> <h8@example.com>", 1 },
		{ "From", "=?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <joerg@example.com>"
		    ", =?UTF-8?B?w4lsaXNl?= <elise@example.com>, "
		    "x@example.com", 1 },
		/* 78 octets to the comma: over RFC 2047's 76 */
		{ "From", "=?UTF-8?B?SsO2cmcgSsO2cmcgSsO2cmcgSsO2cmcgSsO2cmcg"
		    "SsO2cmcgTcO8?= <ab@c>, x@example.com", 1 },
		{ "To", "one@example.com,   two@example.com,   "
		    "three@example.com,   four@example.com,   ", 1 },
		{ "To", "\"x \\\"a b c d e f g h i j k l m n o p q r s t u v "
		    "w x y z a b c d e f g h i j k l m n\\\" y\" "
		    "<q@example.com>", 0 },
		{ "Cc", "(x \\) a b c d e f g h i j k l m n o p q r s t u v w "
		    "x y z a b c d e f g h i j k l m n o p) <q@example.com>",
		    0 },
		{ "To", "\"say \\\"hi there\\\" to everyone, please, all of "
		    "you\" <list@example.com>, another.person@example.com, "
		    "\"x\\\\\" <y@example.com>", 1 },
	};
	size_t i;
	char *s, *u, *want;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		s = codec_fold(c[i].name, c[i].value);
		u = hdr_unfold(s, c[i].name, c[i].fits ? 78 : (size_t)-1);
		want = malloc(strlen(c[i].name) + strlen(c[i].value) + 3);
		(void)snprintf(want, strlen(c[i].name) + strlen(c[i].value) +
		    3, "%s: %s", c[i].name, c[i].value);
		if (strcmp(u, want) != 0)
			fail_msg("fold case %zu: [%s]", i, s);
		fold_places(s);
		free(want);
		free(u);
		free(s);
	}
}

/* ---- MIME parameters (RFC 2231, RFC 2045 §5.1) -------------------------- */

/* RFC 2231 attribute-char. */
static int
attr_char_ok(char c)
{
	return c > 0x20 && c < 0x7f &&
	    strchr("*'%()<>@,;:\\\"/[]?=", c) == NULL;
}

/*
 * %-decode [p, end) onto out + o, failing on an octet that should have
 * been encoded or a split or bad %XX, and (utf8) unless the piece is whole
 * UTF-8.  Returns the new length.
 */
static size_t
pct_decode(const char *p, const char *end, char *out, size_t o, int utf8)
{
	size_t start = o;

	for (; p < end; p++) {
		if (*p == '%') {
			if (end - p < 3 || hex_up(p[1]) < 0 || hex_up(p[2]) < 0)
				fail_msg("split or bad %%XX at [%s]", p);
			out[o++] = (char)(hex_up(p[1]) * 16 + hex_up(p[2]));
			p += 2;
		} else if (attr_char_ok(*p))
			out[o++] = *p;
		else
			fail_msg("octet 0x%02x not encoded at [%s]",
			    (unsigned char)*p, p);
	}
	if (utf8 && !utf8_ok((unsigned char *)out + start, o - start))
		fail_msg("segment splits a UTF-8 sequence");
	return o;
}

/*
 * Decode a codec_param() result for attr, checking its shape: attr="v"
 * (*form 0) with no '"', '\' or control inside; attr*=utf-8''... (1) on
 * a line of at most 76; or segments attr*N*= (2) numbered from 0, joined
 * by ";\r\n ", the first with utf-8'', each line (after the caller's SP,
 * with a ';') at most 78 octets.  Returns the value (caller frees).
 */
static char *
param_decode(const char *t, const char *attr, int utf8, int *form)
{
	size_t alen = strlen(attr), len = strlen(t), o = 0, seg, i;
	char *out = malloc(len + 1), head[128];
	const char *p = t + alen, *end;

	if (strncmp(t, attr, alen) != 0)
		fail_msg("[%s] does not start with %s", t, attr);
	if (p[0] == '=' && p[1] == '"') {
		*form = 0;
		if (len < alen + 3 || t[len - 1] != '"' || len + 2 > 78)
			fail_msg("bad quoted parameter [%s]", t);
		for (i = alen + 2; i < len - 1; i++) {
			if (t[i] < 0x20 || t[i] > 0x7e || t[i] == '"' ||
			    t[i] == '\\')
				fail_msg("bad octet in [%s]", t);
			out[o++] = t[i];
		}
	} else if (strncmp(p, "*=utf-8''", 9) == 0) {
		*form = 1;
		if (len + 1 > 76)
			fail_msg("single parameter over 76: [%s]", t);
		o = pct_decode(p + 9, t + len, out, 0, utf8);
	} else {
		*form = 2;
		for (p = t, seg = 0;; seg++) {
			if ((end = strstr(p, ";\r\n ")) == NULL)
				end = t + len;
			(void)snprintf(head, sizeof(head), "%s*%zu*=%s", attr,
			    seg, seg ? "" : "utf-8''");
			if (strncmp(p, head, strlen(head)) != 0)
				fail_msg("segment %zu is [%s]", seg, p);
			if ((size_t)(end - p) + 2 > 78)
				fail_msg("segment line over 78: [%s]", p);
			o = pct_decode(p + strlen(head), end, out, o, utf8);
			if (*end == '\0')
				break;
			p = end + 4;
		}
	}
	out[o] = '\0';
	return out;
}

static void
test_param_exact(void **state)
{
	static const struct {
		const char	*value;
		const char	*out;
	} c[] = {
		{ "report.pdf", "filename=\"report.pdf\"" },
		{ "my report (v2).pdf", "filename=\"my report (v2).pdf\"" },
		{ "", "filename=\"\"" },
		{ "\xe2\x82\xac.txt", "filename*=utf-8''%E2%82%AC.txt" },
		{ "a\"b", "filename*=utf-8''a%22b" },
		{ "a\\b", "filename*=utf-8''a%5Cb" },
		{ "=?x?=", "filename*=utf-8''%3D%3Fx%3F%3D" },
		{ "\xc3\xa9*'%;= ~",
		    "filename*=utf-8''%C3%A9%2A%27%25%3B%3D%20~" },
		{ "tab\there", "filename*=utf-8''tab%09here" },
		{ "()<>@,;:\\\"/[]?=\x7f\xff",
		    "filename*=utf-8''%28%29%3C%3E%40%2C%3B%3A%5C%22%2F%5B%5D"
		    "%3F%3D%7F%FF" },
	};
	size_t i;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		s = codec_param("filename", c[i].value);
		if (strcmp(s, c[i].out) != 0)
			fail_msg("param case %zu: [%s], want [%s]", i, s,
			    c[i].out);
		free(s);
	}
}

/* 60 octets stay quoted, 61 continue; " attr*=utf-8''v" up to 76 is one. */
static void
test_param_continuation(void **state)
{
	char v[128], want[256], *s;

	(void)state;
	memset(v, 'a', 60);
	v[60] = '\0';
	s = codec_param("filename", v);
	(void)snprintf(want, sizeof(want), "filename=\"%s\"", v);
	assert_string_equal(s, want);
	free(s);
	v[60] = 'a';
	v[61] = '\0';
	s = codec_param("filename", v);
	(void)snprintf(want, sizeof(want), "filename*0*=utf-8''%.57s;\r\n "
	    "filename*1*=aaaa", v);
	assert_string_equal(s, want);
	free(s);
	/* 1 + 8 + 9 + 6 + 52 = 76 */
	memcpy(v, "\xc3\xa9", 2);
	memset(v + 2, 'b', 52);
	v[54] = '\0';
	s = codec_param("filename", v);
	assert_int_equal(strlen(s), 75);
	assert_true(strncmp(s, "filename*=utf-8''%C3%A9bbb", 26) == 0);
	free(s);
	v[54] = 'b';
	v[55] = '\0';
	s = codec_param("filename", v);
	assert_true(strncmp(s, "filename*0*=utf-8''%C3%A9bbb", 28) == 0);
	free(s);
}

static void
param_roundtrip(const char *attr, const char *value, int utf8)
{
	size_t len = strlen(value), i;
	int form, plain = len <= 60 && strstr(value, "=?") == NULL;
	char *s, *back;

	for (i = 0; i < len; i++)
		if (value[i] < 0x20 || value[i] > 0x7e || value[i] == '"' ||
		    value[i] == '\\')
			plain = 0;
	s = codec_param(attr, value);
	back = param_decode(s, attr, utf8, &form);
	if (strcmp(back, value) != 0)
		fail_msg("param [%s] -> [%s] -> [%s]", value, s, back);
	if ((form == 0) != plain)
		fail_msg("param [%s]: form %d: [%s]", value, form, s);
	free(back);
	free(s);
}

static void
test_param_roundtrip(void **state)
{
	static const char *const attrs[] = { "filename", "name", "x" };
	char buf[400];
	size_t n, a;
	int kind;

	(void)state;
	for (a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++)
		for (kind = 0; kind < KINDS; kind++)
			for (n = 1; n <= 300; n++) {
				(void)gen_text(buf, n, kind);
				param_roundtrip(attrs[a], buf,
				    kind != KINDS - 1);
			}
	param_roundtrip("filename", "\xce\x9a\xce\xb1\xce\xbb\xce\xb7"
	    "\xce\xbc\xce\xad\xcf\x81\xce\xb1.pdf", 1);
	param_roundtrip("filename", "\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98"
	    "\x80 emoji.txt", 1);
}

/*
 * Decode a codec_param_2047() result: attr="...", CRLF only before a SP
 * inside the quotes of an encoded value, lines (after the caller's SP,
 * with a ';') at most 76 then.  *plain: the value was kept as is.
 */
static char *
param2047_decode(const char *t, const char *attr, int utf8, int *plain)
{
	size_t alen = strlen(attr), len = strlen(t), i, o = 0, col = 1;
	char *in = malloc(len + 1), *out;

	if (strncmp(t, attr, alen) != 0 || t[alen] != '=' ||
	    t[alen + 1] != '"' || len < alen + 3 || t[len - 1] != '"')
		fail_msg("bad parameter [%s]", t);
	*plain = strncmp(t + alen + 2, "=?", 2) != 0;
	for (i = alen + 2; i < len - 1; i++) {
		if (*plain && t[i] == '\\')
			i++;
		else if (*plain && (t[i] == '"' || t[i] == '\r'))
			fail_msg("bad plain parameter [%s]", t);
		else if (t[i] == '\r') {
			if (t[i + 1] != '\n' || t[i + 2] != ' ')
				fail_msg("bad fold in [%s]", t);
			i++;
			col = 0;
			continue;
		}
		in[o++] = t[i];
		if (!*plain && ++col + (i + 2 == len ? 2 : 0) > 76)
			fail_msg("line over 76 in [%s]", t);
	}
	in[o] = '\0';
	if (*plain)
		return in;
	out = decode_words(in, &i, utf8);
	free(in);
	return out;
}

static void
test_param_2047_exact(void **state)
{
	static const struct {
		const char	*value;
		const char	*out;
	} c[] = {
		{ "report.pdf", "name=\"report.pdf\"" },
		{ "say \"hi\" \\o/", "name=\"say \\\"hi\\\" \\\\o/\"" },
		{ "", "name=\"\"" },
		{ "\xe2\x82\xac.txt", "name=\"=?UTF-8?B?4oKsLnR4dA==?=\"" },
		{ "=?x?=", "name=\"=?UTF-8?B?PT94Pz0=?=\"" },
	};
	char v[256], *s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		s = codec_param_2047("name", c[i].value);
		if (strcmp(s, c[i].out) != 0)
			fail_msg("param_2047 case %zu: [%s], want [%s]", i, s,
			    c[i].out);
		free(s);
	}
	/* long ASCII stays on one line */
	memset(v, 'n', 200);
	v[200] = '\0';
	s = codec_param_2047("name", v);
	assert_int_equal(strlen(s), 207);
	assert_null(strchr(s, '\r'));
	free(s);
}

/* Printable ASCII with no "=?": what codec_param_2047() keeps. */
static int
ascii_plain(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e || (s[0] == '=' && s[1] == '?'))
			return 0;
	return 1;
}

static void
test_param_2047_roundtrip(void **state)
{
	static const char *const attrs[] = { "name", "filename",
	    "a-rather-long-parameter-attribute-name-to-crowd-the-line" };
	char buf[400], *s, *back;
	size_t n, a;
	int kind, plain;

	(void)state;
	for (a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++)
		for (kind = 0; kind < KINDS; kind++)
			for (n = 1; n <= 300; n++) {
				(void)gen_text(buf, n, kind);
				s = codec_param_2047(attrs[a], buf);
				back = param2047_decode(s, attrs[a],
				    kind != KINDS - 1, &plain);
				if (strcmp(back, buf) != 0)
					fail_msg("param_2047 [%s] -> [%s]",
					    buf, s);
				if (plain != ascii_plain(buf))
					fail_msg("param_2047 form: [%s]", s);
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
		cmocka_unit_test(test_phrase_long),
		cmocka_unit_test(test_phrase_encoded_specials),
		cmocka_unit_test(test_qp_exact),
		cmocka_unit_test(test_qp_lines),
		cmocka_unit_test(test_qp_roundtrip_texts),
		cmocka_unit_test(test_qp_roundtrip_generated),
		cmocka_unit_test(test_qp_bound),
		cmocka_unit_test(test_header_exact),
		cmocka_unit_test(test_header_fold_exact),
		cmocka_unit_test(test_header_roundtrip),
		cmocka_unit_test(test_header_generated),
		cmocka_unit_test(test_fold_exact),
		cmocka_unit_test(test_fold_lists),
		cmocka_unit_test(test_param_exact),
		cmocka_unit_test(test_param_continuation),
		cmocka_unit_test(test_param_roundtrip),
		cmocka_unit_test(test_param_2047_exact),
		cmocka_unit_test(test_param_2047_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
