/*
 * reply.c -- SMTP reply assembly and validation, EHLO capabilities.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "reply.h"
#include "xmalloc.h"

void
reply_init(struct reply *r)
{
	r->code = 0;
	r->enhanced[0] = '\0';
	buf_init(&r->text, REPLY_TEXT_MAX);
	r->nlines = 0;
	r->done = 0;
}

void
reply_reset(struct reply *r)
{
	r->code = 0;
	r->enhanced[0] = '\0';
	buf_reset(&r->text);
	r->nlines = 0;
	r->done = 0;
}

void
reply_free(struct reply *r)
{
	buf_free(&r->text);
}

/*
 * Length of an enhanced status code "c.sss.ddd" at the start of s whose
 * class digit is cls, followed by a space or the end; 0 if none.
 */
static size_t
enhanced_len(const char *s, size_t len, char cls)
{
	size_t i = 0, n;

	if (len < 5 || s[0] != cls || s[1] != '.')
		return 0;
	i = 2;
	for (n = 0; i < len && isdigit((unsigned char)s[i]) && n < 4; i++)
		n++;
	if (n == 0 || n > 3 || i >= len || s[i] != '.')
		return 0;
	i++;
	for (n = 0; i < len && isdigit((unsigned char)s[i]) && n < 4; i++)
		n++;
	if (n == 0 || n > 3)
		return 0;
	if (i < len && s[i] != ' ')
		return 0;
	return i;
}

static int
valid_code(const char *l)
{
	return l[0] >= '2' && l[0] <= '5' && l[1] >= '0' && l[1] <= '9' &&
	    l[2] >= '0' && l[2] <= '9';
}

int
reply_feed(struct reply *r, const char *line, size_t len, const char **why)
{
	const char *text;
	size_t i, tlen, elen;
	int code, last;

	if (r->done) {
		*why = "reply already complete";
		return -1;
	}
	if (len > REPLY_LINE_MAX) {
		*why = "reply line too long";
		return -1;
	}
	if (len < 3 || !valid_code(line)) {
		*why = "reply does not start with a valid code";
		return -1;
	}
	if (len > 3 && line[3] != ' ' && line[3] != '-') {
		*why = "no separator after the reply code";
		return -1;
	}
	for (i = 3; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*why = "control character in reply";
			return -1;
		}
	}
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->nlines > 0 && code != r->code) {
		*why = "lines of a multi-line reply disagree on the code";
		return -1;
	}
	if (r->nlines >= REPLY_LINES_MAX) {
		*why = "too many lines in reply";
		return -1;
	}
	last = len == 3 || line[3] == ' ';
	text = len > 4 ? line + 4 : "";
	tlen = len > 4 ? len - 4 : 0;
	elen = enhanced_len(text, tlen, line[0]);
	if (elen) {
		if (r->nlines == 0) {
			memcpy(r->enhanced, text, elen);
			r->enhanced[elen] = '\0';
		}
		text += elen;
		tlen -= elen;
		while (tlen && *text == ' ') {
			text++;
			tlen--;
		}
	}
	if ((r->nlines && buf_addc(&r->text, '\n') == -1) ||
	    buf_add(&r->text, text, tlen) == -1) {
		*why = "reply too long";
		return -1;
	}
	r->code = code;
	r->nlines++;
	r->done = last;
	return last;
}

char *
reply_oneline(const struct reply *r)
{
	char *s = xstrdup(buf_cstr(&r->text)), *p;

	for (p = s; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return s;
}

/* Does the EHLO line (kw) start with keyword k, followed by end or space? */
static int
kw_is(const char *l, size_t len, const char *k)
{
	size_t n = strlen(k);

	return len >= n && strncasecmp(l, k, n) == 0 &&
	    (len == n || l[n] == ' ' || (l[n] == '=' && n == 4));
}

static void
caps_auth(struct caps *c, const char *p, size_t len)
{
	size_t i, have = strlen(c->auth);

	for (i = 0; i < len && have + 1 < sizeof(c->auth); i++) {
		char ch = (char)toupper((unsigned char)p[i]);

		if (ch == '\t' || ch == '=')
			ch = ' ';
		if (ch == ' ' && (have == 0 || c->auth[have - 1] == ' '))
			continue;
		c->auth[have++] = ch;
	}
	if (have && c->auth[have - 1] != ' ' && have + 1 < sizeof(c->auth))
		c->auth[have++] = ' ';
	c->auth[have] = '\0';
}

static void
caps_line(struct caps *c, const char *l, size_t len)
{
	if (kw_is(l, len, "PIPELINING"))
		c->flags |= CAP_PIPELINING;
	else if (kw_is(l, len, "8BITMIME"))
		c->flags |= CAP_8BITMIME;
	else if (kw_is(l, len, "SMTPUTF8"))
		c->flags |= CAP_SMTPUTF8;
	else if (kw_is(l, len, "DSN"))
		c->flags |= CAP_DSN;
	else if (kw_is(l, len, "CHUNKING"))
		c->flags |= CAP_CHUNKING;
	else if (kw_is(l, len, "BINARYMIME"))
		c->flags |= CAP_BINARYMIME;
	else if (kw_is(l, len, "ENHANCEDSTATUSCODES"))
		c->flags |= CAP_ENHANCED;
	else if (kw_is(l, len, "STARTTLS"))
		c->flags |= CAP_STARTTLS;
	else if (kw_is(l, len, "SIZE")) {
		c->flags |= CAP_SIZE;
		if (len > 5) {
			char num[32];
			size_t n = len - 5 < sizeof(num) - 1 ?
			    len - 5 : sizeof(num) - 1;
			char *end;
			unsigned long long v;

			memcpy(num, l + 5, n);
			num[n] = '\0';
			v = strtoull(num, &end, 10);
			if (end != num && *end == '\0')
				c->size = v;
		}
	} else if (kw_is(l, len, "AUTH")) {
		c->flags |= CAP_AUTH;
		caps_auth(c, l + 4, len - 4);
	}
}

/* Keep the line as sent, if it fits whole. */
static void
caps_keep(struct caps *c, const char *l, size_t len)
{
	size_t have = strlen(c->list);

	if (len == 0)
		return;
	if (have + (have > 0) + len + 1 > sizeof(c->list)) {
		c->list_cut++;
		return;
	}
	if (have > 0)
		c->list[have++] = '\n';
	memcpy(c->list + have, l, len);
	c->list[have + len] = '\0';
}

void
reply_caps(const struct reply *r, struct caps *c)
{
	const char *p = buf_cstr(&r->text), *nl;
	size_t i;

	memset(c, 0, sizeof(*c));
	/* The first line is the greeting part: "domain greeting". */
	for (i = 0; *p; i++) {
		nl = strchr(p, '\n');
		if (i > 0) {
			caps_line(c, p, nl ? (size_t)(nl - p) : strlen(p));
			caps_keep(c, p, nl ? (size_t)(nl - p) : strlen(p));
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	/* "AUTH=LOGIN PLAIN" (old form) counted too; trim trailing space. */
	i = strlen(c->auth);
	while (i && c->auth[i - 1] == ' ')
		c->auth[--i] = '\0';
}
