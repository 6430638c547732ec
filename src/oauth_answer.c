/*
 * oauth_answer.c -- OAuth2 endpoint answers, parsed with jansson.
 */
#include "autoconf.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compat.h"
#include "oauth_answer.h"
#include "xmalloc.h"

/* The longest error text kept. */
#define ERROR_MAX	400

static void
set_error(struct oauth_answer *a, enum oauth_outcome o, const char *fmt, ...)
{
	va_list ap;
	char *p;

	a->outcome = o;
	free(a->error);
	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		p = NULL;
	va_end(ap);
	a->error = p ? p : xstrdup("error");
}

/* A copy of s, printable ASCII only (others become '?'), at most max. */
static char *
printable(const char *s, size_t max)
{
	size_t n = strnlen(s, max), i;
	char *p = xmalloc(n + 1);

	for (i = 0; i < n; i++)
		p[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	p[n] = '\0';
	return p;
}

/*
 * Is s a token or code: 1 to OAUTH_VALUE_MAX visible ASCII characters
 * (RFC 6749 A.12-A.17 allow no more; RFC 6750's b64token is fewer)?
 */
static int
token_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || i >= OAUTH_VALUE_MAX)
			return 0;
	return i > 0;
}

/* A string member: 1 set (*out copied), 0 absent or null, -1 not a
   string or not a token (when tok). */
static int
member_str(json_t *o, const char *key, int tok, char **out)
{
	json_t *v = json_object_get(o, key);
	const char *s;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v) || (tok && !token_ok(s)) ||
	    (!tok && strlen(s) > OAUTH_VALUE_MAX))
		return -1;
	*out = xstrdup(s);
	return 1;
}

/* A number of seconds: an integer, or a string of digits (some servers
   send "3599"); 1 set, 0 absent, -1 bad. */
static int
member_secs(json_t *o, const char *key, long long *out)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	long long n = 0;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
		if (n < 0)
			return -1;
		*out = n;
		return 1;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (*s == '\0' || strlen(s) > 12)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
	}
	*out = n;
	return 1;
}

static const struct {
	const char		*code;
	enum oauth_outcome	 outcome;
} error_codes[] = {
	{ "authorization_pending", OA_PENDING },
	{ "slow_down", OA_SLOW_DOWN },
	{ "invalid_grant", OA_GRANT },
	{ "access_denied", OA_GRANT },
	{ "expired_token", OA_GRANT },
	{ "server_error", OA_TEMP },
	{ "temporarily_unavailable", OA_TEMP },
	{ "invalid_client", OA_CONFIG },
	{ "unauthorized_client", OA_CONFIG },
	{ "unsupported_grant_type", OA_CONFIG },
	{ "invalid_scope", OA_CONFIG },
	{ "invalid_request", OA_CONFIG },
	{ "invalid_target", OA_CONFIG },
};

/* An error answer (RFC 6749 5.2): {"error": CODE, ...}. */
static void
error_answer(long status, json_t *root, struct oauth_answer *a)
{
	enum oauth_outcome o = OA_CONFIG;
	char *code = NULL, *desc = NULL, *c, *d;
	size_t i;

	if (member_str(root, "error", 1, &code) != 1 ||
	    member_str(root, "error_description", 0, &desc) == -1) {
		free(code);
		set_error(a, status >= 500 || status == 429 ? OA_TEMP :
		    OA_PROTOCOL, "HTTP %ld without an OAuth2 error", status);
		return;
	}
	for (i = 0; i < sizeof(error_codes) / sizeof(error_codes[0]); i++)
		if (strcmp(error_codes[i].code, code) == 0)
			o = error_codes[i].outcome;
	if (status >= 500 || status == 429)
		o = OA_TEMP;
	c = printable(code, 100);
	d = desc ? printable(desc, ERROR_MAX) : NULL;
	set_error(a, o, "%s%s%s", c, d ? ": " : "", d ? d : "");
	free(c);
	free(d);
	free(code);
	free(desc);
}

/*
 * The JSON object of the body, or NULL with a set: a body that is not
 * an object is OA_PROTOCOL, or OA_TEMP for a 5xx/429 (a proxy's page).
 */
static json_t *
body_object(long status, const char *body, size_t len,
    struct oauth_answer *a)
{
	json_error_t je;
	json_t *root;

	memset(a, 0, sizeof(*a));
	if (status < 200 || (status >= 300 && status < 400) || status > 599) {
		set_error(a, OA_PROTOCOL, "unexpected HTTP status %ld",
		    status);
		return NULL;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		if (status >= 500 || status == 429)
			set_error(a, OA_TEMP, "HTTP %ld", status);
		else
			set_error(a, OA_PROTOCOL, "HTTP %ld: the answer is "
			    "not a JSON object", status);
		return NULL;
	}
	if (status >= 400) {
		error_answer(status, root, a);
		json_decref(root);
		return NULL;
	}
	return root;
}

void
oauth_answer_token(long status, const char *body, size_t len,
    struct oauth_answer *a)
{
	json_t *root = body_object(status, body, len, a);
	char *type = NULL;
	int e;

	if (root == NULL)
		return;
	if (member_str(root, "access_token", 1, &a->access_token) != 1)
		set_error(a, OA_PROTOCOL, "no access_token in the answer");
	else if (member_str(root, "token_type", 1, &type) != 1 ||
	    strcasecmp(type, "bearer") != 0)
		set_error(a, OA_PROTOCOL, "token_type is not Bearer");
	else if (member_str(root, "refresh_token", 1, &a->refresh_token) ==
	    -1)
		set_error(a, OA_PROTOCOL, "bad refresh_token");
	else if (member_str(root, "scope", 0, &a->scope) == -1)
		set_error(a, OA_PROTOCOL, "bad scope");
	else if ((e = member_secs(root, "expires_in", &a->expires_in)) == -1)
		set_error(a, OA_PROTOCOL, "bad expires_in");
	else {
		if (e == 0 || a->expires_in == 0)
			a->expires_in = OAUTH_DEFAULT_EXPIRES_S;
		a->outcome = OA_OK;
	}
	free(type);
	json_decref(root);
}

void
oauth_answer_device(long status, const char *body, size_t len,
    struct oauth_answer *a)
{
	json_t *root = body_object(status, body, len, a);
	int e, i;

	if (root == NULL)
		return;
	/* Google calls it verification_url. */
	if ((e = member_str(root, "verification_uri", 1,
	    &a->verification_uri)) == 0)
		e = member_str(root, "verification_url", 1,
		    &a->verification_uri);
	if (member_str(root, "device_code", 1, &a->device_code) != 1 ||
	    member_str(root, "user_code", 1, &a->user_code) != 1)
		set_error(a, OA_PROTOCOL, "no device_code and user_code");
	else if (e != 1 || strncasecmp(a->verification_uri, "https://",
	    8) != 0)
		set_error(a, OA_PROTOCOL, "no https verification_uri");
	else if (member_str(root, "verification_uri_complete", 1,
	    &a->verification_uri_complete) == -1 ||
	    (a->verification_uri_complete && strncasecmp(
	    a->verification_uri_complete, "https://", 8) != 0))
		set_error(a, OA_PROTOCOL, "bad verification_uri_complete");
	else if (member_secs(root, "expires_in", &a->expires_in) != 1 ||
	    a->expires_in == 0)
		set_error(a, OA_PROTOCOL, "no expires_in");
	else if ((i = member_secs(root, "interval", &a->interval)) == -1)
		set_error(a, OA_PROTOCOL, "bad interval");
	else {
		if (i == 0 || a->interval < 1)
			a->interval = 5;
		if (a->interval > 60)
			a->interval = 60;
		a->outcome = OA_OK;
	}
	json_decref(root);
}

int
oauth_answer_exit(enum oauth_outcome o)
{
	switch (o) {
	case OA_OK:		return 0;
	case OA_TEMP:		return 75;
	case OA_PROTOCOL:	return 76;
	case OA_GRANT:		return 77;
	case OA_CERT:		return 77;
	default:		return 78;
	}
}

void
oauth_answer_free(struct oauth_answer *a)
{
	xfree_secret(a->access_token);
	xfree_secret(a->refresh_token);
	xfree_secret(a->device_code);
	free(a->user_code);
	free(a->verification_uri);
	free(a->verification_uri_complete);
	free(a->scope);
	free(a->error);
	memset(a, 0, sizeof(*a));
}
