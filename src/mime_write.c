/*
 * mime_write.c -- writing the message composer mode builds: header fields,
 * MIME structure, parts (see mime_write.h).
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "codec.h"
#include "compat.h"
#include "composed.h"
#include "mime_write.h"
#include "limits.h"
#include "mimetype.h"
#include "msg.h"
#include "xmalloc.h"

char *
mime_date(time_t t)
{
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	return xasprintf("%s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

static void random_hex(char *, size_t);

char *
mime_msgid(const char *domain)
{
	char hex[12 * 2 + 1];

	random_hex(hex, 12);
	return xasprintf("<%lld.%s@%s>", (long long)time(NULL), hex,
	    domain && *domain ? domain : "localhost");
}

/* Buffered output to the spool file, counting what it writes. */
struct out {
	int		 fd;
	char		*buf;
	size_t		 len;
	unsigned long long total;
	int		 err;		/* a write failed (errno saved) */
	int		 saved_errno;
};

#define OUT_SIZE	IO_CHUNK

static void
out_flush(struct out *o)
{
	if (!o->err && o->len && compat_write_all(o->fd, o->buf, o->len) ==
	    -1) {
		o->err = 1;
		o->saved_errno = errno;
	}
	o->len = 0;
}

/*
 * The end of a write through o: flushed, its buffer freed, *total set;
 * rc, or -1 with r set when a write failed.
 */
static int
out_end(struct out *o, int rc, unsigned long long *total, struct result *r)
{
	out_flush(o);
	free(o->buf);
	*total = o->total;
	if (rc == 0 && o->err) {
		result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT,
		    "writing the spool file", "%s", strerror(o->saved_errno));
		rc = -1;
	}
	return rc;
}

static void
out_add(struct out *o, const void *p, size_t n)
{
	const char *s = p;
	size_t k;

	o->total += n;
	while (n > 0) {
		if (o->len == OUT_SIZE)
			out_flush(o);
		k = OUT_SIZE - o->len < n ? OUT_SIZE - o->len : n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

static void
out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

void
mime_init(struct mime *c)
{
	memset(c, 0, sizeof(*c));
	c->text.fd = c->html.fd = -1;
}

static void
text_free(struct mime_text *t)
{
	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
}

void
mime_free(struct mime *c)
{
	size_t i;

	for (i = 0; i < c->nf; i++) {
		free(c->f[i].name);
		free(c->f[i].value);
	}
	free(c->f);
	for (i = 0; i < c->natt; i++) {
		if (c->att[i].fd != -1)
			close(c->att[i].fd);
		free(c->att[i].path);
		free(c->att[i].type);
		free(c->att[i].name);
	}
	free(c->att);
	text_free(&c->text);
	text_free(&c->html);
	mime_init(c);
}

void
mime_field(struct mime *c, const char *name, const char *value,
    enum mime_kind kind)
{
	c->f = xrealloc(c->f, (c->nf + 1) * sizeof(*c->f));
	c->f[c->nf].name = xstrdup(name);
	c->f[c->nf].value = xstrdup(value);
	c->f[c->nf].kind = kind;
	c->nf++;
}

int
mime_temp_fd(struct result *r)
{
	FILE *fp = tmpfile();
	int fd;

	if (fp == NULL || (fd = dup(fileno(fp))) == -1) {
		result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT,
		    "temporary file", "%s", strerror(errno));
		if (fp)
			fclose(fp);
		return -1;
	}
	fclose(fp);
	return fd;
}

/* Note lines that start as a boundary does (composed.h). */
static void
scan_dash(const char *p, size_t n, int *bolpos, int *dash)
{
	static const char pre[] = COMPOSED_BOUNDARY_LEAD;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n')
			*bolpos = 0;
		else if (*bolpos >= 0 && *bolpos < 4) {
			if (p[i] == pre[*bolpos]) {
				if (++*bolpos == 4)
					*dash = 1;
			} else
				*bolpos = -1;
		}
	}
}

int
mime_text_load(struct mime_text *t, int fd, struct result *r)
{
	struct msg_input *in = xcalloc(1, sizeof(*in));
	char *chunk = xmalloc(IO_CHUNK);
	long n;
	int bolpos = 0, rc = -1;

	memset(t, 0, sizeof(*t));
	if ((t->fd = mime_temp_fd(r)) == -1)
		goto done;
	in->fd = fd;
	in->ignore_dots = 1;
	while ((n = msg_input_read(in, chunk, IO_CHUNK)) > 0) {
		scan_dash(chunk, (size_t)n, &bolpos, &t->dashline);
		if (compat_write_all(t->fd, chunk, (size_t)n) == -1) {
			result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT,
			    "temporary file", "%s", strerror(errno));
			goto done;
		}
		t->size += (unsigned long long)n;
	}
	if (n < 0) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_IO, "reading the "
		    "message body", "%s", strerror(errno));
		goto done;
	}
	t->eightbit = in->eightbit;
	t->nul = in->nul;
	t->maxline = in->maxline > in->linelen ? in->maxline : in->linelen;
	rc = lseek(t->fd, 0, SEEK_SET) == -1 ? -1 : 0;
done:
	if (rc == -1)
		text_free(t);
	free(chunk);
	free(in);
	return rc;
}

/*
 * Open a file the user named (-a, --body, --html): a regular file only.
 * O_NONBLOCK keeps open() from waiting for a FIFO's writer (or a device),
 * fstat() of that very descriptor decides (no race with a rename), then
 * reads block again.  -1 with r set (ERR_NOINPUT naming what and path).
 */
static int
open_regular(const char *path, const char *what, struct result *r)
{
	struct stat st;
	const char *why = NULL;
	int fd, fl;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1)
		why = strerror(errno);
	else if (fstat(fd, &st) == -1)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		why = strerror(errno);
	if (why == NULL)
		return fd;
	result_local(r, RES_PERM, STAGE_NONE, ERR_NOINPUT, NULL,
	    "cannot read %s '%s': %s", what, path, why);
	if (fd != -1)
		close(fd);
	return -1;
}

int
mime_text_file(struct mime_text *t, const char *path,
    const char *what, struct result *r)
{
	int fd = 0, rc;

	if (path && (fd = open_regular(path, what, r)) == -1)
		return -1;
	rc = mime_text_load(t, fd, r);
	if (fd != 0)
		close(fd);
	return rc;
}

int
mime_attach(struct mime *c, const char *path, const char *mimetypes,
    struct result *r)
{
	struct mime_attach *a;
	const char *base;
	int fd;

	if ((fd = open_regular(path, "attachment", r)) == -1)
		return -1;
	c->att = xrealloc(c->att, (c->natt + 1) * sizeof(*c->att));
	a = &c->att[c->natt++];
	a->path = xstrdup(path);
	a->fd = fd;
	base = strrchr(path, '/');
	a->name = xstrdup(base ? base + 1 : path);
	a->type = mimetype_lookup(mimetypes, a->name);
	return 0;
}

enum cte { CTE_7BIT, CTE_8BIT, CTE_QP };

static const char *cte_lines[] = {
	COMPOSED_CTE_PREFIX "7bit",
	COMPOSED_CTE_8BIT,
	COMPOSED_CTE_PREFIX "quoted-printable"
};

/* QP for what 8bit cannot carry; a "--=_" line too, so that neither a
   boundary nor the send-time downgrade can mistake it for one. */
static enum cte
text_cte(const struct mime_text *t)
{
	if (t->nul || t->maxline > MSG_LINE_MAX || t->dashline)
		return CTE_QP;
	return t->eightbit ? CTE_8BIT : CTE_7BIT;
}

/* Back to the start of a part's source (an attachment may be a file
   the caller had read from). */
static int
rewind_part(int fd, struct result *r)
{
	if (lseek(fd, 0, SEEK_SET) == -1) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_IO, "reading a "
		    "message part", "%s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Read up to n octets, fewer only at the end: the count, or -1. */
static ssize_t
read_full(int fd, void *buf, size_t n)
{
	size_t have = 0;
	ssize_t k;

	while (have < n) {
		if ((k = read(fd, (char *)buf + have, n - have)) == 0)
			break;
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			return -1;
		have += (size_t)k;
	}
	return (ssize_t)have;
}

/* Copy fd to o, quoted-printable encoded when qp is set. */
static int
copy_fd(struct out *o, int fd, int qp, struct result *r)
{
	struct codec_qp st;
	char *in = xmalloc(IO_CHUNK), *enc = NULL;
	ssize_t n;
	size_t m;

	if (qp) {
		enc = xmalloc(CODEC_QP_MAX_OUT(IO_CHUNK));
		codec_qp_init(&st);
	}
	while ((n = read(fd, in, IO_CHUNK)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (qp) {
			m = codec_qp_feed(&st, in, (size_t)n, enc);
			out_add(o, enc, m);
		} else
			out_add(o, in, (size_t)n);
	}
	if (n == 0 && qp)
		out_add(o, enc, codec_qp_finish(&st, enc));
	free(in);
	free(enc);
	if (n < 0) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_IO, "reading a "
		    "message part", "%s", strerror(errno));
		return -1;
	}
	return 0;
}

int
mime_copy(int from, int to, int qp, unsigned long long *n, struct result *r)
{
	struct out o;
	int rc;

	memset(&o, 0, sizeof(o));
	o.fd = to;
	o.buf = xmalloc(OUT_SIZE);
	rc = copy_fd(&o, from, qp, r);
	return out_end(&o, rc, n, r);
}

static int
write_text(struct out *o, struct mime_text *t, const char *subtype,
    int *eightbit, struct result *r)
{
	enum cte cte = t->fd == -1 ? CTE_7BIT : text_cte(t);
	char *s;

	s = xasprintf("Content-Type: text/%s; charset=utf-8\r\n%s\r\n\r\n",
	    subtype, cte_lines[cte]);
	out_str(o, s);
	free(s);
	if (cte == CTE_8BIT)
		*eightbit = 1;
	if (t->fd == -1)
		return 0;
	return rewind_part(t->fd, r) == -1 ? -1 :
	    copy_fd(o, t->fd, cte == CTE_QP, r);
}

/* Base64 in 76-column lines, streamed: 57 input octets a line. */
#define B64_LINE_IN	57
#define B64_CHUNK	(B64_LINE_IN * 1024)

static int
write_base64(struct out *o, int fd, struct result *r)
{
	unsigned char *in = xmalloc(B64_CHUNK);
	char line[80];
	size_t i, k;
	ssize_t n;
	int first = 1;

	/* Whole chunks (a multiple of 57) until the last: full lines. */
	while ((n = read_full(fd, in, B64_CHUNK)) > 0) {
		for (i = 0; i < (size_t)n; i += k) {
			k = (size_t)n - i < B64_LINE_IN ? (size_t)n - i :
			    B64_LINE_IN;
			if (!first)
				out_add(o, "\r\n", 2);
			first = 0;
			out_add(o, line, codec_b64_encode_to(in + i, k, line));
		}
		if (n < B64_CHUNK)
			break;
	}
	free(in);
	if (n < 0) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_IO, "reading an "
		    "attachment", "%s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
write_attach(struct out *o, struct mime_attach *a, struct result *r)
{
	char *name = codec_param_2047("name", a->name);
	char *file = codec_param("filename", a->name);
	char *s;

	s = xasprintf("Content-Type: %s;\r\n %s\r\nContent-Disposition: "
	    "attachment;\r\n %s\r\nContent-Transfer-Encoding: base64\r\n\r\n",
	    a->type, name, file);
	out_str(o, s);
	free(s);
	free(name);
	free(file);
	return rewind_part(a->fd, r) == -1 ? -1 : write_base64(o, a->fd, r);
}

static void
random_hex(char *out, size_t nbytes)
{
	unsigned char rnd[32];
	struct timespec ts;
	size_t i;

	if (nbytes > sizeof(rnd))
		nbytes = sizeof(rnd);
	if (getrandom(rnd, nbytes, 0) != (ssize_t)nbytes) {
		clock_gettime(CLOCK_REALTIME, &ts);
		for (i = 0; i < nbytes; i++)
			rnd[i] = (unsigned char)((ts.tv_nsec >> (i % 4 * 8)) ^
			    (getpid() >> (i % 3 * 8)) ^ i);
	}
	for (i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", rnd[i]);
}

/* The lead + random: '=' followed by '_' is neither base64 nor QP. */
static void
new_boundary(char *b, size_t len, char level)
{
	static const char lead[] = COMPOSED_BOUNDARY_LEAD;
	char hex[33];

	random_hex(hex, 12);
	/* the boundary parameter: the lead without its "--" */
	snprintf(b, len, "%soutbox_%s_%c", lead + 2, hex, level);
}

/* text and/or html: one part, or multipart/alternative. */
static int
write_main(struct mime *c, struct out *o, int with_text, int nested,
    struct result *r)
{
	char b[64], *s;

	if (c->html.fd == -1)
		return write_text(o, &c->text, "plain", &c->eightbit, r);
	if (!with_text)
		return write_text(o, &c->html, "html", &c->eightbit, r);
	new_boundary(b, sizeof(b), 'a');
	s = xasprintf("Content-Type: multipart/alternative;\r\n"
	    " boundary=\"%s\"\r\n\r\n%s--%s\r\n", b, nested ? "" :
	    "This is a multi-part message in MIME format.\r\n", b);
	out_str(o, s);
	free(s);
	if (write_text(o, &c->text, "plain", &c->eightbit, r) == -1)
		return -1;
	s = xasprintf("\r\n--%s\r\n", b);
	out_str(o, s);
	free(s);
	if (write_text(o, &c->html, "html", &c->eightbit, r) == -1)
		return -1;
	s = xasprintf("\r\n--%s--%s", b, nested ? "" : "\r\n");
	out_str(o, s);
	free(s);
	return 0;
}

static int
write_mixed(struct mime *c, struct out *o, int with_main, int with_text,
    struct result *r)
{
	char b[64], *s;
	size_t i;

	new_boundary(b, sizeof(b), 'm');
	s = xasprintf("Content-Type: multipart/mixed;\r\n boundary=\"%s\""
	    "\r\n\r\nThis is a multi-part message in MIME format.\r\n", b);
	out_str(o, s);
	free(s);
	for (i = 0; i < c->natt + (with_main != 0); i++) {
		s = xasprintf("--%s\r\n", b);
		out_str(o, s);
		free(s);
		if ((with_main && i == 0 ? write_main(c, o, with_text, 1, r) :
		    write_attach(o, &c->att[i - (with_main != 0)], r)) == -1)
			return -1;
		out_add(o, "\r\n", 2);
	}
	s = xasprintf("--%s--\r\n", b);
	out_str(o, s);
	free(s);
	return 0;
}

static void
write_fields(struct mime *c, struct out *o)
{
	char *line;
	size_t i;

	for (i = 0; i < c->nf; i++) {
		if (c->f[i].kind == MF_TEXT)
			line = codec_header(c->f[i].name, c->f[i].value);
		else
			line = codec_fold(c->f[i].name, c->f[i].value);
		if (codec_has_8bit(line, strlen(line)))
			c->head8bit = 1;
		out_str(o, line);
		out_add(o, "\r\n", 2);
		free(line);
	}
	out_str(o, "MIME-Version: 1.0\r\n");
}

int
mime_write(struct mime *c, int fd, unsigned long long *size,
    struct result *r)
{
	struct out o;
	int with_text, rc;

	memset(&o, 0, sizeof(o));
	o.fd = fd;
	o.buf = xmalloc(OUT_SIZE);
	c->eightbit = c->head8bit = 0;
	/* An empty body is left out when something else carries the
	   message; alone it is an empty text/plain part. */
	with_text = c->text.fd != -1 && (c->text.size > 0 ||
	    (c->html.fd == -1 && c->natt == 0));
	write_fields(c, &o);
	if (c->natt > 0)
		rc = write_mixed(c, &o, with_text || c->html.fd != -1,
		    with_text, r);
	else
		rc = write_main(c, &o, with_text, 0, r);
	return out_end(&o, rc, size, r);
}
