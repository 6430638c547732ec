/*
 * submit.c -- account choice, command-line overrides, the envelope.
 */
#include "autoconf.h"

#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "codec.h"
#include "limits.h"
#include "submit.h"
#include "xmalloc.h"

/* The domain of user@host: the account's domain if it has a dot, else
   the host name. */
static void
local_host(const struct account *a, char *host, size_t len)
{
	if (a->domain && strchr(a->domain, '.'))
		snprintf(host, len, "%s", a->domain);
	else if (gethostname(host, len) == -1 || host[0] == '\0')
		snprintf(host, len, "localhost");
	host[len - 1] = '\0';
}

char *
submit_local_sender(const struct account *a)
{
	struct passwd *pw = getpwuid(getuid());
	char host[256];
	const char *user = pw ? pw->pw_name : getenv("LOGNAME");

	local_host(a, host, sizeof(host));
	return xasprintf("%s@%s", user ? user : "nobody", host);
}

/*
 * A bare local name as -f ("root", "www-data") gets the domain of the
 * account's from, else that of user@host: the sender is qualified, as
 * Postfix appends $myorigin, never refused.  Takes s.
 */
static char *
qualify_sender(const struct account *a, char *s)
{
	const char *dom = a->from ? addr_domain(a->from) : NULL;
	char host[256], *out;

	if (*s == '\0' || strchr(s, '@'))
		return s;
	if (dom == NULL) {
		local_host(a, host, sizeof(host));
		dom = host;
	}
	out = xasprintf("%s@%s", s, dom);
	free(s);
	return out;
}

/* The GECOS full name, up to the first comma, or NULL. */
static char *
gecos_name(void)
{
	struct passwd *pw = getpwuid(getuid());
	size_t n;

	if (pw == NULL || pw->pw_gecos == NULL || pw->pw_gecos[0] == '\0')
		return NULL;
	n = strcspn(pw->pw_gecos, ",");
	return n ? xstrndup(pw->pw_gecos, n) : NULL;
}

/* Strip "<...>" from a -f value; "" for the null sender. */
static char *
sender_arg(const char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '<' && v[n - 1] == '>')
		return xstrndup(v + 1, n - 2);
	return xstrdup(v);
}

char *
submit_selector(const struct cli *c, const char *from_arg, struct msg *m)
{
	struct addr_list l = { NULL, 0 };
	const char *why;
	char *v, *out = NULL;
	long i;

	if (c->from)
		return sender_arg(c->from);
	if (from_arg)
		return xstrdup(from_arg);
	if (m == NULL || !c->read_rcpts || (i = msg_find(m, "From", 0)) < 0)
		return NULL;
	v = msg_value(m, (size_t)i);
	if (addr_parse_list(v, &l, &why) == 0 && l.n > 0)
		out = xstrdup(l.v[0].spec);
	free(v);
	addr_list_free(&l);
	return out;
}

static int
override(struct account *a, const char *key, const char *v,
    struct result *r)
{
	struct config_error err;

	if (v && config_set(a, key, v, "command line", &err) == -1) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_USAGE, NULL, "%s",
		    err.msg);
		return -1;
	}
	return 0;
}

static int
overrides(struct account *a, const struct cli *c, struct result *r)
{
	if (override(a, "host", c->host, r) == -1 ||
	    override(a, "port", c->port, r) == -1 ||
	    override(a, "user", c->user, r) == -1 ||
	    override(a, "logfile", c->log_file, r) == -1)
		return -1;
	if (c->tls == NULL)
		return 0;
	if (override(a, "tls", strcmp(c->tls, "off") ? "on" : "off", r) == -1)
		return -1;
	if (strcmp(c->tls, "starttls") == 0)
		return override(a, "tls_starttls", "on", r);
	if (strcmp(c->tls, "implicit") == 0)
		return override(a, "tls_starttls", "off", r);
	return 0;
}

int
submit_account(struct config *cfg, const struct cli *c, const char *sender,
    struct account **out, struct result *r)
{
	struct config_error err;
	struct account *a = NULL;

	*out = NULL;
	if (c->account && (a = config_account(cfg, c->account)) == NULL) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
		    "account '%s' not found%s%s", c->account,
		    cfg->path ? " in " : "", cfg->path ? cfg->path : "");
		return -1;
	}
	if (a == NULL && sender)
		a = config_account_by_from(cfg, sender);
	if (a == NULL)
		a = config_account(cfg, "default");
	if (a == NULL && cfg->nacct > 0 && c->host == NULL) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
		    "no account chosen and no account 'default' in %s (use "
		    "-A NAME)", cfg->path ? cfg->path : "the configuration");
		return -1;
	}
	*out = a ? config_account_copy(a) : config_account_new("default");
	if (overrides(*out, c, r) == -1)
		goto fail;
	if (config_finish(*out, &err) == -1) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL, "%s",
		    err.msg);
		goto fail;
	}
	return 0;
fail:
	config_account_free(*out);
	*out = NULL;
	return -1;
}

static char *
upper(const char *s)
{
	char *u = xstrdup(s), *p;

	for (p = u; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return u;
}

int
submit_envelope(const struct account *a, const struct cli *c,
    const char *from_arg, struct envelope *e, struct result *r)
{
	const char *why;

	if (c->from && a->allow_from_override)
		e->from = qualify_sender(a, sender_arg(c->from));
	else if (from_arg && a->allow_from_override)
		e->from = xstrdup(from_arg);
	else if (a->from)
		e->from = xstrdup(a->from);
	else
		e->from = submit_local_sender(a);
	if (*e->from && addr_check(e->from, 0, &why) == -1) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_USAGE, NULL,
		    "invalid sender address '%s': %s", e->from, why);
		return -1;
	}
	if (c->dsn_notify)
		e->dsn_notify = xstrdup(c->dsn_notify);
	else if (a->dsn_notify && strcasecmp(a->dsn_notify, "off") != 0)
		e->dsn_notify = upper(a->dsn_notify);
	if (c->dsn_ret)
		e->dsn_ret = xstrdup(c->dsn_ret);
	else if (a->dsn_return && strcmp(a->dsn_return, "off") != 0)
		e->dsn_ret = xstrdup(strcmp(a->dsn_return, "headers") ?
		    "FULL" : "HDRS");
	if (c->envid)
		e->envid = codec_xtext(c->envid);
	return 0;
}

static int
args_recipients(struct rcpt *rc, const struct cli *c,
    struct addr_list *to_hdr, struct addr_list *cc_hdr, struct result *r)
{
	int compose = c->mode == MODE_COMPOSE;
	size_t i;

	for (i = 0; i < c->args.n; i++)
		if (rcpt_arg(rc, c->args.v[i], "recipient",
		    compose ? to_hdr : NULL, r) == -1)
			return -1;
	for (i = 0; i < c->cc.n; i++)
		if (rcpt_arg(rc, c->cc.v[i], "--cc address", cc_hdr, r) == -1)
			return -1;
	for (i = 0; i < c->bcc.n; i++)
		if (rcpt_arg(rc, c->bcc.v[i], "--bcc address", NULL, r) == -1)
			return -1;
	return 0;
}

int
submit_recipients(struct rcpt *rc, const struct account *a,
    const struct cli *c, struct msg *m, struct addr_list *to_hdr,
    struct addr_list *cc_hdr, struct envelope *e, struct result *r)
{
	struct addr_list l = { NULL, 0 };
	const char *why, *field;
	int rv;

	rcpt_init(rc, e, a->aliases, a->rewrite_local_names);
	if (args_recipients(rc, c, to_hdr, cc_hdr, r) == -1)
		return -1;
	if (c->read_rcpts && c->mode != MODE_COMPOSE) {
		if (msg_recipients(m, &l, &why, &field) == -1) {
			result_local(r, RES_PERM, STAGE_NONE, ERR_DATA, NULL,
			    "invalid address in the %s header: %s", field,
			    why);
			addr_list_free(&l);
			return -1;
		}
		rv = rcpt_list(rc, &l, "from the message header", NULL, r);
		addr_list_free(&l);
		if (rv == -1)
			return -1;
	}
	if (e->nrcpt > RCPT_MAX) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_USAGE, NULL,
		    "too many recipients (%zu; at most %d)", e->nrcpt,
		    RCPT_MAX);
		return -1;
	}
	if (e->nrcpt == 0) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_USAGE, NULL, "%s",
		    c->read_rcpts ? "no recipients: none on the command line "
		    "and none in To, Cc or Bcc" : "no recipients given");
		return -1;
	}
	return 0;
}

const char *
submit_default_from(const struct account *a, const struct cli *c,
    const struct envelope *e, const char **name, char **local, char **gecos)
{
	if (c->fullname)
		*name = c->fullname;
	else if (a->from_full_name)
		*name = a->from_full_name;
	else
		*name = *gecos = gecos_name();
	if (*e->from)
		return e->from;
	return a->from ? a->from : (*local = submit_local_sender(a));
}
