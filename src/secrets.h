/*
 * secrets.h -- what a send needs to log in: the password, and the client
 * certificate and key of a system account.
 *
 * For a system account of a setgid outbox (priv.h) the setgid helper
 * reads them (passwordeval's output, the certificate and key files);
 * otherwise the password comes from the configuration (config_password())
 * or, for a person at a terminal, from the terminal, and the certificate
 * files are read by tls.c.
 */
#ifndef OUTBOX_SECRETS_H
#define OUTBOX_SECRETS_H

#include <stddef.h>

#include "config.h"
#include "result.h"

struct secrets {
	char	*password;	/* NULL if none */
	char	*cert;		/* PEM, read by the helper, or NULL */
	size_t	 cert_len;
	char	*key;		/* PEM, read by the helper, or NULL */
	size_t	 key_len;
};

/*
 * Gather the account's secrets into s (emptied first).  A password that
 * the account needs (config_password_check()) and that no source gives
 * is asked for on the terminal when ask is true (askpass.h), else it is
 * an error.  0, or -1 with r set (exit 78); secrets_free() s in both
 * cases.
 */
int	secrets_get(const struct account *, int ask, struct secrets *,
	    struct result *);
/* Wipe and free. */
void	secrets_free(struct secrets *);

#endif
