/*
 * config.c -- msmtprc-syntax configuration: a keyword table with typed
 * setters, `defaults` and `account` inheritance, file:line errors.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "compat.h"
#include "config.h"
#include "limits.h"
#include "xmalloc.h"

#include "config_kw.h"

#define F(x)	offsetof(struct account, x)

const struct keyword config_keywords[] = {
	{ "host", KW_HOSTS, F(hosts), NULL, 0 },
	{ "port", KW_PORT, F(port), NULL, 0 },
	{ "from", KW_STR, F(from), NULL, 0 },
	{ "user", KW_STR, F(user), NULL, 0 },
	{ "password", KW_STR, F(password), NULL, 1 },
	{ "passwordeval", KW_STR, F(passwordeval), NULL, 0 },
	{ "passwordenv", KW_STR, F(passwordenv), NULL, 0 },
	{ "auth", KW_ENUM, F(auth), "on|off|plain|login|cram-md5|"
	    "scram-sha-1|scram-sha-1-plus|scram-sha-256|scram-sha-256-plus|"
	    "xoauth2|oauthbearer|external", 0 },
	{ "tls", KW_BOOL, F(tls), NULL, 0 },
	{ "tls_starttls", KW_TRI, F(tls_starttls), NULL, 0 },
	{ "tls_trust_file", KW_PATH, F(tls_trust_file), NULL, 0 },
	{ "tls_crl_file", KW_PATH, F(tls_crl_file), NULL, 0 },
	{ "tls_host_override", KW_STR, F(tls_host_override), NULL, 0 },
	{ "tls_fingerprint", KW_STR, F(tls_fingerprint), NULL, 0 },
	{ "tls_cert_file", KW_PATH, F(tls_cert_file), NULL, 0 },
	{ "tls_key_file", KW_PATH, F(tls_key_file), NULL, 0 },
	{ "tls_priorities", KW_STR, F(tls_priorities), NULL, 0 },
	{ "tls_certcheck", KW_BOOL, F(tls_certcheck), NULL, 0 },
	{ "domain", KW_STR, F(domain), NULL, 0 },
	{ "timeout", KW_TIMEOUT, F(timeout), NULL, 0 },
	{ "dsn_notify", KW_STR, F(dsn_notify), NULL, 0 },
	{ "dsn_return", KW_ENUM, F(dsn_return), "off|headers|full", 0 },
	{ "set_from_header", KW_HDR3, F(set_from_header), NULL, 0 },
	{ "set_date_header", KW_HDR2, F(set_date_header), NULL, 0 },
	{ "set_msgid_header", KW_HDR2, F(set_msgid_header), NULL, 0 },
	{ "remove_bcc_headers", KW_BOOL, F(remove_bcc_headers), NULL, 0 },
	{ "undisclosed_recipients", KW_BOOL, F(undisclosed_recipients), NULL,
	    0 },
	{ "aliases", KW_PATH, F(aliases), NULL, 0 },
	{ "logfile", KW_PATH, F(logfile), NULL, 0 },
	{ "syslog", KW_STR, F(syslog), NULL, 0 },
	{ "source_ip", KW_STR, F(source_ip), NULL, 0 },
	{ "proxy_host", KW_STR, F(proxy_host), NULL, 0 },
	{ "proxy_port", KW_PORT, F(proxy_port), NULL, 0 },
	{ "proxy_user", KW_STR, F(proxy_user), NULL, 0 },
	{ "proxy_password", KW_STR, F(proxy_password), NULL, 1 },
	{ "from_full_name", KW_STR, F(from_full_name), NULL, 0 },
	{ "allow_from_override", KW_BOOL, F(allow_from_override), NULL, 0 },
	{ "queue", KW_BOOL, F(queue), NULL, 0 },
	{ "queue_dir", KW_PATH, F(queue_dir), NULL, 0 },
	{ "queue_max_age", KW_DURATION, F(queue_max_age), NULL, 0 },
	{ "rewrite_local_names", KW_BOOL, F(rewrite_local_names), NULL, 0 },
	/* provider limits (ratelimit.h) */
	{ "max_messages_per_connection", KW_INT,
	    F(max_messages_per_connection), NULL, 0 },
	{ "rate_limit", KW_RATE, F(rate_limit), NULL, 0 },
	/* OAuth2 (oauth.h, doc/oauth2.md) */
	{ "oauth_provider", KW_ENUM, F(oauth_provider), "google|microsoft|"
	    "generic", 0 },
	{ "oauth_tenant", KW_STR, F(oauth_tenant), NULL, 0 },
	{ "oauth_client_id", KW_STR, F(oauth_client_id), NULL, 0 },
	{ "oauth_client_secret", KW_STR, F(oauth_client_secret), NULL, 1 },
	{ "oauth_client_secret_eval", KW_STR, F(oauth_client_secret_eval),
	    NULL, 0 },
	{ "oauth_scope", KW_STR, F(oauth_scope), NULL, 0 },
	{ "oauth_auth_url", KW_STR, F(oauth_auth_url), NULL, 0 },
	{ "oauth_device_url", KW_STR, F(oauth_device_url), NULL, 0 },
	{ "oauth_token_url", KW_STR, F(oauth_token_url), NULL, 0 },
	{ "oauth_token_file", KW_PATH, F(oauth_token_file), NULL, 0 },
};
#define NKEYWORDS (sizeof(config_keywords) / sizeof(config_keywords[0]))
const size_t config_nkeywords = NKEYWORDS;
_Static_assert(NKEYWORDS <= 64, "struct account's set has 64 bits");

/*
 * msmtp's keywords that outbox does not have, and what becomes of them
 * in any file.  A value in `quiet` ('|'-separated; "" is the empty value,
 * NULL any value) asks for nothing outbox does not do anyway: accepted
 * without a word.  Another value is refused with `why` (exit 78): outbox
 * cannot honour it, and ignoring it would send mail some other way than
 * the file says.  `alias` names outbox's keyword for an old msmtp name,
 * with the value `aliasval` when it has one of its own.
 */
static const struct msmtp_kw {
	const char	*name;
	const char	*quiet;
	const char	*why;
	const char	*alias;
	const char	*aliasval;
} msmtp_kws[] = {
	{ "protocol", "smtp", "outbox speaks SMTP only, not LMTP", NULL,
	    NULL },
	{ "socket", "", "outbox connects over TCP only: set host and port",
	    NULL, NULL },
	{ "eval", "", "outbox does not run commands to make configuration "
	    "lines: write them out", NULL, NULL },
	{ "tls_min_dh_prime_bits", NULL, NULL, NULL, NULL },
	{ "logfile_time_format", NULL, NULL, NULL, NULL },
	{ "ntlmdomain", NULL, NULL, NULL, NULL },
	{ "maildomain", NULL, NULL, NULL, NULL },
	{ "auto_from", "off|", "msmtp 1.8 removed auto_from: set from",
	    NULL, NULL },
	{ "tls_force_sslv3", "off|", "SSLv3 is broken and never used",
	    NULL, NULL },
	{ "tls_sha1_fingerprint", "", "set tls_fingerprint to the "
	    "certificate's SHA-256 fingerprint (outbox --serverinfo shows it)",
	    NULL, NULL },
	{ "tls_md5_fingerprint", "", "set tls_fingerprint to the "
	    "certificate's SHA-256 fingerprint (outbox --serverinfo shows it)",
	    NULL, NULL },
	{ "tls_nocertcheck", NULL, NULL, "tls_certcheck", "off" },
	{ "add_missing_from_header", NULL, NULL, "set_from_header", NULL },
	{ "add_missing_date_header", NULL, NULL, "set_date_header", NULL },
};

static const struct keyword *
keyword_find(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYWORDS; i++)
		if (strcmp(config_keywords[i].name, name) == 0)
			return &config_keywords[i];
	return NULL;
}

void
config_error_set(struct config_error *err, const char *where,
    const char *fmt, ...)
{
	va_list ap;
	size_t n = 0;

	if (where)
		n = (size_t)snprintf(err->msg, sizeof(err->msg), "%s: ", where);
	if (n >= sizeof(err->msg))
		n = sizeof(err->msg) - 1;
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
	va_end(ap);
}

struct account *
config_account_new(const char *name)
{
	struct account *a = xcalloc(1, sizeof(*a));

	a->name = xstrdup(name);
	a->tls = 1;
	a->tls_starttls = -1;
	a->tls_certcheck = 1;
	a->timeout = DEFAULT_TIMEOUT_S;
	a->set_from_header = HDR_AUTO;
	a->set_date_header = HDR_AUTO;
	a->set_msgid_header = HDR_AUTO;
	a->remove_bcc_headers = 1;
	a->allow_from_override = 1;
	a->queue = 1;
	a->queue_max_age = 5L * 24 * 3600;
	a->rewrite_local_names = 1;
	return a;
}

static void
hosts_free(struct account *a)
{
	size_t i;

	for (i = 0; i < a->nhosts; i++)
		free(a->hosts[i]);
	free(a->hosts);
	a->hosts = NULL;
	a->nhosts = 0;
}

void
config_account_free(struct account *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < NKEYWORDS; i++) {
		char **p = (char **)((char *)a + config_keywords[i].off);

		if (!is_string_type(config_keywords[i].type))
			continue;
		if (config_keywords[i].secret)
			xfree_secret(*p);
		else
			free(*p);
	}
	hosts_free(a);
	free(a->name);
	free(a->file);
	free(a);
}

/* Copy keyword i's value from src to dst. */
static void
copy_value(struct account *dst, const struct account *src, size_t i)
{
	const struct keyword *k = &config_keywords[i];
	char *d = (char *)dst + k->off;
	const char *s = (const char *)src + k->off;
	size_t j;

	if (k->type == KW_HOSTS) {
		hosts_free(dst);
		dst->hosts = xcalloc(src->nhosts, sizeof(char *));
		for (j = 0; j < src->nhosts; j++)
			dst->hosts[j] = xstrdup(src->hosts[j]);
		dst->nhosts = src->nhosts;
	} else if (is_string_type(k->type)) {
		free(*(char **)d);
		*(char **)d = *(char *const *)s ?
		    xstrdup(*(char *const *)s) : NULL;
	} else if (k->type == KW_DURATION)
		*(long *)d = *(const long *)s;
	else
		*(int *)d = *(const int *)s;
	dst->set |= 1ULL << i;
}

struct account *
config_account_copy(const struct account *src)
{
	struct account *a = config_account_new(src->name);
	size_t i;

	for (i = 0; i < NKEYWORDS; i++)
		copy_value(a, src, i);
	a->set = src->set;
	a->file = src->file ? xstrdup(src->file) : NULL;
	a->line = src->line;
	a->tls_mode = src->tls_mode;
	a->auth_on = src->auth_on;
	return a;
}

/* Take every setting src has set (inheritance). */
static void
inherit(struct account *dst, const struct account *src)
{
	size_t i;

	for (i = 0; i < NKEYWORDS; i++)
		if (src->set & (1ULL << i))
			copy_value(dst, src, i);
}

static char *
expand_path(const char *v)
{
	const char *home;

	if (v[0] != '~' || (v[1] != '/' && v[1] != '\0'))
		return xstrdup(v);
	home = getenv("HOME");
	if (home == NULL) {
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : "/";
	}
	return xasprintf("%s%s", home, v + 1);
}

static int
parse_bool(const char *v, int *out)
{
	if (*v == '\0' || strcmp(v, "on") == 0)
		*out = 1;
	else if (strcmp(v, "off") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
parse_num(const char *v, long max, long *out)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n > max)
		return -1;
	*out = n;
	return 0;
}

static int
parse_duration(const char *v, long *out)
{
	char *end;
	long n, mult = 1;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	case 'w': mult = 7 * 86400; break;
	default: return -1;
	}
	if (*end && end[1])
		return -1;
	if (n > 100L * 365 * 86400 / mult)
		return -1;
	*out = n * mult;
	return 0;
}

int
config_rate_parse(const char *v, unsigned *n, long *period)
{
	const char *slash = strchr(v, '/');
	char num[16];
	long cnt;
	size_t len;

	if (slash == NULL || (len = (size_t)(slash - v)) == 0 ||
	    len >= sizeof(num))
		return -1;
	memcpy(num, v, len);
	num[len] = '\0';
	if (parse_num(num, CONFIG_RATE_MAX, &cnt) == -1 || cnt == 0 ||
	    parse_duration(slash + 1, period) == -1 || *period == 0)
		return -1;
	*n = (unsigned)cnt;
	return 0;
}

static int
enum_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (*p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncasecmp(p, v, n) == 0)
			return 1;
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	return 0;
}

static int
set_hosts(struct account *a, const char *v)
{
	char *copy = xstrdup(v), *p = copy, *tok;

	hosts_free(a);
	while ((tok = strsep(&p, ", \t")) != NULL) {
		if (*tok == '\0')
			continue;
		a->hosts = xrealloc(a->hosts, (a->nhosts + 1) * sizeof(char *));
		a->hosts[a->nhosts++] = xstrdup(tok);
	}
	free(copy);
	return a->nhosts ? 0 : -1;
}

static int
set_value(struct account *a, const struct keyword *k, const char *v)
{
	char *d = (char *)a + k->off;
	unsigned u;
	long n;
	int b;

	switch (k->type) {
	case KW_STR:
	case KW_PATH:
	case KW_ENUM:
	case KW_RATE:
		if (k->type == KW_ENUM && !enum_ok(k->choices, v))
			return -1;
		if (k->type == KW_RATE && strcmp(v, "off") != 0 &&
		    config_rate_parse(v, &u, &n) == -1)
			return -1;
		if (k->secret)
			xfree_secret(*(char **)d);
		else
			free(*(char **)d);
		*(char **)d = k->type == KW_PATH ? expand_path(v) :
		    xstrdup(v);
		if (k->type == KW_ENUM) {
			char *p;

			for (p = *(char **)d; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		}
		return 0;
	case KW_BOOL:
	case KW_TRI:
		if (parse_bool(v, &b) == -1)
			return -1;
		*(int *)d = b;
		return 0;
	case KW_INT:
		if (parse_num(v, 1000000, &n) == -1)
			return -1;
		*(int *)d = (int)n;
		return 0;
	case KW_PORT:
		if (parse_num(v, 65535, &n) == -1 || n == 0)
			return -1;
		*(int *)d = (int)n;
		return 0;
	case KW_TIMEOUT:
		if (strcmp(v, "off") == 0)
			n = 0;
		else if (parse_num(v, 86400, &n) == -1)
			return -1;
		*(int *)d = (int)n;
		return 0;
	case KW_DURATION:
		if (parse_duration(v, &n) == -1)
			return -1;
		*(long *)d = n;
		return 0;
	case KW_HOSTS:
		return set_hosts(a, v);
	case KW_HDR3:
	case KW_HDR2:
		if (strcmp(v, "auto") == 0)
			*(int *)d = HDR_AUTO;
		else if (strcmp(v, "off") == 0)
			*(int *)d = HDR_OFF;
		else if (k->type == KW_HDR3 && (strcmp(v, "on") == 0 ||
		    *v == '\0'))
			*(int *)d = HDR_ON;
		else
			return -1;
		return 0;
	}
	return -1;
}

static const char *
type_hint(const struct keyword *k)
{
	switch (k->type) {
	case KW_BOOL: case KW_TRI: return "on or off";
	case KW_INT: return "a number";
	case KW_PORT: return "a port number from 1 to 65535";
	case KW_TIMEOUT: return "off or a number of seconds";
	case KW_DURATION: return "a duration such as 30m, 4h or 5d";
	case KW_HOSTS: return "one or more host names";
	case KW_HDR3: return "auto, on or off";
	case KW_HDR2: return "auto or off";
	case KW_ENUM: return k->choices;
	case KW_RATE: return "off or N/PERIOD such as 30/1m or 3600/1d "
	    "(N at most 10000)";
	default: return "a value";
	}
}

int
config_set(struct account *a, const char *key, const char *value,
    const char *where, struct config_error *err)
{
	const struct keyword *k = keyword_find(key);
	const char *p;

	if (k == NULL) {
		config_error_set(err, where, "unknown keyword '%s'", key);
		return -1;
	}
	for (p = value; *p; p++) {
		if (*p == '\r' || *p == '\n') {
			config_error_set(err, where,
			    "line break in value of '%s'",
			    key);
			return -1;
		}
	}
	if (set_value(a, k, value) == -1) {
		if (k->secret)
			config_error_set(err, where,
			    "invalid value for '%s'", key);
		else
			config_error_set(err, where,
			    "invalid value '%s' for '%s': "
			    "expected %s", value, key, type_hint(k));
		return -1;
	}
	a->set |= 1ULL << (size_t)(k - config_keywords);
	return 0;
}

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->defaults = config_account_new("defaults");
	c->group = -1;
}

void
config_free(struct config *c)
{
	size_t i;

	for (i = 0; i < c->nacct; i++)
		config_account_free(c->acct[i]);
	free(c->acct);
	config_account_free(c->defaults);
	free(c->default_alias);
	free(c->path);
	free(c->looked);
	memset(c, 0, sizeof(*c));
}

static struct account *
find(struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nacct; i++)
		if (strcmp(c->acct[i]->name, name) == 0)
			return c->acct[i];
	return NULL;
}

struct account *
config_account(struct config *c, const char *name)
{
	return find(c, name);
}

struct account *
config_account_by_from(struct config *c, const char *addr)
{
	size_t i;

	for (i = 0; i < c->nacct; i++)
		if (c->acct[i]->from &&
		    strcasecmp(c->acct[i]->from, addr) == 0)
			return c->acct[i];
	return NULL;
}

/* Split "value" or "\"quoted value\"" (msmtp quoting). */
static int
unquote(char *v, const char **why)
{
	char *r, *w;

	if (*v != '"')
		return 0;
	for (r = v + 1, w = v; *r && *r != '"'; r++) {
		if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*w++ = *r;
	}
	if (*r != '"') {
		*why = "unterminated quoted value";
		return -1;
	}
	for (r++; *r == ' ' || *r == '\t'; r++)
		;
	if (*r) {
		*why = "text after quoted value";
		return -1;
	}
	*w = '\0';
	return 0;
}

struct parse_state {
	struct config	*c;
	struct account	*cur;		/* NULL before the first section */
	int		 in_defaults;
	const char	*name;
	int		 msmtp;
	int		 perm_ok;
	char	*warned[32];	/* unknown keywords warned about */
	size_t	 nwarned;
	char		 where[1100];
};

/* Secrets of the system file, which a user's account may not take. */
static int
holds_secret(const struct account *a)
{
	return a->password || a->passwordeval || a->tls_key_file ||
	    a->tls_cert_file || a->oauth_client_secret ||
	    a->oauth_client_secret_eval || a->proxy_password;
}

static int
new_account(struct parse_state *ps, char *args, struct config_error *err)
{
	char *name = args, *parents = strchr(args, ':'), *p, *tok;
	struct account *a, *old, *par;
	size_t i;

	if (parents)
		*parents++ = '\0';
	name[strcspn(name, " \t")] = '\0';
	if (*name == '\0') {
		config_error_set(err, ps->where, "account without a name");
		return -1;
	}
	if ((old = find(ps->c, name)) != NULL) {
		if (old->file && strcmp(old->file, ps->name) == 0) {
			config_error_set(err, ps->where,
			    "account '%s' defined twice",
			    name);
			return -1;
		}
		/* A later file overrides an earlier one's account. */
		for (i = 0; i < ps->c->nacct; i++)
			if (ps->c->acct[i] == old)
				break;
		memmove(&ps->c->acct[i], &ps->c->acct[i + 1],
		    (ps->c->nacct - i - 1) * sizeof(*ps->c->acct));
		ps->c->nacct--;
		config_account_free(old);
	}
	a = config_account_new(name);
	a->file = xstrdup(ps->name);
	inherit(a, ps->c->defaults);
	for (p = parents; p && (tok = strsep(&p, ",")) != NULL; ) {
		tok += strspn(tok, " \t");
		tok[strcspn(tok, " \t")] = '\0';
		if (*tok == '\0')
			continue;
		if ((par = find(ps->c, tok)) == NULL) {
			config_error_set(err, ps->where,
			    "account '%s' inherits from "
			    "unknown account '%s'", name, tok);
			config_account_free(a);
			return -1;
		}
		if (ps->c->sealed && par->file && strcmp(par->file,
		    CONFIG_SYSTEM_FILE) == 0 && strcmp(ps->name,
		    CONFIG_SYSTEM_FILE) != 0 && holds_secret(par)) {
			config_error_set(err, ps->where,
			    "account '%s' may not inherit "
			    "from system account '%s': it holds secrets of %s "
			    "(use -A %s as it is)", name, tok,
			    CONFIG_SYSTEM_FILE, tok);
			config_account_free(a);
			return -1;
		}
		inherit(a, par);
	}
	ps->c->acct = xrealloc(ps->c->acct,
	    (ps->c->nacct + 1) * sizeof(*ps->c->acct));
	ps->c->acct[ps->c->nacct++] = a;
	ps->cur = a;
	ps->in_defaults = 0;
	return 0;
}

/* Does '|'-separated list hold val? */
static int
in_list(const char *list, const char *val)
{
	size_t n = strlen(val);
	const char *p = list;

	for (;;) {
		if (strncmp(p, val, n) == 0 && (p[n] == '|' || p[n] == '\0'))
			return 1;
		if ((p = strchr(p, '|')) == NULL)
			return 0;
		p++;
	}
}

static const struct msmtp_kw *
msmtp_find(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(msmtp_kws) / sizeof(msmtp_kws[0]); i++)
		if (strcmp(msmtp_kws[i].name, key) == 0)
			return &msmtp_kws[i];
	return NULL;
}

/*
 * An msmtp keyword outbox does not have (msmtp_kws): 0 when accepted
 * (maybe as its outbox alias), -1 with err set when refused, 1 when it
 * is not one of them.
 */
static int
msmtp_keyword(struct parse_state *ps, struct account *target,
    const char *key, const char *val, struct config_error *err)
{
	const struct msmtp_kw *m = msmtp_find(key);
	const char *v;

	if (m == NULL)
		return 1;
	if (m->alias) {
		v = m->aliasval ? m->aliasval :
		    *val == '\0' || strcmp(val, "on") == 0 ? "auto" : val;
		return config_set(target, m->alias, v, ps->where, err);
	}
	if (m->quiet == NULL || in_list(m->quiet, val))
		return 0;
	config_error_set(err, ps->where, "%s %s: %s", key, val, m->why);
	return -1;
}

/* A keyword neither outbox nor msmtp has, in an msmtp file: a warning,
   once each. */
static void
msmtp_warn(struct parse_state *ps, const char *key)
{
	size_t i;

	for (i = 0; i < ps->nwarned; i++)
		if (strcmp(ps->warned[i], key) == 0)
			return;
	if (ps->nwarned < sizeof(ps->warned) / sizeof(ps->warned[0]))
		ps->warned[ps->nwarned++] = xstrdup(key);
	fprintf(stderr, "outbox: warning: %s: ignoring unknown keyword "
	    "'%s'\n", ps->where, key);
}

static int
parse_line(struct parse_state *ps, char *line, struct config_error *err)
{
	char *key, *val;
	const char *why;
	struct account *target;
	size_t len;
	int rc;

	key = line + strspn(line, " \t");
	len = strlen(key);
	while (len && (key[len - 1] == ' ' || key[len - 1] == '\t' ||
	    key[len - 1] == '\r'))
		key[--len] = '\0';
	if (*key == '\0' || *key == '#')
		return 0;
	val = key + strcspn(key, " \t");
	if (*val)
		*val++ = '\0';
	val += strspn(val, " \t");
	if (strcmp(key, "defaults") == 0) {
		ps->in_defaults = 1;
		ps->cur = NULL;
		return 0;
	}
	if (strcmp(key, "account") == 0)
		return new_account(ps, val, err);
	if (unquote(val, &why) == -1) {
		config_error_set(err, ps->where, "%s", why);
		return -1;
	}
	if (keyword_find(key) == NULL && msmtp_find(key) == NULL &&
	    ps->msmtp) {
		msmtp_warn(ps, key);
		return 0;
	}
	if ((strcmp(key, "password") == 0 ||
	    strcmp(key, "proxy_password") == 0 ||
	    strcmp(key, "oauth_client_secret") == 0) && !ps->perm_ok) {
		config_error_set(err, ps->where,
		    "holds a %s but the file is "
		    "readable by group or others (chmod 600 it)", *key == 'p' ?
		    "password" : "client secret");
		return -1;
	}
	if (ps->in_defaults)
		target = ps->c->defaults;
	else {
		/* Settings before any section form the account "default". */
		if (ps->cur == NULL) {
			char dflt[] = "default";

			if (new_account(ps, dflt, err) == -1)
				return -1;
		}
		target = ps->cur;
	}
	if ((rc = msmtp_keyword(ps, target, key, val, err)) != 1)
		return rc;
	return config_set(target, key, val, ps->where, err);
}

int
config_parse(struct config *c, const char *text, size_t len,
    const char *name, int msmtp, int perm_ok, struct config_error *err)
{
	struct parse_state ps;
	char line[CONFIG_LINE_MAX + 1];
	size_t i = 0, n;
	int lineno = 0, rc = 0;

	memset(&ps, 0, sizeof(ps));
	ps.c = c;
	ps.name = name;
	ps.msmtp = msmtp;
	ps.perm_ok = perm_ok;
	c->msmtp = msmtp;
	while (i < len && rc == 0) {
		const char *nl = memchr(text + i, '\n', len - i);

		n = nl ? (size_t)(nl - (text + i)) : len - i;
		lineno++;
		snprintf(ps.where, sizeof(ps.where), "%s:%d", name, lineno);
		if (n > CONFIG_LINE_MAX) {
			config_error_set(err, ps.where, "line too long");
			rc = -1;
		} else if (memchr(text + i, '\0', n) != NULL) {
			config_error_set(err, ps.where, "NUL byte in line");
			rc = -1;
		} else {
			memcpy(line, text + i, n);
			line[n] = '\0';
			rc = parse_line(&ps, line, err);
			compat_bzero(line, n);
		}
		i += n + 1;
	}
	for (n = 0; n < ps.nwarned; n++)
		free(ps.warned[n]);
	return rc;
}

/* The keyword bits of the secrets holds_secret() names. */
static unsigned long long
secret_bits(void)
{
	static const char *const k[] = { "password", "passwordeval",
	    "tls_key_file", "tls_cert_file", "oauth_client_secret",
	    "oauth_client_secret_eval", "proxy_password" };
	unsigned long long bits = 0;
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		bits |= 1ULL << (size_t)(keyword_find(k[i]) - config_keywords);
	return bits;
}

void
config_seal_defaults(struct config *c)
{
	/* Nothing of the system file's secrets reaches the user's
	   accounts through `defaults`. */
	xfree_secret(c->defaults->password);
	c->defaults->password = NULL;
	free(c->defaults->passwordeval);
	c->defaults->passwordeval = NULL;
	free(c->defaults->tls_key_file);
	c->defaults->tls_key_file = NULL;
	free(c->defaults->tls_cert_file);
	c->defaults->tls_cert_file = NULL;
	xfree_secret(c->defaults->oauth_client_secret);
	c->defaults->oauth_client_secret = NULL;
	free(c->defaults->oauth_client_secret_eval);
	c->defaults->oauth_client_secret_eval = NULL;
	xfree_secret(c->defaults->proxy_password);
	c->defaults->proxy_password = NULL;
	c->defaults->set &= ~secret_bits();
}

int
config_finish(struct account *a, struct config_error *err)
{
	if (!a->tls)
		a->tls_mode = TLSM_OFF;
	else if (a->tls_starttls == 1)
		a->tls_mode = TLSM_STARTTLS;
	else if (a->tls_starttls == 0)
		a->tls_mode = TLSM_IMPLICIT;
	else
		a->tls_mode = a->port == 465 ? TLSM_IMPLICIT : TLSM_STARTTLS;
	if (a->port == 0)
		a->port = a->tls_mode == TLSM_OFF ? 25 :
		    a->tls_mode == TLSM_IMPLICIT ? 465 : 587;
	if (a->auth == NULL)
		a->auth_on = a->user != NULL;
	else
		a->auth_on = strcmp(a->auth, "off") != 0;
	if (a->auth_on && a->user == NULL && (a->auth == NULL ||
	    strcmp(a->auth, "external") != 0)) {
		config_error_set(err, NULL,
		    "account %s: auth is on but no user is set",
		    a->name);
		return -1;
	}
	return 0;
}
