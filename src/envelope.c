/*
 * envelope.c -- who a message is from and to.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "limits.h"
#include "xmalloc.h"

void
envelope_init(struct envelope *e)
{
	memset(e, 0, sizeof(*e));
}

/*
 * The recipients' index: open addressing, slot[i] is 1 + an index into
 * rcpt[] or 0 for a free slot; at most half the slots are used.  n says
 * how many of rcpt[] are in it (envelope_parse fills rcpt[] directly).
 */
struct envelope_seen {
	size_t	*slot;
	size_t	 cap;		/* a power of two */
	size_t	 n;
};

static void
seen_free(struct envelope *e)
{
	if (e->seen) {
		free(e->seen->slot);
		free(e->seen);
		e->seen = NULL;
	}
}

void
envelope_free(struct envelope *e)
{
	size_t i;

	for (i = 0; i < e->nrcpt; i++)
		free(e->rcpt[i]);
	free(e->rcpt);
	free(e->from);
	free(e->dsn_notify);
	free(e->dsn_ret);
	free(e->envid);
	seen_free(e);
	memset(e, 0, sizeof(*e));
}

/* FNV-1a, 64 bits. */
static unsigned long long
hash(const char *s)
{
	unsigned long long h = 14695981039346656037ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot holding s, or the free slot where it belongs. */
static size_t *
seen_find(const struct envelope *e, const char *s)
{
	const struct envelope_seen *t = e->seen;
	size_t i = (size_t)hash(s) & (t->cap - 1);

	while (t->slot[i] && strcmp(e->rcpt[t->slot[i] - 1], s) != 0)
		i = (i + 1) & (t->cap - 1);
	return &t->slot[i];
}

/* Index rcpt[] up to nrcpt, with room for one more. */
static void
seen_sync(struct envelope *e)
{
	struct envelope_seen *t;
	size_t *s;

	if (e->seen && e->seen->n > e->nrcpt)
		seen_free(e);		/* rcpt[] shrank: start again */
	if (e->seen == NULL)
		e->seen = xcalloc(1, sizeof(*e->seen));
	t = e->seen;
	if ((e->nrcpt + 1) * 2 > t->cap) {
		free(t->slot);
		t->cap = t->cap ? t->cap : 64;
		while ((e->nrcpt + 1) * 2 > t->cap)
			t->cap *= 2;
		t->slot = xcalloc(t->cap, sizeof(*t->slot));
		t->n = 0;
	}
	for (; t->n < e->nrcpt; t->n++)
		if (*(s = seen_find(e, e->rcpt[t->n])) == 0)
			*s = t->n + 1;
}

int
envelope_add_rcpt(struct envelope *e, const char *addr)
{
	size_t *s;

	seen_sync(e);
	if (*(s = seen_find(e, addr)) != 0)
		return 0;
	if (e->nrcpt >= RCPT_MAX)
		return -1;
	e->rcpt = xgrow(e->rcpt, e->nrcpt, sizeof(char *));
	e->rcpt[e->nrcpt++] = xstrdup(addr);
	*s = e->nrcpt;
	e->seen->n = e->nrcpt;
	return 0;
}

#define ENVELOPE_VERSION 1

void
envelope_meta_free(struct envelope_meta *m)
{
	free(m->account);
	free(m->message_id);
	free(m->last_error);
	free(m->config);
	memset(m, 0, sizeof(*m));
}

static int
clean(const char *v)
{
	return v == NULL || strpbrk(v, "\r\n") == NULL;
}

static void
field(struct buf *b, const char *k, const char *v)
{
	if (v)
		(void)buf_addf(b, "%s: %s\n", k, v);
}

char *
envelope_format(const struct envelope *e, const struct envelope_meta *m,
    size_t *len)
{
	struct buf b;
	size_t i;

	if (!clean(e->from) || !clean(e->dsn_notify) || !clean(e->dsn_ret) ||
	    !clean(e->envid) || !clean(m->account) ||
	    !clean(m->message_id) || !clean(m->last_error) ||
	    !clean(m->config))
		return NULL;
	for (i = 0; i < e->nrcpt; i++)
		if (!clean(e->rcpt[i]))
			return NULL;
	buf_init(&b, (size_t)RCPT_MAX * (ADDR_MAX + 16) + 65536);
	(void)buf_addf(&b, "outbox-envelope: %d\n", ENVELOPE_VERSION);
	field(&b, "account", m->account);
	field(&b, "config", m->config);
	field(&b, "from", e->from);
	for (i = 0; i < e->nrcpt; i++)
		field(&b, "rcpt", e->rcpt[i]);
	field(&b, "dsn-notify", e->dsn_notify);
	field(&b, "dsn-ret", e->dsn_ret);
	field(&b, "envid", e->envid);
	(void)buf_addf(&b, "eightbit: %d\nsmtputf8: %d\nsize: %llu\n",
	    e->eightbit, e->smtputf8, e->size);
	if (e->composed)
		(void)buf_addstr(&b, "composed: 1\n");
	if (e->nul)
		(void)buf_addf(&b, "nul: %d\n", e->nul);
	if (e->binary)
		(void)buf_addstr(&b, "binary: 1\n");
	field(&b, "message-id", m->message_id);
	(void)buf_addf(&b, "created: %lld\nattempts: %u\nnext-attempt: %lld\n",
	    m->created, m->attempts, m->next_attempt);
	field(&b, "last-error", m->last_error);
	if (m->has_uid)
		(void)buf_addf(&b, "uid: %lu\n", m->uid);
	(void)buf_addstr(&b, "end: 1\n");
	*len = b.len;
	return buf_take(&b);
}

static int
number(const char *v, long long *out)
{
	char *end;

	if (*v == '\0' || (*v != '-' && (*v < '0' || *v > '9')))
		return -1;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return errno || *end ? -1 : 0;
}

/* Apply one "key: value" line. */
static int
parse_field(const char *k, const char *v, struct envelope *e,
    struct envelope_meta *m, unsigned *seen)
{
	static const char *const once[] = { "outbox-envelope", "account",
	    "from", "dsn-notify", "dsn-ret", "envid", "eightbit", "smtputf8",
	    "size", "message-id", "created", "attempts", "next-attempt",
	    "last-error", "end", "composed", "config", "nul", "uid", "binary",
	    NULL };
	char **str = NULL;
	long long n = 0;
	size_t i;

	if (strcmp(k, "rcpt") == 0) {
		if (e->nrcpt >= RCPT_MAX)
			return -1;
		e->rcpt = xgrow(e->rcpt, e->nrcpt, sizeof(char *));
		e->rcpt[e->nrcpt++] = xstrdup(v);
		return 0;
	}
	for (i = 0; once[i] && strcmp(once[i], k) != 0; i++)
		;
	if (once[i] == NULL || (*seen & (1u << i)))
		return -1;
	*seen |= 1u << i;
	switch (i) {
	case 1: str = &m->account; break;
	case 2: str = &e->from; break;
	case 3: str = &e->dsn_notify; break;
	case 4: str = &e->dsn_ret; break;
	case 5: str = &e->envid; break;
	case 9: str = &m->message_id; break;
	case 13: str = &m->last_error; break;
	case 16: str = &m->config; break;
	default:
		if (number(v, &n) == -1)
			return -1;
		break;
	}
	if (str) {
		*str = xstrdup(v);
		return 0;
	}
	switch (i) {
	case 0: return n == ENVELOPE_VERSION ? 0 : -1;
	case 6: e->eightbit = n != 0; break;
	case 7: e->smtputf8 = n < 0 || n > 2 ? 1 : (int)n; break;
	case 8: e->size = (unsigned long long)n; break;
	case 10: m->created = n; break;
	case 11: m->attempts = (unsigned)n; break;
	case 12: m->next_attempt = n; break;
	case 14: return n == 1 ? 0 : -1;
	case 15: e->composed = n != 0; break;
	case 17: e->nul = n < 0 || n > 2 ? 2 : (int)n; break;
	case 19: e->binary = n != 0; break;
	case 18:
		if (n < 0 || n > 0xffffffffLL)
			return -1;
		m->has_uid = 1;
		m->uid = (unsigned long)n;
		break;
	}
	return 0;
}

int
envelope_parse(const char *text, size_t len, struct envelope *e,
    struct envelope_meta *m, const char **why)
{
	const char *p = text, *end = text + len, *nl, *colon;
	unsigned seen = 0;
	char *k, *v;
	int rc;

	envelope_init(e);
	memset(m, 0, sizeof(*m));
	if (memchr(text, '\0', len) != NULL) {
		*why = "NUL byte in envelope";
		return -1;
	}
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			*why = "unterminated line in envelope";
			goto bad;
		}
		colon = memchr(p, ':', (size_t)(nl - p));
		if (colon == NULL || colon + 1 >= nl || colon[1] != ' ') {
			*why = "malformed line in envelope";
			goto bad;
		}
		if (seen & (1u << 14)) {
			*why = "text after the end of the envelope";
			goto bad;
		}
		k = xstrndup(p, (size_t)(colon - p));
		v = xstrndup(colon + 2, (size_t)(nl - colon - 2));
		rc = parse_field(k, v, e, m, &seen);
		free(k);
		free(v);
		if (rc == -1) {
			*why = "unknown, repeated or invalid field in envelope";
			goto bad;
		}
		if (p == text && !(seen & 1u)) {
			*why = "not an outbox envelope";
			goto bad;
		}
		p = nl + 1;
	}
	if (!(seen & (1u << 14)) || !(seen & (1u << 2)) || e->nrcpt == 0) {
		*why = "incomplete envelope";
		goto bad;
	}
	return 0;
bad:
	envelope_free(e);
	envelope_meta_free(m);
	return -1;
}
