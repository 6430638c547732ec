/*
 * auth.h -- SASL mechanisms as pure steps.
 *
 * No I/O: auth_start() gives the AUTH command, auth_step() answers each
 * 334 challenge.  The caller owns the credentials; everything auth.c
 * derives from them is wiped when auth_end() runs.
 */
#ifndef OUTBOX_AUTH_H
#define OUTBOX_AUTH_H

#include <stddef.h>

enum auth_mech {
	AUTH_NONE = 0,
	AUTH_PLAIN,
	AUTH_LOGIN
};

struct auth {
	enum auth_mech	 mech;
	const char	*user;
	const char	*pass;
	int		 step;
};

/* "PLAIN" etc. */
const char *auth_mech_name(enum auth_mech);

/*
 * Choose the mechanism.  offered is the server's AUTH list (upper case,
 * space separated); configured is the `auth` setting ("on", NULL or a
 * mechanism name).  cleartext_ok says whether PLAIN/LOGIN may be used
 * (the connection is encrypted, or the peer is loopback).  Returns the
 * mechanism, or AUTH_NONE with *why set.
 */
enum auth_mech auth_pick(const char *offered, const char *configured,
	    int cleartext_ok, const char **why);

void	auth_begin(struct auth *, enum auth_mech, const char *user,
	    const char *pass);
/* The AUTH command line (no CRLF), xmalloc'd; free with xfree_secret. */
char	*auth_start(struct auth *);
/*
 * Answer a 334 challenge (its text, base64).  Returns the response line
 * (xmalloc'd, free with xfree_secret) or NULL with *why: then the caller
 * sends "*" to cancel.
 */
char	*auth_step(struct auth *, const char *challenge, const char **why);
void	auth_end(struct auth *);

#endif
