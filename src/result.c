/*
 * result.c -- outcomes and the single table from outcome to sysexits.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "codec.h"
#include "result.h"
#include "xmalloc.h"

void
result_init(struct result *r)
{
	memset(r, 0, sizeof(*r));
}

void
result_clear(struct result *r)
{
	free(r->what);
	free(r->text);
	r->what = r->text = NULL;
	r->cls = RES_OK;
	r->stage = STAGE_NONE;
	r->err = ERR_NONE;
	r->code = 0;
	r->enhanced[0] = '\0';
}

void
result_free(struct result *r)
{
	size_t i;

	result_clear(r);
	for (i = 0; i < r->nrcpt; i++) {
		free(r->rcpt[i].address);
		free(r->rcpt[i].text);
	}
	free(r->rcpt);
	free(r->server);
	free(r->tls_version);
	free(r->tls_cipher);
	memset(r, 0, sizeof(*r));
}

static void
copy_enhanced(char dst[16], const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n > 15)
		n = 15;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

void
result_reply(struct result *r, enum result_stage stage, const char *what,
    int code, const char *enhanced, const char *text)
{
	result_clear(r);
	r->cls = code >= 500 ? RES_PERM : code >= 400 ? RES_TEMP : RES_PERM;
	r->stage = stage;
	r->err = ERR_NONE;
	r->code = code;
	copy_enhanced(r->enhanced, enhanced);
	r->what = xstrdup(what ? what : "");
	r->text = xstrdup(text ? text : "");
}

void
result_ok(struct result *r, enum result_stage stage, const char *what,
    int code, const char *enhanced, const char *text)
{
	result_reply(r, stage, what, code, enhanced, text);
	r->cls = RES_OK;
}

const char *
result_stage_name(enum result_stage st)
{
	static const char *const names[] = {
		[STAGE_NONE] = "none",
		[STAGE_CONNECT] = "connect",
		[STAGE_GREETING] = "greeting",
		[STAGE_EHLO] = "ehlo",
		[STAGE_HELO] = "helo",
		[STAGE_STARTTLS] = "starttls",
		[STAGE_TLS] = "tls",
		[STAGE_AUTH] = "auth",
		[STAGE_MAIL] = "mail",
		[STAGE_RCPT] = "rcpt",
		[STAGE_DATA] = "data",
		[STAGE_BODY] = "body",
		[STAGE_QUIT] = "quit",
	};

	if ((size_t)st >= sizeof(names) / sizeof(names[0]) || !names[st])
		return "none";
	return names[st];
}

void
result_local(struct result *r, enum result_class cls, enum result_stage stage,
    enum result_err err, const char *what, const char *fmt, ...)
{
	va_list ap;
	char *p;

	result_clear(r);
	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		p = NULL;
	va_end(ap);
	r->cls = cls;
	r->stage = stage;
	r->err = err;
	r->what = what ? xstrdup(what) : NULL;
	r->text = p ? p : xstrdup("error");
}

void
result_add_rcpt(struct result *r, const char *address, int code,
    const char *enhanced, const char *text)
{
	struct result_rcpt *rc;

	r->rcpt = xgrow(r->rcpt, r->nrcpt, sizeof(*r->rcpt));
	rc = &r->rcpt[r->nrcpt++];
	rc->address = xstrdup(address);
	rc->code = code;
	copy_enhanced(rc->enhanced, enhanced);
	rc->text = xstrdup(text ? text : "");
}

/* Enhanced status code subject digit: "5.1.1" -> 1, or -1. */
static int
enh_subject(const char *e)
{
	if (e[0] == '\0' || e[1] != '.' || e[2] < '0' || e[2] > '9')
		return -1;
	if (e[3] != '.')
		return e[3] >= '0' && e[3] <= '9' && e[4] == '.' ?
		    (e[2] - '0') * 10 + (e[3] - '0') : -1;
	return e[2] - '0';
}

static int
local_exit(enum result_err err)
{
	static const int table[] = {
		[ERR_NONE] = EX_SOFTWARE,
		[ERR_USAGE] = EX_USAGE,
		[ERR_DATA] = EX_DATAERR,
		[ERR_NOINPUT] = EX_NOINPUT,
		[ERR_NOUSER] = EX_NOUSER,
		[ERR_NOHOST] = EX_NOHOST,
		[ERR_UNAVAILABLE] = EX_UNAVAILABLE,
		[ERR_SOFTWARE] = EX_SOFTWARE,
		[ERR_OSERR] = EX_OSERR,
		[ERR_CANTCREAT] = EX_CANTCREAT,
		[ERR_IO] = EX_IOERR,
		[ERR_TEMP] = EX_TEMPFAIL,
		[ERR_PROTOCOL] = EX_PROTOCOL,
		[ERR_NOPERM] = EX_NOPERM,
		[ERR_CONFIG] = EX_CONFIG,
	};

	if ((size_t)err >= sizeof(table) / sizeof(table[0]))
		return EX_SOFTWARE;
	return table[err];
}

/* A permanent refusal by the server: which exit code says it best. */
static int
perm_exit(const struct result *r)
{
	int subj = enh_subject(r->enhanced);

	switch (r->stage) {
	case STAGE_STARTTLS:
	case STAGE_TLS:
		return EX_PROTOCOL;
	case STAGE_AUTH:
		if (r->code == 535 || r->code == 534 || r->code == 538 ||
		    subj == 7)
			return EX_NOPERM;
		return EX_UNAVAILABLE;
	case STAGE_RCPT:
		if (subj == 1 || r->code == 550 || r->code == 551 ||
		    r->code == 553)
			return EX_NOUSER;
		break;
	case STAGE_BODY:
		if (r->code == 554)
			return EX_DATAERR;
		break;
	default:
		break;
	}
	if (subj == 6)
		return EX_DATAERR;
	return EX_UNAVAILABLE;
}

/* The stages at which a refusal is a refusal of the message. */
static int
message_stage(enum result_stage st)
{
	return st == STAGE_MAIL || st == STAGE_RCPT || st == STAGE_DATA ||
	    st == STAGE_BODY;
}

enum result_disposition
result_disposition(const struct result *r)
{
	if (r->cls == RES_OK)
		return DISP_SENT;
	if (r->cls == RES_TEMP)
		return DISP_DEFERRED;
	switch (r->err) {
	case ERR_NONE:
		/* A 5xx: the message's own only in the transaction. */
		return message_stage(r->stage) ? DISP_FAILED : DISP_DEFERRED;
	case ERR_DATA:
	case ERR_NOUSER:
	case ERR_USAGE:
		/* The message, its addresses or its size. */
		return DISP_FAILED;
	case ERR_UNAVAILABLE:
		/* Too large for the server (SIZE), or no AUTH offered. */
		return message_stage(r->stage) ? DISP_FAILED : DISP_DEFERRED;
	default:
		/* Protocol, TLS, certificates, login, configuration, the
		   system: fixed elsewhere, then the message can go. */
		return DISP_DEFERRED;
	}
}

const char *
result_disposition_name(enum result_disposition d)
{
	switch (d) {
	case DISP_SENT:		return "sent";
	case DISP_DEFERRED:	return "deferred";
	default:		return "failed";
	}
}

int
result_exit(const struct result *r)
{
	if (r->cls == RES_OK)
		return EX_OK;
	if (r->err != ERR_NONE)
		return local_exit(r->err);
	if (r->cls == RES_TEMP)
		return EX_TEMPFAIL;
	return perm_exit(r);
}

const char *
result_exit_name(int code)
{
	switch (code) {
	case EX_OK:		return "EX_OK";
	case EX_USAGE:		return "EX_USAGE";
	case EX_DATAERR:	return "EX_DATAERR";
	case EX_NOINPUT:	return "EX_NOINPUT";
	case EX_NOUSER:		return "EX_NOUSER";
	case EX_NOHOST:		return "EX_NOHOST";
	case EX_UNAVAILABLE:	return "EX_UNAVAILABLE";
	case EX_SOFTWARE:	return "EX_SOFTWARE";
	case EX_OSERR:		return "EX_OSERR";
	case EX_OSFILE:		return "EX_OSFILE";
	case EX_CANTCREAT:	return "EX_CANTCREAT";
	case EX_IOERR:		return "EX_IOERR";
	case EX_TEMPFAIL:	return "EX_TEMPFAIL";
	case EX_PROTOCOL:	return "EX_PROTOCOL";
	case EX_NOPERM:		return "EX_NOPERM";
	case EX_CONFIG:		return "EX_CONFIG";
	default:		return "EX_UNKNOWN";
	}
}

char *
result_sanitize_n(const char *s, size_t len)
{
	struct buf b;
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t i, k;

	buf_init(&b, len * 4 + 16);
	for (i = 0; i < len; i++) {
		if (p[i] >= 0x80 && (k = codec_utf8_len(p + i, len - i,
		    &cp)) > 0 && cp > 0x9F) {
			(void)buf_add(&b, (const char *)p + i, k);
			i += k - 1;
		} else if (p[i] < 0x20 || p[i] >= 0x7f)
			/* controls, C1 and bytes that are not UTF-8: a
			   terminal must not act on them */
			(void)buf_addf(&b, "\\x%02X", p[i]);
		else
			(void)buf_addc(&b, (char)p[i]);
	}
	return buf_take(&b);
}

char *
result_sanitize(const char *s, size_t maxlen)
{
	return result_sanitize_n(s, strnlen(s, maxlen));
}

char *
result_line(const struct result *r)
{
	char *what, *text, *line;

	what = result_sanitize(r->what ? r->what : "", 1024);
	text = result_sanitize(r->text ? r->text : "", 4096);
	if (r->err == ERR_NONE && r->code)
		line = xasprintf("%s%srefused: %d%s%s%s%s", what,
		    *what ? ": " : "", r->code, *r->enhanced ? " " : "",
		    r->enhanced, *text ? " " : "", text);
	else
		line = xasprintf("%s%s%s", what, *what ? ": " : "", text);
	free(what);
	free(text);
	return line;
}
