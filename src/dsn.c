/*
 * dsn.c -- delivery status notifications (RFC 3464 multipart/report).
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "buf.h"
#include "compat.h"
#include "dsn.h"
#include "mime_write.h"
#include "xmalloc.h"

#define ORIG_HEADERS_MAX	(64 * 1024)
#define TEXT_MAX		900

/* One line of untrusted text, safe to place in a header field. */
static char *
line(const char *s)
{
	char *out = result_sanitize(s ? s : "", TEXT_MAX);

	return out;
}

/* The original's header block, CRLF ends, without the empty line. */
static void
orig_headers(int fd, struct buf *b)
{
	char chunk[4096], *end;
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) == -1)
		return;
	while (b->len < ORIG_HEADERS_MAX &&
	    (n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_add(b, chunk, (size_t)n) == -1)
			break;
	if (b->data && (end = strstr(b->data, "\r\n\r\n")) != NULL)
		b->len = (size_t)(end - b->data) + 2;
	else if (b->len > 0) {
		/* cut at the last complete line */
		while (b->len && b->data[b->len - 1] != '\n')
			b->len--;
	}
	if (b->data)
		b->data[b->len] = '\0';
}

static const struct result_rcpt *
rcpt_reply(const struct result *r, const char *addr)
{
	size_t i;

	for (i = 0; r && i < r->nrcpt; i++)
		if (strcmp(r->rcpt[i].address, addr) == 0)
			return &r->rcpt[i];
	return NULL;
}

static void
recipient_block(struct buf *b, const struct dsn_info *d, const char *addr)
{
	const struct result_rcpt *rr = rcpt_reply(d->r, addr);
	const char *status = d->status;
	char *text;

	if (rr && rr->code >= 500 && rr->enhanced[0] == '5')
		status = rr->enhanced;
	else if (rr && rr->code >= 500)
		status = "5.0.0";
	(void)buf_addf(b, "\r\nFinal-Recipient: rfc822; %s\r\nAction: failed"
	    "\r\nStatus: %s\r\n", addr, status);
	if (rr && rr->code) {
		text = line(rr->text);
		(void)buf_addf(b, "Diagnostic-Code: smtp; %d %s%s%s\r\n",
		    rr->code, rr->enhanced, *rr->enhanced ? " " : "", text);
		free(text);
	} else if (d->r && d->r->code && d->r->err == ERR_NONE) {
		text = line(d->r->text);
		(void)buf_addf(b, "Diagnostic-Code: smtp; %d %s%s%s\r\n",
		    d->r->code, d->r->enhanced, *d->r->enhanced ? " " : "",
		    text);
		free(text);
	}
}

long long
dsn_write(int out, int orig, const struct dsn_info *d)
{
	struct buf b, h;
	unsigned char rnd[12];
	char bnd[40], *date, *arrival, *msgid, *reason;
	long long total;
	size_t i;
	int rc;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0x5a, sizeof(rnd));
	snprintf(bnd, sizeof(bnd), "=_outbox_%02x%02x%02x%02x%02x%02x"
	    "%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3],
	    rnd[4], rnd[5], rnd[6], rnd[7], rnd[8], rnd[9], rnd[10],
	    rnd[11]);
	date = mime_date(time(NULL));
	arrival = mime_date((time_t)d->meta->created);
	msgid = mime_msgid(d->reporting);
	reason = line(d->reason);
	buf_init(&b, 1024 * 1024);
	buf_init(&h, ORIG_HEADERS_MAX + 4096);
	(void)buf_addf(&b, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n"
	    "To: <%s>\r\nSubject: Undelivered Mail Returned to Sender\r\n"
	    "Date: %s\r\nMessage-ID: %s\r\nAuto-Submitted: auto-replied\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
	    "report-type=delivery-status;\r\n\tboundary=\"%s\"\r\n\r\n"
	    "This is a MIME-encapsulated message.\r\n\r\n--%s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
	    "This is outbox on %s.\r\n\r\nYour message could not be "
	    "delivered, and outbox has given up on it:\r\n\r\n  %s\r\n\r\n"
	    "Recipients:\r\n", d->reporting, d->env->from, date, msgid, bnd,
	    bnd, d->reporting, reason);
	for (i = 0; i < d->env->nrcpt; i++)
		(void)buf_addf(&b, "  <%s>\r\n", d->env->rcpt[i]);
	(void)buf_addf(&b, "\r\nThe headers of your message follow.\r\n\r\n"
	    "--%s\r\nContent-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; %s\r\nX-Outbox-Queue-ID: %s\r\n"
	    "Arrival-Date: %s\r\n", bnd, d->reporting, d->id, arrival);
	for (i = 0; i < d->env->nrcpt; i++)
		recipient_block(&b, d, d->env->rcpt[i]);
	(void)buf_addf(&b, "\r\n--%s\r\nContent-Type: text/rfc822-headers\r\n"
	    "\r\n", bnd);
	orig_headers(orig, &h);
	(void)buf_add(&b, buf_cstr(&h), h.len);
	(void)buf_addf(&b, "\r\n--%s--\r\n", bnd);
	rc = compat_write_all(out, buf_cstr(&b), b.len);
	free(date);
	free(arrival);
	free(msgid);
	free(reason);
	buf_free(&h);
	total = (long long)b.len;
	buf_free(&b);
	return rc == 0 ? total : -1;
}
