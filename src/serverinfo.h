/*
 * serverinfo.h -- what --serverinfo prints.
 */
#ifndef OUTBOX_SERVERINFO_H
#define OUTBOX_SERVERINFO_H

#include <stdio.h>

#include "result.h"
#include "session.h"
#include "tls.h"

/*
 * Print the greeting, the capabilities (before and after STARTTLS when
 * it was used), TLS version and cipher, the certificate, and the
 * authentication mechanisms.  peer may be NULL (no TLS).
 */
void	serverinfo_print(FILE *, const char *host, int port,
	    const struct session_info *, const struct result *,
	    const struct tls_peer *, int starttls);

#endif
