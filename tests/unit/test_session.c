/*
 * test_session.c -- session_run over an in-memory fake transport.
 *
 * The fake is a scripted server: replies[0] is the greeting, and each
 * further reply is released only when the client has sent the command it
 * answers (a whole message up to its "." counts as one command after a
 * 354).  A client that reads a reply it has not yet asked for would hang
 * against a real server; the fake reports that as a deadlock.  Special
 * replies inject EOF, a timeout or an I/O error at that point; '\x01' in a
 * reply ends one read() there (the rest comes with the next read).
 */
#include "autoconf.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cmocka.h>

#include "envelope.h"
#include "limits.h"
#include "result.h"
#include "session.h"
#include "transport.h"

static const char FAKE_EOF[] = "(eof)";
static const char FAKE_TIMEOUT[] = "(timeout)";
static const char FAKE_IOERR[] = "(i/o error)";

#define MAXREPLIES	40
#define MAXWRITES	64

struct fake {
	const char	*const *replies;
	size_t		 nreplies, next;
	/* server to client */
	char		*srv;
	size_t		 srvlen, srvcap, spos;
	size_t		 marks[64], nmarks;
	const char	*fail;		/* FAKE_*, once the script says */
	size_t		 fail_at;	/* ... at this offset in srv */
	/* client to server */
	char		*cli;
	size_t		 clilen, clicap, lpos;
	int		 data_mode;
	size_t		 writes;
	size_t		 wstart[MAXWRITES], wlen[MAXWRITES];
	size_t		 write_fail_at;	/* write call (from 1); 0: none */
	enum transport_err write_err;
	/* STARTTLS */
	int		 starttls_calls;
	enum transport_err starttls_err;	/* TE_NONE: succeed */
	/* findings */
	int		 deadlock;
	int		 bare;		/* client sent a bare CR or LF */
	int		 sent354;	/* the last release held a 354 */
	/* BDAT (RFC 3030): chunk octets still to come */
	size_t		 bdat_left;
	size_t		 bdats;		/* BDAT commands seen */
	/* replies released and read: at most one per read() when set */
	int		 one_per_read;
	size_t		*ends, nends;	/* end offset of each release in srv */
	size_t		 maxfly;	/* most replies due at a client write */
};

static void
grow(char **p, size_t *cap, size_t need)
{
	if (need <= *cap)
		return;
	while (*cap < need)
		*cap = *cap ? *cap * 2 : 4096;
	*p = realloc(*p, *cap);
}

static void
release(struct fake *f)
{
	const char *r, *p;

	if (f->fail || f->next >= f->nreplies)
		return;
	r = f->replies[f->next++];
	if (*r != '\0')
		f->sent354 = strncmp(r, "354", 3) == 0 ||
		    strstr(r, "\n354") != NULL;
	if (r == FAKE_EOF || r == FAKE_TIMEOUT || r == FAKE_IOERR) {
		f->fail = r;
		f->fail_at = f->srvlen;
		return;
	}
	for (p = r; *p; p++) {
		if (*p == '\x01') {
			if (f->nmarks < 64)
				f->marks[f->nmarks++] = f->srvlen;
			continue;
		}
		grow(&f->srv, &f->srvcap, f->srvlen + 1);
		f->srv[f->srvlen++] = *p;
	}
	f->ends = realloc(f->ends, (f->nends + 1) * sizeof(*f->ends));
	f->ends[f->nends++] = f->srvlen;
}

/* The client sent one complete line (without CRLF). */
static void
client_line(struct fake *f, const char *l, size_t n)
{
	if (f->data_mode) {
		if (n == 1 && l[0] == '.') {
			f->data_mode = 0;
			release(f);
		}
		return;
	}
	if (n > 5 && strncmp(l, "BDAT ", 5) == 0) {
		f->bdats++;
		f->bdat_left = strtoul(l + 5, NULL, 10);
		if (f->bdat_left == 0)
			release(f);
		return;
	}
	if (n == 4 && strncmp(l, "DATA", 4) == 0 && f->sent354) {
		/* 354 went out already, with earlier replies in one read */
		f->data_mode = 1;
		return;
	}
	if (n == 4 && strncmp(l, "DATA", 4) == 0 && f->next < f->nreplies &&
	    strncmp(f->replies[f->next], "354", 3) == 0)
		f->data_mode = 1;
	release(f);
}

static void
client_bytes(struct fake *f)
{
	size_t i;

	for (i = f->lpos; i < f->clilen; i++) {
		if (f->bdat_left > 0) {
			/* chunk data: counted, not parsed */
			f->lpos = i + 1;
			if (--f->bdat_left == 0)
				release(f);
			continue;
		}
		if (f->cli[i] == '\n' && (i == 0 || f->cli[i - 1] != '\r'))
			f->bare = 1;
		if (f->cli[i] == '\r' && i + 1 < f->clilen &&
		    f->cli[i + 1] != '\n')
			f->bare = 1;
		if (f->cli[i] == '\n') {
			client_line(f, f->cli + f->lpos, i - 1 - f->lpos);
			f->lpos = i + 1;
		}
	}
}

static ssize_t
fake_read(struct transport *t, void *buf, size_t n)
{
	struct fake *f = t->ctx;
	size_t limit, k;

	if (f->spos < f->srvlen && !(f->fail && f->spos >= f->fail_at)) {
		limit = f->fail ? f->fail_at : f->srvlen;
		for (k = 0; f->one_per_read && k < f->nends; k++)
			if (f->ends[k] > f->spos && f->ends[k] < limit)
				limit = f->ends[k];
		for (k = 0; k < f->nmarks; k++)
			if (f->marks[k] > f->spos && f->marks[k] < limit)
				limit = f->marks[k];
		k = limit - f->spos < n ? limit - f->spos : n;
		memcpy(buf, f->srv + f->spos, k);
		f->spos += k;
		return (ssize_t)k;
	}
	if (f->fail == FAKE_EOF)
		return 0;
	if (f->fail == FAKE_TIMEOUT)
		return transport_fail(t, TE_TIMEOUT, "timed out after 1 s");
	if (f->fail == FAKE_IOERR)
		return transport_fail(t, TE_IO, "Connection reset by peer");
	if (f->next < f->nreplies) {
		/* a real server would wait for a command: a hang */
		f->deadlock = 1;
		return transport_fail(t, TE_TIMEOUT, "fake: deadlock");
	}
	return 0;	/* the script is over: the server closed */
}

static int
fake_write(struct transport *t, const void *p, size_t n)
{
	struct fake *f = t->ctx;

	f->writes++;
	if (f->write_fail_at && f->writes == f->write_fail_at)
		return transport_fail(t, f->write_err, "Broken pipe");
	if (f->writes <= MAXWRITES) {
		f->wstart[f->writes - 1] = f->clilen;
		f->wlen[f->writes - 1] = n;
	}
	grow(&f->cli, &f->clicap, f->clilen + n + 1);
	memcpy(f->cli + f->clilen, p, n);
	f->clilen += n;
	f->cli[f->clilen] = '\0';
	client_bytes(f);
	{
		/* replies to commands received that the client has not
		   read: its commands in flight */
		size_t k, due = 0;

		for (k = 0; k < f->nends; k++)
			due += f->ends[k] > f->spos;
		if (due > f->maxfly)
			f->maxfly = due;
	}
	return 0;
}

static size_t
fake_pending(struct transport *t)
{
	struct fake *f = t->ctx;

	return f->srvlen - f->spos;
}

static int
fake_starttls(struct transport *t, const void *conf)
{
	struct fake *f = t->ctx;

	(void)conf;
	f->starttls_calls++;
	if (f->starttls_err != TE_NONE)
		return transport_fail(t, f->starttls_err, "handshake failed");
	t->tls = 1;
	return 0;
}

static void
fake_close(struct transport *t)
{
	(void)t;
}

static const struct transport_ops fake_ops = {
	.read = fake_read,
	.write = fake_write,
	.pending = fake_pending,
	.starttls = fake_starttls,
	.close = fake_close,
};

/* ---- the message --------------------------------------------------------- */

struct body {
	const char	*data;
	size_t		 len, pos, chunk;
	int		 fail;
};

static ssize_t
body_read(void *ctx, char *buf, size_t n)
{
	struct body *b = ctx;
	size_t k = b->len - b->pos;

	if (b->fail) {
		errno = EIO;
		return -1;
	}
	if (b->chunk && k > b->chunk)
		k = b->chunk;
	if (k > n)
		k = n;
	memcpy(buf, b->data + b->pos, k);
	b->pos += k;
	return (ssize_t)k;
}

/* ---- trace capture ------------------------------------------------------ */

static char trace_lines[256][512];
static size_t ntrace;

static void
trace(const char *dir, const char *line)
{
	if (ntrace < 256)
		snprintf(trace_lines[ntrace++], sizeof(trace_lines[0]),
		    "%s: %s", dir, line);
}

/* ---- cases -------------------------------------------------------------- */

#define GREET		"220 mx.example ESMTP\r\n"
#define EHLO_NONE	"250 mx.example\r\n"
#define EHLO_PIPE	"250-mx.example\r\n250 PIPELINING\r\n"
#define EHLO_TLS	"250-mx.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n"
#define EHLO_AUTH	"250-mx.example\r\n250 AUTH PLAIN LOGIN\r\n"
#define OK		"250 2.0.0 ok\r\n"
#define GO		"354 go ahead\r\n"
#define QUEUED		"250 2.0.0 queued as X\r\n"
#define BYE		"221 2.0.0 bye\r\n"

#define BODY_IN		"Subject: t\r\n\r\nhello\r\n.dot\r\n"
#define BODY_SIZE	"27"

#define C_EHLO		"EHLO test.example\r\n"
#define C_HELO		"HELO test.example\r\n"
#define C_MAIL		"MAIL FROM:<a@example.org>\r\n"
#define C_RCPT_B	"RCPT TO:<b@example.org>\r\n"
#define C_RCPT_C	"RCPT TO:<c@example.org>\r\n"
#define C_DATA		"DATA\r\n"
#define C_BODY		"Subject: t\r\n\r\nhello\r\n..dot\r\n.\r\n"
#define C_QUIT		"QUIT\r\n"
#define C_STARTTLS	"STARTTLS\r\n"

/* fields not to compare */
#define U_ERR	0x01
#define U_STAGE	0x02
#define U_CODE	0x04
#define U_EXIT	0x08

struct sess_case {
	const char	*name;
	const char	*replies[MAXREPLIES];
	/* session parameters */
	int		 nrcpt;		/* 0 or 1: b@; 2: b@ and c@ */
	const char	*from;		/* NULL: a@example.org */
	const char	*body;		/* NULL: BODY_IN */
	int		 starttls, auth, loopback, probe, eightbit, smtputf8;
	int		 nul, binary;	/* the envelope's: BINARYMIME */
	const char	*auth_mech;
	const char	*dsn_notify, *dsn_ret, *envid;
	size_t		 write_fail_at;
	enum transport_err write_err;
	enum transport_err starttls_err;
	int		 body_fail;
	size_t		 body_chunk;	/* most body_read gives at once */
	/* expected */
	const char	*client;
	int		 rc;
	enum result_class cls;
	enum result_err	 err;
	enum result_stage stage;
	int		 code;
	const char	*enhanced;	/* NULL: "" */
	int		 exit;
	int		 starttls_calls;
	size_t		 writes;	/* 0: not compared */
	unsigned	 unchecked;
};

static const struct sess_case cases[] = {
	{ .name = "happy, no extensions",
	  .replies = { GREET, EHLO_NONE, OK, OK, GO, QUEUED, BYE },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY C_QUIT,
	  .writes = 6 },
	{ .name = "happy, two recipients, no PIPELINING",
	  .replies = { GREET, EHLO_NONE, OK, OK, OK, GO, QUEUED, BYE },
	  .nrcpt = 2,
	  .client = C_EHLO C_MAIL C_RCPT_B C_RCPT_C C_DATA C_BODY C_QUIT,
	  .writes = 7 },
	{ .name = "happy, two recipients, PIPELINING",
	  .replies = { GREET, EHLO_PIPE, OK, OK, OK, GO, QUEUED, BYE },
	  .nrcpt = 2,
	  .client = C_EHLO C_MAIL C_RCPT_B C_RCPT_C C_DATA C_BODY C_QUIT,
	  .writes = 4 },
	{ .name = "replies split across reads, multi-line greeting",
	  .replies = { "220-mx.example\r\n\x01" "220 ESMTP\r\n",
	    "250-mx.exa\x01mple\r\n250 PIPE\x01LINING\r\n", "25\x01" "0 ok\r\n",
	    OK, "354 \x01go\r\n", QUEUED, BYE },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY C_QUIT,
	  .writes = 4 },
	{ .name = "all pipelined replies in one read",
	  .replies = { GREET, EHLO_PIPE, OK OK GO, "", QUEUED, BYE },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY C_QUIT,
	  .writes = 4, .unchecked = 0 },
	/* Replies out of sequence: no message data, and no QUIT either
	   (the server may take it for data). */
	{ .name = "an extra reply in the pipelined batch",
	  .replies = { GREET, EHLO_PIPE, OK OK "250 2.0.0 extra\r\n" GO, "",
	    FAKE_EOF },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA, .rc = -1,
	  .cls = RES_PERM, .err = ERR_PROTOCOL, .stage = STAGE_DATA,
	  .exit = 76, .writes = 2 },
	{ .name = "a reply pushed after 354",
	  .replies = { GREET, EHLO_PIPE, OK OK GO "250 2.0.0 early\r\n", "",
	    FAKE_EOF },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA, .rc = -1,
	  .cls = RES_PERM, .err = ERR_PROTOCOL, .stage = STAGE_DATA,
	  .exit = 76, .writes = 2 },
	{ .name = "2xx where 354 was due",
	  .replies = { GREET, EHLO_NONE, OK, OK, "250 2.0.0 ok\r\n",
	    FAKE_EOF },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA, .rc = -1,
	  .cls = RES_PERM, .err = ERR_PROTOCOL, .stage = STAGE_DATA,
	  .exit = 76 },
	{ .name = "QUIT unanswered",
	  .replies = { GREET, EHLO_NONE, OK, OK, GO, QUEUED, FAKE_EOF },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY C_QUIT },
	{ .name = "QUIT times out",
	  .replies = { GREET, EHLO_NONE, OK, OK, GO, QUEUED, FAKE_TIMEOUT },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY C_QUIT },
	{ .name = "QUIT gets garbage",
	  .replies = { GREET, EHLO_NONE, OK, OK, GO, QUEUED, "garbage\r\n" },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY C_QUIT },
	{ .name = "null sender",
	  .replies = { GREET, EHLO_NONE, OK, OK, GO, QUEUED, BYE },
	  .from = "",
	  .client = C_EHLO "MAIL FROM:<>\r\n" C_RCPT_B C_DATA C_BODY C_QUIT },
	/* EHLO and HELO */
	{ .name = "EHLO 5xx, HELO fallback",
	  .replies = { GREET, "502 5.5.1 no EHLO here\r\n",
	    "250 mx.example\r\n",
	    OK, OK, GO, QUEUED, BYE },
	  .client = C_EHLO C_HELO C_MAIL C_RCPT_B C_DATA C_BODY C_QUIT },
	{ .name = "EHLO 5xx, HELO 5xx",
	  .replies = { GREET, "550 no\r\n", "550 5.7.1 go away\r\n", BYE },
	  .client = C_EHLO C_HELO C_QUIT, .rc = -1, .cls = RES_PERM,
	  .stage = STAGE_HELO, .code = 550, .enhanced = "5.7.1",
	  .exit = EX_UNAVAILABLE },
	{ .name = "EHLO 4xx: no HELO",
	  .replies = { GREET, "451 4.3.0 try later\r\n", BYE },
	  .client = C_EHLO C_QUIT, .rc = -1, .cls = RES_TEMP,
	  .stage = STAGE_EHLO, .code = 451, .enhanced = "4.3.0",
	  .exit = EX_TEMPFAIL },
	{ .name = "HELO fallback forgets nothing it never had",
	  .replies = { GREET, "500 what\r\n", "250 hi\r\n", OK, OK, GO, QUEUED,
	    BYE },
	  .eightbit = 1, .dsn_notify = "SUCCESS", .dsn_ret = "HDRS",
	  .client = C_EHLO C_HELO C_MAIL C_RCPT_B C_DATA C_BODY C_QUIT },
	/* greeting */
	{ .name = "greeting 554",
	  .replies = { "554 5.3.2 no service here\r\n", BYE },
	  .client = C_QUIT, .rc = -1, .cls = RES_PERM,
	  .stage = STAGE_GREETING, .code = 554, .enhanced = "5.3.2",
	  .exit = EX_UNAVAILABLE },
	{ .name = "greeting 421: no QUIT",
	  .replies = { "421 4.3.2 busy\r\n" },
	  .client = "", .rc = -1, .cls = RES_TEMP, .stage = STAGE_GREETING,
	  .code = 421, .enhanced = "4.3.2", .exit = EX_TEMPFAIL },
	/* 421 anywhere: close without QUIT */
	{ .name = "EHLO 421",
	  .replies = { GREET, "421 4.3.2 shutting down\r\n" },
	  .client = C_EHLO, .rc = -1, .cls = RES_TEMP, .stage = STAGE_EHLO,
	  .code = 421, .enhanced = "4.3.2", .exit = EX_TEMPFAIL },
	{ .name = "MAIL 421",
	  .replies = { GREET, EHLO_NONE, "421 4.3.2 bye\r\n" },
	  .client = C_EHLO C_MAIL, .rc = -1, .cls = RES_TEMP,
	  .stage = STAGE_MAIL, .code = 421, .enhanced = "4.3.2",
	  .exit = EX_TEMPFAIL },
	{ .name = "RCPT 421",
	  .replies = { GREET, EHLO_NONE, OK, "421 4.3.2 bye\r\n" },
	  .nrcpt = 2,
	  .client = C_EHLO C_MAIL C_RCPT_B, .rc = -1, .cls = RES_TEMP,
	  .stage = STAGE_RCPT, .code = 421, .enhanced = "4.3.2",
	  .exit = EX_TEMPFAIL },
	{ .name = "RCPT 421, pipelined",
	  .replies = { GREET, EHLO_PIPE, OK, "421 4.3.2 bye\r\n" },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA, .rc = -1, .cls = RES_TEMP,
	  .stage = STAGE_RCPT, .code = 421, .enhanced = "4.3.2",
	  .exit = EX_TEMPFAIL },
	{ .name = "DATA 421",
	  .replies = { GREET, EHLO_NONE, OK, OK, "421 4.3.2 bye\r\n" },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA, .rc = -1, .cls = RES_TEMP,
	  .stage = STAGE_DATA, .code = 421, .enhanced = "4.3.2",
	  .exit = EX_TEMPFAIL },
	{ .name = "end of data 421",
	  .replies = { GREET, EHLO_NONE, OK, OK, GO, "421 4.3.0 timeout\r\n" },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY, .rc = -1,
	  .cls = RES_TEMP, .stage = STAGE_BODY, .code = 421,
	  .enhanced = "4.3.0", .exit = EX_TEMPFAIL },
	/* refusals at MAIL, DATA, end of data */
	{ .name = "MAIL 5xx",
	  .replies = { GREET, EHLO_NONE, "550 5.7.1 sender rejected\r\n", BYE },
	  .client = C_EHLO C_MAIL C_QUIT, .rc = -1, .cls = RES_PERM,
	  .stage = STAGE_MAIL, .code = 550, .enhanced = "5.7.1",
	  .exit = EX_UNAVAILABLE },
	{ .name = "MAIL 4xx",
	  .replies = { GREET, EHLO_NONE, "451 4.3.0 try later\r\n", BYE },
	  .client = C_EHLO C_MAIL C_QUIT, .rc = -1, .cls = RES_TEMP,
	  .stage = STAGE_MAIL, .code = 451, .enhanced = "4.3.0",
	  .exit = EX_TEMPFAIL },
	{ .name = "MAIL 5xx, pipelined",
	  .replies = { GREET, EHLO_PIPE, "550 5.7.1 sender rejected\r\n",
	    "503 5.5.1 need MAIL\r\n", "554 5.5.1 no valid recipients\r\n",
	    BYE },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_QUIT, .rc = -1,
	  .cls = RES_PERM, .stage = STAGE_MAIL, .code = 550,
	  .enhanced = "5.7.1", .exit = EX_UNAVAILABLE },
	{ .name = "MAIL 5xx, pipelined, DATA 354 anyway",
	  .replies = { GREET, EHLO_PIPE, "550 5.7.1 sender rejected\r\n",
	    "503 5.5.1 need MAIL\r\n", GO },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA, .rc = -1, .cls = RES_PERM,
	  .stage = STAGE_MAIL, .code = 550, .enhanced = "5.7.1",
	  .exit = EX_UNAVAILABLE },
	{ .name = "DATA 554",
	  .replies = { GREET, EHLO_NONE, OK, OK,
	    "554 5.5.1 no valid recipients\r\n", BYE },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_QUIT, .rc = -1,
	  .cls = RES_PERM, .stage = STAGE_DATA, .code = 554,
	  .enhanced = "5.5.1", .exit = EX_UNAVAILABLE },
	{ .name = "end of data 554 5.6.0",
	  .replies = { GREET, EHLO_NONE, OK, OK, GO,
	    "554 5.6.0 bad content\r\n", BYE },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY C_QUIT, .rc = -1,
	  .cls = RES_PERM, .stage = STAGE_BODY, .code = 554,
	  .enhanced = "5.6.0", .exit = EX_DATAERR },
	{ .name = "end of data 451",
	  .replies = { GREET, EHLO_NONE, OK, OK, GO,
	    "451 4.3.0 try later\r\n", BYE },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY C_QUIT, .rc = -1,
	  .cls = RES_TEMP, .stage = STAGE_BODY, .code = 451,
	  .enhanced = "4.3.0", .exit = EX_TEMPFAIL },
	/* all or nothing */
	{ .name = "recipient refused, pipelined, DATA 354: no data, no QUIT",
	  .replies = { GREET, EHLO_PIPE, OK, "550 5.1.1 no such user\r\n", OK,
	    GO },
	  .nrcpt = 2,
	  .client = C_EHLO C_MAIL C_RCPT_B C_RCPT_C C_DATA, .rc = -1,
	  .cls = RES_PERM, .stage = STAGE_RCPT, .code = 550,
	  .enhanced = "5.1.1", .exit = EX_NOUSER },
	{ .name = "second recipient refused, pipelined, DATA 354",
	  .replies = { GREET, EHLO_PIPE, OK, OK, "550 5.1.1 no such user\r\n",
	    GO },
	  .nrcpt = 2,
	  .client = C_EHLO C_MAIL C_RCPT_B C_RCPT_C C_DATA, .rc = -1,
	  .cls = RES_PERM, .stage = STAGE_RCPT, .code = 550,
	  .enhanced = "5.1.1", .exit = EX_NOUSER },
	{ .name = "recipient refused, pipelined, DATA 554",
	  .replies = { GREET, EHLO_PIPE, OK, "550 5.1.1 no such user\r\n", OK,
	    "554 5.5.1 no valid recipients\r\n", BYE },
	  .nrcpt = 2,
	  .client = C_EHLO C_MAIL C_RCPT_B C_RCPT_C C_DATA C_QUIT, .rc = -1,
	  .cls = RES_PERM, .stage = STAGE_RCPT, .code = 550,
	  .enhanced = "5.1.1", .exit = EX_NOUSER },
	{ .name = "recipient refused, no PIPELINING: every RCPT, no DATA",
	  .replies = { GREET, EHLO_NONE, OK, "550 5.1.1 no such user\r\n", OK,
	    BYE },
	  .nrcpt = 2,
	  .client = C_EHLO C_MAIL C_RCPT_B C_RCPT_C C_QUIT, .rc = -1,
	  .cls = RES_PERM, .stage = STAGE_RCPT, .code = 550,
	  .enhanced = "5.1.1", .exit = EX_NOUSER },
	{ .name = "recipient 4xx, no PIPELINING",
	  .replies = { GREET, EHLO_NONE, OK, OK, "450 4.2.0 mailbox busy\r\n",
	    BYE },
	  .nrcpt = 2,
	  .client = C_EHLO C_MAIL C_RCPT_B C_RCPT_C C_QUIT, .rc = -1,
	  .cls = RES_TEMP, .stage = STAGE_RCPT, .code = 450,
	  .enhanced = "4.2.0", .exit = EX_TEMPFAIL },
	{ .name = "every recipient refused, pipelined",
	  .replies = { GREET, EHLO_PIPE, OK, "550 5.1.1 no\r\n",
	    "553 5.1.3 bad\r\n", "554 5.5.1 no valid recipients\r\n", BYE },
	  .nrcpt = 2,
	  .client = C_EHLO C_MAIL C_RCPT_B C_RCPT_C C_DATA C_QUIT, .rc = -1,
	  .cls = RES_PERM, .stage = STAGE_RCPT, .code = 550,
	  .enhanced = "5.1.1", .exit = EX_NOUSER },
	/* SIZE */
	{ .name = "SIZE limit below the message: refused before MAIL",
	  .replies = { GREET, "250-mx.example\r\n250 SIZE 10\r\n", BYE },
	  .client = C_EHLO C_QUIT, .rc = -1, .cls = RES_PERM,
	  .err = ERR_UNAVAILABLE, .stage = STAGE_MAIL,
	  .exit = EX_UNAVAILABLE },
	{ .name = "SIZE limit equal to the message",
	  .replies = { GREET, "250-mx.example\r\n250 SIZE " BODY_SIZE "\r\n",
	    OK, OK, GO, QUEUED, BYE },
	  .client = C_EHLO "MAIL FROM:<a@example.org> SIZE=" BODY_SIZE "\r\n"
	    C_RCPT_B C_DATA C_BODY C_QUIT },
	{ .name = "SIZE with a limit above",
	  .replies = { GREET, "250-mx.example\r\n250 SIZE 1000\r\n", OK, OK,
	    GO, QUEUED, BYE },
	  .client = C_EHLO "MAIL FROM:<a@example.org> SIZE=" BODY_SIZE "\r\n"
	    C_RCPT_B C_DATA C_BODY C_QUIT },
	{ .name = "SIZE without a number",
	  .replies = { GREET, "250-mx.example\r\n250 SIZE\r\n", OK, OK, GO,
	    QUEUED, BYE },
	  .client = C_EHLO "MAIL FROM:<a@example.org> SIZE=" BODY_SIZE "\r\n"
	    C_RCPT_B C_DATA C_BODY C_QUIT },
	{ .name = "SIZE 0: no limit",
	  .replies = { GREET, "250-mx.example\r\n250 SIZE 0\r\n", OK, OK, GO,
	    QUEUED, BYE },
	  .client = C_EHLO "MAIL FROM:<a@example.org> SIZE=" BODY_SIZE "\r\n"
	    C_RCPT_B C_DATA C_BODY C_QUIT },
	/* 8BITMIME */
	{ .name = "8-bit body, 8BITMIME offered",
	  .replies = { GREET, "250-mx.example\r\n250 8BITMIME\r\n", OK, OK, GO,
	    QUEUED, BYE },
	  .eightbit = 1,
	  .client = C_EHLO "MAIL FROM:<a@example.org> BODY=8BITMIME\r\n"
	    C_RCPT_B C_DATA C_BODY C_QUIT },
	{ .name = "8-bit body, 8BITMIME not offered",
	  .replies = { GREET, EHLO_PIPE, OK, OK, GO, QUEUED, BYE },
	  .eightbit = 1,
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY C_QUIT },
	{ .name = "7-bit body, 8BITMIME offered",
	  .replies = { GREET, "250-mx.example\r\n250 8BITMIME\r\n", OK, OK, GO,
	    QUEUED, BYE },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY C_QUIT },
	/* DSN */
	{ .name = "DSN offered",
	  .replies = { GREET, "250-mx.example\r\n250 DSN\r\n", OK, OK, OK, GO,
	    QUEUED, BYE },
	  .nrcpt = 2, .dsn_notify = "SUCCESS,FAILURE", .dsn_ret = "HDRS",
	  .envid = "id+2B1",
	  .client = C_EHLO "MAIL FROM:<a@example.org> RET=HDRS ENVID=id+2B1\r\n"
	    "RCPT TO:<b@example.org> NOTIFY=SUCCESS,FAILURE\r\n"
	    "RCPT TO:<c@example.org> NOTIFY=SUCCESS,FAILURE\r\n"
	    C_DATA C_BODY C_QUIT },
	{ .name = "DSN not offered",
	  .replies = { GREET, EHLO_NONE, OK, OK, GO, QUEUED, BYE },
	  .dsn_notify = "NEVER", .dsn_ret = "FULL", .envid = "x",
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY C_QUIT },
	{ .name = "every MAIL parameter, in order",
	  .replies = { GREET, "250-mx.example\r\n250-SIZE 1000\r\n"
	    "250-8BITMIME\r\n250-DSN\r\n250 PIPELINING\r\n", OK, OK, GO, QUEUED,
	    BYE },
	  .eightbit = 1, .dsn_notify = "NEVER", .dsn_ret = "FULL",
	  .envid = "e1",
	  .client = C_EHLO "MAIL FROM:<a@example.org> SIZE=" BODY_SIZE
	    " BODY=8BITMIME RET=FULL ENVID=e1\r\n"
	    "RCPT TO:<b@example.org> NOTIFY=NEVER\r\n" C_DATA C_BODY C_QUIT,
	  .writes = 4 },
	/* AUTH */
	{ .name = "AUTH PLAIN",
	  .replies = { GREET, EHLO_AUTH, "235 2.7.0 ok\r\n", OK, OK, GO, QUEUED,
	    BYE },
	  .auth = 1, .loopback = 1,
	  .client = C_EHLO "AUTH PLAIN AHVzZXIAcGFzcw==\r\n" C_MAIL C_RCPT_B
	    C_DATA C_BODY C_QUIT },
	{ .name = "AUTH LOGIN",
	  .replies = { GREET, EHLO_AUTH, "334 VXNlcm5hbWU6\r\n",
	    "334 UGFzc3dvcmQ6\r\n", "235 2.7.0 ok\r\n", OK, OK, GO, QUEUED,
	    BYE },
	  .auth = 1, .loopback = 1, .auth_mech = "login",
	  .client = C_EHLO "AUTH LOGIN\r\ndXNlcg==\r\ncGFzcw==\r\n" C_MAIL
	    C_RCPT_B C_DATA C_BODY C_QUIT },
	{ .name = "AUTH PLAIN 535",
	  .replies = { GREET, EHLO_AUTH,
	    "535 5.7.8 authentication failed\r\n", BYE },
	  .auth = 1, .loopback = 1,
	  .client = C_EHLO "AUTH PLAIN AHVzZXIAcGFzcw==\r\n" C_QUIT, .rc = -1,
	  .cls = RES_PERM, .stage = STAGE_AUTH, .code = 535,
	  .enhanced = "5.7.8", .exit = EX_NOPERM },
	{ .name = "AUTH LOGIN 535 after the password",
	  .replies = { GREET, EHLO_AUTH, "334 VXNlcm5hbWU6\r\n",
	    "334 UGFzc3dvcmQ6\r\n", "535 5.7.8 authentication failed\r\n",
	    BYE },
	  .auth = 1, .loopback = 1, .auth_mech = "login",
	  .client = C_EHLO "AUTH LOGIN\r\ndXNlcg==\r\ncGFzcw==\r\n" C_QUIT,
	  .rc = -1, .cls = RES_PERM, .stage = STAGE_AUTH, .code = 535,
	  .enhanced = "5.7.8", .exit = EX_NOPERM },
	{ .name = "AUTH 454",
	  .replies = { GREET, EHLO_AUTH, "454 4.7.0 try later\r\n", BYE },
	  .auth = 1, .loopback = 1,
	  .client = C_EHLO "AUTH PLAIN AHVzZXIAcGFzcw==\r\n" C_QUIT, .rc = -1,
	  .cls = RES_TEMP, .stage = STAGE_AUTH, .code = 454,
	  .enhanced = "4.7.0", .exit = EX_TEMPFAIL },
	{ .name = "AUTH PLAIN in clear text to a remote host: not sent",
	  .replies = { GREET, EHLO_AUTH, BYE },
	  .auth = 1,
	  .client = C_EHLO C_QUIT, .rc = -1, .cls = RES_PERM,
	  .stage = STAGE_AUTH, .unchecked = U_ERR | U_EXIT },
	{ .name = "AUTH required, none offered",
	  .replies = { GREET, EHLO_PIPE, BYE },
	  .auth = 1, .loopback = 1,
	  .client = C_EHLO C_QUIT, .rc = -1, .cls = RES_PERM,
	  .stage = STAGE_AUTH, .unchecked = U_ERR | U_EXIT },
	/* STARTTLS */
	{ .name = "STARTTLS, then AUTH over TLS",
	  .replies = { GREET, EHLO_TLS, "220 2.0.0 go ahead\r\n",
	    "250-mx.example\r\n250 AUTH PLAIN\r\n", "235 2.7.0 ok\r\n", OK, OK,
	    GO, QUEUED, BYE },
	  .starttls = 1, .auth = 1,
	  .client = C_EHLO C_STARTTLS C_EHLO "AUTH PLAIN AHVzZXIAcGFzcw==\r\n"
	    C_MAIL C_RCPT_B C_DATA C_BODY C_QUIT,
	  .starttls_calls = 1 },
	{ .name = "STARTTLS: capabilities before TLS are forgotten",
	  .replies = { GREET, "250-mx.example\r\n250-PIPELINING\r\n"
	    "250-SIZE 10\r\n250-DSN\r\n250 STARTTLS\r\n", "220 go ahead\r\n",
	    EHLO_NONE, OK, OK, GO, QUEUED, BYE },
	  .starttls = 1, .dsn_notify = "NEVER",
	  .client = C_EHLO C_STARTTLS C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY
	    C_QUIT,
	  .starttls_calls = 1, .writes = 8 },
	{ .name = "STARTTLS required, not offered",
	  .replies = { GREET, EHLO_PIPE, BYE },
	  .starttls = 1,
	  .client = C_EHLO C_QUIT, .rc = -1, .cls = RES_PERM,
	  .err = ERR_PROTOCOL, .stage = STAGE_STARTTLS, .exit = EX_PROTOCOL },
	{ .name = "STARTTLS required, EHLO failed, HELO has no STARTTLS",
	  .replies = { GREET, "502 no\r\n", "250 hi\r\n", BYE },
	  .starttls = 1,
	  .client = C_EHLO C_HELO C_QUIT, .rc = -1, .cls = RES_PERM,
	  .err = ERR_PROTOCOL, .stage = STAGE_STARTTLS, .exit = EX_PROTOCOL },
	{ .name = "STARTTLS 454",
	  .replies = { GREET, EHLO_TLS, "454 4.7.0 TLS not available\r\n",
	    BYE },
	  .starttls = 1,
	  .client = C_EHLO C_STARTTLS C_QUIT, .rc = -1, .cls = RES_TEMP,
	  .stage = STAGE_STARTTLS, .code = 454, .enhanced = "4.7.0",
	  .exit = EX_TEMPFAIL },
	{ .name = "STARTTLS 554",
	  .replies = { GREET, EHLO_TLS, "554 5.7.0 no\r\n", BYE },
	  .starttls = 1,
	  .client = C_EHLO C_STARTTLS C_QUIT, .rc = -1, .cls = RES_PERM,
	  .stage = STAGE_STARTTLS, .code = 554, .enhanced = "5.7.0",
	  .exit = EX_PROTOCOL },
	{ .name = "STARTTLS response injection, same read",
	  .replies = { GREET, EHLO_TLS,
	    "220 go ahead\r\n250-mx.example\r\n250 PIPELINING\r\n" },
	  .starttls = 1,
	  .client = C_EHLO C_STARTTLS, .rc = -1, .cls = RES_PERM,
	  .err = ERR_PROTOCOL, .stage = STAGE_STARTTLS, .exit = EX_PROTOCOL },
	{ .name = "STARTTLS response injection, next read",
	  .replies = { GREET, EHLO_TLS,
	    "220 go ahead\r\n\x01" "250 2.0.0 injected\r\n" },
	  .starttls = 1,
	  .client = C_EHLO C_STARTTLS, .rc = -1, .cls = RES_PERM,
	  .err = ERR_PROTOCOL, .stage = STAGE_STARTTLS, .exit = EX_PROTOCOL },
	{ .name = "STARTTLS handshake fails",
	  .replies = { GREET, EHLO_TLS, "220 go ahead\r\n" },
	  .starttls = 1, .starttls_err = TE_TLS,
	  .client = C_EHLO C_STARTTLS, .rc = -1, .cls = RES_PERM,
	  .err = ERR_PROTOCOL, .stage = STAGE_STARTTLS, .exit = EX_PROTOCOL,
	  .starttls_calls = 1 },
	{ .name = "STARTTLS certificate verification fails",
	  .replies = { GREET, EHLO_TLS, "220 go ahead\r\n" },
	  .starttls = 1, .starttls_err = TE_VERIFY,
	  .client = C_EHLO C_STARTTLS, .rc = -1, .cls = RES_PERM,
	  .err = ERR_NOPERM, .stage = STAGE_STARTTLS, .exit = EX_NOPERM,
	  .starttls_calls = 1 },
	{ .name = "STARTTLS offered but not required: not used",
	  .replies = { GREET, EHLO_TLS, OK, OK, GO, QUEUED, BYE },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY C_QUIT },
	/* --serverinfo */
	{ .name = "probe only",
	  .replies = { GREET, EHLO_TLS, BYE },
	  .probe = 1,
	  .client = C_EHLO C_QUIT },
	/* malformed replies */
	{ .name = "malformed greeting",
	  .replies = { "hello there\r\n", BYE },
	  .client = "", .rc = -1, .cls = RES_PERM, .err = ERR_PROTOCOL,
	  .stage = STAGE_GREETING, .exit = EX_PROTOCOL },
	{ .name = "EHLO lines disagree",
	  .replies = { GREET, "250-mx.example\r\n251 PIPELINING\r\n", BYE },
	  .client = C_EHLO, .rc = -1, .cls = RES_PERM, .err = ERR_PROTOCOL,
	  .stage = STAGE_EHLO, .exit = EX_PROTOCOL },
	{ .name = "RCPT reply 6xx, pipelined",
	  .replies = { GREET, EHLO_PIPE, OK, "650 what\r\n", GO, BYE },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA, .rc = -1, .cls = RES_PERM,
	  .err = ERR_PROTOCOL, .stage = STAGE_RCPT, .exit = EX_PROTOCOL },
	{ .name = "control character in the end-of-data reply",
	  .replies = { GREET, EHLO_NONE, OK, OK, GO, "250 ok\x1b[2J\r\n", BYE },
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY, .rc = -1,
	  .cls = RES_PERM, .err = ERR_PROTOCOL, .stage = STAGE_BODY,
	  .exit = EX_PROTOCOL },
	/* the message cannot be read */
	{ .name = "spool read error during DATA",
	  .replies = { GREET, EHLO_NONE, OK, OK, GO, QUEUED, BYE },
	  .body_fail = 1,
	  .client = C_EHLO C_MAIL C_RCPT_B C_DATA, .rc = -1,
	  .cls = RES_TEMP, .err = ERR_IO, .stage = STAGE_BODY,
	  .exit = EX_IOERR },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* SPEC §5: UTF-8 addresses go with SMTPUTF8, or not at all. */
static const struct sess_case utf8_cases[] = {
	{ .name = "UTF-8 addresses, SMTPUTF8 offered",
	  .replies = { GREET, "250-mx.example\r\n250 SMTPUTF8\r\n", OK, OK, GO,
	    QUEUED, BYE },
	  .from = "j\xc3\xb6rg@example.org", .smtputf8 = 1,
	  .client = C_EHLO "MAIL FROM:<j\xc3\xb6rg@example.org> SMTPUTF8\r\n"
	    C_RCPT_B C_DATA C_BODY C_QUIT },
	{ .name = "UTF-8 addresses, SMTPUTF8 not offered: 65, no MAIL",
	  .replies = { GREET, EHLO_NONE, BYE },
	  .from = "j\xc3\xb6rg@example.org", .smtputf8 = 1,
	  .client = C_EHLO C_QUIT, .rc = -1, .cls = RES_PERM,
	  .err = ERR_DATA, .exit = EX_DATAERR,
	  .unchecked = U_STAGE | U_CODE },
};

static const char *const rcpts2[] = { "b@example.org", "c@example.org" };

struct run {
	struct fake		 f;
	struct transport	 t;
	struct envelope		 env;
	struct body		 body;
	struct session_params	 p;
	struct result		 r;
	struct session_info	 info;
	int			 rc;
};

static void
run_case(struct run *x, const struct sess_case *c, size_t nreplies)
{
	memset(x, 0, sizeof(*x));
	x->f.replies = c->replies;
	x->f.nreplies = nreplies;
	x->f.write_fail_at = c->write_fail_at;
	x->f.write_err = c->write_err ? c->write_err : TE_EOF;
	x->f.starttls_err = c->starttls_err;
	release(&x->f);		/* the greeting */

	x->env.from = (char *)(uintptr_t)(c->from ? c->from :
	    "a@example.org");
	x->env.rcpt = (char **)(uintptr_t)rcpts2;
	x->env.nrcpt = c->nrcpt == 2 ? 2 : 1;
	x->env.dsn_notify = (char *)(uintptr_t)c->dsn_notify;
	x->env.dsn_ret = (char *)(uintptr_t)c->dsn_ret;
	x->env.envid = (char *)(uintptr_t)c->envid;
	x->env.eightbit = c->eightbit;
	x->env.smtputf8 = c->smtputf8;
	x->env.nul = c->nul;
	x->env.binary = c->binary;
	x->body.data = c->body ? c->body : BODY_IN;
	x->body.len = strlen(x->body.data);
	x->body.fail = c->body_fail;
	x->body.chunk = c->body_chunk;
	x->env.size = x->body.len;

	x->p.helo = "test.example";
	x->p.starttls = c->starttls;
	x->p.tls_conf = NULL;
	x->p.auth = c->auth;
	x->p.auth_mech = c->auth_mech;
	x->p.user = "user";
	x->p.password = "pass";
	x->p.loopback = c->loopback;
	x->p.env = &x->env;
	x->p.body_read = body_read;
	x->p.body_ctx = &x->body;
	x->p.trace = trace;
	x->p.probe_only = c->probe;

	ntrace = 0;
	transport_init(&x->t, &fake_ops, &x->f, 1000);
	result_init(&x->r);
	x->rc = session_run(&x->t, &x->p, &x->r, &x->info);
}

static void
run_done(struct run *x)
{
	transport_close(&x->t);
	result_free(&x->r);
	free(x->f.srv);
	free(x->f.cli);
	free(x->f.ends);
}

static size_t
count_replies(const struct sess_case *c)
{
	size_t n = 0;

	while (n < MAXREPLIES && c->replies[n])
		n++;
	return n;
}

static void
show(const char *label, const char *s, size_t n)
{
	size_t i;

	fprintf(stderr, "  %s: ", label);
	for (i = 0; i < n; i++) {
		if (s[i] == '\r')
			fprintf(stderr, "\\r");
		else if (s[i] == '\n')
			fprintf(stderr, "\\n");
		else
			fputc(s[i], stderr);
	}
	fputc('\n', stderr);
}

/* Report a mismatch and count it; the caller decides when to fail. */
#define FAIL(...)	do {						\
		fprintf(stderr, "FAIL: " __VA_ARGS__);			\
		fputc('\n', stderr);					\
		bad++;							\
	} while (0)

static int
check_case_soft(const char *name, struct run *x, const struct sess_case *c)
{
	const struct result *r = &x->r;
	size_t wantlen = strlen(c->client);
	enum result_stage want_stage = c->stage;
	int bad = 0, want_code = c->code;
	const char *want_enh = c->enhanced ? c->enhanced : "";

	if (x->f.clilen != wantlen || memcmp(x->f.cli ? x->f.cli : "",
	    c->client, wantlen) != 0) {
		fprintf(stderr, "%s: client bytes differ\n", name);
		show("got ", x->f.cli ? x->f.cli : "", x->f.clilen);
		show("want", c->client, wantlen);
		bad++;
	}
	if (x->f.deadlock)
		FAIL("%s: the client waited for a reply to a command it "
		    "had not sent", name);
	if (x->f.bare)
		FAIL("%s: bare CR or LF from the client", name);
	if (x->rc != c->rc)
		FAIL("%s: rc %d, want %d (%s)", name, x->rc, c->rc,
		    r->text ? r->text : "-");
	if (r->cls != c->cls)
		FAIL("%s: class %d, want %d (%s)", name, r->cls, c->cls,
		    r->text ? r->text : "-");
	if (!(c->unchecked & U_ERR) && r->err != c->err)
		FAIL("%s: err %d, want %d (%s)", name, r->err, c->err,
		    r->text ? r->text : "-");
	/* A delivered message keeps the deciding reply: the 250 to the
	   final dot (QUEUED in these tables, unless a case says). */
	if (c->rc == 0 && !c->probe && c->stage == STAGE_NONE &&
	    c->code == 0) {
		want_stage = STAGE_BODY;
		want_code = 250;
		want_enh = "2.0.0";
	}
	if (!(c->unchecked & U_STAGE) && r->stage != want_stage)
		FAIL("%s: stage %d, want %d", name, r->stage, want_stage);
	if (!(c->unchecked & U_CODE) && r->code != want_code)
		FAIL("%s: code %d, want %d", name, r->code, want_code);
	if (!(c->unchecked & U_CODE) && strcmp(r->enhanced, want_enh) != 0)
		FAIL("%s: enhanced [%s], want [%s]", name, r->enhanced,
		    want_enh);
	if (!(c->unchecked & U_EXIT) && result_exit(r) != c->exit)
		FAIL("%s: exit %d, want %d", name, result_exit(r),
		    c->exit);
	if (x->f.starttls_calls != c->starttls_calls)
		FAIL("%s: %d STARTTLS handshakes, want %d", name,
		    x->f.starttls_calls, c->starttls_calls);
	if (c->writes && x->f.writes != c->writes)
		FAIL("%s: %zu write calls, want %zu", name, x->f.writes,
		    c->writes);
	if (c->rc == 0 && !c->probe && r->size != x->env.size)
		FAIL("%s: size %llu, want %llu", name, r->size,
		    x->env.size);
	return bad;
}

static void
check_case(const char *name, struct run *x, const struct sess_case *c)
{
	if (check_case_soft(name, x, c))
		fail_msg("%s: see above", name);
}


static void
test_table(void **state)
{
	struct run x;
	size_t i, failed = 0;

	(void)state;

	for (i = 0; i < NCASES; i++) {
		run_case(&x, &cases[i], count_replies(&cases[i]));
		if (check_case_soft(cases[i].name, &x, &cases[i]))
			failed++;
		run_done(&x);
	}
	if (failed)
		fail_msg("%zu of %zu cases failed", failed, NCASES);
}

static void
test_smtputf8(void **state)
{
	struct run x;
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		run_case(&x, &utf8_cases[i], count_replies(&utf8_cases[i]));
		if (check_case_soft(utf8_cases[i].name, &x, &utf8_cases[i]))
			failed++;
		run_done(&x);
	}
	if (failed)
		fail_msg("%zu SMTPUTF8 cases failed", failed);
}

/* With PIPELINING, MAIL, every RCPT and DATA leave in one write. */
static void
test_pipelining_one_write(void **state)
{
	static const char batch[] = C_MAIL C_RCPT_B C_RCPT_C C_DATA;
	struct run x;

	(void)state;
	run_case(&x, &cases[2], count_replies(&cases[2]));
	check_case(cases[2].name, &x, &cases[2]);
	assert_int_equal(x.f.writes, 4);
	assert_int_equal(x.f.wlen[0], strlen(C_EHLO));
	assert_int_equal(x.f.wlen[1], strlen(batch));
	assert_memory_equal(x.f.cli + x.f.wstart[1], batch, strlen(batch));
	assert_memory_equal(x.f.cli + x.f.wstart[2], C_BODY, strlen(C_BODY));
	assert_memory_equal(x.f.cli + x.f.wstart[3], C_QUIT, strlen(C_QUIT));
	run_done(&x);
}

/* Without it, every command is a write of its own, reply awaited. */
static void
test_no_pipelining_lockstep(void **state)
{
	static const char *const want[] = { C_EHLO, C_MAIL, C_RCPT_B,
	    C_RCPT_C, C_DATA, C_BODY, C_QUIT };
	struct run x;
	size_t i;

	(void)state;
	run_case(&x, &cases[1], count_replies(&cases[1]));
	check_case(cases[1].name, &x, &cases[1]);
	assert_int_equal(x.f.writes, 7);
	for (i = 0; i < 7; i++) {
		assert_int_equal(x.f.wlen[i], strlen(want[i]));
		assert_memory_equal(x.f.cli + x.f.wstart[i], want[i],
		    strlen(want[i]));
	}
	run_done(&x);
}

/*
 * A disconnect (or timeout, or reset) at each stage is a temporary
 * failure at that stage, and the client closes without QUIT.
 */
static void
test_disconnect_each_stage(void **state)
{
	static const char *const plain[] = { GREET, EHLO_NONE, OK, OK, GO,
	    QUEUED };
	static const char *const piped[] = { GREET, EHLO_PIPE, OK, OK, GO,
	    QUEUED };
	static const char *const sent_plain[] = { "", C_EHLO,
	    C_EHLO C_MAIL, C_EHLO C_MAIL C_RCPT_B,
	    C_EHLO C_MAIL C_RCPT_B C_DATA,
	    C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY };
	static const char *const sent_piped[] = { "", C_EHLO,
	    C_EHLO C_MAIL C_RCPT_B C_DATA, C_EHLO C_MAIL C_RCPT_B C_DATA,
	    C_EHLO C_MAIL C_RCPT_B C_DATA,
	    C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY };
	static const enum result_stage stages[] = { STAGE_GREETING,
	    STAGE_EHLO, STAGE_MAIL, STAGE_RCPT, STAGE_DATA, STAGE_BODY };
	static const char *const whats[] = { "server greeting",
	    "EHLO test.example", "MAIL FROM:<a@example.org>",
	    "RCPT TO:<b@example.org>", "DATA", "end of data" };
	static const char *const faults[] = { FAKE_EOF, FAKE_TIMEOUT,
	    FAKE_IOERR, "250-partial\r\n\x01", "25" };
	size_t k, fi, pi;
	char name[128], line[256];

	(void)state;
	for (pi = 0; pi < 2; pi++) {
		for (fi = 0; fi < sizeof(faults) / sizeof(faults[0]); fi++) {
			for (k = 0; k < 6; k++) {
				struct sess_case c;
				struct run x;
				char *l;
				size_t j;

				memset(&c, 0, sizeof(c));
				for (j = 0; j < k; j++)
					c.replies[j] = pi ? piped[j] : plain[j];
				c.replies[k] = faults[fi];
				c.client = pi ? sent_piped[k] : sent_plain[k];
				c.rc = -1;
				c.cls = RES_TEMP;
				c.err = ERR_TEMP;
				c.stage = stages[k];
				c.exit = EX_TEMPFAIL;
				snprintf(name, sizeof(name), "%s, fault %zu "
				    "at reply %zu", pi ? "pipelined" : "plain",
				    fi, k);
				run_case(&x, &c, k + 1);
				check_case(name, &x, &c);
				/* the one-line description names the stage */
				l = result_line(&x.r);
				if (faults[fi] == FAKE_EOF || fi >= 3) {
					snprintf(line, sizeof(line), "%s: "
					    "connection closed by server",
					    whats[k]);
					if (strcmp(l, line) != 0)
						fail_msg("%s: line [%s], want "
						    "[%s]", name, l, line);
				} else if (strncmp(l, whats[k],
				    strlen(whats[k])) != 0)
					fail_msg("%s: line [%s]", name, l);
				free(l);
				run_done(&x);
			}
		}
	}
}

/* A write that fails at each point: temporary, at that stage. */
static void
test_write_failure_each_stage(void **state)
{
	static const enum result_stage stages[] = { STAGE_EHLO, STAGE_MAIL,
	    STAGE_RCPT, STAGE_DATA, STAGE_BODY };
	static const char *const sent[] = { "", C_EHLO, C_EHLO C_MAIL,
	    C_EHLO C_MAIL C_RCPT_B, C_EHLO C_MAIL C_RCPT_B C_DATA,
	    C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY };
	size_t w, et;
	static const enum transport_err errs[] = { TE_EOF, TE_IO,
	    TE_TIMEOUT };
	char name[128];

	(void)state;
	for (et = 0; et < 3; et++) {
		for (w = 1; w <= 6; w++) {
			struct sess_case c = cases[0];
			struct run x;

			c.write_fail_at = w;
			c.write_err = errs[et];
			c.client = sent[w - 1];
			c.writes = 0;
			if (w <= 5) {
				c.rc = -1;
				c.cls = RES_TEMP;
				c.err = ERR_TEMP;
				c.stage = stages[w - 1];
				c.exit = EX_TEMPFAIL;
			}
			snprintf(name, sizeof(name), "write %zu fails (%d)", w,
			    (int)errs[et]);
			run_case(&x, &c, count_replies(&c));
			check_case(name, &x, &c);
			assert_int_equal(x.f.writes, w);
			run_done(&x);
		}
	}
}

/* A malformed reply at each stage: protocol error, no QUIT. */
static void
test_malformed_each_stage(void **state)
{
	static const char *const plain[] = { GREET, EHLO_NONE, OK, OK, GO,
	    QUEUED };
	static const char *const sent[] = { "", C_EHLO, C_EHLO C_MAIL,
	    C_EHLO C_MAIL C_RCPT_B, C_EHLO C_MAIL C_RCPT_B C_DATA,
	    C_EHLO C_MAIL C_RCPT_B C_DATA C_BODY };
	static const enum result_stage stages[] = { STAGE_GREETING,
	    STAGE_EHLO, STAGE_MAIL, STAGE_RCPT, STAGE_DATA, STAGE_BODY };
	static const char *const whats[] = { "server greeting",
	    "EHLO test.example", "MAIL FROM:<a@example.org>",
	    "RCPT TO:<b@example.org>", "DATA", "end of data" };
	static const char *const bad[] = { "garbage\r\n", "250x\r\n",
	    "2500 ok\r\n", "150 ok\r\n", "650 ok\r\n", "\r\n",
	    "250-ok\r\n550 disagree\r\n", "250 a\x7f\r\n", " 250 ok\r\n" };
	size_t k, b, j;
	char name[128], prefix[128];

	(void)state;
	for (b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
		for (k = 0; k < 6; k++) {
			struct sess_case c;
			struct run x;
			char *l;

			memset(&c, 0, sizeof(c));
			for (j = 0; j < k; j++)
				c.replies[j] = plain[j];
			c.replies[k] = bad[b];
			c.replies[k + 1] = BYE;
			c.client = sent[k];
			c.rc = -1;
			c.cls = RES_PERM;
			c.err = ERR_PROTOCOL;
			c.stage = stages[k];
			c.exit = EX_PROTOCOL;
			snprintf(name, sizeof(name), "malformed %zu at reply "
			    "%zu", b, k);
			run_case(&x, &c, k + 2);
			check_case(name, &x, &c);
			l = result_line(&x.r);
			snprintf(prefix, sizeof(prefix), "%s: malformed reply",
			    whats[k]);
			if (strncmp(l, prefix, strlen(prefix)) != 0)
				fail_msg("%s: line [%s]", name, l);
			free(l);
			run_done(&x);
		}
	}
}

/* Huge replies: an overlong line, too many lines; never a crash. */
static void
test_huge_replies(void **state)
{
	static const size_t sizes[] = { REPLY_LINE_MAX + 1, 5000, 100000 };
	size_t s, i, n;
	char *big;
	char name[64];

	(void)state;
	for (s = 0; s < 3; s++) {
		struct sess_case c;
		struct run x;

		n = sizes[s];
		big = malloc(n + 8);
		memcpy(big, "220 ", 4);
		memset(big + 4, 'x', n - 4);
		memcpy(big + n, "\r\n", 3);
		memset(&c, 0, sizeof(c));
		c.replies[0] = big;
		c.replies[1] = BYE;
		c.client = "";
		c.rc = -1;
		c.cls = RES_PERM;
		c.err = ERR_PROTOCOL;
		c.stage = STAGE_GREETING;
		c.exit = EX_PROTOCOL;
		snprintf(name, sizeof(name), "greeting line of %zu", n);
		run_case(&x, &c, 2);
		check_case(name, &x, &c);
		run_done(&x);
		free(big);
	}
	/* too many lines in the EHLO reply */
	{
		struct sess_case c;
		struct run x;
		size_t o = 0;

		big = malloc(300 * 16);
		for (i = 0; i < 300; i++)
			o += (size_t)sprintf(big + o, "250-LINE%03zu\r\n", i);
		sprintf(big + o, "250 END\r\n");
		memset(&c, 0, sizeof(c));
		c.replies[0] = GREET;
		c.replies[1] = big;
		c.replies[2] = BYE;
		c.client = C_EHLO;
		c.rc = -1;
		c.cls = RES_PERM;
		c.err = ERR_PROTOCOL;
		c.stage = STAGE_EHLO;
		c.exit = EX_PROTOCOL;
		run_case(&x, &c, 3);
		check_case("EHLO reply of 301 lines", &x, &c);
		run_done(&x);
		free(big);
	}
}

/* The transcript never shows secrets or message data (doc/HACKING). */
static void
test_trace_redaction(void **state)
{
	static const char *const secret[] = { "pass", "AHVzZXIAcGFzcw==",
	    "cGFzcw==", "dXNlcg==", "Subject: t", "hello", "..dot" };
	struct run x;
	size_t i, j, which;
	int saw_auth;

	(void)state;
	for (which = 0; which < 2; which++) {
		const struct sess_case *c = NULL;

		for (i = 0; i < NCASES; i++)
			if (strcmp(cases[i].name, which ? "AUTH LOGIN" :
			    "AUTH PLAIN") == 0)
				c = &cases[i];
		assert_non_null(c);
		run_case(&x, c, count_replies(c));
		check_case(c->name, &x, c);
		saw_auth = 0;
		for (i = 0; i < ntrace; i++) {
			for (j = 0; j < sizeof(secret) / sizeof(secret[0]);
			    j++)
				if (strstr(trace_lines[i], secret[j]))
					fail_msg("%s: trace line [%s] shows "
					    "[%s]", c->name, trace_lines[i],
					    secret[j]);
			if (strncmp(trace_lines[i], "C: AUTH", 7) == 0)
				saw_auth = 1;
		}
		assert_true(saw_auth);
		/* the exact AUTH lines of doc/HACKING */
		for (i = 0; i < ntrace; i++)
			if (strncmp(trace_lines[i], "C: AUTH", 7) == 0)
				break;
		if (which == 0) {
			assert_string_equal(trace_lines[i],
			    "C: AUTH PLAIN ****");
			assert_string_equal(trace_lines[i + 1],
			    "S: 235 2.7.0 ok");
		} else {
			assert_string_equal(trace_lines[i], "C: AUTH LOGIN");
			assert_string_equal(trace_lines[i + 1],
			    "S: 334 VXNlcm5hbWU6");
			assert_string_equal(trace_lines[i + 2], "C: ****");
			assert_string_equal(trace_lines[i + 3],
			    "S: 334 UGFzc3dvcmQ6");
			assert_string_equal(trace_lines[i + 4], "C: ****");
		}
		/* commands and replies are there as they went */
		assert_string_equal(trace_lines[0], "S: 220 mx.example ESMTP");
		assert_string_equal(trace_lines[1], "C: EHLO test.example");
		assert_int_equal(x.r.cls, RES_OK);
		assert_string_equal(x.r.auth_mech, which ? "LOGIN" : "PLAIN");
		run_done(&x);
	}
	/* a refused AUTH: the failure line shows the mechanism only */
	for (i = 0; i < NCASES; i++)
		if (strcmp(cases[i].name, "AUTH PLAIN 535") == 0)
			break;
	run_case(&x, &cases[i], count_replies(&cases[i]));
	{
		char *l = result_line(&x.r);

		assert_string_equal(l, "AUTH PLAIN: refused: 535 5.7.8 "
		    "authentication failed");
		free(l);
	}
	run_done(&x);
}

/* Per-recipient replies are all recorded, in order. */
static void
test_recipient_results(void **state)
{
	struct run x;
	size_t i;

	(void)state;
	for (i = 0; i < NCASES; i++)
		if (strcmp(cases[i].name, "recipient refused, no PIPELINING: "
		    "every RCPT, no DATA") == 0)
			break;
	assert_true(i < NCASES);
	run_case(&x, &cases[i], count_replies(&cases[i]));
	check_case(cases[i].name, &x, &cases[i]);
	assert_int_equal(x.r.nrcpt, 2);
	assert_string_equal(x.r.rcpt[0].address, "b@example.org");
	assert_int_equal(x.r.rcpt[0].code, 550);
	assert_string_equal(x.r.rcpt[0].enhanced, "5.1.1");
	assert_string_equal(x.r.rcpt[0].text, "no such user");
	assert_string_equal(x.r.rcpt[1].address, "c@example.org");
	assert_int_equal(x.r.rcpt[1].code, 250);
	assert_string_equal(x.r.rcpt[1].enhanced, "2.0.0");
	assert_string_equal(x.r.rcpt[1].text, "ok");
	{
		char *l = result_line(&x.r);

		assert_string_equal(l, "RCPT TO:<b@example.org>: refused: 550 "
		    "5.1.1 no such user");
		free(l);
	}
	run_done(&x);
}

/* What --serverinfo gets: greeting, capabilities before and after TLS. */
static void
test_session_info(void **state)
{
	struct run x;
	size_t i;

	(void)state;
	for (i = 0; i < NCASES; i++)
		if (strcmp(cases[i].name, "STARTTLS, then AUTH over TLS") == 0)
			break;
	assert_true(i < NCASES);
	run_case(&x, &cases[i], count_replies(&cases[i]));
	check_case(cases[i].name, &x, &cases[i]);
	assert_string_equal(x.info.greeting, "mx.example ESMTP");
	assert_int_equal(x.info.caps_plain.flags,
	    CAP_PIPELINING | CAP_STARTTLS);
	assert_int_equal(x.info.caps.flags, CAP_AUTH);
	assert_string_equal(x.info.caps.auth, "PLAIN");
	run_done(&x);
}

/* A large message, read in odd pieces, arrives whole and stuffed. */
static void
test_large_body(void **state)
{
	size_t n = 300000, i, o = 0, w = 0;
	char *in = malloc(n + 1), *want = malloc(2 * n + 16);
	struct sess_case c;
	struct run x;
	char *expect;
	size_t hl = strlen(C_EHLO C_MAIL C_RCPT_B C_DATA);

	(void)state;
	for (i = 0; i < n; i++)
		in[i] = i % 61 == 60 ? '\n' : i % 61 == 0 ? '.' :
		    (char)('a' + i % 26);
	in[n] = '\0';
	/* expected wire form */
	for (i = 0; i < n; i++) {
		if (in[i] == '\n') {
			want[w++] = '\r';
			want[w++] = '\n';
			continue;
		}
		if (in[i] == '.' && (i == 0 || in[i - 1] == '\n'))
			want[w++] = '.';
		want[w++] = in[i];
	}
	memcpy(want + w, "\r\n.\r\n", 5);
	w += 5;
	c = cases[0];
	c.body = in;
	expect = malloc(hl + w + 16);
	memcpy(expect, C_EHLO C_MAIL C_RCPT_B C_DATA, hl);
	o = hl;
	memcpy(expect + o, want, w);
	o += w;
	memcpy(expect + o, C_QUIT, sizeof(C_QUIT));
	c.client = expect;
	c.writes = 0;
	for (i = 0; i < 4; i++) {
		static const size_t chunks[] = { 0, 7, 4097, 65537 };
		char name[64];

		c.body_chunk = chunks[i];
		snprintf(name, sizeof(name), "large body, read by %zu",
		    chunks[i]);
		run_case(&x, &c, count_replies(&c));
		check_case(name, &x, &c);
		run_done(&x);
	}
	free(in);
	free(want);
	free(expect);
}

/* ---- CHUNKING and the cap on pipelined commands --------------------------- */

#define EHLO_CHUNK	"250-mx.example\r\n250-PIPELINING\r\n250 CHUNKING\r\n"
#define BIG_LINE	"0123456789abcdefghijklmnopqrstuvwxyz0123456789" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345678\r\n"

static char *
big_body(size_t size)
{
	char *b = malloc(size + 1);
	size_t i, l = strlen(BIG_LINE);

	assert_non_null(b);
	for (i = 0; i + l <= size; i += l)
		memcpy(b + i, BIG_LINE, l);
	memset(b + i, 'x', size - i);
	b[size] = '\0';
	return b;
}

/* The chunk data the client sent, BDAT lines taken out. */
static size_t
chunk_data(const struct fake *f, char *out, int *last)
{
	const char *p = strstr(f->cli, "BDAT ");
	size_t n, o = 0;

	*last = 0;
	while (p != NULL) {
		n = strtoul(p + 5, NULL, 10);
		*last = strncmp(strchr(p, '\r') - 5, " LAST", 5) == 0;
		p = strchr(p, '\n') + 1;
		memcpy(out + o, p, n);
		o += n;
		p += n;
		p = strncmp(p, "BDAT ", 5) == 0 ? p : NULL;
	}
	return o;
}

static void
test_bdat_chunks(void **state)
{
	static const struct {
		const char	*name;
		const char	*replies[12];
		int		 rc, exit;
		size_t		 bdats;		/* BDAT commands sent */
	} t[] = {
		{ "three chunks accepted", { GREET, EHLO_CHUNK, OK, OK, OK, OK,
		    QUEUED, BYE }, 0, 0, 3 },
		{ "first chunk 5xx: no more chunks", { GREET, EHLO_CHUNK, OK,
		    OK, "552 5.3.4 message too big\r\n", BYE }, -1,
		    EX_UNAVAILABLE, 1 },
		{ "middle chunk 4xx: no more chunks", { GREET, EHLO_CHUNK, OK,
		    OK, OK, "451 4.3.0 try later\r\n", BYE }, -1,
		    EX_TEMPFAIL, 2 },
		{ "LAST 554", { GREET, EHLO_CHUNK, OK, OK, OK, OK,
		    "554 5.6.0 content refused\r\n", BYE }, -1, EX_DATAERR,
		    3 },
		{ "connection lost after the first chunk", { GREET,
		    EHLO_CHUNK, OK, OK, OK, FAKE_EOF }, -1, EX_TEMPFAIL, 3 },
		{ "MAIL refused: first chunk discarded, no more", { GREET,
		    EHLO_CHUNK, "550 5.7.1 no\r\n", "503 5.5.1 MAIL first\r\n",
		    "503 5.5.1 no transaction\r\n", BYE }, -1,
		    EX_UNAVAILABLE, 1 },
	};
	size_t size = 2 * 1024 * 1024 + 512 * 1024 + 7, i, n;
	char *body = big_body(size), *got = malloc(size + 64);
	int last;

	(void)state;
	assert_non_null(got);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sess_case c;
		struct run x;

		memset(&c, 0, sizeof(c));
		memcpy((void *)c.replies, t[i].replies, sizeof(t[i].replies));
		c.body = body;
		run_case(&x, &c, count_replies(&c));
		if (x.rc != t[i].rc || (t[i].rc && result_exit(&x.r) !=
		    t[i].exit) || x.f.bdats != t[i].bdats || x.f.deadlock ||
		    x.f.bare) {
			fprintf(stderr, "FAIL: %s: rc %d exit %d bdats %zu "
			    "deadlock %d bare %d\n", t[i].name, x.rc,
			    result_exit(&x.r), x.f.bdats, x.f.deadlock,
			    x.f.bare);
			fail();
		}
		if (t[i].rc == 0) {
			n = chunk_data(&x.f, got, &last);
			assert_int_equal(n, size + 2);	/* a final CRLF */
			assert_memory_equal(got, body, size);
			assert_true(last);
			assert_int_equal(x.r.size, size);
		}
		/* QUIT, and nothing after it (not to a closed connection) */
		assert_true(x.f.clilen >= 6);
		assert_int_equal(memcmp(x.f.cli + x.f.clilen - 6, C_QUIT, 6) ==
		    0, t[i].replies[5] != FAKE_EOF);
		run_done(&x);
	}
	free(body);
	free(got);
}

/* A small message with CHUNKING: exact bytes, and one write with
   MAIL and RCPT for one recipient; two recipients wait first. */
static void
test_bdat_small(void **state)
{
	static const struct sess_case one = {
	    .name = "BDAT LAST with MAIL and RCPT",
	    .replies = { GREET, EHLO_CHUNK, OK, OK, QUEUED, BYE },
	    .client = C_EHLO C_MAIL C_RCPT_B
		"BDAT 27 LAST\r\nSubject: t\r\n\r\nhello\r\n.dot\r\n" C_QUIT,
	    .stage = STAGE_BODY, .code = 250, .enhanced = "2.0.0",
	    .writes = 3 };
	static const struct sess_case two = {
	    .name = "two recipients: RCPT replies before BDAT",
	    .replies = { GREET, EHLO_CHUNK, OK, OK, OK, QUEUED, BYE },
	    .nrcpt = 2,
	    .client = C_EHLO C_MAIL C_RCPT_B C_RCPT_C
		"BDAT 27 LAST\r\nSubject: t\r\n\r\nhello\r\n.dot\r\n" C_QUIT,
	    .stage = STAGE_BODY, .code = 250, .enhanced = "2.0.0",
	    .writes = 4 };
	struct run x;

	(void)state;
	run_case(&x, &one, count_replies(&one));
	check_case(one.name, &x, &one);
	run_done(&x);
	run_case(&x, &two, count_replies(&two));
	check_case(two.name, &x, &two);
	run_done(&x);
}

/* A session outside the case table: any number of recipients, any body
   bytes; one_per_read: at most one reply per read(). */
static void
run_direct(struct run *x, const char *const *replies, size_t nreplies,
    char **rcpt, size_t nrcpt, const char *body, size_t len,
    int one_per_read, int binary)
{
	memset(x, 0, sizeof(*x));
	x->f.replies = replies;
	x->f.nreplies = nreplies;
	x->f.one_per_read = one_per_read;
	release(&x->f);
	x->env.from = (char *)(uintptr_t)"a@example.org";
	x->env.rcpt = rcpt;
	x->env.nrcpt = nrcpt;
	x->env.binary = binary;
	x->body.data = body;
	x->body.len = len;
	x->env.size = len;
	x->p.helo = "test.example";
	x->p.env = &x->env;
	x->p.body_read = body_read;
	x->p.body_ctx = &x->body;
	transport_init(&x->t, &fake_ops, &x->f, 1000);
	result_init(&x->r);
	x->rc = session_run(&x->t, &x->p, &x->r, &x->info);
}

/* ---- BINARYMIME ------------------------------------------------------- */

#define EHLO_BIN	"250-mx.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n" \
			"250-CHUNKING\r\n250 BINARYMIME\r\n"
#define BIN_BODY	"Subject: t\r\n\r\na\nb\r.\n\xff"
#define C_MAIL_BIN	"MAIL FROM:<a@example.org> BODY=BINARYMIME\r\n"

/* BODY=BINARYMIME and the bytes as they are, or 65 before MAIL. */
static void
test_binarymime(void **state)
{
	static const struct sess_case t[] = {
		{ .name = "binary body, BINARYMIME offered: as it is",
		  .replies = { GREET, EHLO_BIN, OK, OK, QUEUED, BYE },
		  .binary = 1, .eightbit = 1, .body = BIN_BODY,
		  .client = C_EHLO C_MAIL_BIN C_RCPT_B "BDAT 21 LAST\r\n"
		    BIN_BODY C_QUIT, .stage = STAGE_BODY, .code = 250,
		  .enhanced = "2.0.0", .writes = 3 },
		{ .name = "NUL message, two recipients: RCPT replies first",
		  .replies = { GREET, EHLO_BIN, OK, OK, OK, QUEUED, BYE },
		  .nul = 1, .nrcpt = 2,
		  .client = C_EHLO C_MAIL_BIN C_RCPT_B C_RCPT_C
		    "BDAT 27 LAST\r\n" BODY_IN C_QUIT, .stage = STAGE_BODY,
		  .code = 250, .enhanced = "2.0.0", .writes = 4 },
		{ .name = "binary body, CHUNKING only: 65, no MAIL",
		  .replies = { GREET, EHLO_CHUNK, BYE }, .binary = 1,
		  .body = BIN_BODY, .client = C_EHLO C_QUIT, .rc = -1,
		  .cls = RES_PERM, .err = ERR_DATA, .stage = STAGE_MAIL,
		  .exit = EX_DATAERR },
		{ .name = "NUL message, BINARYMIME without CHUNKING: 65",
		  .replies = { GREET, "250-mx.example\r\n250 BINARYMIME\r\n",
		    BYE }, .nul = 1, .client = C_EHLO C_QUIT, .rc = -1,
		  .cls = RES_PERM, .err = ERR_DATA, .stage = STAGE_MAIL,
		  .exit = EX_DATAERR },
		{ .name = "NUL in the header section: 65 even so",
		  .replies = { GREET, EHLO_BIN, BYE }, .nul = 2,
		  .client = C_EHLO C_QUIT, .rc = -1, .cls = RES_PERM,
		  .err = ERR_DATA, .stage = STAGE_MAIL, .exit = EX_DATAERR },
		{ .name = "NUL message, no extensions: 65, no DATA",
		  .replies = { GREET, EHLO_NONE, BYE }, .nul = 1,
		  .client = C_EHLO C_QUIT, .rc = -1, .cls = RES_PERM,
		  .err = ERR_DATA, .stage = STAGE_MAIL, .exit = EX_DATAERR },
	};
	struct run x;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		run_case(&x, &t[i], count_replies(&t[i]));
		check_case(t[i].name, &x, &t[i]);
		run_done(&x);
	}
}

/* A binary body of several chunks with NULs: the chunks put together
   are the body, byte for byte, nothing added at the end. */
static void
test_binarymime_chunks(void **state)
{
	static const char *const replies[] = { GREET, EHLO_BIN, OK, OK, OK,
	    OK, QUEUED, BYE };
	size_t size = 2 * 1024 * 1024 + 512 * 1024 + 7, i, n;
	char *body = malloc(size), *got = malloc(size + 64);
	struct run x;
	int last;

	(void)state;
	assert_non_null(body);
	assert_non_null(got);
	for (i = 0; i < size; i++)
		body[i] = (char)(i * 7 % 251);	/* NUL, CR, LF, 8-bit */
	run_direct(&x, replies, sizeof(replies) / sizeof(replies[0]),
	    (char **)(uintptr_t)rcpts2, 1, body, size, 0, 1);
	assert_int_equal(x.rc, 0);
	assert_false(x.f.deadlock);
	assert_int_equal(x.f.bdats, 3);
	assert_non_null(strstr(x.f.cli, C_MAIL_BIN));
	n = chunk_data(&x.f, got, &last);
	assert_int_equal(n, size);
	assert_memory_equal(got, body, size);
	assert_true(last);
	assert_int_equal(x.r.size, size);
	run_done(&x);
	free(body);
	free(got);
}

/* 1,000 recipients: never more than PIPE_MAX replies due, and every
   one of them read. */
static void
test_pipeline_cap(void **state)
{
	enum { N = 1000 };
	const char **replies = calloc(N + 8, sizeof(char *));
	char **rcpt = calloc(N, sizeof(char *));
	struct run x;
	size_t i, k = 0;

	(void)state;
	assert_non_null(replies);
	assert_non_null(rcpt);
	replies[k++] = GREET;
	replies[k++] = EHLO_PIPE;
	replies[k++] = OK;
	for (i = 0; i < N; i++) {
		replies[k++] = "250 2.1.5 ok\r\n";
		rcpt[i] = malloc(32);
		snprintf(rcpt[i], 32, "r%zu@example.org", i);
	}
	replies[k++] = GO;
	replies[k++] = QUEUED;
	replies[k++] = BYE;
	run_direct(&x, replies, k, rcpt, N, BODY_IN, strlen(BODY_IN), 1, 0);
	assert_int_equal(x.rc, 0);
	assert_false(x.f.deadlock);
	assert_int_equal(x.r.nrcpt, N);
	if (x.f.maxfly > PIPE_MAX) {
		fprintf(stderr, "FAIL: %zu replies due at once, cap %d\n",
		    x.f.maxfly, PIPE_MAX);
		fail();
	}
	assert_true(x.f.maxfly >= PIPE_MAX - 1);	/* still pipelined */
	run_done(&x);
	for (i = 0; i < N; i++)
		free(rcpt[i]);
	free(rcpt);
	free(replies);
}

/*
 * A spool known clean (env->clean) goes without the filter, by
 * body_send where there is one: the very bytes the filter would have
 * made, whether body_send takes it all, gives up at once (TLS, -2) or
 * midway, or a reader hands it over in odd pieces.
 */
struct sendbody {
	struct body	*b;
	int		 calls;
	int		 cannot_at;	/* 0: never; n: -2 from call n on */
};

static ssize_t
fake_body_send(void *ctx, struct transport *t, size_t max)
{
	struct sendbody *sb = ctx;
	char buf[64];
	ssize_t k;

	if (sb->cannot_at && ++sb->calls >= sb->cannot_at)
		return -2;
	if (max > sizeof(buf))
		max = sizeof(buf);
	if ((k = body_read(sb->b, buf, max)) > 0 &&
	    transport_write(t, buf, (size_t)k) == -1)
		return -1;
	return k;
}

static ssize_t
sendbody_read(void *ctx, char *buf, size_t n)
{
	struct sendbody *sb = ctx;

	return body_read(sb->b, buf, n);
}

static void
clean_run(struct run *x, struct sendbody *sb, const char *body, int clean,
    size_t chunk, int send)
{
	memset(x, 0, sizeof(*x));
	x->f.replies = cases[0].replies;
	x->f.nreplies = count_replies(&cases[0]);
	release(&x->f);
	x->env.from = (char *)(uintptr_t)"a@example.org";
	x->env.rcpt = (char **)(uintptr_t)rcpts2;
	x->env.nrcpt = 1;
	x->env.clean = clean;
	x->body.data = body;
	x->body.len = strlen(body);
	x->body.chunk = chunk;
	x->env.size = x->body.len;
	sb->b = &x->body;
	sb->calls = 0;
	x->p.helo = "test.example";
	x->p.env = &x->env;
	x->p.body_read = sendbody_read;
	x->p.body_send = send ? fake_body_send : NULL;
	x->p.body_ctx = sb;
	transport_init(&x->t, &fake_ops, &x->f, 1000);
	result_init(&x->r);
	x->rc = session_run(&x->t, &x->p, &x->r, &x->info);
}

static void
test_clean_same_wire(void **state)
{
	static const char *const bodies[] = {
		"",
		"Subject: t\r\n\r\nhello\r\n",
		"Subject: clean\r\nTo: b@example.org\r\n\r\n"
		    "a line. with dots.\r\n\r\n x.\r\n"
		    "0123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456789\r\n"
		    "0123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456789\r\nend\r\n",
	};
	static const size_t chunks[] = { 0, 1, 7, 64 };
	struct sendbody sb;
	struct run want, got;
	size_t i, j;
	int mode;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		for (j = 0; j < sizeof(chunks) / sizeof(chunks[0]); j++) {
			memset(&sb, 0, sizeof(sb));
			clean_run(&want, &sb, bodies[i], 0, chunks[j], 0);
			assert_int_equal(want.rc, 0);
			/* mode 0: no body_send; 1: body_send throughout;
			   2..4: it gives up (-2) at its call mode-1 */
			for (mode = 0; mode <= 4; mode++) {
				memset(&sb, 0, sizeof(sb));
				sb.cannot_at = mode >= 2 ? mode - 1 : 0;
				clean_run(&got, &sb, bodies[i], 1, chunks[j],
				    mode > 0);
				assert_int_equal(got.rc, 0);
				assert_int_equal(got.f.clilen, want.f.clilen);
				assert_memory_equal(got.f.cli, want.f.cli,
				    want.f.clilen);
				assert_int_equal(got.r.size, want.r.size);
				run_done(&got);
			}
			run_done(&want);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_smtputf8),
		cmocka_unit_test(test_pipelining_one_write),
		cmocka_unit_test(test_no_pipelining_lockstep),
		cmocka_unit_test(test_disconnect_each_stage),
		cmocka_unit_test(test_write_failure_each_stage),
		cmocka_unit_test(test_malformed_each_stage),
		cmocka_unit_test(test_huge_replies),
		cmocka_unit_test(test_trace_redaction),
		cmocka_unit_test(test_recipient_results),
		cmocka_unit_test(test_session_info),
		cmocka_unit_test(test_large_body),
		cmocka_unit_test(test_bdat_chunks),
		cmocka_unit_test(test_bdat_small),
		cmocka_unit_test(test_binarymime),
		cmocka_unit_test(test_binarymime_chunks),
		cmocka_unit_test(test_pipeline_cap),
		cmocka_unit_test(test_clean_same_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
