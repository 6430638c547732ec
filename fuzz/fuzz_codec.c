/*
 * fuzz_codec.c -- the encoders that write message text, on any bytes.
 * The first byte picks the mode (its value modulo 3) and seeds the chunk
 * sizes; the rest is the data.
 *
 * 0: quoted-printable, fed in chunks of random size: the same output as
 *    fed whole, lines of at most 76 octets ending in CRLF only, no octet
 *    >= 0x80, no white space ending a line, no '.' starting one, and a
 *    strict decoder gives the data back exactly.
 * 1: codec_header("Subject", data up to a NUL): CR and LF only as folds
 *    (CRLF then SP or TAB), lines of at most 998 octets, of at most 78
 *    when the data holds no CR or LF; unfolding or decoding the RFC 2047
 *    words gives the value back.
 * 2: codec_param("filename", ...) and codec_param_2047("name", ...): CR
 *    and LF only as folds, no octet >= 0x80, lines within 78 octets
 *    (76 for encoded-words) with the caller's leading SP and ';' counted,
 *    and decoding gives the value back.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define QP_LINE		76
#define HDR_LINE	78
#define EW_LINE		76
#define EW_MAX		75
#define LINE_MAX_RFC	998

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;		/* lowercase is not what the encoder writes */
}

/*
 * CR and LF only as CRLF; with fold, a CRLF only before SP or TAB (never
 * at the end); no octet >= 0x80, no other control but TAB.  Each line
 * within max octets, counting first more on the first line and last
 * more on the last (a caller's leading SP, a ';' it may add).
 */
static void
check_lines(const char *s, size_t n, int fold, size_t first, size_t last,
    size_t max)
{
	size_t i, start = 0, add = first;

	for (i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : '\0';

		if (i < n && (c >= 0x7f || (c < 0x20 && c != '\t' &&
		    c != '\r' && c != '\n')))
			abort();
		if (c == '\n' && (i == 0 || s[i - 1] != '\r'))
			abort();
		if (c == '\r' && (i + 1 >= n || s[i + 1] != '\n'))
			abort();
		if (c == '\r' && fold && (i + 2 >= n ||
		    (s[i + 2] != ' ' && s[i + 2] != '\t')))
			abort();
		if (c == '\r' && i - start + add > max)
			abort();
		if (i == n && i - start + add + last > max)
			abort();
		if (c == '\r') {
			start = i + 2;
			add = 0;
		}
	}
}

/* Is s valid UTF-8 as the codec reads it (a lead byte, continuations)? */
static int
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, len, k;

	while (i < n) {
		if (s[i] < 0x80)
			len = 1;
		else if (s[i] >= 0xC2 && s[i] <= 0xDF)
			len = 2;
		else if (s[i] >= 0xE0 && s[i] <= 0xEF)
			len = 3;
		else if (s[i] >= 0xF0 && s[i] <= 0xF4)
			len = 4;
		else
			return 0;
		if (len > n - i)
			return 0;
		for (k = 1; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

/* ---- quoted-printable -------------------------------------------------- */

/* Strict RFC 2045 decoding of what codec_qp_* writes; aborts on a fault. */
static size_t
qp_decode(const char *s, size_t n, char *out)
{
	size_t i = 0, o = 0, col = 0;
	int hi, lo;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r') {
			if (i + 1 >= n || s[i + 1] != '\n')
				abort();
			/* no white space before a hard break */
			if (col > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
				abort();
			out[o++] = '\r';
			out[o++] = '\n';
			i += 2;
			col = 0;
		} else if (c == '=') {
			if (i + 1 < n && s[i + 1] == '\r') {
				if (i + 2 >= n || s[i + 2] != '\n')
					abort();
				i += 3;		/* soft break */
				col = 0;
				continue;
			}
			if (i + 2 >= n ||
			    (hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0)
				abort();
			c = (unsigned char)(hi << 4 | lo);
			/* literal octets stay literal, but a leading '.' */
			if (c >= 33 && c <= 126 && c != '=' &&
			    !(c == '.' && col == 0))
				abort();
			out[o++] = (char)c;
			i += 3;
			col += 3;
		} else if ((c >= 33 && c <= 126) || c == ' ' || c == '\t') {
			if (c == '.' && col == 0)
				abort();
			out[o++] = (char)c;
			i++;
			col++;
		} else
			abort();
		/* room left for the '=' of a soft break */
		if (col > QP_LINE - 1)
			abort();
	}
	/* no white space ending the text */
	if (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		abort();
	return o;
}

static uint32_t
rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Encode in chunks of random size (seed 0: in one piece). */
static size_t
qp_run(const char *in, size_t n, uint32_t seed, char **res)
{
	struct codec_qp q;
	size_t i, k, m, len = 0;
	char *out, *tmp;

	out = xmalloc(CODEC_QP_MAX_OUT(n) + 8);
	codec_qp_init(&q);
	for (i = 0; i < n; i += k) {
		k = seed == 0 ? n - i : 1 + rnd(&seed) % 97;
		if (k > n - i)
			k = n - i;
		/* exactly the room codec.h asks for, so ASan sees more */
		tmp = xmalloc(CODEC_QP_MAX_OUT(k));
		m = codec_qp_feed(&q, in + i, k, tmp);
		memcpy(out + len, tmp, m);
		len += m;
		free(tmp);
	}
	tmp = xmalloc(8);
	m = codec_qp_finish(&q, tmp);
	memcpy(out + len, tmp, m);
	len += m;
	free(tmp);
	*res = out;
	return len;
}

static void
mode_qp(const char *in, size_t n, uint32_t seed)
{
	char *a, *b, *dec;
	size_t na, nb, nd;

	na = qp_run(in, n, seed | 1, &a);
	nb = qp_run(in, n, 0, &b);
	if (na != nb || memcmp(a, b, na) != 0)
		abort();
	check_lines(a, na, 0, 0, 0, QP_LINE);
	dec = xmalloc(na + 1);
	nd = qp_decode(a, na, dec);
	if (nd != n || memcmp(dec, in, n) != 0)
		abort();
	free(dec);
	free(a);
	free(b);
}

/* ---- RFC 2047 words ---------------------------------------------------- */

/*
 * Decode "=?UTF-8?B?...?=" words separated by "\r\n " from s into out
 * (appending at *olen); each word at most EW_MAX octets, each valid UTF-8
 * when utf8 says so.  Returns s after the last word.
 */
static const char *
words_decode(const char *s, char *out, size_t *olen, int utf8)
{
	const char *end;
	unsigned char *dec;
	long m;

	for (;;) {
		if (strncmp(s, "=?UTF-8?B?", 10) != 0)
			abort();
		if ((end = strstr(s + 10, "?=")) == NULL)
			abort();
		if (end + 2 - s > EW_MAX)
			abort();
		if ((m = codec_b64_decode(s + 10, (size_t)(end - (s + 10)),
		    &dec)) <= 0)
			abort();
		if (utf8 && !utf8_valid(dec, (size_t)m))
			abort();
		memcpy(out + *olen, dec, (size_t)m);
		*olen += (size_t)m;
		free(dec);
		s = end + 2;
		if (strncmp(s, "\r\n ", 3) != 0)
			return s;
		s += 3;
	}
}

/* ---- header fields ----------------------------------------------------- */

static void
mode_header(const char *v)
{
	size_t vlen = strlen(v), n, i, k;
	char *h, *dec;
	const char *p;
	int crlf = strpbrk(v, "\r\n") != NULL;

	h = codec_header("Subject", v);
	n = strlen(h);
	check_lines(h, n, 1, 0, 0, crlf ? LINE_MAX_RFC : HDR_LINE);
	dec = xmalloc(n + vlen + 16);
	/* as is, folded: deleting each CRLF gives "Subject: value" */
	for (i = k = 0; i < n; i++)
		if (h[i] != '\r' && h[i] != '\n')
			dec[k++] = h[i];
	if (k == 9 + vlen && memcmp(dec, "Subject: ", 9) == 0 &&
	    memcmp(dec + 9, v, vlen) == 0) {
		/* no line ends in white space */
		for (i = 0; i + 1 < n; i++)
			if (h[i + 1] == '\r' && (h[i] == ' ' || h[i] == '\t'))
				abort();
		goto done;
	}
	/* else RFC 2047 words on lines of at most 76 octets */
	check_lines(h, n, 1, 0, 0, EW_LINE);
	if (strncmp(h, "Subject: ", 9) == 0)
		p = h + 9;
	else if (strncmp(h, "Subject:\r\n ", 11) == 0)
		p = h + 11;
	else
		abort();
	k = 0;
	p = words_decode(p, dec, &k, utf8_valid((const unsigned char *)v,
	    vlen));
	if (*p != '\0' || k != vlen || memcmp(dec, v, vlen) != 0)
		abort();
done:
	free(dec);
	free(h);
}

/* ---- MIME parameters --------------------------------------------------- */

static int
attr_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f &&
	    strchr("*'%()<>@,;:\\\"/[]?=", c) == NULL;
}

/* %-decode s up to a ';' or the end; returns where it stopped. */
static const char *
pct_decode(const char *s, char *out, size_t *olen)
{
	int hi, lo;

	for (; *s != '\0' && *s != ';'; s++) {
		if (*s == '%') {
			if ((hi = hexval((unsigned char)s[1])) < 0 ||
			    (lo = hexval((unsigned char)s[2])) < 0)
				abort();
			/* only what must be encoded is */
			if (attr_char((unsigned char)(hi << 4 | lo)))
				abort();
			out[(*olen)++] = (char)(hi << 4 | lo);
			s += 2;
		} else if (attr_char((unsigned char)*s))
			out[(*olen)++] = *s;
		else
			abort();
	}
	return s;
}

/* codec_param("filename", v): quoted, one RFC 2231 value or sections. */
static void
check_param(const char *v, size_t vlen, int utf8)
{
	char *s, *dec, want[32];
	const char *p;
	size_t n, k = 0, seg, at;

	s = codec_param("filename", v);
	n = strlen(s);
	/* the caller writes " " before and may write ";" after */
	check_lines(s, n, 1, 1, 1, HDR_LINE);
	dec = xmalloc(n + 1);
	if (strncmp(s, "filename=\"", 10) == 0) {
		if (n != 11 + vlen || memcmp(s + 10, v, vlen) != 0 ||
		    s[n - 1] != '"' || memchr(v, '"', vlen) != NULL ||
		    memchr(v, '\\', vlen) != NULL)
			abort();
	} else if (strncmp(s, "filename*=utf-8''", 17) == 0) {
		p = pct_decode(s + 17, dec, &k);
		if (*p != '\0' || k != vlen || memcmp(dec, v, vlen) != 0)
			abort();
	} else {
		p = s;
		for (seg = 0; *p != '\0'; seg++) {
			if (seg > 0 && strncmp(p, ";\r\n ", 4) != 0)
				abort();
			if (seg > 0)
				p += 4;
			(void)snprintf(want, sizeof(want), "filename*%zu*=%s",
			    seg, seg == 0 ? "utf-8''" : "");
			if (strncmp(p, want, strlen(want)) != 0)
				abort();
			at = k;
			p = pct_decode(p + strlen(want), dec, &k);
			/* no empty section, no UTF-8 character split */
			if (k == at ||
			    (utf8 && ((unsigned char)dec[at] & 0xC0) == 0x80))
				abort();
		}
		if (seg < 2 || k != vlen || memcmp(dec, v, vlen) != 0)
			abort();
	}
	free(dec);
	free(s);
}

/* codec_param_2047("name", v): quoted as is, or quoted encoded-words. */
static void
check_param_2047(const char *v, size_t vlen, int utf8)
{
	char *s, *dec;
	const char *p;
	size_t n, i, k = 0;
	int ascii = strstr(v, "=?") == NULL;

	for (i = 0; i < vlen; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			ascii = 0;
	s = codec_param_2047("name", v);
	n = strlen(s);
	dec = xmalloc(n + 1);
	if (strncmp(s, "name=\"", 6) != 0 || n < 7 || s[n - 1] != '"')
		abort();
	if (ascii) {
		/* one line whatever its length (codec.h) */
		check_lines(s, n, 1, 1, 1, SIZE_MAX);
		if (memchr(s, '\r', n) != NULL)
			abort();
		for (p = s + 6; p < s + n - 1; p++) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				abort();
			dec[k++] = *p;
		}
		if (k != vlen || memcmp(dec, v, vlen) != 0)
			abort();
	} else {
		check_lines(s, n, 1, 1, 1, EW_LINE);
		s[n - 1] = '\0';
		p = words_decode(s + 6, dec, &k, utf8);
		if (*p != '\0' || k != vlen || memcmp(dec, v, vlen) != 0)
			abort();
	}
	free(dec);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data + 1;
	char *v;
	size_t n, vlen;
	uint32_t seed;

	if (size < 1)
		return 0;
	n = size - 1;
	seed = (uint32_t)data[0] * 2654435761u ^ (uint32_t)n;
	switch (data[0] % 3) {
	case 0:
		mode_qp(in, n, seed);
		return 0;
	case 1:
		v = xstrndup(in, n);	/* stops at a NUL */
		mode_header(v);
		break;
	default:
		v = xstrndup(in, n);
		vlen = strlen(v);
		check_param(v, vlen, utf8_valid((const unsigned char *)v,
		    vlen));
		check_param_2047(v, vlen, utf8_valid((const unsigned char *)v,
		    vlen));
		break;
	}
	free(v);
	return 0;
}
