/*
 * codec.c -- pure encoders and decoders.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "xmalloc.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
codec_b64_encode_to(const void *data, size_t n, char *o)
{
	const unsigned char *p = data;
	char *start = o;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*o++ = b64[p[i] >> 2];
		*o++ = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = b64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = b64[p[i + 2] & 63];
	}
	if (i < n) {
		*o++ = b64[p[i] >> 2];
		if (i + 1 < n) {
			*o++ = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			*o++ = b64[(p[i + 1] & 15) << 2];
		} else {
			*o++ = b64[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	return (size_t)(o - start);
}

char *
codec_b64_encode(const void *data, size_t n)
{
	char *out = xmalloc((n + 2) / 3 * 4 + 1);

	out[codec_b64_encode_to(data, n, out)] = '\0';
	return out;
}

static int
b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
codec_b64_decode(const char *s, size_t n, unsigned char **out)
{
	unsigned char *o, *start;
	size_t i;
	int v[4], k, pad;

	*out = NULL;
	if (n % 4)
		return -1;
	start = o = xmalloc(n / 4 * 3 + 1);
	for (i = 0; i < n; i += 4) {
		pad = 0;
		for (k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)s[i + k];

			if (c == '=' && i + 4 == n && k >= 2) {
				pad++;
				v[k] = 0;
				continue;
			}
			if (pad || (v[k] = b64_val(c)) < 0)
				goto bad;
		}
		*o++ = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			*o++ = (unsigned char)(v[1] << 4 | v[2] >> 2);
		if (pad < 1)
			*o++ = (unsigned char)(v[2] << 6 | v[3]);
		/* Canonical: the bits dropped by padding must be zero. */
		if ((pad == 2 && (v[1] & 15)) || (pad == 1 && (v[2] & 3)))
			goto bad;
	}
	*o = '\0';
	*out = start;
	return (long)(o - start);
bad:
	free(start);
	return -1;
}

char *
codec_xtext(const char *s)
{
	struct buf b;
	const unsigned char *p;

	buf_init(&b, strlen(s) * 3 + 1);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p < 33 || *p > 126 || *p == '+' || *p == '=')
			(void)buf_addf(&b, "+%02X", *p);
		else
			(void)buf_addc(&b, (char)*p);
	}
	return buf_take(&b);
}

int
codec_has_8bit(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] & 0x80)
			return 1;
	return 0;
}

static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/*
 * Length of the longest prefix of s (len bytes, cut at max) that ends on a
 * UTF-8 character boundary.  Looks back at most 3 bytes, so invalid input
 * is cut at max, and the result is never 0 when len and max are not.
 */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	size_t k;

	if (len <= max)
		return len;
	for (k = 0; k < 4 && k < max; k++)
		if (((unsigned char)s[max - k] & 0xC0) != 0x80)
			return max - k;
	return max;
}

/* The longest run of octets without a space. */
static size_t
longest_word(const char *s)
{
	size_t n, max = 0;

	for (; *s; s += n) {
		s += strspn(s, " ");
		n = strcspn(s, " ");
		if (n > max)
			max = n;
	}
	return max;
}

char *
codec_phrase(const char *name)
{
	struct buf b;
	const char *p;
	size_t len = strlen(name), n;
	int atoms = 1, printable = 1;

	for (p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c >= 0x80 || c < 0x20 || c == 0x7f)
			printable = 0;
		else if (!is_atext(c) && c != ' ')
			atoms = 0;
	}
	/* Too long to stay on a folded line: a word of over 70 octets, or
	   a quoted string (never folded) of over 70: encoded-words, which
	   fold between them. */
	if (printable && (longest_word(name) > 70 || (!atoms && len > 68)))
		printable = 0;
	/* A word that looks like an encoded-word is quoted, so no reader
	   decodes it into something else. */
	if (printable && atoms && len && name[0] != ' ' &&
	    name[len - 1] != ' ' && strstr(name, "  ") == NULL &&
	    strncmp(name, "=?", 2) != 0 && strstr(name, " =?") == NULL)
		return xstrdup(name);
	buf_init(&b, len * 4 + 64);
	if (printable) {
		(void)buf_addc(&b, '"');
		for (p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				(void)buf_addc(&b, '\\');
			(void)buf_addc(&b, *p);
		}
		(void)buf_addc(&b, '"');
		return buf_take(&b);
	}
	/* Encoded-words of at most 75 octets: 45 input bytes -> 60 chars. */
	for (p = name; len; ) {
		char *enc;

		n = utf8_cut(p, len, 45);
		if (n == 0)
			n = len < 45 ? len : 45;
		enc = codec_b64_encode(p, n);
		(void)buf_addf(&b, "%s=?UTF-8?B?%s?=", p == name ? "" : " ",
		    enc);
		free(enc);
		p += n;
		len -= n;
	}
	return buf_take(&b);
}

/* ---- quoted-printable (RFC 2045 §6.7) ---------------------------------- */

#define QP_LINE		76	/* octets per line, soft break '=' included */

static const char hexdig[] = "0123456789ABCDEF";

void
codec_qp_init(struct codec_qp *q)
{
	q->col = 0;
	q->pend = -1;
}

/*
 * Write c, literal if lit, else as =XX, after a soft break if the line
 * would leave no room for one.  A '.' starting a line is never literal.
 */
static size_t
qp_put(struct codec_qp *q, char *out, unsigned char c, int lit)
{
	size_t o = 0;

	if (q->col + (lit ? 1 : 3) > QP_LINE - 1) {
		memcpy(out, "=\r\n", 3);
		o = 3;
		q->col = 0;
	}
	if (c == '.' && q->col == 0)
		lit = 0;
	if (lit) {
		out[o++] = (char)c;
		q->col++;
	} else {
		out[o++] = '=';
		out[o++] = hexdig[c >> 4];
		out[o++] = hexdig[c & 15];
		q->col += 3;
	}
	return o;
}

static int
qp_literal(unsigned char c)
{
	return c >= 33 && c <= 126 && c != '=';
}

/* One input byte: settle the held byte, then write or hold c. */
static size_t
qp_step(struct codec_qp *q, unsigned char c, char *out)
{
	size_t o = 0;
	int p = q->pend;

	q->pend = -1;
	if (p == '\r') {
		if (c == '\n') {
			memcpy(out, "\r\n", 2);
			q->col = 0;
			return 2;
		}
		o = qp_put(q, out, '\r', 0);
	} else if (p != -1)
		o = qp_put(q, out, (unsigned char)p, c != '\r');
	if (c == '\r' || c == ' ' || c == '\t') {
		q->pend = c;
		return o;
	}
	return o + qp_put(q, out + o, c, qp_literal(c));
}

size_t
codec_qp_feed(struct codec_qp *q, const char *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		o += qp_step(q, (unsigned char)in[i], out + o);
	return o;
}

size_t
codec_qp_finish(struct codec_qp *q, char *out)
{
	size_t o = 0;

	if (q->pend != -1)
		o = qp_put(q, out, (unsigned char)q->pend, 0);
	q->pend = -1;
	return o;
}

/* ---- header fields (RFC 5322 §2.2.3, RFC 2047) -------------------------- */

#define HDR_LINE	78	/* RFC 5322 §2.1.1 */
#define EW_LINE		76	/* RFC 2047 §2: a line holding encoded-words */
#define EW_MAX		75	/* RFC 2047 §2: one encoded-word */
#define EW_MIN		20	/* one 4-byte UTF-8 character: 12 + 8 */

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Copy s (len bytes) to b, inserting CRLF before positions marked in ok so
 * that lines are at most max octets, folding as late as possible.
 * Where no mark allows that, the line stays long, folded at the first mark
 * after it.  Returns 0, or -1 if some line is too long.
 */
static int
fold_at(struct buf *b, const char *s, size_t len, const char *ok, size_t max)
{
	size_t start = 0, cut, p;
	int rc = 0;

	while (len - start > max) {
		cut = 0;
		for (p = start + 1; p <= start + max; p++)
			if (ok[p])
				cut = p;
		if (cut == 0) {
			rc = -1;
			for (p = start + max + 1; p < len && !ok[p]; p++)
				continue;
			if (p == len)
				break;
			cut = p;
		}
		(void)buf_add(b, s + start, cut - start);
		(void)buf_add(b, "\r\n", 2);
		start = cut;
	}
	(void)buf_add(b, s + start, len - start);
	return rc;
}

/*
 * Append n bytes of s as RFC 2047 "B" encoded-words in UTF-8, separated by
 * "\r\n ": the first at most first octets, the others at most rest.  Both
 * are at least EW_MIN, so a whole UTF-8 character always fits.
 */
static void
words_add(struct buf *b, const char *s, size_t n, size_t first, size_t rest)
{
	size_t room = first, k;
	char *enc;
	int sep = 0;

	while (n > 0) {
		k = utf8_cut(s, n, (room - 12) / 4 * 3);
		enc = codec_b64_encode(s, k);
		(void)buf_addf(b, "%s=?UTF-8?B?%s?=", sep ? "\r\n " : "", enc);
		free(enc);
		s += k;
		n -= k;
		room = rest;
		sep = 1;
	}
}

/* Printable ASCII or TAB, no "=?", no white space at either end. */
static int
hdr_plain_ok(const char *v, size_t len)
{
	size_t i;

	if (len && (is_wsp(v[0]) || is_wsp(v[len - 1])))
		return 0;
	if (strstr(v, "=?") != NULL)
		return 0;
	for (i = 0; i < len; i++)
		if ((v[i] < 0x20 || v[i] > 0x7e) && v[i] != '\t')
			return 0;
	return 1;
}

/* Fold "name: value" before the first SP/TAB of each run in value. */
static int
hdr_fold_plain(struct buf *b, const char *name, const char *value)
{
	size_t nlen = strlen(name), len, p;
	char *s, *ok;
	int rc;

	s = xasprintf("%s: %s", name, value);
	len = strlen(s);
	ok = xcalloc(len + 1, 1);
	for (p = nlen + 3; p < len; p++)
		ok[p] = is_wsp(s[p]) && !is_wsp(s[p - 1]);
	rc = fold_at(b, s, len, ok, HDR_LINE);
	free(ok);
	free(s);
	return rc;
}

char *
codec_header(const char *name, const char *value)
{
	struct buf b;
	size_t nlen = strlen(name), vlen = strlen(value), room = 0;

	buf_init(&b, 4 * (nlen + vlen) + 256);
	if (hdr_plain_ok(value, vlen)) {
		if (hdr_fold_plain(&b, name, value) == 0)
			return buf_take(&b);
		buf_reset(&b);
	}
	(void)buf_addf(&b, "%s:", name);
	if (nlen + 2 < EW_LINE)
		room = EW_LINE - nlen - 2;	/* below EW_MAX */
	if (room < EW_MIN) {
		(void)buf_addstr(&b, "\r\n ");
		room = EW_MAX;
	} else
		(void)buf_addc(&b, ' ');
	words_add(&b, value, vlen, room, EW_MAX);
	return buf_take(&b);
}

/*
 * Mark the SPs of s, from offset from on, where a structured field may be
 * folded: outside quoted strings, comments and <...>, the first SP of a
 * run, and something other than white space after the run.
 */
static void
fold_marks(const char *s, size_t len, size_t from, char *ok)
{
	size_t p, last = 0;
	int quote = 0, angle = 0, cmt = 0;

	for (p = from; p < len; p++)
		if (!is_wsp(s[p]))
			last = p;
	for (p = from; p < last; p++) {
		char c = s[p];

		if ((quote || cmt) && c == '\\')
			p++;
		else if (quote)
			quote = c != '"';
		else if (cmt)
			cmt += (c == '(') - (c == ')');
		else if (c == '"')
			quote = 1;
		else if (c == '(')
			cmt = 1;
		else if (c == '<' || c == '>')
			angle = c == '<';
		else if (c == ' ' && !angle && p > from && !is_wsp(s[p - 1]))
			ok[p] = 1;
	}
}

char *
codec_fold(const char *name, const char *value)
{
	struct buf b;
	size_t nlen = strlen(name), len;
	char *s, *ok;

	s = xasprintf("%s: %s", name, value);
	if (strpbrk(value, "\r\n") != NULL)
		return s;
	len = strlen(s);
	ok = xcalloc(len + 1, 1);
	fold_marks(s, len, nlen + 2, ok);
	buf_init(&b, 2 * len + 16);
	/* RFC 2047 §2: lines holding encoded-words are shorter */
	(void)fold_at(&b, s, len, ok,
	    strstr(value, "=?") != NULL ? EW_LINE : HDR_LINE);
	free(ok);
	free(s);
	return buf_take(&b);
}

/* ---- MIME parameters (RFC 2231, RFC 2045 §5.1) -------------------------- */

#define PARAM_PLAIN	60	/* longest value kept as a quoted-string */

/* RFC 2231 attribute-char: CHAR but SPACE, CTLs, '*', '\'', '%', tspecials */
static int
attr_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f &&
	    strchr("*'%()<>@,;:\\\"/[]?=", c) == NULL;
}

/* Octets in the %-encoding of n bytes of s. */
static size_t
pct_len(const char *s, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		w += attr_char((unsigned char)s[i]) ? 1 : 3;
	return w;
}

static void
pct_add(struct buf *b, const char *s, size_t n)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (attr_char(c))
			(void)buf_addc(b, (char)c);
		else
			(void)buf_addf(b, "%%%c%c", hexdig[c >> 4],
			    hexdig[c & 15]);
	}
}

/* Length of the valid UTF-8 sequence at s (n bytes left), else 1. */
static size_t
utf8_len(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t len, k;

	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 1;
	if (len > n)
		return 1;
	for (k = 1; k < len; k++)
		if (((unsigned char)s[k] & 0xC0) != 0x80)
			return 1;
	return len;
}

/* RFC 2231 §3 continuations: attr*0*=utf-8''...;CRLF SP attr*1*=... */
static void
param_segments(struct buf *b, const char *attr, const char *v, size_t n)
{
	size_t i = 0, seg = 0, used, start, k, w;
	int any;

	while (i < n) {
		if (seg > 0)
			(void)buf_addstr(b, ";\r\n ");
		start = b->len;
		(void)buf_addf(b, "%s*%zu*=%s", attr, seg,
		    seg == 0 ? "utf-8''" : "");
		used = 1 + (b->len - start);
		for (any = 0; i < n; any = 1) {
			k = utf8_len(v + i, n - i);
			w = pct_len(v + i, k);
			/* room for a ';' after the segment */
			if (any && used + w + 1 > HDR_LINE)
				break;
			pct_add(b, v + i, k);
			used += w;
			i += k;
		}
		seg++;
	}
}

/* Short printable ASCII, no '"' or '\', nothing like an encoded-word
   (some readers decode those even in quoted parameters). */
static int
param_plain_ok(const char *v, size_t len)
{
	size_t i;

	if (len > PARAM_PLAIN || strstr(v, "=?") != NULL)
		return 0;
	for (i = 0; i < len; i++)
		if (v[i] < 0x20 || v[i] > 0x7e || v[i] == '"' || v[i] == '\\')
			return 0;
	return 1;
}

char *
codec_param(const char *attr, const char *value)
{
	struct buf b;
	size_t alen = strlen(attr), vlen = strlen(value);

	if (param_plain_ok(value, vlen))
		return xasprintf("%s=\"%s\"", attr, value);
	buf_init(&b, (vlen + 1) * (alen + 40) + 64);
	/* " attr*=utf-8''" is 1 + alen + 9 octets */
	if (1 + alen + 9 + pct_len(value, vlen) <= EW_LINE) {
		(void)buf_addf(&b, "%s*=utf-8''", attr);
		pct_add(&b, value, vlen);
	} else
		param_segments(&b, attr, value, vlen);
	return buf_take(&b);
}

char *
codec_param_2047(const char *attr, const char *value)
{
	struct buf b;
	const char *p;
	size_t alen = strlen(attr), vlen = strlen(value), room = 0;
	int ascii = 1;

	for (p = value; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			ascii = 0;
	if (strstr(value, "=?") != NULL)
		ascii = 0;
	buf_init(&b, 4 * (alen + vlen) + 256);
	(void)buf_addf(&b, "%s=\"", attr);
	if (ascii) {
		for (p = value; *p; p++) {
			if (*p == '"' || *p == '\\')
				(void)buf_addc(&b, '\\');
			(void)buf_addc(&b, *p);
		}
	} else {
		/* " attr=\"" before the first word, "\";" after the last */
		if (1 + alen + 2 + 2 < EW_LINE)
			room = EW_LINE - (1 + alen + 2 + 2);
		if (room < EW_MIN)
			room = EW_MIN;
		words_add(&b, value, vlen, room, EW_LINE - 3);
	}
	(void)buf_addc(&b, '"');
	return buf_take(&b);
}

size_t
codec_utf8_len(const unsigned char *p, size_t n, unsigned long *out)
{
	size_t len, i;
	unsigned long cp;

	if (p[0] < 0x80) {
		if (out)
			*out = p[0];
		return 1;
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		len = 2, cp = p[0] & 0x1F;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		len = 3, cp = p[0] & 0x0F;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	if (out)
		*out = cp;
	return len;
}
