/*
 * secrets.c -- what a send needs to log in: the password, and the client
 * certificate and key of a system account.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "askpass.h"
#include "compat.h"
#include "oauth.h"
#include "priv.h"
#include "secrets.h"
#include "xmalloc.h"

/* The secrets of a system account that only the setgid helper reads:
   passwordeval's output, the client certificate and key. */
static int
system_secrets(const struct account *a, struct secrets *s, struct result *r)
{
	char err[1024];

	if ((a->passwordeval && a->password == NULL &&
	    priv_secret(a->name, &s->password, err, sizeof(err)) == -1) ||
	    (a->tls_cert_file && priv_file(a->name, "tls_cert_file",
	    &s->cert, &s->cert_len, err, sizeof(err)) == -1) ||
	    (a->tls_key_file && priv_file(a->name, "tls_key_file", &s->key,
	    &s->key_len, err, sizeof(err)) == -1)) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
		    "%s", err);
		return -1;
	}
	if (s->cert && s->key == NULL) {
		/* one file holds both */
		s->key = s->cert;
		s->key_len = s->cert_len;
		s->cert = NULL;
	}
	return 0;
}

/* The password, typed on the terminal. */
static int
ask_password(const struct account *a, char **password, struct result *r)
{
	char *user = result_sanitize(a->user, 256);
	char *host = result_sanitize(a->nhosts ? a->hosts[0] : "", 256);
	char *prompt, err[256];
	int rc;

	prompt = xasprintf("Password for %s at %s (account %s): ", user, host,
	    a->name);
	rc = askpass_read(prompt, password, err, sizeof(err));
	if (rc == -1)
		result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
		    "account %s: no password from the terminal: %s",
		    a->name, err);
	free(prompt);
	free(user);
	free(host);
	return rc;
}

int
secrets_get(const struct account *a, int ask, struct secrets *s,
    struct result *r)
{
	struct config_error err;

	memset(s, 0, sizeof(*s));
	if (oauth_enabled(a)) {
		if (priv_system(a)) {
			result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
			    "account %s: OAuth2 for accounts of %s is not "
			    "supported yet", a->name, CONFIG_SYSTEM_FILE);
			return -1;
		}
		return oauth_access_token(a, NULL, &s->password, r);
	}
	if (priv_system(a)) {
		if (system_secrets(a, s, r) == -1)
			return -1;
		if (s->password)
			return 0;
	}
	if (config_password(a, &s->password, &err) == 0) {
		if (config_password_check(a, s->password, &err) == 0)
			return 0;
		if (ask)
			return ask_password(a, &s->password, r);
	}
	result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL, "%s",
	    err.msg);
	return -1;
}

void
secrets_free(struct secrets *s)
{
	if (s->cert)
		compat_bzero(s->cert, s->cert_len);
	if (s->key)
		compat_bzero(s->key, s->key_len);
	free(s->cert);
	free(s->key);
	xfree_secret(s->password);
	memset(s, 0, sizeof(*s));
}
