/*
 * msg.c -- reading a message: input filter, header block, spooling.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
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

/* Does any of n bytes have its high bit set?  A word at a time. */
static int
any_high(const unsigned char *p, size_t n)
{
	uint64_t acc = 0, w0, w1, w2, w3;
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		memcpy(&w0, p + i, 8);
		memcpy(&w1, p + i + 8, 8);
		memcpy(&w2, p + i + 16, 8);
		memcpy(&w3, p + i + 24, 8);
		acc |= w0 | w1 | w2 | w3;
	}
	for (; i < n; i++)
		acc |= p[i];
	return (acc & 0x8080808080808080ULL) != 0;
}

/*
 * The NUL and 8-bit scans over the bytes taken from buf since the last
 * time: whole runs at once, not a byte at a time.  Bytes after a lone
 * dot are never taken, so never scanned.
 */
static void
scan_taken(struct msg_input *in)
{
	const unsigned char *p = (const unsigned char *)in->buf + in->scanned;
	size_t n = in->pos - in->scanned;

	if (!in->nul && memchr(p, '\0', n) != NULL)
		in->nul = 1;
	if (!in->eightbit && any_high(p, n))
		in->eightbit = 1;
	in->scanned = in->pos;
}

/* Where the next CR at or after pos is in buf (len: none), remembered
   until it is passed, so a chunk is searched for CRs only once. */
static size_t
next_cr(struct msg_input *in)
{
	const char *cr;

	if (!in->cr_known || in->cr_at < in->pos) {
		cr = memchr(in->buf + in->pos, '\r', in->len - in->pos);
		in->cr_at = cr ? (size_t)(cr - in->buf) : in->len;
		in->cr_known = 1;
	}
	return in->cr_at;
}

/*
 * The fast path: whole lines ending in LF or CRLF, a memchr for each
 * line end and one copy, until something needs the byte-at-a-time
 * states below (a bare CR, a CR ending the chunk, a dot starting a line)
 * or out is full.  Every byte taken is ordinary or a line end.
 */
static void
take_lines(struct msg_input *in, char *out, size_t *op, size_t max)
{
	const char *nl;
	size_t o = *op, eol, k, cr;

	while (in->pos < in->len && max - o >= 4) {
		if (in->state == IN_BOL && in->buf[in->pos] == '.') {
			if (!in->ignore_dots)
				break;
			in->dotline = 1;
		}
		cr = next_cr(in);
		nl = memchr(in->buf + in->pos, '\n', in->len - in->pos);
		eol = nl ? (size_t)(nl - in->buf) : in->len;
		if (cr < eol) {
			/* CRLF ends the line like LF; a bare CR, or one
			   ending the chunk, is left to the states. */
			if (nl == NULL || cr + 1 != eol)
				nl = NULL;
			eol = cr;
		}
		k = eol - in->pos;
		if (k == 0 && nl != NULL && in->state == IN_BOL &&
		    in->raw_body) {
			/* the empty line: the raw body follows */
			line_end(in, out, &o);
			in->in_raw = 1;
			in->pos = (size_t)(nl - in->buf) + 1;
			break;
		}
		if (k + 2 > max - o) {
			k = max - o - 2;
			nl = NULL;
		}
		memcpy(out + o, in->buf + in->pos, k);
		o += k;
		in->linelen += k;
		in->pos += k;
		if (k)
			in->state = IN_MID;
		if (nl == NULL)
			break;
		line_end(in, out, &o);
		in->state = IN_BOL;
		in->pos = (size_t)(nl - in->buf) + 1;
	}
	*op = o;
}

/*
 * A raw body: the bytes as they are, after the LF of the CRLF that ended
 * the header section (when the byte-at-a-time states took its CR).
 */
static void
raw_take(struct msg_input *in, char *out, size_t *op, size_t max)
{
	size_t k = in->len - in->pos;

	if (in->state == IN_CR) {
		in->state = IN_MID;
		if (in->buf[in->pos] == '\n') {
			in->pos++;
			return;
		}
	}
	if (k > max - *op)
		k = max - *op;
	memcpy(out + *op, in->buf + in->pos, k);
	*op += k;
	in->pos += k;
}

long
msg_input_read(struct msg_input *in, char *out, size_t max)
{
	size_t o = 0;
	ssize_t n;
	char c;

	while (!in->done && o + 4 <= max) {
		if (in->pos == in->len) {
			scan_taken(in);
			n = read(in->fd, in->buf, sizeof(in->buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -1;
			if (n == 0) {
				/* The spool always ends with a line end,
				   unless the body is raw. */
				if (in->state == IN_MID && !in->in_raw)
					line_end(in, out, &o);
				in->done = 1;
				break;
			}
			in->pos = in->scanned = 0;
			in->len = (size_t)n;
			in->cr_known = 0;
		}
		if (in->in_raw) {
			raw_take(in, out, &o, max);
			continue;
		}
		if (in->state == IN_BOL || in->state == IN_MID) {
			size_t before = in->pos;

			take_lines(in, out, &o, max);
			if (in->in_raw)
				break;
			if (in->pos != before)
				continue;
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
			in->dotline = 1;
			in->linelen++;
			in->state = IN_MID;
		}
		if (c == '\r' || c == '\n') {
			if (in->state == IN_BOL && in->raw_body) {
				/* the empty line: the raw body follows (a
				   CR's LF is eaten by raw_take()) */
				in->in_raw = 1;
				in->pos++;
				line_end(in, out, &o);
				in->state = c == '\r' ? IN_CR : IN_BOL;
				break;
			}
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
		if (c == '.' && in->state == IN_BOL)
			in->dotline = 1;
		in->state = IN_MID;
		out[o++] = c;
		in->linelen++;
		in->pos++;
	}
	scan_taken(in);
	return (long)o;
}

int
msg_head_nul(const struct msg *m)
{
	return m->in.nul && memchr(m->head.data, '\0', m->body_off) != NULL;
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

/* Does a line of the header block p (n octets of CRLF lines) start
   with '.'? */
static int
has_dotline(const char *p, size_t n)
{
	const char *d = p, *end = p + n;

	while ((d = memchr(d, '.', (size_t)(end - d))) != NULL) {
		if (d == p || d[-1] == '\n')
			return 1;
		d++;
	}
	return 0;
}

int
msg_spool(struct msg *m, int fd, struct result *r)
{
	struct buf head;
	char *chunk = NULL;
	long n;
	int rc = -1;

	m->size = 0;
	m->clean = 0;
	buf_init(&head, HEADER_BLOCK_MAX * 2 + 2);
	msg_head(m, &head);
	n = spool_write(m, fd, buf_cstr(&head), head.len);
	m->head_size = head.len;
	/* The body read so far and the rest come through msg_input_read(),
	   which notes every line that starts with '.'. */
	m->clean = !has_dotline(buf_cstr(&head), head.len);
	buf_free(&head);
	if (n == -1)
		goto werr;
	if (spool_write(m, fd, buf_cstr(&m->head) + m->body_off,
	    m->head.len - m->body_off) == -1)
		goto werr;
	chunk = xmalloc(MSG_SPOOL_CHUNK);
	while ((n = msg_input_read(&m->in, chunk, MSG_SPOOL_CHUNK)) > 0)
		if (spool_write(m, fd, chunk, (size_t)n) == -1)
			goto werr;
	if (n < 0) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_IO,
		    "reading the message", "%s", strerror(errno));
		goto done;
	}
	/* A raw body is bytes, unscanned: never clean. */
	m->clean = m->clean && !m->in.dotline && !m->in.raw_body;
	rc = 0;
	goto done;
werr:
	result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT,
	    "writing the spool file", "%s", strerror(errno));
done:
	free(chunk);
	return rc;
}
