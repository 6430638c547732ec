/*
 * secrets.c -- what a send needs to log in: the password, and the client
 * certificate and key of a system account.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "compat.h"
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

int
secrets_get(const struct account *a, struct secrets *s, struct result *r)
{
	struct config_error err;

	memset(s, 0, sizeof(*s));
	if (priv_system(a)) {
		if (system_secrets(a, s, r) == -1)
			return -1;
		if (s->password)
			return 0;
	}
	if (config_password(a, &s->password, &err) == -1) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL,
		    "%s", err.msg);
		return -1;
	}
	return 0;
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
