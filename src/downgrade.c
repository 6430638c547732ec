/*
 * downgrade.c -- fitting a composed message to a server's capabilities.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "downgrade.h"
#include "xmalloc.h"

static const char dash[] = COMPOSED_BOUNDARY_LEAD;

void
downgrade_init(struct downgrade *d, int qp, int alabel)
{
	memset(d, 0, sizeof(*d));
	d->qp = qp;
	d->alabel = alabel;
	d->state = DG_HEAD;
	d->top = 1;
	codec_qp_init(&d->qpst);
}

/* Body bytes: as they are, or through the QP encoder. */
static void
body_out(struct downgrade *d, const char *p, size_t n, struct buf *out)
{
	char enc[CODEC_QP_MAX_OUT(1024)];
	size_t k;

	if (d->state != DG_QP) {
		(void)buf_add(out, p, n);
		return;
	}
	for (; n > 0; p += k, n -= k) {
		k = n < 1024 ? n : 1024;
		(void)buf_add(out, enc, codec_qp_feed(&d->qpst, p, k, enc));
	}
}

/* What ends an address (or msg-id) in a header line (a quoted local
   part is taken whole unless it holds a space). */
static int
is_delim(char c)
{
	return c != '\0' && strchr("<>,;: \t\r\n()", c) != NULL;
}

/* The first address without an ASCII form: the token around line[i]. */
static void
note_bad(struct downgrade *d, enum downgrade_bad why, const char *line,
    size_t n, size_t i)
{
	size_t s, e;

	if (d->bad)
		return;
	for (s = i; s > 0 && !is_delim(line[s - 1]); s--)
		;
	for (e = i; e < n && !is_delim(line[e]); e++)
		;
	if (why == DG_BAD_LOCAL && memchr(line + s, '@', e - s) == NULL)
		why = DG_BAD_TEXT;
	d->bad = why;
	snprintf(d->bad_addr, sizeof(d->bad_addr), "%.*s", (int)(e - s),
	    line + s);
	snprintf(d->bad_field, sizeof(d->bad_field), "%s", d->field);
}

/*
 * A header line with 8-bit octets: each domain becomes A-labels; an
 * 8-bit octet anywhere else (a local part), or a domain that has no
 * A-label form, is noted (note_bad) and left as it is.
 */
static void
alabel_line(struct downgrade *d, const char *p, size_t n, struct buf *out)
{
	const char *line = p, *end = p + n, *at, *why;
	char *dom, *ascii;
	size_t k, i;

	while (p < end) {
		at = memchr(p, '@', (size_t)(end - p));
		k = at ? (size_t)(at - p) : (size_t)(end - p);
		for (i = 0; i < k; i++)
			if ((unsigned char)p[i] & 0x80) {
				note_bad(d, DG_BAD_LOCAL, line, n,
				    (size_t)(p - line) + i);
				break;
			}
		(void)buf_add(out, p, at ? k + 1 : k);
		if (at == NULL)
			break;
		p = at + 1;
		for (k = 0; p + k < end && !is_delim(p[k]); k++)
			;
		dom = xstrndup(p, k);	/* shorter than k at a NUL */
		ascii = NULL;
		why = "a NUL byte in the domain";
		if (codec_has_8bit(p, k) && (strlen(dom) != k ||
		    (ascii = addr_domain_ascii(dom, &why)) == NULL)) {
			note_bad(d, DG_BAD_DOMAIN, line, n, (size_t)(p - line));
			if (d->bad == DG_BAD_DOMAIN && d->bad_idna == NULL)
				d->bad_idna = why;
		}
		if (ascii)
			(void)buf_addstr(out, ascii);
		else
			(void)buf_add(out, p, k);
		free(ascii);
		free(dom);
		p += k;
	}
}

/* A line of the message's own header: which field it belongs to. */
static void
note_field(struct downgrade *d, const char *p, size_t n)
{
	const char *colon;

	if (n == 0 || p[0] == ' ' || p[0] == '\t')
		return;		/* a continuation: the same field */
	colon = memchr(p, ':', n);
	snprintf(d->field, sizeof(d->field), "%.*s", colon ?
	    (int)(colon - p) : 0, p);
}

static int
is_cte_8bit(const char *p, size_t n)
{
	static const char name[] = "Content-Transfer-Encoding:";

	/* composed.h: COMPOSED_CTE_8BIT, matched leniently */
	size_t k = sizeof(name) - 1;

	if (n < k || strncasecmp(p, name, k) != 0)
		return 0;
	for (p += k, n -= k; n && (*p == ' ' || *p == '\t'); p++, n--)
		;
	while (n && (p[n - 1] == '\r' || p[n - 1] == '\n' ||
	    p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return n == 4 && strncasecmp(p, "8bit", 4) == 0;
}

/* A whole header line (CRLF included) is in d->line. */
static void
head_line(struct downgrade *d, struct buf *out)
{
	const char *p = d->line;
	size_t n = d->len;

	d->len = 0;
	if (n <= 2 && (n == 0 || p[0] == '\r' || p[0] == '\n')) {
		(void)buf_add(out, p, n);
		d->state = d->enc_next ? DG_QP : DG_RAW;
		d->enc_next = 0;
		d->top = 0;
		d->bol = 1;
		codec_qp_init(&d->qpst);
		return;
	}
	if (d->top)
		note_field(d, p, n);
	if (d->qp && is_cte_8bit(p, n)) {
		(void)buf_addstr(out,
		    COMPOSED_CTE_PREFIX "quoted-printable\r\n");
		d->enc_next = 1;
	} else if (d->alabel && d->top && codec_has_8bit(p, n))
		alabel_line(d, p, n, out);
	else
		(void)buf_add(out, p, n);
}

/* A boundary line is complete in d->line. */
static void
boundary_line(struct downgrade *d, struct buf *out)
{
	size_t n = d->len;

	(void)buf_add(out, d->line, n);
	while (n && (d->line[n - 1] == '\r' || d->line[n - 1] == '\n'))
		n--;
	d->len = 0;
	if (n >= 6 && d->line[n - 1] == '-' && d->line[n - 2] == '-') {
		d->state = DG_RAW;	/* the close: the parent's body */
		d->bol = 1;
	} else {
		d->state = DG_HEAD;	/* a part's header block */
		d->enc_next = 0;
	}
}

/* Take octets into d->line up to a LF; returns how many were used. */
static size_t
take_line(struct downgrade *d, const char *in, size_t n, int *complete)
{
	const char *lf = memchr(in, '\n', n);
	size_t k = lf ? (size_t)(lf - in) + 1 : n;

	*complete = 0;
	if (d->len + k > sizeof(d->line))
		k = sizeof(d->line) - d->len;
	memcpy(d->line + d->len, in, k);
	d->len += k;
	if (d->len > 0 && d->line[d->len - 1] == '\n')
		*complete = 1;
	return k;
}

/* In a body at a line start: is this line a boundary? */
static size_t
body_bol(struct downgrade *d, const char *in, size_t n, struct buf *out)
{
	size_t used = 0;

	while (used < n && d->len < sizeof(dash) - 1 &&
	    in[used] == dash[d->len])
		d->line[d->len++] = in[used++];
	if (d->len == sizeof(dash) - 1) {
		char tail[8];

		d->bol = 0;
		/* The part ends: what the encoder holds goes first. */
		if (d->state == DG_QP)
			(void)buf_add(out, tail, codec_qp_finish(&d->qpst,
			    tail));
		d->state = DG_BOUNDARY;
		return used;
	}
	if (used < n) {
		/* Not a boundary: what was held is ordinary content. */
		size_t held = d->len;

		d->len = 0;
		d->bol = 0;
		body_out(d, d->line, held, out);
	}
	return used;
}

void
downgrade_filter(struct downgrade *d, const char *in, size_t n,
    struct buf *out)
{
	const char *lf;
	size_t k;
	int complete;

	while (n > 0) {
		if (d->passthru || d->state == DG_RAW || d->state == DG_QP) {
			if (!d->passthru && d->bol) {
				k = body_bol(d, in, n, out);
				in += k;
				n -= k;
				continue;
			}
			lf = memchr(in, '\n', n);
			k = lf ? (size_t)(lf - in) + 1 : n;
			if (d->passthru && d->alabel && d->top &&
			    codec_has_8bit(in, k))
				note_bad(d, DG_BAD_LONG, in, k, 0);
			if (d->passthru)
				(void)buf_add(out, in, k);
			else
				body_out(d, in, k, out);
			if (lf) {
				d->passthru = 0;
				d->bol = 1;
			}
		} else {
			k = take_line(d, in, n, &complete);
			if (complete && d->state == DG_HEAD)
				head_line(d, out);
			else if (complete)
				boundary_line(d, out);
			else if (d->len == sizeof(d->line)) {
				/* Longer than any line outbox writes. */
				if (d->alabel && d->top && d->state ==
				    DG_HEAD && codec_has_8bit(d->line, d->len))
					note_bad(d, DG_BAD_LONG, d->line,
					    d->len, 0);
				(void)buf_add(out, d->line, d->len);
				d->len = 0;
				d->passthru = 1;
			}
		}
		in += k;
		n -= k;
	}
}

void
downgrade_finish(struct downgrade *d, struct buf *out)
{
	char tail[8];

	if (d->bol && d->len > 0)
		body_out(d, d->line, d->len, out);
	else if (d->len > 0)
		(void)buf_add(out, d->line, d->len);
	d->len = 0;
	if (d->state == DG_QP)
		(void)buf_add(out, tail, codec_qp_finish(&d->qpst, tail));
}

int
downgrade_setup(struct downgrade *d, const struct envelope *e,
    int has_8bitmime, int has_smtputf8)
{
	downgrade_init(d, e->eightbit && !has_8bitmime,
	    e->smtputf8 && !has_smtputf8);
	return e->composed && (d->qp || d->alabel);
}

int
downgrade_past_header(const struct downgrade *d)
{
	return !d->top;
}

char *
downgrade_bad_text(const struct downgrade *d)
{
	static const char tail[] = "and the server does not offer SMTPUTF8";
	const char *f = *d->bad_field ? d->bad_field : "header";

	switch (d->bad) {
	case DG_BAD_LOCAL:
		return xasprintf("the %s address '%s' has a non-ASCII local "
		    "part, %s", f, d->bad_addr, tail);
	case DG_BAD_DOMAIN:
		return xasprintf("the %s address '%s' has a domain with no "
		    "ASCII form (IDNA: %s), %s", f, d->bad_addr,
		    d->bad_idna ? d->bad_idna : "invalid", tail);
	case DG_BAD_LONG:
		return xasprintf("a %s header line too long to convert has "
		    "non-ASCII text, %s", f, tail);
	default:
		return xasprintf("the %s field has non-ASCII text '%s' outside "
		    "any encoded-word, %s", f, d->bad_addr, tail);
	}
}
