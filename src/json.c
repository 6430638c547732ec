/*
 * json.c -- the --json outcome object.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "json.h"

void
json_string(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, len;

	if (s == NULL) {
		(void)buf_addstr(b, "null");
		return;
	}
	n = strlen(s);
	(void)buf_addc(b, '"');
	while (n) {
		if (*p == '"' || *p == '\\') {
			(void)buf_addc(b, '\\');
			(void)buf_addc(b, (char)*p);
			len = 1;
		} else if (*p < 0x20 || *p == 0x7f) {
			(void)buf_addf(b, "\\u%04x", *p);
			len = 1;
		} else if ((len = codec_utf8_len(p, n, NULL)) == 0) {
			(void)buf_addstr(b, "\\ufffd");
			len = 1;
		} else
			(void)buf_add(b, p, len);
		p += len;
		n -= len;
	}
	(void)buf_addc(b, '"');
}

static void
reply_object(struct buf *b, int code, const char *enh, const char *text)
{
	if (code)
		(void)buf_addf(b, "\"code\":%d,\"enhanced\":", code);
	else
		(void)buf_addstr(b, "\"code\":null,\"enhanced\":");
	json_string(b, enh && *enh ? enh : NULL);
	(void)buf_addstr(b, ",\"text\":");
	json_string(b, text ? text : "");
}

void
json_print(FILE *fp, const struct json_outcome *o)
{
	const struct result *r = o->r;
	struct buf b;
	size_t i;

	buf_init(&b, 64 * 1024 * 1024);
	(void)buf_addstr(&b, "{\"status\":");
	json_string(&b, o->status);
	(void)buf_addf(&b, ",\"exit\":%d,\"reply\":", o->exit);
	if (r->code || r->text) {
		(void)buf_addstr(&b, "{\"stage\":");
		json_string(&b, result_stage_name(r->stage));
		(void)buf_addc(&b, ',');
		reply_object(&b, r->err == 0 ? r->code : 0, r->enhanced,
		    r->text);
		(void)buf_addc(&b, '}');
	} else
		(void)buf_addstr(&b, "null");
	(void)buf_addstr(&b, ",\"recipients\":[");
	for (i = 0; i < r->nrcpt; i++) {
		(void)buf_addstr(&b, i ? ",{\"address\":" : "{\"address\":");
		json_string(&b, r->rcpt[i].address);
		(void)buf_addc(&b, ',');
		reply_object(&b, r->rcpt[i].code, r->rcpt[i].enhanced,
		    r->rcpt[i].text);
		(void)buf_addc(&b, '}');
	}
	(void)buf_addstr(&b, "],\"queue_id\":");
	json_string(&b, o->queue_id);
	(void)buf_addstr(&b, ",\"message_id\":");
	json_string(&b, o->message_id);
	(void)buf_addstr(&b, ",\"server\":");
	json_string(&b, r->server);
	(void)buf_addstr(&b, ",\"tls\":");
	if (r->tls_version) {
		(void)buf_addstr(&b, "{\"version\":");
		json_string(&b, r->tls_version);
		(void)buf_addstr(&b, ",\"cipher\":");
		json_string(&b, r->tls_cipher);
		(void)buf_addc(&b, '}');
	} else
		(void)buf_addstr(&b, "null");
	(void)buf_addstr(&b, ",\"auth\":");
	json_string(&b, r->auth_mech);
	(void)buf_addf(&b, ",\"size\":%llu}\n", r->size);
	fputs(buf_cstr(&b), fp);
	fflush(fp);
	buf_free(&b);
}
