/*
 * serverinfo.h -- what --serverinfo prints.
 */
#ifndef OUTBOX_SERVERINFO_H
#define OUTBOX_SERVERINFO_H

#include <stdio.h>

#include "config.h"
#include "result.h"
#include "session.h"
#include "tls.h"

/*
 * --serverinfo: connect to the account's server, print what it offers
 * (serverinfo_print) and flush.  The probe never logs in and sends no
 * message, so a certificate that does not verify does not stop it: the
 * certificate is shown, with why it failed.  0; -1 with r set when the
 * probe failed, or when the certificate did not verify (exit 77, after
 * everything was printed).
 */
int	serverinfo_run(FILE *, const struct account *, struct result *);

/*
 * Print the greeting, the capabilities (before and after STARTTLS when
 * it was used), TLS version and cipher, the certificate and whether it
 * verified, and the authentication mechanisms.  peer may be NULL (no
 * TLS).
 */
void	serverinfo_print(FILE *, const char *host, int port,
	    const struct session_info *, const struct result *,
	    const struct tls_peer *, int starttls);

#endif
