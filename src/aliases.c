/*
 * aliases.c -- /etc/aliases-format files: load, then resolve local names
 * recursively with loop protection and a `default:` fallback.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "aliases.h"
#include "buf.h"
#include "limits.h"
#include "xmalloc.h"

enum value_kind {
	V_ADDR,		/* addr-spec with a domain: a result */
	V_LOCAL,	/* bare local name: expanded again */
	V_TARGET	/* |command, /file, :include:, \user: skipped */
};

struct value {
	char		*s;
	enum value_kind	 kind;
};

struct entry {
	char		*name;
	struct value	*v;
	size_t		 nv;
	int		 line;		/* where the entry starts */
};

struct aliases {
	struct entry	*e;		/* sorted by name, no case */
	size_t		 n;
};

/* Load state: one logical line (an entry and its continuations). */
struct parser {
	struct aliases	*a;
	const char	*name;		/* file name for messages */
	char		*err;
	size_t		 errlen;
	struct buf	 text;		/* physical lines joined by '\n' */
	int		 first;		/* its first line; 0: none open */
};

/* Marks while resolving, one per entry. */
enum { M_NEW, M_PATH, M_DONE };

struct walk {
	const struct aliases	*a;
	unsigned char		*mark;
	struct aliases_out	*out;
	size_t			 found;	/* addresses reached, dups included */
	int			 loop, target, deep, full;
};

static int	p_err(struct parser *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static int
p_err(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->err == NULL || p->errlen == 0)
		return -1;
	if (line > 0)
		n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->name);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_target(const char *v)
{
	if (*v == '"')
		v++;
	return *v == '|' || *v == '/' || *v == '\\' ||
	    strncasecmp(v, ":include:", 9) == 0;
}

/* Group syntax ("Team: a@b;"): a ':' outside quotes, literals, comments. */
static int
is_group(const char *s)
{
	int depth = 0, quoted = 0, literal = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && (quoted || depth > 0) && s[1] != '\0')
			s++;
		else if (quoted)
			quoted = *s != '"';
		else if (depth > 0)
			depth += (*s == '(') - (*s == ')');
		else if (literal)
			literal = *s != ']';
		else if (*s == '"' || *s == '[' || *s == '(') {
			quoted = *s == '"';
			literal = *s == '[';
			depth = *s == '(';
		} else if (*s == ':')
			return 1;
	}
	return 0;
}

/* Classify and copy one trimmed, non-empty value. */
static int
value_make(const char *s, struct value *val, const char **why)
{
	struct addr_list l = { NULL, 0 };
	const char *w;

	if (is_target(s)) {
		val->kind = V_TARGET;
		val->s = xstrdup(s);
		return 0;
	}
	if (is_group(s)) {
		*why = "group syntax";
		return -1;
	}
	if (addr_parse_list(s, &l, why) == -1) {
		addr_list_free(&l);	/* it may keep its array */
		return -1;
	}
	if (l.n != 1) {
		*why = "expected one address";
		addr_list_free(&l);
		return -1;
	}
	if (addr_check(l.v[0].spec, 0, &w) == 0)
		val->kind = V_ADDR;
	else if (l.v[0].spec[0] != '"' && strchr(l.v[0].spec, '@') == NULL)
		val->kind = V_LOCAL;
	else {
		*why = w;
		addr_list_free(&l);
		return -1;
	}
	val->s = l.v[0].spec;
	l.v[0].spec = NULL;
	addr_list_free(&l);
	return 0;
}

/* The file line of s, a place in the open entry's text. */
static int
line_of(const struct parser *p, const char *s)
{
	const char *t;
	int line = p->first;

	for (t = p->text.data; t < s; t++)
		if (*t == '\n')
			line++;
	return line;
}

/* Trim s[0..len), make it one line, add it to e; empty values are skipped. */
static int
value_add(struct parser *p, struct entry *e, const char *s, size_t len)
{
	const char *why = NULL;
	char *v;
	size_t i;
	int rc = 0;

	while (len > 0 && is_space((unsigned char)s[len - 1]))
		len--;
	for (i = 0; i < len && is_space((unsigned char)s[i]); i++)
		;
	s += i;
	len -= i;
	if (len == 0)
		return 0;
	v = xstrndup(s, len);
	for (i = 0; i < len; i++)
		if (is_space((unsigned char)v[i]))
			v[i] = ' ';
	e->v = xrealloc(e->v, (e->nv + 1) * sizeof(e->v[0]));
	if (value_make(v, &e->v[e->nv], &why) == -1)
		rc = p_err(p, line_of(p, s), "bad value \"%s\": %s", v, why);
	else
		e->nv++;
	free(v);
	return rc;
}

/* Split at commas outside double quotes (backslash escapes in quotes). */
static int
values_split(struct parser *p, struct entry *e, const char *s)
{
	const char *start = s, *quote = NULL;

	for (;; s++) {
		if (*s == '\0' || (*s == ',' && quote == NULL)) {
			int end = *s == '\0';

			if (quote != NULL)
				return p_err(p, line_of(p, quote),
				    "unterminated quote");
			if (value_add(p, e, start, (size_t)(s - start)) == -1)
				return -1;
			if (end)
				return 0;
			start = s + 1;
		} else if (*s == '"')
			quote = quote == NULL ? s : NULL;
		else if (*s == '\\' && quote != NULL && s[1] != '\0')
			s++;
	}
}

static void
entry_clear(struct entry *e)
{
	size_t i;

	for (i = 0; i < e->nv; i++)
		free(e->v[i].s);
	free(e->v);
	free(e->name);
	memset(e, 0, sizeof(*e));
}

static int
name_ok(const char *name)
{
	const char *why;

	return name[0] != '"' && strchr(name, '@') == NULL &&
	    addr_check(name, 1, &why) == 0;
}

/* Turn the open logical line into an entry. */
static int
entry_finish(struct parser *p)
{
	struct entry e;
	char *text, *colon, *end;

	if (p->first == 0)
		return 0;
	memset(&e, 0, sizeof(e));
	e.line = p->first;
	text = p->text.data;
	if ((colon = strchr(text, ':')) == NULL)
		return p_err(p, p->first, "missing ':' after alias name");
	for (end = colon; end > text && is_space((unsigned char)end[-1]); end--)
		;
	if (end == text)
		return p_err(p, p->first, "empty alias name");
	*end = '\0';
	if (!name_ok(text))
		return p_err(p, p->first, "bad alias name \"%s\"", text);
	e.name = xstrdup(text);
	if (values_split(p, &e, colon + 1) == -1) {
		entry_clear(&e);
		return -1;
	}
	if (e.nv == 0) {
		entry_clear(&e);
		return p_err(p, p->first, "alias \"%s\" has no value", text);
	}
	p->a->e = xrealloc(p->a->e, (p->a->n + 1) * sizeof(p->a->e[0]));
	p->a->e[p->a->n++] = e;
	p->first = 0;
	return 0;
}

/* One physical line, NUL-terminated, CR LF already cut. */
static int
parse_line(struct parser *p, const char *line, int lineno)
{
	const char *s = line;

	while (is_space((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '#') {
		/* Keep the line count of an open entry right. */
		if (p->first != 0 && buf_addc(&p->text, '\n') == -1)
			return p_err(p, p->first, "entry too long");
		return 0;
	}
	if (s != line) {
		if (p->first == 0)
			return p_err(p, lineno,
			    "continuation line without an entry");
		if (buf_addc(&p->text, '\n') == -1 ||
		    buf_addstr(&p->text, line) == -1)
			return p_err(p, p->first, "entry too long");
		return 0;
	}
	if (entry_finish(p) == -1)
		return -1;
	buf_reset(&p->text);
	if (buf_addstr(&p->text, line) == -1)
		return p_err(p, lineno, "entry too long");
	p->first = lineno;
	return 0;
}

/* Names compare with ASCII case folded, whatever the locale. */
static int
name_cmp(const char *a, const char *b)
{
	int ca, cb;

	do {
		ca = (unsigned char)*a++;
		cb = (unsigned char)*b++;
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
	} while (ca == cb && ca != '\0');
	return ca - cb;
}

static int
entry_cmp(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	int c = name_cmp(a->name, b->name);

	if (c != 0)
		return c;
	return (a->line > b->line) - (a->line < b->line);
}

/* Sort for lookups; of a name listed twice the first entry stays. */
static void
entries_index(struct aliases *a)
{
	size_t i, j;

	if (a->n == 0)
		return;
	qsort(a->e, a->n, sizeof(a->e[0]), entry_cmp);
	for (i = 1, j = 0; i < a->n; i++) {
		if (name_cmp(a->e[i].name, a->e[j].name) == 0)
			entry_clear(&a->e[i]);
		else
			a->e[++j] = a->e[i];
	}
	a->n = j + 1;
}

int
aliases_parse(struct aliases **out, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	struct parser p;
	char line[CONFIG_LINE_MAX + 1];
	size_t i = 0, n, m;
	int lineno = 0, rc = 0;

	memset(&p, 0, sizeof(p));
	p.a = xcalloc(1, sizeof(*p.a));
	p.name = name;
	p.err = err;
	p.errlen = errlen;
	buf_init(&p.text, CONFIG_SIZE_MAX);
	while (i < len && rc == 0) {
		const char *nl = memchr(text + i, '\n', len - i);

		n = nl ? (size_t)(nl - (text + i)) : len - i;
		lineno++;
		if (n > CONFIG_LINE_MAX)
			rc = p_err(&p, lineno, "line too long");
		else if (memchr(text + i, '\0', n) != NULL)
			rc = p_err(&p, lineno, "NUL byte in line");
		else {
			m = n;
			memcpy(line, text + i, m);
			if (m > 0 && line[m - 1] == '\r')
				m--;
			line[m] = '\0';
			rc = parse_line(&p, line, lineno);
		}
		i += n + 1;
	}
	if (rc == 0)
		rc = entry_finish(&p);
	buf_free(&p.text);
	if (rc == -1) {
		aliases_free(p.a);
		*out = NULL;
		return -1;
	}
	entries_index(p.a);
	*out = p.a;
	return 0;
}

/* The whole file, at most CONFIG_SIZE_MAX octets, into b. */
static int
read_file(const char *path, struct buf *b, const char **why)
{
	struct stat st;
	char chunk[IO_CHUNK];
	ssize_t n;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		*why = strerror(errno);
		return -1;
	}
	/* A character device (/dev/null) reads as an empty file. */
	if (fstat(fd, &st) == -1 || !(S_ISREG(st.st_mode) ||
	    S_ISCHR(st.st_mode))) {
		*why = "not a regular file";
		goto done;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*why = strerror(errno);
			goto done;
		}
		if (buf_add(b, chunk, (size_t)n) == -1) {
			*why = "file too large";
			goto done;
		}
	}
	rc = 0;
done:
	close(fd);
	return rc;
}

int
aliases_load(struct aliases **out, const char *path, char *err,
    size_t errlen)
{
	struct buf b;
	const char *why;
	int rc;

	*out = NULL;
	buf_init(&b, CONFIG_SIZE_MAX);
	if (read_file(path, &b, &why) == -1) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, why);
		buf_free(&b);
		return -1;
	}
	rc = aliases_parse(out, buf_cstr(&b), b.len, path, err, errlen);
	buf_free(&b);
	return rc;
}

void
aliases_free(struct aliases *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++)
		entry_clear(&a->e[i]);
	free(a->e);
	free(a);
}

static int
key_cmp(const void *key, const void *x)
{
	const struct entry *e = x;

	return name_cmp(key, e->name);
}

static const struct entry *
lookup(const struct aliases *a, const char *name)
{
	if (a->n == 0)
		return NULL;
	return bsearch(name, a->e, a->n, sizeof(a->e[0]), key_cmp);
}

/* Add spec to the results unless it is there already. */
static void
out_add(struct walk *w, const char *spec)
{
	struct aliases_out *o = w->out;
	size_t i;

	for (i = 0; i < o->n; i++)
		if (strcmp(o->v[i], spec) == 0) {
			w->found++;
			return;
		}
	if (o->n >= RCPT_MAX) {
		w->full = 1;
		return;
	}
	o->v = xrealloc(o->v, (o->n + 1) * sizeof(o->v[0]));
	o->v[o->n++] = xstrdup(spec);
	w->found++;
}

static void	walk_name(struct walk *, const char *, int);

static void
walk_entry(struct walk *w, const struct entry *e, int depth)
{
	size_t idx = (size_t)(e - w->a->e), i;

	if (w->mark[idx] == M_PATH)
		w->loop = 1;
	if (w->mark[idx] != M_NEW)
		return;		/* a loop, or already expanded */
	if (depth > ALIASES_DEPTH_MAX) {
		w->deep = 1;
		return;
	}
	w->mark[idx] = M_PATH;
	for (i = 0; i < e->nv && !w->deep && !w->full; i++) {
		switch (e->v[i].kind) {
		case V_ADDR:
			out_add(w, e->v[i].s);
			break;
		case V_LOCAL:
			walk_name(w, e->v[i].s, depth + 1);
			break;
		case V_TARGET:
			w->target = 1;
			break;
		}
	}
	w->mark[idx] = M_DONE;
}

/* A local name: its entry, else the default entry, else nothing. */
static void
walk_name(struct walk *w, const char *name, int depth)
{
	const struct entry *e;

	if ((e = lookup(w->a, name)) == NULL &&
	    (e = lookup(w->a, "default")) == NULL)
		return;
	walk_entry(w, e, depth);
}

int
aliases_resolve(const struct aliases *a, const char *name,
    struct aliases_out *out, const char **why)
{
	static const struct aliases empty = { NULL, 0 };
	struct walk w;
	size_t before = out->n;

	if (name[0] == '\0' || strchr(name, '@') != NULL) {
		*why = "not a local name";
		return -1;
	}
	memset(&w, 0, sizeof(w));
	w.a = a != NULL ? a : &empty;
	w.out = out;
	w.mark = xcalloc(w.a->n + 1, 1);
	walk_name(&w, name, 0);
	free(w.mark);
	if (w.found > 0 && !w.deep && !w.full)
		return 0;
	while (out->n > before)
		free(out->v[--out->n]);
	if (w.full)
		*why = "too many recipients";
	else if (w.deep)
		*why = "aliases nested too deeply";
	else if (w.loop)
		*why = "alias loop";
	else if (w.target)
		*why = "only program, file, include or \\user targets";
	else
		*why = "no alias resolves it";
	return -1;
}

void
aliases_out_free(struct aliases_out *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->v[i]);
	free(o->v);
	o->v = NULL;
	o->n = 0;
}
