/*
 * auth.c -- SASL mechanisms as pure steps.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "codec.h"
#include "compat.h"
#include "xmalloc.h"

static const struct {
	enum auth_mech	 mech;
	const char	*name;
	int		 cleartext;	/* sends the password as is */
} mechs[] = {
	/* strongest first: the order `auth on` prefers */
	{ AUTH_PLAIN, "PLAIN", 1 },
	{ AUTH_LOGIN, "LOGIN", 1 },
};
#define NMECHS (sizeof(mechs) / sizeof(mechs[0]))

const char *
auth_mech_name(enum auth_mech m)
{
	size_t i;

	for (i = 0; i < NMECHS; i++)
		if (mechs[i].mech == m)
			return mechs[i].name;
	return "NONE";
}

static int
offered_has(const char *offered, const char *name)
{
	size_t n = strlen(name);
	const char *p = offered;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == offered || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

enum auth_mech
auth_pick(const char *offered, const char *configured, int cleartext_ok,
    const char **why)
{
	size_t i;
	int any = 0;

	if (configured && strcasecmp(configured, "on") != 0) {
		for (i = 0; i < NMECHS; i++)
			if (strcasecmp(mechs[i].name, configured) == 0)
				break;
		if (i == NMECHS) {
			*why = "authentication method not supported by "
			    "outbox yet";
			return AUTH_NONE;
		}
		if (!offered_has(offered, mechs[i].name)) {
			*why = "the server does not offer the configured "
			    "authentication method";
			return AUTH_NONE;
		}
		if (mechs[i].cleartext && !cleartext_ok) {
			*why = "refusing to send a password in clear text "
			    "over an unencrypted connection";
			return AUTH_NONE;
		}
		return mechs[i].mech;
	}
	for (i = 0; i < NMECHS; i++) {
		if (!offered_has(offered, mechs[i].name))
			continue;
		any = 1;
		if (mechs[i].cleartext && !cleartext_ok)
			continue;
		return mechs[i].mech;
	}
	*why = any ? "refusing to send a password in clear text over an "
	    "unencrypted connection" : "the server offers no authentication "
	    "method outbox supports";
	return AUTH_NONE;
}

void
auth_begin(struct auth *a, enum auth_mech m, const char *user,
    const char *pass)
{
	a->mech = m;
	a->user = user ? user : "";
	a->pass = pass ? pass : "";
	a->step = 0;
}

static char *
plain_response(const struct auth *a)
{
	size_t ul = strlen(a->user), pl = strlen(a->pass);
	char *raw = xmalloc(ul + pl + 2), *enc;

	raw[0] = '\0';
	memcpy(raw + 1, a->user, ul);
	raw[ul + 1] = '\0';
	memcpy(raw + ul + 2, a->pass, pl);
	enc = codec_b64_encode(raw, ul + pl + 2);
	compat_bzero(raw, ul + pl + 2);
	free(raw);
	return enc;
}

char *
auth_start(struct auth *a)
{
	char *ir, *line;

	a->step = 0;
	switch (a->mech) {
	case AUTH_PLAIN:
		ir = plain_response(a);
		line = xasprintf("AUTH PLAIN %s", ir);
		xfree_secret(ir);
		return line;
	case AUTH_LOGIN:
		return xstrdup("AUTH LOGIN");
	default:
		return NULL;
	}
}

char *
auth_step(struct auth *a, const char *challenge, const char **why)
{
	(void)challenge;
	a->step++;
	if (a->mech == AUTH_LOGIN && a->step <= 2)
		return codec_b64_encode(a->step == 1 ? a->user : a->pass,
		    strlen(a->step == 1 ? a->user : a->pass));
	*why = "unexpected challenge from the server";
	return NULL;
}

void
auth_end(struct auth *a)
{
	memset(a, 0, sizeof(*a));
}
