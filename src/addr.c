/*
 * addr.c -- RFC 5322 mailboxes and address lists.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <idn2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"
#include "codec.h"
#include "limits.h"
#include "xmalloc.h"

enum tok_type {
	T_END = 0,
	T_ATOM,		/* atext and '.', or 8-bit */
	T_QUOTED,	/* "..." with the quotes */
	T_LITERAL,	/* [...] with the brackets */
	T_SPECIAL	/* one of < > @ , : ; */
};

struct lexer {
	const char	*p;
	const char	*why;
	const char	*comment;	/* the last comment's text, or NULL */
	size_t		 clen;
};

struct tok {
	enum tok_type	 type;
	const char	*s;
	size_t		 len;
	char		 c;	/* for T_SPECIAL */
};

static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80 ||
	    (c && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

/* Skip white space and (nested) comments. */
static int
skip_cfws(struct lexer *lx)
{
	int depth;

	for (;;) {
		while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r' ||
		    *lx->p == '\n')
			lx->p++;
		if (*lx->p != '(')
			return 0;
		lx->comment = lx->p + 1;
		for (depth = 0; *lx->p; lx->p++) {
			if (*lx->p == '\\' && lx->p[1])
				lx->p++;
			else if (*lx->p == '(')
				depth++;
			else if (*lx->p == ')' && --depth == 0)
				break;
		}
		if (*lx->p != ')') {
			lx->why = "unterminated comment";
			return -1;
		}
		lx->clen = (size_t)(lx->p - lx->comment);
		lx->p++;
	}
}

static int
next_tok(struct lexer *lx, struct tok *t)
{
	const char *s;

	if (skip_cfws(lx) == -1)
		return -1;
	s = lx->p;
	t->s = s;
	t->c = 0;
	if (*s == '\0') {
		t->type = T_END;
		t->len = 0;
		return 0;
	}
	if (*s == '"' || *s == '[') {
		char close = *s == '"' ? '"' : ']';

		for (s++; *s && *s != close; s++)
			if (*s == '\\' && s[1])
				s++;
		if (*s != close) {
			lx->why = close == '"' ? "unterminated quoted string" :
			    "unterminated domain literal";
			return -1;
		}
		s++;
		t->type = close == '"' ? T_QUOTED : T_LITERAL;
	} else if (strchr("<>@,:;", *s)) {
		t->type = T_SPECIAL;
		t->c = *s++;
	} else if (is_atext((unsigned char)*s)) {
		while (is_atext((unsigned char)*s))
			s++;
		t->type = T_ATOM;
	} else {
		lx->why = "invalid character in address";
		return -1;
	}
	t->len = (size_t)(s - t->s);
	lx->p = s;
	return 0;
}

static void
list_add(struct addr_list *l, char *spec, char *name)
{
	l->v = xgrow(l->v, l->n, sizeof(*l->v));
	l->v[l->n].spec = spec;
	l->v[l->n].name = name;
	l->n++;
}

/*
 * Collect tokens up to a delimiter: phrase words into name, the raw token
 * text (no CFWS) into spec.  Stops at ',', ';', '<', ':' or the end.
 */
static int
collect(struct lexer *lx, struct tok *t, struct buf *spec, struct buf *name,
    int *phrase)
{
	int prev_word = 0;

	*phrase = 0;
	for (;;) {
		if (next_tok(lx, t) == -1)
			return -1;
		if (t->type == T_END || (t->type == T_SPECIAL &&
		    t->c != '@'))
			return 0;
		if (t->type == T_SPECIAL) {
			if (buf_addc(spec, '@') == -1)
				goto toolong;
			prev_word = 0;
			continue;
		}
		/* Two words in a row are a phrase, never an addr-spec. */
		if (prev_word)
			*phrase = 1;
		prev_word = 1;
		if (buf_add(spec, t->s, t->len) == -1)
			goto toolong;
		if (name->len && buf_addc(name, ' ') == -1)
			goto toolong;
		if (t->type == T_QUOTED) {
			size_t i;

			/* the display name without quotes or quoted-pairs */
			for (i = 1; i + 1 < t->len; i++) {
				if (t->s[i] == '\\' && i + 2 < t->len)
					i++;
				if (buf_addc(name, t->s[i]) == -1)
					goto toolong;
			}
		} else if (buf_add(name, t->s, t->len) == -1)
			goto toolong;
	}
toolong:
	lx->why = "address too long";
	return -1;
}

/* After '<': the addr-spec up to '>'. */
static int
angle_addr(struct lexer *lx, struct buf *spec)
{
	struct tok t;

	int prev_word = 0;

	buf_reset(spec);
	for (;;) {
		if (next_tok(lx, &t) == -1)
			return -1;
		if (t.type == T_SPECIAL && t.c == '>')
			return 0;
		/* "<john doe@x>" is not "<johndoe@x>": words need a '.' */
		if (t.type != T_SPECIAL && prev_word) {
			lx->why = "space inside <address>";
			return -1;
		}
		prev_word = t.type != T_SPECIAL;
		if (t.type == T_END || (t.type == T_SPECIAL && t.c != '@')) {
			/* Allow an obsolete route "<@a,@b:x@y>": not here. */
			lx->why = "unterminated <address>";
			return -1;
		}
		if (buf_add(spec, t.s, t.len) == -1) {
			lx->why = "address too long";
			return -1;
		}
	}
}

/* "root (Cron Daemon)": the old form's comment as a display name. */
static char *
comment_name(const struct lexer *lx)
{
	char *name, *o;
	size_t i;

	const char *e;

	if (lx->comment == NULL || lx->clen == 0)
		return NULL;
	/* Only a comment that ends the address, as in that form. */
	for (e = lx->comment + lx->clen + 1; *e == ' ' || *e == '\t' ||
	    *e == '\r' || *e == '\n'; e++)
		;
	if (*e != '\0' && *e != ',' && *e != ';')
		return NULL;
	o = name = xmalloc(lx->clen + 1);
	for (i = 0; i < lx->clen; i++) {
		if (lx->comment[i] == '\\' && i + 1 < lx->clen)
			i++;
		*o++ = lx->comment[i];
	}
	*o = '\0';
	return name;
}

static int
parse_list(struct lexer *lx, struct addr_list *out)
{
	struct buf spec, name;
	struct tok t;
	int in_group = 0, rc = -1, angle, phrase;

	buf_init(&spec, ADDR_MAX);
	buf_init(&name, ADDR_MAX);
	for (;;) {
		buf_reset(&spec);
		buf_reset(&name);
		angle = 0;
		lx->comment = NULL;
		if (collect(lx, &t, &spec, &name, &phrase) == -1)
			goto done;
		if (t.type == T_SPECIAL && t.c == ':') {
			if (in_group) {
				lx->why = "nested group";
				goto done;
			}
			in_group = 1;
			continue;
		}
		if (t.type == T_SPECIAL && t.c == '<') {
			if (angle_addr(lx, &spec) == -1)
				goto done;
			angle = 1;
			if (next_tok(lx, &t) == -1)
				goto done;
		} else if (phrase) {
			lx->why = "display name without <address>";
			goto done;
		}
		if (spec.len) {
			const char *why;

			if (addr_check(buf_cstr(&spec), 1, &why) == -1) {
				lx->why = why;
				goto done;
			}
			list_add(out, xstrdup(buf_cstr(&spec)),
			    angle && name.len ? xstrdup(buf_cstr(&name)) :
			    !angle ? comment_name(lx) : NULL);
		} else if (angle) {
			/* "<>" is the null address: not a recipient. */
			lx->why = "empty address";
			goto done;
		}
		if (t.type == T_END)
			break;
		if (t.type == T_SPECIAL && t.c == ';') {
			if (!in_group) {
				lx->why = "unexpected ';'";
				goto done;
			}
			in_group = 0;
			continue;
		}
		if (!(t.type == T_SPECIAL && t.c == ',')) {
			lx->why = "unexpected text after address";
			goto done;
		}
	}
	rc = 0;
done:
	buf_free(&spec);
	buf_free(&name);
	return rc;
}

int
addr_parse_list(const char *s, struct addr_list *out, const char **why)
{
	struct lexer lx = { s, NULL, NULL, 0 };
	size_t before = out->n, i;

	if (parse_list(&lx, out) == 0)
		return 0;
	for (i = before; i < out->n; i++) {
		free(out->v[i].spec);
		free(out->v[i].name);
	}
	out->n = before;
	*why = lx.why ? lx.why : "invalid address";
	return -1;
}

void
addr_list_free(struct addr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].spec);
		free(l->v[i].name);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

char *
addr_list_format(const struct addr_list *l)
{
	struct buf b;
	size_t i;

	buf_init(&b, HEADER_BLOCK_MAX);
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			(void)buf_addstr(&b, ", ");
		if (l->v[i].name && *l->v[i].name) {
			char *phrase = codec_phrase(l->v[i].name);

			(void)buf_addf(&b, "%s <%s>", phrase, l->v[i].spec);
			free(phrase);
		} else
			(void)buf_addstr(&b, l->v[i].spec);
	}
	return buf_take(&b);
}

static int
dot_atom_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (!is_atext((unsigned char)s[i]))
			return 0;
		if (s[i] == '.' && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

static int
quoted_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return 0;
	for (i = 1; i < n - 1; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\') {
			if (++i >= n - 1)
				return 0;
			c = (unsigned char)s[i];
		} else if (c == '"')
			return 0;
		if (c < 0x20 && c != '\t')
			return 0;
		if (c == 0x7f)
			return 0;
	}
	return 1;
}

/* RFC 5321 dcontent: printable US-ASCII but '[', '\\' and ']'. */
static int
is_dcontent(unsigned char c)
{
	return (c >= 33 && c <= 90) || (c >= 94 && c <= 126);
}

static int
is_letdig(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* IPv4-address-literal: Snum 3("." Snum), Snum 1*3DIGIT up to 255. */
static int
ipv4_ok(const char *s, size_t n)
{
	size_t i = 0, digits;
	int part, v;

	for (part = 0; part < 4; part++) {
		if (part > 0 && (i >= n || s[i++] != '.'))
			return 0;
		for (v = 0, digits = 0; i < n && s[i] >= '0' && s[i] <= '9';
		    i++, digits++) {
			if (digits == 3)
				return 0;
			v = v * 10 + (s[i] - '0');
		}
		if (digits == 0 || v > 255)
			return 0;
	}
	return i == n;
}

/*
 * The inside of an RFC 5321 address literal: an IPv4 address, "IPv6:"
 * and an IPv6 address, or a General-address-literal (Ldh-str tag, ':',
 * dcontent).  Every octet must be dcontent, so no white space, control
 * or 8-bit octet can reach a MAIL or RCPT command; '<' and '>', which
 * dcontent allows, are refused too: they would end the path early for
 * a server that looks for the first '>'.
 */
static int
literal_ok(const char *s, size_t n)
{
	char ip6[INET6_ADDRSTRLEN + 1];
	struct in6_addr a6;
	size_t i, tag;

	for (i = 0; i < n; i++)
		if (!is_dcontent((unsigned char)s[i]) || s[i] == '<' ||
		    s[i] == '>')
			return 0;
	if (ipv4_ok(s, n))
		return 1;
	for (tag = 0; tag < n && s[tag] != ':'; tag++)
		if (!is_letdig((unsigned char)s[tag]) && s[tag] != '-')
			return 0;
	if (tag == 0 || tag + 1 >= n || s[tag - 1] == '-')
		return 0;
	if (tag == 4 && strncasecmp(s, "IPv6", 4) == 0) {
		if (n - 5 >= sizeof(ip6))
			return 0;
		memcpy(ip6, s + 5, n - 5);
		ip6[n - 5] = '\0';
		return inet_pton(AF_INET6, ip6, &a6) == 1;
	}
	return 1;
}

int
addr_check(const char *spec, int allow_local, const char **why)
{
	const char *at = strrchr(spec, '@');
	size_t len = strlen(spec), llen, dlen;
	const char *dom;

	if (len == 0) {
		*why = "empty address";
		return -1;
	}
	if (len > ADDR_MAX) {
		*why = "address too long";
		return -1;
	}
	if (at == NULL || (spec[0] == '"' && !quoted_ok(spec, (size_t)(at -
	    spec)) && quoted_ok(spec, len))) {
		if (allow_local && (dot_atom_ok(spec, len) ||
		    quoted_ok(spec, len)))
			return 0;
		*why = "address has no domain";
		return -1;
	}
	llen = (size_t)(at - spec);
	dom = at + 1;
	dlen = strlen(dom);
	if (!(dot_atom_ok(spec, llen) || quoted_ok(spec, llen))) {
		*why = "invalid local part";
		return -1;
	}
	if (dlen == 0) {
		*why = "empty domain";
		return -1;
	}
	if (dom[0] == '[') {
		if (dlen < 2 || dom[dlen - 1] != ']' ||
		    !literal_ok(dom + 1, dlen - 2)) {
			*why = "invalid domain literal";
			return -1;
		}
		return 0;
	}
	if (!dot_atom_ok(dom, dlen)) {
		*why = "invalid domain";
		return -1;
	}
	return 0;
}

const char *
addr_domain(const char *spec)
{
	const char *at = strrchr(spec, '@');

	return at ? at + 1 : NULL;
}

char *
addr_domain_ascii(const char *domain, const char **why)
{
	char *out = NULL, *copy;
	int rc;
	const unsigned char *p;

	for (p = (const unsigned char *)domain; *p; p++)
		if (*p >= 0x80)
			break;
	if (*p == '\0')
		return xstrdup(domain);
	rc = idn2_to_ascii_8z(domain, &out,
	    IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK) {
		*why = idn2_strerror(rc);
		return NULL;
	}
	copy = xstrdup(out);
	idn2_free(out);
	return copy;
}
