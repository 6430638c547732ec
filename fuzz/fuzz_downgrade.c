/*
 * fuzz_downgrade.c -- the send-time downgrade filter on any bytes.  The
 * first byte picks the flags (bit 0: 8bit parts to quoted-printable,
 * bit 1: header domains to A-labels) and a chunk size (the other bits,
 * 0: all at once); the rest is the message.
 *
 * Fed in chunks it must give what it gives fed whole; no call may write
 * more than DOWNGRADE_MAX_OUT() of its input (session.c sizes its buffer
 * so).  With both flags off the output is the input byte for byte.
 * Without A-labels it must match a line-at-a-time model of downgrade.h
 * (8bit parts through the QP encoder in one piece); with A-labels only,
 * everything after the top header block passes as it is.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "downgrade.h"
#include "xmalloc.h"

#define OUT_MAX	(64 * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
run(const char *in, size_t n, size_t chunk, int qp, int alabel,
    struct buf *out)
{
	struct downgrade d;
	size_t i, k, before;

	downgrade_init(&d, qp, alabel);
	buf_init(out, OUT_MAX);
	for (i = 0; i < n; i += k) {
		k = n - i < chunk ? n - i : chunk;
		before = out->len;
		downgrade_filter(&d, in + i, k, out);
		if (out->len - before > DOWNGRADE_MAX_OUT(k))
			abort();
	}
	before = out->len;
	downgrade_finish(&d, out);
	if (out->len - before > DOWNGRADE_MAX_OUT(0))
		abort();
}

/* Where the body starts: after the first line that is empty (CRLF or
   LF), lines being cut at LF; n if there is none. */
static size_t
body_start(const char *s, size_t n)
{
	size_t i = 0;
	const char *lf;

	while (i < n && (lf = memchr(s + i, '\n', n - i)) != NULL) {
		size_t len = (size_t)(lf - (s + i)) + 1;

		if (len == 1 || (len == 2 && s[i] == '\r'))
			return i + len;
		i += len;
	}
	return n;
}

/* "Content-Transfer-Encoding: 8bit" in any case, any SP/TAB around. */
static int
cte_8bit(const char *l, size_t len)
{
	static const char name[] = "Content-Transfer-Encoding:";
	size_t k = sizeof(name) - 1;

	if (len < k || strncasecmp(l, name, k) != 0)
		return 0;
	for (l += k, len -= k; len > 0 && (*l == ' ' || *l == '\t'); len--)
		l++;
	while (len > 0 && (l[len - 1] == ' ' || l[len - 1] == '\t' ||
	    l[len - 1] == '\r' || l[len - 1] == '\n'))
		len--;
	return len == 4 && strncasecmp(l, "8bit", 4) == 0;
}

/* The text of one re-encoded part, through the encoder in one piece. */
static void
qp_part(struct buf *text, struct buf *out)
{
	struct codec_qp q;
	char *enc = xmalloc(CODEC_QP_MAX_OUT(text->len) + 8);
	size_t m;

	codec_qp_init(&q);
	m = codec_qp_feed(&q, buf_cstr(text), text->len, enc);
	m += codec_qp_finish(&q, enc + m);
	(void)buf_add(out, enc, m);
	free(enc);
	buf_reset(text);
}

/*
 * What the filter should write without A-labels, worked out a whole line
 * at a time from downgrade.h: header blocks end at an empty line; a body
 * line starting "--=_" is a boundary, "--" at its end closing a
 * multipart; a header or boundary line longer than DOWNGRADE_LINE_MAX
 * (its LF counted), or a last line without a LF, passes as it is.
 */
static void
model(const char *in, size_t n, int qp, struct buf *out)
{
	enum { HEAD, BOUNDARY, RAW, QP } st = HEAD;
	struct buf text;
	const char *l, *lf;
	size_t i, len, m;
	int enc_next = 0;

	buf_init(&text, OUT_MAX);
	buf_init(out, OUT_MAX);
	for (i = 0; i < n; i += len) {
		l = in + i;
		lf = memchr(l, '\n', n - i);
		len = lf != NULL ? (size_t)(lf - l) + 1 : n - i;
		if (st == RAW || st == QP) {
			if (len < 4 || memcmp(l, "--=_", 4) != 0) {
				(void)buf_add(st == QP ? &text : out, l, len);
				continue;
			}
			if (st == QP)
				qp_part(&text, out);
			st = BOUNDARY;
		}
		if (lf == NULL || len > DOWNGRADE_LINE_MAX)
			(void)buf_add(out, l, len);
		else if (st == BOUNDARY) {
			(void)buf_add(out, l, len);
			for (m = len; m > 0 && (l[m - 1] == '\r' ||
			    l[m - 1] == '\n'); m--)
				;
			if (m >= 6 && l[m - 1] == '-' && l[m - 2] == '-')
				st = RAW;
			else {
				st = HEAD;
				enc_next = 0;
			}
		} else if (len == 1 || (len == 2 && l[0] == '\r')) {
			(void)buf_add(out, l, len);
			st = enc_next ? QP : RAW;
			enc_next = 0;
		} else if (qp && cte_8bit(l, len)) {
			(void)buf_addstr(out,
			    "Content-Transfer-Encoding: quoted-printable\r\n");
			enc_next = 1;
		} else
			(void)buf_add(out, l, len);
	}
	if (st == QP)
		qp_part(&text, out);
	buf_free(&text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data + 1;
	struct buf a, b;
	size_t n, chunk, skip;
	int qp, alabel;

	if (size < 1)
		return 0;
	n = size - 1;
	qp = data[0] & 1;
	alabel = (data[0] >> 1) & 1;
	chunk = data[0] >> 2;
	if (chunk == 0)
		chunk = n > 0 ? n : 1;
	run(in, n, chunk, qp, alabel, &a);
	run(in, n, n > 0 ? n : 1, qp, alabel, &b);
	/* buf_cstr(): data is NULL while nothing was added */
	if (a.len != b.len || memcmp(buf_cstr(&a), buf_cstr(&b), a.len) != 0)
		abort();
	buf_free(&b);
	if (!alabel && !qp && (a.len != n || memcmp(buf_cstr(&a), in, n) != 0))
		abort();
	if (!alabel) {
		model(in, n, qp, &b);
		if (a.len != b.len ||
		    memcmp(buf_cstr(&a), buf_cstr(&b), a.len) != 0)
			abort();
		buf_free(&b);
	}
	if (alabel && !qp) {
		skip = n - body_start(in, n);
		if (a.len < skip || memcmp(buf_cstr(&a) + a.len - skip,
		    in + n - skip, skip) != 0)
			abort();
	}
	buf_free(&a);
	return 0;
}
