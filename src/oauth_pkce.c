/*
 * oauth_pkce.c -- the authorization code grant with PKCE (RFC 7636) and
 * a loopback redirect (RFC 8252 7.3): outbox-oauth listens on 127.0.0.1
 * at a port the system picks, the user's browser brings the code back
 * there, the state is checked and the code exchanged.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "codec.h"
#include "compat.h"
#include "crypto.h"
#include "oauth_helper.h"
#include "xmalloc.h"

#define REDIRECT_REQ_MAX	8192

/* base64url without padding (RFC 7636 appendix A). */
static char *
b64url(const unsigned char *p, size_t n)
{
	char *s = codec_b64_encode(p, n), *c;

	for (c = s; *c; c++) {
		if (*c == '+')
			*c = '-';
		else if (*c == '/')
			*c = '_';
		else if (*c == '=') {
			*c = '\0';
			break;
		}
	}
	return s;
}

static char *
random_b64url(size_t n)
{
	unsigned char r[64];
	char *s;

	if (n > sizeof(r) || crypto_random(r, n) == -1)
		return NULL;
	s = b64url(r, n);
	compat_bzero(r, sizeof(r));
	return s;
}

/* A listening socket on 127.0.0.1, any port: the fd, its port. */
static int
listen_loopback(int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 4) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

/* The value of name in query string q ("a=1&b=2"), decoded, or NULL. */
static char *
query_get(const char *q, const char *name)
{
	size_t n = strlen(name), len;

	while (q && *q) {
		len = strcspn(q, "&");
		if (len > n && strncmp(q, name, n) == 0 && q[n] == '=')
			return oauth_http_unescape(q + n + 1, len - n - 1);
		q += len;
		if (*q == '&')
			q++;
	}
	return NULL;
}

static void
respond(int fd, int code, const char *text)
{
	char *r = xasprintf("HTTP/1.1 %d %s\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\nConnection: close\r\nContent-Length: %zu\r\n"
	    "\r\n%s", code, code == 200 ? "OK" : code == 404 ? "Not Found" :
	    "Bad Request", strlen(text), text);

	(void)compat_write_all(fd, r, strlen(r));
	free(r);
}

/*
 * Read one request from the browser on fd until its header ends (or
 * deadline): its request target, or NULL.
 */
static char *
read_target(int fd, long long deadline)
{
	struct buf b;
	struct pollfd p;
	char chunk[1024], *sp, *end, *target = NULL;
	ssize_t n;

	buf_init(&b, REDIRECT_REQ_MAX);
	while (strstr(buf_cstr(&b), "\r\n\r\n") == NULL) {
		long long left = deadline - compat_now_ms();

		p.fd = fd;
		p.events = POLLIN;
		if (left <= 0 || poll(&p, 1, (int)(left > 10000 ? 10000 :
		    left)) <= 0)
			goto done;
		if ((n = read(fd, chunk, sizeof(chunk))) <= 0 ||
		    buf_add(&b, chunk, (size_t)n) == -1)
			goto done;
	}
	/* "GET /path?query HTTP/1.1" */
	if (strncmp(b.data, "GET ", 4) != 0 ||
	    (sp = strchr(b.data + 4, ' ')) == NULL ||
	    (end = strstr(b.data, "\r\n")) == NULL || sp > end)
		goto done;
	target = xstrdup(b.data + 4);
	target[sp - (b.data + 4)] = '\0';
done:
	buf_free(&b);
	return target;
}

/*
 * Wait for the redirect: the code, or NULL with a set (the user refused,
 * the state did not match, the time ran out).
 */
static char *
wait_redirect(int lfd, const char *state, int secs, struct oauth_answer *a)
{
	long long deadline = compat_now_ms() + (long long)secs * 1000;
	char *target, *q, *code = NULL, *st, *err;
	struct pollfd p;
	int fd;

	while (code == NULL && a->outcome == OA_OK) {
		long long left = deadline - compat_now_ms();

		p.fd = lfd;
		p.events = POLLIN;
		if (left <= 0 || poll(&p, 1, (int)(left > 10000 ? 10000 :
		    left)) == -1) {
			a->outcome = OA_GRANT;
			a->error = xasprintf("no sign-in came back within "
			    "%d s", secs);
			break;
		}
		if (!(p.revents & POLLIN) ||
		    (fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
			continue;
		target = read_target(fd, deadline);
		q = target && target[0] == '/' && target[1] == '?' ?
		    target + 2 : NULL;
		if (q == NULL) {
			respond(fd, 404, "not here\n");
			close(fd);
			free(target);
			continue;
		}
		st = query_get(q, "state");
		err = query_get(q, "error");
		if (st == NULL || strlen(st) != strlen(state) ||
		    crypto_memcmp(st, state, strlen(state)) != 0) {
			/* not the answer to this request: ignore it */
			respond(fd, 400, "outbox: this is not the answer to "
			    "the sign-in outbox is waiting for.\n");
		} else if (err) {
			char *d = query_get(q, "error_description");

			a->outcome = OA_GRANT;
			a->error = xasprintf("%s%s%s", err, d ? ": " : "",
			    d ? d : "");
			free(d);
			respond(fd, 200, "outbox: the sign-in was refused.\n");
		} else if ((code = query_get(q, "code")) == NULL) {
			a->outcome = OA_PROTOCOL;
			a->error = xstrdup("the redirect has no code");
			respond(fd, 400, "outbox: no code in the redirect.\n");
		} else
			respond(fd, 200, "outbox: signed in; you can close "
			    "this window.\n");
		close(fd);
		free(st);
		free(err);
		free(target);
	}
	return code;
}

/* Open url in the user's browser when there is a display: xdg-open,
   not waited for, its output to /dev/null. */
static void
browse(const char *url)
{
	pid_t pid;
	int fd;

	if (getenv("DISPLAY") == NULL && getenv("WAYLAND_DISPLAY") == NULL)
		return;
	signal(SIGCHLD, SIG_IGN);	/* no zombie */
	if ((pid = fork()) != 0)
		return;
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execlp("xdg-open", "xdg-open", url, (char *)NULL);
	_exit(127);
}

/* The authorization URL for this request. */
static char *
auth_url(const struct oauth_req *q, const char *redirect, const char *state,
    const char *challenge)
{
	struct buf f;
	char *url;

	buf_init(&f, 65536);
	oauth_http_form(&f, "response_type", "code");
	oauth_http_form(&f, "client_id", q->client_id);
	oauth_http_form(&f, "redirect_uri", redirect);
	oauth_http_form(&f, "scope", q->scope);
	oauth_http_form(&f, "state", state);
	oauth_http_form(&f, "code_challenge", challenge);
	oauth_http_form(&f, "code_challenge_method", "S256");
	url = xasprintf("%s%c%s%s%s", q->auth_url,
	    strchr(q->auth_url, '?') ? '&' : '?', buf_cstr(&f),
	    q->auth_params ? "&" : "", q->auth_params ? q->auth_params : "");
	buf_free(&f);
	return url;
}

void
helper_pkce(const struct oauth_req *q, struct oauth_answer *a)
{
	char *verifier = random_b64url(32), *state = random_b64url(16);
	char *challenge = NULL, *redirect = NULL, *url = NULL, *code;
	unsigned char h[32];
	struct buf form;
	int lfd, port;

	memset(a, 0, sizeof(a[0]));
	if (verifier == NULL || state == NULL ||
	    crypto_hash(CRYPTO_SHA256, verifier, strlen(verifier), h) == -1 ||
	    (lfd = listen_loopback(&port)) == -1) {
		a->outcome = OA_TEMP;
		a->error = xasprintf("cannot set up the loopback redirect: %s",
		    strerror(errno));
		goto done;
	}
	challenge = b64url(h, sizeof(h));
	redirect = xasprintf("http://127.0.0.1:%d/", port);
	url = auth_url(q, redirect, state, challenge);
	fprintf(stderr, "outbox: account %s: to sign in, open this URL in a "
	    "browser on this machine:\n%s\n", q->account, url);
	fprintf(stderr, "outbox: waiting for the sign-in (%d s) ...\n",
	    q->login_timeout);
	browse(url);
	code = wait_redirect(lfd, state, q->login_timeout, a);
	close(lfd);
	if (code == NULL)
		goto done;
	buf_init(&form, 65536);
	oauth_http_form(&form, "grant_type", "authorization_code");
	oauth_http_form(&form, "code", code);
	oauth_http_form(&form, "redirect_uri", redirect);
	oauth_http_form(&form, "code_verifier", verifier);
	helper_client(q, &form);
	helper_token(q, &form, a);
	buf_free(&form);
	xfree_secret(code);
done:
	xfree_secret(verifier);
	free(state);
	free(challenge);
	free(redirect);
	free(url);
}
