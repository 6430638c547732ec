/*
 * auth.h -- SASL mechanisms as pure steps.
 *
 * No I/O: auth_start() gives the AUTH command, auth_step() answers each
 * 334 challenge, auth_done() says at the 235 whether the client side is
 * satisfied too (SCRAM: the server proved it knows the password).  The
 * caller owns user, password and channel-binding data; everything auth.c
 * derives from them is wiped by auth_end().
 */
#ifndef OUTBOX_AUTH_H
#define OUTBOX_AUTH_H

#include <stddef.h>

#include "crypto.h"

enum auth_mech {
	AUTH_NONE = 0,
	AUTH_PLAIN,
	AUTH_LOGIN,
	AUTH_CRAM_MD5,
	AUTH_SCRAM_SHA_1,
	AUTH_SCRAM_SHA_1_PLUS,
	AUTH_SCRAM_SHA_256,
	AUTH_SCRAM_SHA_256_PLUS,
	AUTH_XOAUTH2,
	AUTH_OAUTHBEARER,
	AUTH_EXTERNAL
};

/* The most PBKDF2 iterations a SCRAM server may ask for. */
#define AUTH_SCRAM_MAX_ITER	1000000u

struct auth {
	enum auth_mech	 mech;
	const char	*user;
	const char	*pass;		/* password or OAuth token */
	int		 step;
	int		 tls;		/* the connection is encrypted */
	const char	*cb_type;	/* "tls-exporter" or "tls-unique" */
	const unsigned char *cb_data;
	size_t		 cb_len;
	const char	*host;		/* OAUTHBEARER host and port */
	int		 port;
	const char	*nonce;		/* SCRAM client nonce; NULL: random */

	/* SCRAM state, wiped by auth_end() */
	char		*gs2;
	char		*first_bare;
	char		*mynonce;
	unsigned char	 server_sig[CRYPTO_MAX_LEN];
	int		 verified;
};

/* "PLAIN" etc. */
const char *auth_mech_name(enum auth_mech);

/*
 * Choose the mechanism.  offered is the server's AUTH list (upper case,
 * space separated); configured is the `auth` setting ("on", NULL or a
 * mechanism name, any case).  cleartext_ok says whether PLAIN/LOGIN may be
 * used (the connection is encrypted, or the peer is loopback); cb_ok
 * whether channel binding is available (-PLUS).  `auth on` picks the
 * strongest offered: SCRAM-*-PLUS > SCRAM-SHA-256 > SCRAM-SHA-1 > PLAIN >
 * LOGIN > CRAM-MD5; OAuth and EXTERNAL only when configured.  A configured
 * mechanism the server does not offer is an error, never a fallback.
 * Returns the mechanism, or AUTH_NONE with *why set.
 */
enum auth_mech auth_pick(const char *offered, const char *configured,
	    int cleartext_ok, const char **why);
enum auth_mech auth_pick_cb(const char *offered, const char *configured,
	    int cleartext_ok, int cb_ok, const char **why);

void	auth_begin(struct auth *, enum auth_mech, const char *user,
	    const char *pass);
/* The AUTH command line (no CRLF), xmalloc'd; free with xfree_secret. */
char	*auth_start(struct auth *);
/*
 * Answer a 334 challenge (its text, base64).  Returns the response line
 * (xmalloc'd, free with xfree_secret; may be empty) or NULL with *why:
 * then the caller sends "*" to cancel.
 */
char	*auth_step(struct auth *, const char *challenge, const char **why);
/* At 235: 1 if the mechanism is satisfied, 0 with *why if not. */
int	auth_done(const struct auth *, const char **why);
void	auth_end(struct auth *);

#endif
