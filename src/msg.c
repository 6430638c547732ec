/*
 * msg.c -- reading a message: input filter, header block, spooling.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "compat.h"
#include "msg.h"
#include "xmalloc.h"

enum in_state {
	IN_BOL = 0,	/* start of a line */
	IN_MID,		/* inside a line */
	IN_CR,		/* after a CR: start of a line, a LF here is eaten */
	IN_DOT		/* a line so far holding only "." */
};

void
msg_init(struct msg *m)
{
	memset(m, 0, sizeof(*m));
	m->in.fd = -1;
	buf_init(&m->head, HEADER_BLOCK_MAX + 2 * IO_CHUNK);
	buf_init(&m->added, HEADER_BLOCK_MAX);
}

void
msg_free(struct msg *m)
{
	buf_free(&m->head);
	buf_free(&m->added);
	free(m->f);
	m->f = NULL;
	m->nf = 0;
}

static void
line_end(struct msg_input *in, char *out, size_t *o)
{
	out[(*o)++] = '\r';
	out[(*o)++] = '\n';
	if (in->linelen > in->maxline)
		in->maxline = in->linelen;
	in->linelen = 0;
}

/* Copy a run of ordinary bytes; returns how many were taken. */
static size_t
copy_run(struct msg_input *in, char *out, size_t room)
{
	const unsigned char *p = (const unsigned char *)in->buf + in->pos;
	size_t n = in->len - in->pos, i;
	unsigned char or = 0;

	const unsigned char *stop;

	if (n > room)
		n = room;
	/* The run ends at the first LF, CR or NUL: memchr for each. */
	if ((stop = memchr(p, '\n', n)) != NULL)
		n = (size_t)(stop - p);
	if ((stop = memchr(p, '\r', n)) != NULL)
		n = (size_t)(stop - p);
	if ((stop = memchr(p, '\0', n)) != NULL)
		n = (size_t)(stop - p);
	for (i = 0; i < n; i++)
		or |= p[i];
	memcpy(out, p, i);
	if (or & 0x80)
		in->eightbit = 1;
	in->pos += i;
	in->linelen += i;
	return i;
}

long
msg_input_read(struct msg_input *in, char *out, size_t max)
{
	size_t o = 0;
	ssize_t n;
	char c;

	while (!in->done && o + 4 <= max) {
		if (in->pos == in->len) {
			n = read(in->fd, in->buf, sizeof(in->buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -1;
			if (n == 0) {
				/* The spool always ends with a line end. */
				if (in->state == IN_MID)
					line_end(in, out, &o);
				in->done = 1;
				break;
			}
			in->pos = 0;
			in->len = (size_t)n;
		}
		c = in->buf[in->pos];
		if (in->state == IN_CR) {
			in->state = IN_BOL;
			if (c == '\n') {
				in->pos++;
				continue;
			}
		}
		if (in->state == IN_DOT) {
			if (c == '\r' || c == '\n') {
				/* A lone dot: the end of the input. */
				in->done = 1;
				break;
			}
			out[o++] = '.';
			in->linelen++;
			in->state = IN_MID;
		}
		if (c == '\r' || c == '\n') {
			line_end(in, out, &o);
			in->state = c == '\r' ? IN_CR : IN_BOL;
			in->pos++;
			continue;
		}
		if (c == '.' && in->state == IN_BOL && !in->ignore_dots) {
			in->state = IN_DOT;
			in->pos++;
			continue;
		}
		in->state = IN_MID;
		if (c == '\0') {
			in->nul = 1;
			out[o++] = c;
			in->linelen++;
			in->pos++;
			continue;
		}
		o += copy_run(in, out + o, max - o);
	}
	return (long)o;
}

/* Is this line the start of a header field ("Name:")? */
static size_t
field_name_len(const char *l, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)l[i];

		if (c == ':')
			break;
		if (c <= 32 || c >= 127)
			break;
	}
	if (i == 0)
		return 0;
	/* obsolete syntax allows white space before the colon */
	while (i < len && (l[i] == ' ' || l[i] == '\t'))
		i++;
	return i < len && l[i] == ':' ? i : 0;
}

static void
add_field(struct msg *m, size_t off, size_t len, size_t namelen)
{
	m->f = xgrow(m->f, m->nf, sizeof(*m->f));
	m->f[m->nf].off = off;
	m->f[m->nf].len = len;
	m->f[m->nf].namelen = namelen;
	m->f[m->nf].deleted = 0;
	m->nf++;
}

/*
 * Look at the complete lines in head from *scan.  Returns 1 when the
 * header block has ended (body_off set), 0 when more input is needed,
 * -1 when there are too many fields.
 */
static int
scan_lines(struct msg *m, size_t *scan)
{
	const char *d = m->head.data;
	const char *nl;
	size_t lstart, llen, nlen;

	while ((nl = memchr(d + *scan, '\n', m->head.len - *scan)) != NULL) {
		lstart = *scan;
		llen = (size_t)(nl - (d + lstart)) - 1;	/* without CRLF */
		*scan = (size_t)(nl - d) + 1;
		if (llen == 0) {
			m->separator = 1;
			m->body_off = *scan;
			return 1;
		}
		if ((d[lstart] == ' ' || d[lstart] == '\t') && m->nf) {
			m->f[m->nf - 1].len += llen + 2;
			continue;
		}
		if (lstart == 0 && llen >= 5 && memcmp(d, "From ", 5) == 0 &&
		    field_name_len(d, llen) == 0) {
			/* An mbox "From " line: not part of the message. */
			continue;
		}
		if ((nlen = field_name_len(d + lstart, llen)) == 0) {
			m->body_off = lstart;
			return 1;
		}
		if (m->nf >= HEADER_FIELDS_MAX)
			return -1;
		add_field(m, lstart, llen + 2, nlen);
	}
	return 0;
}

int
msg_read_head(struct msg *m, int fd, int ignore_dots, struct result *r)
{
	char chunk[IO_CHUNK];
	size_t scan = 0;
	long n;

	m->in.fd = fd;
	m->in.ignore_dots = ignore_dots;
	for (;;) {
		n = msg_input_read(&m->in, chunk, sizeof(chunk));
		if (n < 0) {
			result_local(r, RES_PERM, STAGE_NONE, ERR_IO,
			    "reading the message", "%s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			m->body_off = m->head.len;
			return 0;
		}
		if (buf_add(&m->head, chunk, (size_t)n) == -1) {
			result_local(r, RES_PERM, STAGE_NONE, ERR_DATA,
			    "reading the message", "header section larger "
			    "than %d bytes", HEADER_BLOCK_MAX);
			return -1;
		}
		switch (scan_lines(m, &scan)) {
		case 1:
			return 0;
		case -1:
			result_local(r, RES_PERM, STAGE_NONE, ERR_DATA,
			    "reading the message", "more than %d header "
			    "fields", HEADER_FIELDS_MAX);
			return -1;
		}
		if (m->head.len > HEADER_BLOCK_MAX) {
			result_local(r, RES_PERM, STAGE_NONE, ERR_DATA,
			    "reading the message", "header section larger "
			    "than %d bytes", HEADER_BLOCK_MAX);
			return -1;
		}
	}
}

static int
name_is(const struct msg *m, size_t i, const char *name)
{
	const char *p = m->head.data + m->f[i].off;
	size_t n = strlen(name), nl = m->f[i].namelen;

	while (nl && (p[nl - 1] == ' ' || p[nl - 1] == '\t'))
		nl--;
	return nl == n && strncasecmp(p, name, n) == 0;
}

long
msg_find(const struct msg *m, const char *name, size_t from)
{
	size_t i;

	for (i = from; i < m->nf; i++)
		if (!m->f[i].deleted && name_is(m, i, name))
			return (long)i;
	return -1;
}

int
msg_has_prefix(const struct msg *m, const char *prefix)
{
	size_t i, n = strlen(prefix);

	for (i = 0; i < m->nf; i++)
		if (!m->f[i].deleted && m->f[i].namelen >= n &&
		    strncasecmp(m->head.data + m->f[i].off, prefix, n) == 0)
			return 1;
	return 0;
}

int
msg_has(const struct msg *m, const char *name)
{
	const char *p = buf_cstr(&m->added);
	size_t n = strlen(name);

	if (msg_find(m, name, 0) >= 0)
		return 1;
	/* Added fields: one per line, continuation lines start with WSP. */
	for (; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			return 1;
	return 0;
}

char *
msg_value(const struct msg *m, size_t i)
{
	const char *p = m->head.data + m->f[i].off + m->f[i].namelen + 1;
	const char *end = m->head.data + m->f[i].off + m->f[i].len;
	char *v = xmalloc((size_t)(end - p) + 1), *o = v;

	for (; p < end; p++)
		if (*p != '\r' && *p != '\n')
			*o++ = *p;
	while (o > v && (o[-1] == ' ' || o[-1] == '\t'))
		o--;
	*o = '\0';
	o = v + strspn(v, " \t");
	memmove(v, o, strlen(o) + 1);
	return v;
}

void
msg_delete(struct msg *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nf; i++)
		if (name_is(m, i, name))
			m->f[i].deleted = 1;
}

void
msg_add(struct msg *m, const char *name, const char *value)
{
	(void)buf_addf(&m->added, "%s: %s\r\n", name, value);
}

int
msg_recipients(const struct msg *m, struct addr_list *out, const char **why,
    const char **field)
{
	static const char *plain[] = { "To", "Cc", "Bcc", NULL };
	static const char *resent[] = { "Resent-To", "Resent-Cc",
	    "Resent-Bcc", NULL };
	const char **names = msg_has_prefix(m, "Resent-") ? resent : plain;
	size_t k;
	long i;

	for (k = 0; names[k]; k++) {
		for (i = msg_find(m, names[k], 0); i >= 0;
		    i = msg_find(m, names[k], (size_t)i + 1)) {
			char *v = msg_value(m, (size_t)i);
			int rc = *v ? addr_parse_list(v, out, why) : 0;

			free(v);
			if (rc == -1) {
				*field = names[k];
				return -1;
			}
		}
	}
	return 0;
}

static int
spool_write(struct msg *m, int fd, const char *p, size_t n)
{
	if (compat_write_all(fd, p, n) == -1)
		return -1;
	m->size += n;
	return 0;
}

void
msg_add_field(struct msg *m, const char *field)
{
	(void)buf_addf(&m->added, "%s\r\n", field);
}

void
msg_replace(struct msg *m, size_t i, const char *field)
{
	m->f[i].deleted = 1;
	msg_add_field(m, field);
}

#define IS_WSP(c)	((c) == ' ' || (c) == '\t')

/*
 * Where to fold line p (n octets, CRLF excluded) that is longer than
 * MSG_LINE_MAX: before the last space or tab within the limit, else
 * before the first one past it; only where both parts keep something
 * other than blanks (a folded line of blanks only is not allowed, RFC
 * 5322, 3.2.2).  0: nowhere.
 */
static size_t
fold_point(const char *p, size_t n)
{
	size_t i, first, last, best = 0;

	for (first = 0; first < n && IS_WSP(p[first]); first++)
		;
	for (last = n; last > 0 && IS_WSP(p[last - 1]); last--)
		;
	for (i = first + 1; i < last; i++) {
		if (!IS_WSP(p[i]) || IS_WSP(p[i - 1]))
			continue;
		if (i <= MSG_LINE_MAX)
			best = i;
		else
			return best ? best : i;
	}
	return best;
}

/*
 * Append a header field (len octets, lines ending in CRLF) to out, with
 * every line over MSG_LINE_MAX octets folded at white space (RFC 5322,
 * 2.1.1 and 2.2.3): a server may refuse such a line or break it where
 * it likes.  A line with nowhere to fold goes as it is.
 */
static void
add_folded(struct buf *out, const char *p, size_t len)
{
	const char *end = p + len, *eol;
	size_t n, at;

	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol ? eol + 1 : end;
		n = (size_t)(eol - p);
		if (n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\n')
			n -= 2;
		else if (n >= 1 && p[n - 1] == '\n')
			n -= 1;
		if (n > MSG_LINE_MAX && (at = fold_point(p, n)) != 0) {
			(void)buf_add(out, p, at);
			(void)buf_add(out, "\r\n", 2);
			p += at;
			continue;
		}
		(void)buf_add(out, p, (size_t)(eol - p));
		p = eol;
	}
}

void
msg_head(const struct msg *m, struct buf *out)
{
	size_t i;

	(void)buf_add(out, buf_cstr(&m->added), m->added.len);
	for (i = 0; i < m->nf; i++)
		if (!m->f[i].deleted)
			add_folded(out, m->head.data + m->f[i].off,
			    m->f[i].len);
	if (m->separator || m->body_off < m->head.len || !m->in.done)
		(void)buf_add(out, "\r\n", 2);
}

int
msg_spool(struct msg *m, int fd, struct result *r)
{
	struct buf head;
	char *chunk = NULL;
	long n;
	int rc = -1;

	m->size = 0;
	buf_init(&head, HEADER_BLOCK_MAX * 2 + 2);
	msg_head(m, &head);
	n = spool_write(m, fd, buf_cstr(&head), head.len);
	m->head_size = head.len;
	buf_free(&head);
	if (n == -1)
		goto werr;
	if (spool_write(m, fd, buf_cstr(&m->head) + m->body_off,
	    m->head.len - m->body_off) == -1)
		goto werr;
	chunk = xmalloc(IO_CHUNK);
	while ((n = msg_input_read(&m->in, chunk, IO_CHUNK)) > 0)
		if (spool_write(m, fd, chunk, (size_t)n) == -1)
			goto werr;
	if (n < 0) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_IO,
		    "reading the message", "%s", strerror(errno));
		goto done;
	}
	rc = 0;
	goto done;
werr:
	result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT,
	    "writing the spool file", "%s", strerror(errno));
done:
	free(chunk);
	return rc;
}
