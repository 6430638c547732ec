/*
 * oauth_helper.c -- outbox-oauth: fetch or refresh OAuth2 tokens for
 * outbox.  The request comes on stdin, the answer goes to stdout, the
 * exit status is its class (doc/oauth2.md).  Talks to the user only on
 * stderr, and only in the interactive grants.
 */
#include "autoconf.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "compat.h"
#include "oauth_helper.h"
#include "xmalloc.h"

#define REQUEST_MAX	65536

static struct {
	const char	*key;
	size_t		 off;
} fields[] = {
#define R(x)	{ #x, offsetof(struct oauth_req, x) }
	R(account), R(provider), R(token_url), R(device_url), R(auth_url),
	R(auth_params), R(scope), R(client_id), R(client_secret),
	R(refresh_token),
#undef R
};

static void
set_field(struct oauth_req *q, const char *key, const char *v)
{
	size_t i;
	long n;

	if (strcmp(key, "trust_file") == 0) {
		q->http.trust_file = xstrdup(v);
		return;
	}
	if (strcmp(key, "proxy_host") == 0 || strcmp(key, "proxy_user") == 0 ||
	    strcmp(key, "proxy_password") == 0) {
		const char **p = key[6] == 'h' ? &q->http.proxy_host :
		    key[6] == 'u' ? &q->http.proxy_user :
		    &q->http.proxy_password;

		xfree_secret((char *)*p);
		*p = xstrdup(v);
		return;
	}
	if (strcmp(key, "proxy_port") == 0) {
		n = strtol(v, NULL, 10);
		q->http.proxy_port = n > 0 && n < 65536 ? (int)n : 1080;
		return;
	}
	if (strcmp(key, "timeout") == 0 || strcmp(key, "login_timeout") == 0) {
		n = strtol(v, NULL, 10);
		if (n < 1 || n > 86400)
			n = 60;
		if (*key == 't')
			q->http.timeout = (int)n;
		else
			q->login_timeout = (int)n;
		return;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(fields[i].key, key) == 0) {
			char **p = (char **)((char *)q + fields[i].off);

			xfree_secret(*p);
			*p = xstrdup(v);
		}
	}
}

/* Read the request: "key: value" lines on stdin. */
static int
read_request(struct oauth_req *q)
{
	struct buf b;
	char chunk[4096], *line, *next, *sep;
	ssize_t n;

	memset(q, 0, sizeof(*q));
	q->http.timeout = 60;
	q->login_timeout = 300;
	buf_init(&b, REQUEST_MAX);
	while ((n = read(0, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || buf_add(&b, chunk, (size_t)n) == -1) {
			buf_free(&b);
			return -1;
		}
	}
	for (line = b.data; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if ((sep = strstr(line, ": ")) == NULL)
			continue;
		*sep = '\0';
		set_field(q, line, sep + 2);
	}
	buf_free(&b);
	compat_bzero(chunk, sizeof(chunk));
	return 0;
}

static void
free_request(struct oauth_req *q)
{
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		xfree_secret(*(char **)((char *)q + fields[i].off));
	free((char *)q->http.trust_file);
	free((char *)q->http.proxy_host);
	free((char *)q->http.proxy_user);
	xfree_secret((char *)q->http.proxy_password);
	memset(q, 0, sizeof(*q));
}

void
helper_client(const struct oauth_req *q, struct buf *form)
{
	oauth_http_form(form, "client_id", q->client_id);
	oauth_http_form(form, "client_secret", q->client_secret);
}

/* POST form to url; the answer judged by judge(). */
static void
post(const struct oauth_req *q, const char *url, const struct buf *form,
    void (*judge)(long, const char *, size_t, struct oauth_answer *),
    struct oauth_answer *a)
{
	struct buf body;
	char err[512];
	long status = 0;
	int ex = 75;

	buf_init(&body, OAUTH_HTTP_BODY_MAX);
	if (oauth_http_post(&q->http, url, form, &status, &body, &ex, err,
	    sizeof(err)) == -1) {
		memset(a, 0, sizeof(*a));
		a->outcome = ex == 77 ? OA_CERT : ex == 78 ? OA_CONFIG :
		    OA_TEMP;
		a->error = xstrdup(err);
	} else
		judge(status, buf_cstr(&body), body.len, a);
	buf_free(&body);
}

void
helper_token(const struct oauth_req *q, const struct buf *form,
    struct oauth_answer *a)
{
	post(q, q->token_url, form, oauth_answer_token, a);
}

static void
cmd_refresh(const struct oauth_req *q, struct oauth_answer *a)
{
	struct buf form;

	memset(a, 0, sizeof(*a));
	if (q->refresh_token == NULL) {
		a->outcome = OA_GRANT;
		a->error = xstrdup("no refresh token");
		return;
	}
	buf_init(&form, REQUEST_MAX);
	oauth_http_form(&form, "grant_type", "refresh_token");
	oauth_http_form(&form, "refresh_token", q->refresh_token);
	helper_client(q, &form);
	helper_token(q, &form, a);
	buf_free(&form);
}

static void
sleep_s(long long s)
{
	struct timespec ts = { (time_t)s, 0 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* RFC 8628 3.4-3.5: poll the token endpoint until the user is done. */
static void
device_poll(const struct oauth_req *q, const struct oauth_answer *d,
    struct oauth_answer *a)
{
	long long interval = d->interval;
	time_t end = time(NULL) + (time_t)d->expires_in;
	struct buf form;

	buf_init(&form, REQUEST_MAX);
	oauth_http_form(&form, "grant_type",
	    "urn:ietf:params:oauth:grant-type:device_code");
	oauth_http_form(&form, "device_code", d->device_code);
	helper_client(q, &form);
	for (;;) {
		sleep_s(interval);
		helper_token(q, &form, a);
		if (a->outcome == OA_SLOW_DOWN)
			interval += 5;
		else if (a->outcome != OA_PENDING)
			break;
		if (time(NULL) + interval > end) {
			oauth_answer_free(a);
			a->outcome = OA_GRANT;
			a->error = xstrdup("expired_token: the code expired "
			    "before the sign-in was done");
			break;
		}
		oauth_answer_free(a);
	}
	buf_free(&form);
}

static void
cmd_device(const struct oauth_req *q, struct oauth_answer *a)
{
	struct oauth_answer d;
	struct buf form;

	memset(a, 0, sizeof(*a));
	buf_init(&form, REQUEST_MAX);
	oauth_http_form(&form, "client_id", q->client_id);
	oauth_http_form(&form, "scope", q->scope);
	post(q, q->device_url, &form, oauth_answer_device, &d);
	buf_free(&form);
	if (d.outcome != OA_OK) {
		*a = d;
		return;
	}
	fprintf(stderr, "outbox: account %s: to sign in, open %s\n"
	    "outbox: and enter the code %s\n", q->account, d.verification_uri,
	    d.user_code);
	if (d.verification_uri_complete)
		fprintf(stderr, "outbox: (or open %s)\n",
		    d.verification_uri_complete);
	fprintf(stderr, "outbox: waiting for the sign-in (the code expires in "
	    "%lld s) ...\n", d.expires_in);
	device_poll(q, &d, a);
	oauth_answer_free(&d);
}

int
main(int argc, char **argv)
{
	struct oauth_req q;
	struct oauth_answer a;
	int code;

	compat_nodump(1);
	if (compat_die_with_parent() == -1)
		return 75;	/* outbox is gone: nobody to answer */
	memset(&a, 0, sizeof(a));
	if (argc != 2 || read_request(&q) == -1) {
		printf("error: usage: outbox-oauth refresh|device|pkce "
		    "(run by outbox, request on stdin)\n");
		return 70;
	}
	if (q.token_url == NULL || q.client_id == NULL ||
	    q.account == NULL) {
		printf("error: the request lacks token_url, client_id or "
		    "account\n");
		code = 78;
		goto done;
	}
	if (oauth_http_init() == -1) {
		printf("error: cannot set up libcurl\n");
		code = 70;
		goto done;
	}
	if (strcmp(argv[1], "refresh") == 0)
		cmd_refresh(&q, &a);
	else if (strcmp(argv[1], "device") == 0 && q.device_url)
		cmd_device(&q, &a);
	else if (strcmp(argv[1], "pkce") == 0 && q.auth_url)
		helper_pkce(&q, &a);
	else {
		printf("error: unknown command %s, or its URL is missing\n",
		    argv[1]);
		code = 78;
		goto done;
	}
	code = oauth_answer_exit(a.outcome);
	if (code == 0)
		printf("access_token: %s\nexpires_in: %lld\n%s%s%s",
		    a.access_token, a.expires_in,
		    a.refresh_token ? "refresh_token: " : "",
		    a.refresh_token ? a.refresh_token : "",
		    a.refresh_token ? "\n" : "");
	else
		printf("error: %s\n%s", a.error ? a.error : "failed",
		    a.outcome == OA_CERT ? "kind: certificate\n" : "");
done:
	fflush(stdout);
	oauth_answer_free(&a);
	free_request(&q);
	return code;
}
