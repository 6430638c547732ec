/*
 * tls.h -- TLS over a transport, with GnuTLS.
 *
 * tls.c is the only file that includes <gnutls/gnutls.h>.  tls_start()
 * performs the handshake over the transport's socket within its timeout,
 * verifies the peer (system trust or a trust file, host name; or a
 * SHA-256 pin), and on success swaps the transport's backend to TLS.
 */
#ifndef OUTBOX_TLS_H
#define OUTBOX_TLS_H

#include <stddef.h>

struct transport;

struct tls_conf {
	const char	*host;		/* name for SNI and the check (ASCII) */
	const char	*trust_file;	/* NULL or "system": system store */
	const char	*crl_file;	/* revocation lists, or NULL */
	const char	*fingerprint;	/* SHA-256 pin, "AB:CD:..." */
	int		 certcheck;	/* verify the certificate */
	const char	*cert_file;	/* client certificate */
	const char	*key_file;
	/* or both in memory (PEM), read for it by the setgid helper */
	const char	*cert_pem;
	size_t		 cert_len;
	const char	*key_pem;
	size_t		 key_len;
	const char	*priorities;	/* GnuTLS priority string */
	/* -v: told the version, cipher and certificate once the
	   handshake is done; NULL: quiet */
	void		(*note)(const char *);
	/*
	 * --serverinfo only: a certificate that does not verify (trust,
	 * host name or pin) does not end the handshake; why is kept for
	 * tls_peer_describe().  Such a connection must carry nothing that
	 * needs a verified server: no password, no message.
	 */
	int		 report_only;
};

/*
 * Handshake and verify; -1 with t->err TE_TLS, TE_NOTTLS (the answer is
 * not TLS: a plain-text server), TE_VERIFY (the text names the
 * certificate's subject and issuer and says how to trust or pin it),
 * TE_CONFIG, or a dropped connection.
 */
int	tls_start(struct transport *, const struct tls_conf *);

/*
 * Does the server of t answer in TLS?  Sends a ClientHello over t (a
 * fresh connection: the probe spoils it) and waits at most t's timeout:
 * 1 when the server answered in TLS (a handshake, or a TLS alert), 0 for
 * anything else.  Nothing is verified; cf gives the name and priorities.
 */
int	tls_probe(struct transport *, const struct tls_conf *);

/* Version and cipher of an active TLS transport (xmalloc'd), or -1. */
int	tls_describe(struct transport *, char **version, char **cipher);

/* What --serverinfo shows of the server's certificate. */
struct tls_peer {
	char	*subject;
	char	*issuer;
	long long not_before;	/* Unix time */
	long long not_after;
	char	 sha256[32 * 3];	/* "AB:CD:..." */
	int	 checked;	/* verified (trust and name, or the pin) */
	char	*verify_error;	/* report_only: why it did not verify */
};

/*
 * Describe the peer's certificate and how its verification went; -1 if
 * there is no certificate (checked and verify_error are set all the
 * same).
 */
int	tls_peer_describe(struct transport *, struct tls_peer *);
void	tls_peer_free(struct tls_peer *);

/* Check a fingerprint string's syntax: 32 hex bytes, ':' optional. */
int	tls_fingerprint_valid(const char *);

#endif
