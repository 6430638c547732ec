/*
 * sendmail_edit.c -- sendmail mode's edits of the message it was given.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "codec.h"
#include "compat.h"
#include "compose_request.h"
#include "limits.h"
#include "mime_write.h"
#include "sendmail_edit.h"
#include "xmalloc.h"

int
edit_args(struct msg *m, const struct cli *cli,
    const struct addr_list *from, char **msgid, char *err, size_t errlen)
{
	const char *v;
	char *name, *field, *list;
	size_t i;

	if (from->n) {
		list = addr_list_format(from);
		field = codec_fold("From", list);
		msg_delete(m, "From");
		msg_add_field(m, field);
		free(field);
		free(list);
	}
	for (i = 0; i < cli->headers.n; i++) {
		if (request_header_split(cli->headers.v[i], &name, &v, err,
		    errlen) == -1)
			return -1;
		if (strcasecmp(name, "Message-ID") == 0) {
			free(*msgid);
			*msgid = xstrdup(v);
		}
		if (strcasecmp(name, "From") != 0) {
			field = codec_header(name, v);
			msg_delete(m, name);
			msg_add_field(m, field);
			free(field);
		}
		free(name);
	}
	return 0;
}

void
edit_fix_headers(struct msg *m, const struct edit_opts *o,
    char **msgid)
{
	long i;
	char *v;

	if (o->remove_bcc) {
		msg_delete(m, "Bcc");
		msg_delete(m, "Resent-Bcc");
	}
	if (o->set_from == 2 /* HDR_ON */)
		msg_delete(m, "From");
	if (o->set_from && !msg_has(m, "From") && o->from_addr) {
		if (o->from_name && *o->from_name) {
			char *phrase = codec_phrase(o->from_name);

			v = xasprintf("%s <%s>", phrase, o->from_addr);
			free(phrase);
		} else
			v = xstrdup(o->from_addr);
		msg_add(m, "From", v);
		free(v);
	}
	if (o->set_date && !msg_has(m, "Date")) {
		v = mime_date(time(NULL));
		msg_add(m, "Date", v);
		free(v);
	}
	if (*msgid == NULL && (i = msg_find(m, "Message-ID", 0)) >= 0)
		*msgid = msg_value(m, (size_t)i);
	else if (o->set_msgid && !msg_has(m, "Message-ID")) {
		*msgid = mime_msgid(o->domain);
		msg_add(m, "Message-ID", *msgid);
	}
}

/*
 * The spool file fd holds the message as msg_spool() wrote it (its
 * header block m->head_size octets); rewrite it with m's header fields
 * plus MIME headers and a quoted-printable body.  *size gets the new
 * length.
 */
static int
requote(struct msg *m, int fd, unsigned long long *size, struct result *r)
{
	struct buf head;
	unsigned long long n;
	int tmp, rc = -1;

	if ((tmp = mime_temp_fd(r)) == -1)
		return -1;
	/* The body aside, then the new header block and the body as QP. */
	if (lseek(fd, (off_t)m->head_size, SEEK_SET) == -1 ||
	    mime_copy(fd, tmp, 0, &n, r) == -1)
		goto done;
	msg_delete(m, "Content-Transfer-Encoding");
	if (msg_find(m, "Content-Type", 0) < 0)
		msg_add(m, "Content-Type", m->in.eightbit ?
		    "text/plain; charset=utf-8" :
		    "text/plain; charset=us-ascii");
	msg_add(m, "Content-Transfer-Encoding", "quoted-printable");
	if (msg_find(m, "MIME-Version", 0) < 0)
		msg_add(m, "MIME-Version", "1.0");
	buf_init(&head, HEADER_BLOCK_MAX * 2);
	msg_head(m, &head);
	if (ftruncate(fd, 0) == -1 || lseek(fd, 0, SEEK_SET) == -1 ||
	    lseek(tmp, 0, SEEK_SET) == -1 ||
	    compat_write_all(fd, head.data, head.len) == -1) {
		result_local(r, RES_TEMP, STAGE_NONE, ERR_CANTCREAT,
		    "writing the spool file", "%s", strerror(errno));
		buf_free(&head);
		goto done;
	}
	*size = head.len;
	buf_free(&head);
	if (mime_copy(tmp, fd, 1, &n, r) == -1)
		goto done;
	*size += n;
	rc = 0;
done:
	close(tmp);
	return rc;
}

/* Does field name's value, trimmed, start with (or equal) want? */
static int
value_is(const struct msg *m, const char *name, const char *want,
    int prefix)
{
	long i = msg_find(m, name, 0);
	char *v;
	size_t n = strlen(want);
	int rc;

	if (i < 0)
		return -1;
	v = msg_value(m, (size_t)i);
	rc = strncasecmp(v, want, n) == 0 && (prefix || v[n] == '\0' ||
	    v[n] == ' ' || v[n] == '\t' || v[n] == '(');
	free(v);
	return rc;
}

/*
 * A MIME message that is one text part in 7bit or 8bit (or without a
 * Content-Transfer-Encoding, which means 7bit): its body can be made
 * quoted-printable as a plain message's is.  A multipart or message
 * body cannot (RFC 2045 allows them no encoding but 7bit, 8bit and
 * binary), nor can an encoded one: those are sent as they are.
 */
static int
single_text(const struct msg *m)
{
	static const char cte[] = "Content-Transfer-Encoding";
	int is7 = value_is(m, cte, "7bit", 0);
	int is8 = value_is(m, cte, "8bit", 0);

	/* no Content-Type (-1) is text/plain (RFC 2045, 5.2) */
	if (value_is(m, "Content-Type", "text/", 1) == 0)
		return 0;
	return is7 != 0 || is8 == 1;
}

int
edit_spool(struct msg *m, int fd, unsigned long long *size,
    struct result *r)
{
	if (msg_spool(m, fd, r) == -1)
		return -1;
	*size = m->size;
	if (m->in.maxline <= MSG_LINE_MAX && m->in.linelen <= MSG_LINE_MAX)
		return 0;
	/* A message with NUL bytes or a raw body goes as BINARYMIME,
	   which limits no line. */
	if (m->in.nul || m->in.raw_body)
		return 0;
	if (msg_find(m, "MIME-Version", 0) >= 0 && !single_text(m))
		return 0;
	m->clean = 0;	/* rewritten as quoted-printable */
	return requote(m, fd, size, r);
}
