/*
 * compose_request.c -- the composer's request: header fields from flags.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "codec.h"
#include "compose_request.h"
#include "xmalloc.h"

/* Fields the composer writes and -H may not. */
static const char *const reserved[] = { "To", "Cc", "Bcc", "MIME-Version",
    NULL };
/* Fields -H replaces (From is taken as --from by main). */
static const char *const replaceable[] = { "Subject", "Reply-To", "Date",
    "Message-ID", NULL };

static int
listed(const char *const *list, const char *name, size_t n)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (strlen(list[i]) == n && strncasecmp(list[i], name, n) == 0)
			return 1;
	return 0;
}

int
request_header_arg(const char *arg, const char **why)
{
	const char *colon = strchr(arg, ':'), *p;

	if (colon == NULL || colon == arg) {
		*why = "expected 'Name: value'";
		return -1;
	}
	for (p = arg; p < colon; p++)
		if (*p <= 0x20 || *p >= 0x7f) {
			*why = "a field name is printable ASCII without "
			    "spaces";
			return -1;
		}
	if (colon - arg > 76) {
		*why = "field name too long";
		return -1;
	}
	if (listed(reserved, arg, (size_t)(colon - arg)) ||
	    strncasecmp(arg, "Content-", 8) == 0) {
		*why = "the composer writes this field (use the recipients, "
		    "--cc, --bcc, --html or -a)";
		return -1;
	}
	return (int)(colon - arg);
}

int
request_header_split(const char *arg, char **name, const char **value,
    char *err, size_t errlen)
{
	const char *why, *v;
	int n;

	if ((n = request_header_arg(arg, &why)) == -1) {
		snprintf(err, errlen, "-H '%s': %s", arg, why);
		return -1;
	}
	*name = xstrndup(arg, (size_t)n);
	for (v = arg + n + 1; *v == ' ' || *v == '\t'; v++)
		;
	*value = v;
	return 0;
}

/* The value of the last -H name, or NULL. */
static const char *
header_value(const struct cli *cli, const char *name)
{
	const char *v = NULL, *a;
	size_t i, n = strlen(name);

	for (i = 0; i < cli->headers.n; i++) {
		a = cli->headers.v[i];
		if (strncasecmp(a, name, n) == 0 && a[n] == ':')
			for (v = a + n + 1; *v == ' ' || *v == '\t'; v++)
				;
	}
	return v;
}

static void
addr_field(struct mime *c, const char *name, const struct addr_list *l)
{
	char *v = addr_list_format(l);

	mime_field(c, name, v, MF_ADDR);
	free(v);
}

int
request_fields(struct mime *c, const struct cli *cli,
    struct request_hdrs *h, char *err, size_t errlen)
{
	struct addr_list one = { (struct addr *)h->from, 1 }, rt = { NULL, 0 };
	const char *v, *why;
	char *date, *name;
	size_t i;

	addr_field(c, "From", &one);
	if (h->to->n)
		addr_field(c, "To", h->to);
	else
		mime_field(c, "To", "undisclosed-recipients:;", MF_RAW);
	if (h->cc->n)
		addr_field(c, "Cc", h->cc);
	if ((v = header_value(cli, "Reply-To")) == NULL)
		v = cli->reply_to;
	if (v) {
		if (addr_parse_list(v, &rt, &why) == -1 || rt.n == 0) {
			snprintf(err, errlen, "invalid --reply-to address "
			    "'%s': %s", v, rt.n ? why : "no address");
			addr_list_free(&rt);
			return -1;
		}
		addr_field(c, "Reply-To", &rt);
		addr_list_free(&rt);
	}
	if ((v = header_value(cli, "Subject")) != NULL || (v = cli->subject))
		mime_field(c, "Subject", v, MF_TEXT);
	if ((v = header_value(cli, "Date")) != NULL)
		mime_field(c, "Date", v, MF_TEXT);
	else {
		date = mime_date(time(NULL));
		mime_field(c, "Date", date, MF_RAW);
		free(date);
	}
	if ((v = header_value(cli, "Message-ID")) != NULL)
		h->msgid = xstrdup(v);
	else
		h->msgid = mime_msgid(h->domain);
	mime_field(c, "Message-ID", h->msgid, MF_RAW);
	for (i = 0; i < cli->headers.n; i++) {
		if (request_header_split(cli->headers.v[i], &name, &v, err,
		    errlen) == -1)
			return -1;
		if (!listed(replaceable, name, strlen(name)) &&
		    strcasecmp(name, "From") != 0)
			mime_field(c, name, v, MF_TEXT);
		free(name);
	}
	return 0;
}

int
request_from(const struct cli *cli, struct addr_list *from, char *err,
    size_t errlen)
{
	const char *v = cli->compose_from, *why = "no address";

	if (v == NULL)
		v = header_value(cli, "From");
	if (v == NULL)
		return 0;
	if (addr_parse_list(v, from, &why) == -1 || from->n != 1 ||
	    strchr(from->v[0].spec, '@') == NULL) {
		snprintf(err, errlen, "invalid --from address '%s': %s", v,
		    from->n > 1 ? "more than one address" : from->n == 1 ?
		    "no domain" : why);
		addr_list_free(from);
		return -1;
	}
	return 0;
}
