/*
 * oauth.c -- OAuth2 tokens for XOAUTH2 and OAUTHBEARER (doc/oauth2.md).
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "compat.h"
#include "limits.h"
#include "log.h"
#include "oauth.h"
#include "oauthtok.h"
#include "xmalloc.h"

#ifndef OAUTH_HELPER
#define OAUTH_HELPER	""
#endif

/* The helper's exit codes (doc/oauth2.md). */
#define HX_TEMP		75
#define HX_PROTOCOL	76
#define HX_GRANT	77
#define HX_CONFIG	78

#define MS_BASE	"https://login.microsoftonline.com/"

int
oauth_enabled(const struct account *a)
{
	return a->oauth_provider != NULL;
}

void
oauth_conf_free(struct oauth_conf *o)
{
	free(o->auth_url);
	free(o->device_url);
	free(o->token_url);
	free(o->scope);
	free(o->auth_params);
	free(o->token_file);
	memset(o, 0, sizeof(*o));
}

static char *
dup0(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* ~/.local/state/outbox/oauth/NAME, or under $XDG_STATE_HOME. */
static char *
default_token_file(const char *name)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (x && *x == '/')
		return xasprintf("%s/outbox/oauth/%s", x, name);
	if (home == NULL || *home != '/') {
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : "/";
	}
	return xasprintf("%s/.local/state/outbox/oauth/%s", home, name);
}

static int
https_url(const char *u)
{
	return u == NULL || strncasecmp(u, "https://", 8) == 0;
}

static int
tenant_ok(const char *t)
{
	for (; *t; t++)
		if (!isalnum((unsigned char)*t) && *t != '-' && *t != '.')
			return 0;
	return 1;
}

/* Presets of google and microsoft; what the account sets wins. */
static int
presets(const struct account *a, struct oauth_conf *o,
    struct config_error *err)
{
	const char *t = a->oauth_tenant ? a->oauth_tenant : "common";

	if (strcmp(a->oauth_provider, "google") == 0) {
		o->provider = "google";
		o->auth_url = xstrdup("https://accounts.google.com/o/oauth2/"
		    "v2/auth");
		o->token_url = xstrdup("https://oauth2.googleapis.com/token");
		o->scope = xstrdup("https://mail.google.com/");
		/* a refresh token, every time */
		o->auth_params = xstrdup("access_type=offline&prompt=consent");
	} else if (strcmp(a->oauth_provider, "microsoft") == 0) {
		o->provider = "microsoft";
		if (*t == '\0' || !tenant_ok(t)) {
			config_error_set(err, NULL, "account %s: oauth_tenant "
			    "'%s' is not a tenant name or id", a->name, t);
			return -1;
		}
		o->device_url = xasprintf(MS_BASE "%s/oauth2/v2.0/devicecode",
		    t);
		o->token_url = xasprintf(MS_BASE "%s/oauth2/v2.0/token", t);
		o->scope = xstrdup("https://outlook.office.com/SMTP.Send "
		    "offline_access");
	} else
		o->provider = "generic";
	return 0;
}

/* The account's own settings over the presets. */
static void
overrides(const struct account *a, struct oauth_conf *o)
{
	if (a->oauth_auth_url || a->oauth_device_url) {
		free(o->auth_url);
		free(o->device_url);
		o->auth_url = dup0(a->oauth_auth_url);
		o->device_url = dup0(a->oauth_device_url);
	}
	if (a->oauth_token_url) {
		free(o->token_url);
		o->token_url = xstrdup(a->oauth_token_url);
	}
	if (a->oauth_scope) {
		free(o->scope);
		o->scope = xstrdup(a->oauth_scope);
	}
	o->token_file = a->oauth_token_file ? xstrdup(a->oauth_token_file) :
	    default_token_file(a->name);
}

static int
check(const struct account *a, const struct oauth_conf *o,
    struct config_error *err)
{
	const char *what = NULL;

	if (a->auth == NULL || (strcmp(a->auth, "xoauth2") != 0 &&
	    strcmp(a->auth, "oauthbearer") != 0))
		what = "oauth_provider needs auth xoauth2 or auth oauthbearer";
	else if (a->oauth_client_id == NULL || *a->oauth_client_id == '\0')
		what = "set oauth_client_id (the id of the application "
		    "registered with the provider)";
	else if (o->token_url == NULL)
		what = "set oauth_token_url";
	else if (o->device_url == NULL && o->auth_url == NULL)
		what = "set oauth_device_url or oauth_auth_url";
	else if (!https_url(o->token_url) || !https_url(o->device_url) ||
	    !https_url(o->auth_url))
		what = "oauth_*_url must be https:// URLs";
	else if (o->scope == NULL || *o->scope == '\0')
		what = "set oauth_scope";
	if (what == NULL)
		return 0;
	config_error_set(err, NULL, "account %s: %s", a->name, what);
	return -1;
}

int
oauth_conf_get(const struct account *a, struct oauth_conf *o,
    struct config_error *err)
{
	memset(o, 0, sizeof(*o));
	if (a->oauth_provider == NULL) {
		config_error_set(err, NULL, "account %s: set oauth_provider",
		    a->name);
		return -1;
	}
	if (*OAUTH_HELPER == '\0') {
		config_error_set(err, NULL, "account %s: this outbox was built "
		    "without OAuth2 (configure --disable-oauth)", a->name);
		return -1;
	}
	if (presets(a, o, err) == -1)
		goto bad;
	overrides(a, o);
	if (check(a, o, err) == -1)
		goto bad;
	return 0;
bad:
	oauth_conf_free(o);
	return -1;
}

/* ---- the helper ----------------------------------------------------- */

/* The helper to run: configure's, or (for the tests) $OUTBOX_OAUTH_HELPER
   when outbox runs with its own ids only. */
static const char *
helper_path(void)
{
	const char *e = getenv("OUTBOX_OAUTH_HELPER");

	if (e && *e == '/' && getuid() == geteuid() &&
	    getgid() == getegid())
		return e;
	return OAUTH_HELPER;
}

/* Append "key: value\n" when value is set (values hold no newline: the
   configuration refuses them, and tokens are checked by the helper). */
static void
req_add(struct buf *b, const char *key, const char *value)
{
	if (value == NULL || strpbrk(value, "\r\n"))
		return;
	buf_add(b, key, strlen(key));
	buf_add(b, ": ", 2);
	buf_add(b, value, strlen(value));
	buf_add(b, "\n", 1);
}

static void __attribute__((noreturn))
helper_child(const char *path, const char *cmd, int in, int out)
{
	static const char msg[] = "outbox: cannot run the OAuth2 helper\n";
	char *argv[3];
	int fd;

	argv[0] = (char *)"outbox-oauth";
	argv[1] = (char *)cmd;
	argv[2] = NULL;
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1)
		_exit(127);
	for (fd = 3; fd < 1024; fd++)
		(void)close(fd);
	execv(path, argv);
	(void)compat_write_all(2, msg, sizeof(msg) - 1);
	_exit(127);
}

/*
 * Run the helper with req on its stdin: its exit status (127 when it
 * could not run, 128 + signal), its stdout in out.
 */
static int
helper_run(const char *cmd, const struct buf *req, struct buf *out)
{
	const char *path = helper_path();
	int inp[2] = { -1, -1 }, outp[2] = { -1, -1 }, status = 0;
	struct sigaction dfl, old;
	char chunk[4096];
	ssize_t n;
	pid_t pid;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	(void)sigaction(SIGCHLD, &dfl, &old);
	if (pipe2(inp, O_CLOEXEC) == -1 || pipe2(outp, O_CLOEXEC) == -1 ||
	    (pid = fork()) == -1) {
		status = 127;
		goto done;
	}
	if (pid == 0)
		helper_child(path, cmd, inp[0], outp[1]);
	close(inp[0]);
	close(outp[1]);
	inp[0] = outp[1] = -1;
	(void)compat_write_all(inp[1], req->data ? req->data : "", req->len);
	close(inp[1]);
	inp[1] = -1;
	while ((n = read(outp[0], chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || buf_add(out, chunk, (size_t)n) == -1)
			break;
	}
	compat_bzero(chunk, sizeof(chunk));
	close(outp[0]);
	outp[0] = -1;
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	status = WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
done:
	if (inp[0] != -1)
		close(inp[0]);
	if (inp[1] != -1)
		close(inp[1]);
	if (outp[0] != -1)
		close(outp[0]);
	if (outp[1] != -1)
		close(outp[1]);
	(void)sigaction(SIGCHLD, &old, NULL);
	return status;
}

/* The helper's "error: TEXT" line, or a stand-in. */
static char *
helper_error(const struct buf *out)
{
	const char *p = out->data;
	size_t n;

	while (p && *p) {
		n = strcspn(p, "\n");
		if (strncmp(p, "error: ", 7) == 0)
			return result_sanitize_n(p + 7, n - 7);
		p += n + (p[n] == '\n');
	}
	return xstrdup("no reason given");
}

/* r for a failed helper run with exit status st. */
static void
helper_failed(const struct account *a, const struct oauth_conf *o,
    const char *step, int st, const struct buf *out, struct result *r)
{
	char *why = helper_error(out);

	switch (st) {
	case HX_TEMP:
		result_local(r, RES_TEMP, STAGE_NONE, ERR_TEMP, NULL,
		    "account %s: %s at the %s token endpoint failed, will "
		    "retry: %s", a->name, step, o->provider, why);
		break;
	case HX_GRANT:
		if (out->data && strstr(out->data, "\nkind: certificate\n")) {
			result_local(r, RES_PERM, STAGE_NONE, ERR_NOPERM, NULL,
			    "account %s: %s: the certificate of the %s token "
			    "endpoint did not verify: %s", a->name, step,
			    o->provider, why);
			break;
		}
		result_local(r, RES_PERM, STAGE_AUTH, ERR_NOPERM, NULL,
		    "account %s: %s refused by %s: %s; run outbox --login "
		    "-A %s", a->name, step, o->provider, why, a->name);
		break;
	case HX_PROTOCOL:
		result_local(r, RES_PERM, STAGE_NONE, ERR_PROTOCOL, NULL,
		    "account %s: %s: malformed answer from the %s token "
		    "endpoint: %s", a->name, step, o->provider, why);
		break;
	case HX_CONFIG:
		result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
		    "account %s: %s: %s refused the configuration: %s",
		    a->name, step, o->provider, why);
		break;
	default:
		result_local(r, RES_PERM, STAGE_NONE, ERR_SOFTWARE, NULL,
		    "account %s: %s: the OAuth2 helper %s failed (exit %d)%s%s",
		    a->name, step, helper_path(), st, out->len ? ": " : "",
		    out->len ? why : "");
		break;
	}
	free(why);
}

/* The request of every command: endpoints, client, trust, timeout. */
static int
request(const struct account *a, const struct oauth_conf *o,
    struct buf *req, struct result *r)
{
	struct config_error err;
	char *secret = NULL, num[32];

	if (a->oauth_client_secret)
		secret = xstrdup(a->oauth_client_secret);
	else if (a->oauth_client_secret_eval &&
	    config_eval(a, "oauth_client_secret_eval",
	    a->oauth_client_secret_eval, &secret, &err) == -1) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL, "%s",
		    err.msg);
		return -1;
	}
	req_add(req, "account", a->name);
	req_add(req, "provider", o->provider);
	req_add(req, "token_url", o->token_url);
	req_add(req, "device_url", o->device_url);
	req_add(req, "auth_url", o->auth_url);
	req_add(req, "auth_params", o->auth_params);
	req_add(req, "scope", o->scope);
	req_add(req, "client_id", a->oauth_client_id);
	req_add(req, "client_secret", secret);
	req_add(req, "trust_file", a->tls_trust_file);
	snprintf(num, sizeof(num), "%d", a->timeout ? a->timeout :
	    DEFAULT_TIMEOUT_S);
	req_add(req, "timeout", num);
	if (a->proxy_host && *a->proxy_host) {
		req_add(req, "proxy_host", a->proxy_host);
		snprintf(num, sizeof(num), "%d", a->proxy_port);
		req_add(req, "proxy_port", num);
		req_add(req, "proxy_user", a->proxy_user);
		req_add(req, "proxy_password", a->proxy_password);
	}
	xfree_secret(secret);
	return 0;
}

/*
 * Run command cmd for the account and take its answer into t (received
 * now).  0, or -1 with r set.
 */
static int
fetch(const struct account *a, const struct oauth_conf *o, const char *cmd,
    const char *step, struct oauth_token *t, struct result *r)
{
	struct buf req, out;
	char err[256];
	int st, rc = -1;

	buf_init(&req, OAUTHTOK_FILE_MAX);
	buf_init(&out, OAUTHTOK_FILE_MAX);
	if (request(a, o, &req, r) == -1)
		goto done;
	if (strcmp(cmd, "refresh") == 0)
		req_add(&req, "refresh_token", t->refresh_token);
	if (log_verbose()) {
		char *note = xasprintf("-- OAuth2: %s at %s", step,
		    o->token_url);

		log_note(note);
		free(note);
	}
	st = helper_run(cmd, &req, &out);
	if (st != 0)
		helper_failed(a, o, step, st, &out, r);
	else if (oauthtok_merge(t, out.data ? out.data : "", out.len,
	    (long long)time(NULL), err, sizeof(err)) == -1)
		result_local(r, RES_PERM, STAGE_NONE, ERR_PROTOCOL, NULL,
		    "account %s: %s: malformed answer from the OAuth2 "
		    "helper: %s", a->name, step, err);
	else
		rc = 0;
done:
	buf_free(&req);
	buf_free(&out);
	return rc;
}

static int
file_error(const struct account *a, const char *err, struct result *r)
{
	result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
	    "account %s: OAuth2 token file: %s", a->name, err);
	return -1;
}

/* The token file could not be locked: another outbox holds it too long
   (a --login in progress; try later), or the file cannot be made. */
static int
lock_error(const struct account *a, const char *err, struct result *r)
{
	if (errno != EWOULDBLOCK)
		return file_error(a, err, r);
	result_local(r, RES_TEMP, STAGE_NONE, ERR_TEMP, NULL,
	    "account %s: OAuth2 token file: %s (another outbox is using it)",
	    a->name, err);
	return -1;
}

/* Lock, read again, refresh when still needed, store. */
/* May t's access token be given out (fresh, and not the refused one)? */
static int
usable(const struct oauth_token *t, const char *refused)
{
	return oauthtok_fresh(t, (long long)time(NULL)) && (refused == NULL ||
	    strcmp(refused, t->access_token) != 0);
}

static int
refresh_locked(const struct account *a, const struct oauth_conf *o,
    const char *refused, char **token, struct result *r)
{
	struct oauth_token t;
	char err[1024];
	int fd, rc = -1, wait = 2 * (a->timeout ? a->timeout :
	    DEFAULT_TIMEOUT_S) + 10;

	memset(&t, 0, sizeof(t));
	if ((fd = oauthtok_lock(o->token_file, wait, err, sizeof(err))) == -1)
		return lock_error(a, err, r);
	switch (oauthtok_read(o->token_file, &t, err, sizeof(err))) {
	case -1:
		file_error(a, err, r);
		goto done;
	case 1:
		result_local(r, RES_PERM, STAGE_AUTH, ERR_NOPERM, NULL,
		    "account %s: no OAuth2 token stored in %s; run outbox "
		    "--login -A %s", a->name, o->token_file, a->name);
		goto done;
	}
	/* Another outbox may have refreshed it while this one waited. */
	if (usable(&t, refused)) {
		*token = xstrdup(t.access_token);
		rc = 0;
		goto done;
	}
	if (t.refresh_token == NULL) {
		result_local(r, RES_PERM, STAGE_AUTH, ERR_NOPERM, NULL,
		    "account %s: the OAuth2 access token has expired and "
		    "there is no refresh token; run outbox --login -A %s",
		    a->name, a->name);
		goto done;
	}
	if (fetch(a, o, "refresh", "token refresh", &t, r) == -1)
		goto done;
	if (oauthtok_write(o->token_file, &t, err, sizeof(err)) == -1) {
		file_error(a, err, r);
		goto done;
	}
	*token = xstrdup(t.access_token);
	rc = 0;
done:
	oauthtok_free(&t);
	close(fd);
	return rc;
}

int
oauth_refused(const struct account *a, const struct result *r)
{
	return oauth_enabled(a) && r->cls != RES_OK &&
	    r->stage == STAGE_AUTH && r->err == ERR_NONE && r->code >= 500 &&
	    r->code < 600;
}

int
oauth_access_token(const struct account *a, const char *refused,
    char **token, struct result *r)
{
	struct config_error cerr;
	struct oauth_conf o;
	struct oauth_token t;
	char err[1024];
	int rc;

	*token = NULL;
	if (oauth_conf_get(a, &o, &cerr) == -1) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL, "%s",
		    cerr.msg);
		return -1;
	}
	rc = oauthtok_read(o.token_file, &t, err, sizeof(err));
	if (rc == -1) {
		file_error(a, err, r);
		goto done;
	}
	if (rc == 0 && usable(&t, refused)) {
		*token = xstrdup(t.access_token);
		goto done;
	}
	if (refused && log_verbose())
		log_note("-- OAuth2: the server refused the token; "
		    "fetching a new one");
	rc = refresh_locked(a, &o, refused, token, r);
done:
	oauthtok_free(&t);
	oauth_conf_free(&o);
	return rc;
}

int
oauth_login(const struct account *a, struct result *r)
{
	struct config_error cerr;
	struct oauth_conf o;
	struct oauth_token t;
	char err[1024];
	int fd = -1, rc = -1;

	memset(&t, 0, sizeof(t));
	if (oauth_conf_get(a, &o, &cerr) == -1) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL, "%s",
		    cerr.msg);
		return -1;
	}
	t.provider = xstrdup(o.provider);
	if (fetch(a, &o, o.device_url ? "device" : "pkce", "login", &t,
	    r) == -1)
		goto done;
	/* Locked only to store, not while the user signs in. */
	if ((fd = oauthtok_lock(o.token_file, 30, err, sizeof(err))) == -1) {
		lock_error(a, err, r);
		goto done;
	}
	if (oauthtok_write(o.token_file, &t, err, sizeof(err)) == -1) {
		file_error(a, err, r);
		goto done;
	}
	fprintf(stderr, "outbox: account %s: logged in at %s; tokens stored "
	    "in %s\n", a->name, o.provider, o.token_file);
	if (t.refresh_token == NULL)
		log_warn("account %s: %s gave no refresh token: run outbox "
		    "--login again when the access token expires", a->name,
		    o.provider);
	rc = 0;
done:
	if (fd != -1)
		close(fd);
	oauthtok_free(&t);
	oauth_conf_free(&o);
	return rc;
}
