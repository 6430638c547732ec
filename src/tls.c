/*
 * tls.c -- TLS over a transport, with GnuTLS.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cabundle.h"
#include "tls.h"
#include "transport.h"
#include "xmalloc.h"

struct tls_ctx {
	gnutls_session_t			session;
	gnutls_certificate_credentials_t	cred;
	int					checked;
	char					*verify_error;
	/*
	 * The trust file, read but not parsed: the CAs the server's chain
	 * names are loaded from it when its certificates arrive
	 * (trust_for_peer).  lazy is 0 when the trust store was loaded
	 * whole up front.
	 */
	int					lazy;
	int					trust_done;
	const char				*trust_path;
	struct cabundle				bundle;
	const struct tls_conf			*cf;
	unsigned				vstatus;
	long					trust_found;	/* -1: all */
	int					trust_err;	/* GnuTLS's */
};

/* Wait in the direction GnuTLS is blocked on. */
static int
tls_wait(struct transport *t, gnutls_session_t s)
{
	return transport_wait(t, gnutls_record_get_direction(s) ?
	    POLLOUT : POLLIN);
}

/* An alert from the server: a mismatch, a certificate, or a drop. */
static int
alert_fail(struct transport *t, gnutls_session_t s, const char *during)
{
	gnutls_alert_description_t a = gnutls_alert_get(s);
	const char *name = gnutls_alert_get_name(a);
	enum transport_err e;

	switch (a) {
	case GNUTLS_A_PROTOCOL_VERSION:
	case GNUTLS_A_HANDSHAKE_FAILURE:
	case GNUTLS_A_INSUFFICIENT_SECURITY:
	case GNUTLS_A_ILLEGAL_PARAMETER:
	case GNUTLS_A_NO_APPLICATION_PROTOCOL:
		e = TE_TLS;
		break;
	case GNUTLS_A_BAD_CERTIFICATE:
	case GNUTLS_A_UNSUPPORTED_CERTIFICATE:
	case GNUTLS_A_CERTIFICATE_REVOKED:
	case GNUTLS_A_CERTIFICATE_EXPIRED:
	case GNUTLS_A_CERTIFICATE_UNKNOWN:
	case GNUTLS_A_UNKNOWN_CA:
	case GNUTLS_A_ACCESS_DENIED:
	case GNUTLS_A_CERTIFICATE_REQUIRED:
		e = TE_VERIFY;
		break;
	default:
		e = TE_DROP;
		break;
	}
	return transport_fail(t, e, "%sthe server sent the TLS alert '%s'",
	    during, name ? name : "unknown");
}

/*
 * Classify a fatal GnuTLS error where it happens: the connection going
 * away in any form is temporary (TE_EOF, TE_RESET, TE_IO, TE_DROP); only
 * a real mismatch (no common version or cipher, not TLS) is TE_TLS.
 */
static int
tls_fail(struct transport *t, gnutls_session_t s, int rc, int sys_errno,
    int handshake)
{
	const char *during = handshake ? "TLS handshake: " : "";
	const char *tls = handshake ? during : "TLS: ";

	switch (rc) {
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_SESSION_EOF:
		return transport_fail(t, TE_EOF, "%sconnection closed by "
		    "server", during);
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
		if (sys_errno == 0 || sys_errno == EAGAIN)
			sys_errno = ECONNRESET;
		return transport_errno(t, sys_errno, during,
		    rc == GNUTLS_E_PULL_ERROR ? "read" : "write");
	case GNUTLS_E_REHANDSHAKE:
		return transport_fail(t, TE_DROP, "%sthe server asked for a "
		    "TLS renegotiation", during);
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
		return alert_fail(t, s, during);
	case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
	case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
	case GNUTLS_E_UNEXPECTED_PACKET:
		if (handshake)
			return transport_fail(t, TE_NOTTLS, "%sthe server's "
			    "answer is not TLS (%s)", during,
			    gnutls_strerror(rc));
		/* FALLTHROUGH */
	case GNUTLS_E_UNEXPECTED_HANDSHAKE_PACKET:
	case GNUTLS_E_NO_CIPHER_SUITES:
	case GNUTLS_E_UNKNOWN_CIPHER_SUITE:
	case GNUTLS_E_INSUFFICIENT_CREDENTIALS:
	case GNUTLS_E_NO_PRIORITIES_WERE_SET:
	case GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM:
	case GNUTLS_E_NO_COMMON_KEY_SHARE:
	case GNUTLS_E_INAPPROPRIATE_FALLBACK:
	case GNUTLS_E_SAFE_RENEGOTIATION_FAILED:
	case GNUTLS_E_UNSAFE_RENEGOTIATION_DENIED:
	case GNUTLS_E_RECEIVED_ILLEGAL_PARAMETER:
		return transport_fail(t, TE_TLS, "%s%s", tls,
		    gnutls_strerror(rc));
	default:
		return transport_fail(t, TE_DROP, "%s%s", tls,
		    gnutls_strerror(rc));
	}
}

static ssize_t
tls_read(struct transport *t, void *p, size_t n)
{
	struct tls_ctx *c = t->ctx;
	ssize_t r;

	for (;;) {
		r = gnutls_record_recv(c->session, p, n);
		if (r >= 0)
			return r;
		if (r == GNUTLS_E_INTERRUPTED)
			continue;
		if (r == GNUTLS_E_AGAIN) {
			if (tls_wait(t, c->session) == -1)
				return -1;
			continue;
		}
		if (r == GNUTLS_E_PREMATURE_TERMINATION)
			return 0;
		if (r == GNUTLS_E_WARNING_ALERT_RECEIVED)
			continue;
		return tls_fail(t, c->session, (int)r, errno, 0);
	}
}

static int
tls_write(struct transport *t, const void *p, size_t n)
{
	struct tls_ctx *c = t->ctx;
	const char *b = p;
	ssize_t w;

	while (n) {
		w = gnutls_record_send(c->session, b, n);
		if (w > 0) {
			b += w;
			n -= (size_t)w;
			continue;
		}
		if (w == GNUTLS_E_INTERRUPTED)
			continue;
		if (w == GNUTLS_E_AGAIN) {
			if (tls_wait(t, c->session) == -1)
				return -1;
			continue;
		}
		return tls_fail(t, c->session, (int)w, errno, 0);
	}
	return 0;
}

static size_t
tls_pending(struct transport *t)
{
	struct tls_ctx *c = t->ctx;

	return gnutls_record_check_pending(c->session);
}

static void
tls_free(struct tls_ctx *c)
{
	if (c->session)
		gnutls_deinit(c->session);
	if (c->cred)
		gnutls_certificate_free_credentials(c->cred);
	cabundle_free(&c->bundle);
	free(c->verify_error);
	free(c);
}

static void
tls_close(struct transport *t)
{
	struct tls_ctx *c = t->ctx;

	if (c) {
		/* Best effort, never waits: the socket is non-blocking. */
		(void)gnutls_bye(c->session, GNUTLS_SHUT_WR);
		tls_free(c);
	}
	t->ctx = NULL;
	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
}

static int
tls_starttls_again(struct transport *t, const void *conf)
{
	(void)conf;
	return transport_fail(t, TE_TLS, "TLS is already active");
}

static int
tls_cbind(struct transport *t, const char **type, unsigned char **data,
    size_t *len)
{
	struct tls_ctx *c = t->ctx;
	gnutls_datum_t cb = { NULL, 0 };
	gnutls_channel_binding_t kind = GNUTLS_CB_TLS_UNIQUE;

	*type = "tls-unique";
	if (gnutls_protocol_get_version(c->session) == GNUTLS_TLS1_3) {
		kind = GNUTLS_CB_TLS_EXPORTER;
		*type = "tls-exporter";
	}
	if (gnutls_session_channel_binding(c->session, kind, &cb) < 0 ||
	    cb.size == 0)
		return -1;
	*data = xmalloc(cb.size);
	memcpy(*data, cb.data, cb.size);
	*len = cb.size;
	gnutls_free(cb.data);
	return 0;
}

static const struct transport_ops tls_ops = {
	tls_read, tls_write, tls_pending, tls_starttls_again, tls_close,
	tls_cbind
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parse "AB:CD:.." or "abcd.." into 32 bytes; -1 if malformed. */
static int
fingerprint_parse(const char *s, unsigned char out[32])
{
	size_t n = 0;
	int hi, lo;

	while (*s) {
		if (*s == ':') {
			s++;
			continue;
		}
		if (n == 32 || (hi = hexval((unsigned char)s[0])) < 0 ||
		    (lo = hexval((unsigned char)s[1])) < 0)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | lo);
		s += 2;
	}
	return n == 32 ? 0 : -1;
}

int
tls_fingerprint_valid(const char *s)
{
	unsigned char fp[32];

	return fingerprint_parse(s, fp) == 0;
}

/*
 * A certificate that does not verify (why, xmalloc'd, is taken): refused
 * (-1, TE_VERIFY), or with report_only kept and the handshake goes on.
 */
static int
cert_refused(struct transport *t, struct tls_ctx *c,
    const struct tls_conf *cf, char *why)
{
	if (cf->report_only) {
		if (c->verify_error == NULL)
			c->verify_error = why;
		else
			free(why);
		return 0;
	}
	transport_fail(t, TE_VERIFY, "%s", why);
	free(why);
	return -1;
}

static int
check_pin(struct transport *t, struct tls_ctx *c, const struct tls_conf *cf)
{
	const gnutls_datum_t *certs;
	unsigned int ncerts = 0;
	unsigned char want[32], got[32];

	if (fingerprint_parse(cf->fingerprint, want) == -1)
		return transport_fail(t, TE_VERIFY, "tls_fingerprint is not "
		    "a SHA-256 fingerprint");
	certs = gnutls_certificate_get_peers(c->session, &ncerts);
	if (certs == NULL || ncerts == 0)
		return cert_refused(t, c, cf, xstrdup("server sent no "
		    "certificate"));
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, certs[0].data, certs[0].size,
	    got) < 0)
		return transport_fail(t, TE_TLS, "cannot hash certificate");
	if (memcmp(want, got, 32) != 0)
		return cert_refused(t, c, cf, xstrdup("certificate "
		    "fingerprint does not match tls_fingerprint"));
	return 0;
}

static int
is_ip_literal(const char *h)
{
	unsigned char b[16];

	return inet_pton(AF_INET, h, b) == 1 || inet_pton(AF_INET6, h, b) == 1;
}

/* The PEM file the trust store is, when outbox can read it itself. */
static const char *
trust_path(const struct tls_conf *cf)
{
	if (cf->trust_file && strcmp(cf->trust_file, "system") != 0)
		return cf->trust_file;
#ifdef OUTBOX_SYSTEM_TRUST_FILE
	return OUTBOX_SYSTEM_TRUST_FILE;
#else
	return NULL;
#endif
}

/*
 * Read the trust file for trust_for_peer(), which loads from it only the
 * CAs the server's chain names: 1 when it is read, 0 when the store is
 * to be loaded whole (no file of our own to read, or revocation lists,
 * which GnuTLS checks against the CAs loaded when they are added), -1
 * (TE_CONFIG) when it cannot be read or holds no certificate.
 */
static int
trust_read(struct transport *t, struct tls_ctx *c, const struct tls_conf *cf)
{
	const char *path = trust_path(cf);

	if (path == NULL || cf->crl_file != NULL)
		return 0;
	if (cabundle_read(&c->bundle, path) == -1)
		return transport_fail(t, TE_CONFIG, "cannot load trusted "
		    "certificates from %s: %s", path, strerror(errno));
	if (c->bundle.count == 0)
		return transport_fail(t, TE_CONFIG, "cannot load trusted "
		    "certificates from %s", path);
	c->lazy = 1;
	c->trust_path = path;
	return 1;
}

static void
trust_add(void *arg, const unsigned char *der, size_t len)
{
	struct tls_ctx *c = arg;
	gnutls_datum_t d = { (unsigned char *)der, (unsigned)len };

	(void)gnutls_certificate_set_x509_trust_mem(c->cred, &d,
	    GNUTLS_X509_FMT_DER);
}

/*
 * Load into the credentials the trusted certificates verification can
 * use for this server: those whose subject is the issuer or the subject
 * of a certificate it sent (GnuTLS finds issuers by exactly that name).
 * Anything unexpected loads the whole file, as GnuTLS would have.
 */
static int
trust_for_peer(struct tls_ctx *c)
{
	const gnutls_datum_t *certs;
	struct cabundle_span *names;
	gnutls_datum_t all;
	unsigned int n = 0, i;
	long found = -1;
	int rc;

	if (!c->lazy || c->trust_done)
		return 0;
	c->trust_done = 1;
	certs = gnutls_certificate_get_peers(c->session, &n);
	names = xcalloc((size_t)n * 2 + 1, sizeof(*names));
	for (i = 0; certs && i < n; i++)
		if (cabundle_der_names(certs[i].data, certs[i].size,
		    &names[2 * i], &names[2 * i + 1]) == -1)
			break;
	if (certs && n > 0 && i == n)
		found = cabundle_match(&c->bundle, names, (size_t)n * 2,
		    trust_add, c);
	free(names);
	if (found == -1) {
		all.data = (unsigned char *)c->bundle.pem;
		all.size = (unsigned)c->bundle.len;
		rc = gnutls_certificate_set_x509_trust_mem(c->cred, &all,
		    GNUTLS_X509_FMT_PEM);
		if (rc <= 0) {
			c->trust_err = rc < 0 ? rc :
			    GNUTLS_E_NO_CERTIFICATE_FOUND;
			return -1;
		}
	}
	c->trust_found = found;
	return 0;
}

/*
 * The handshake's check of the server's certificate, with the trust
 * file read lazily: what GnuTLS's own check (gnutls_session_set_verify_
 * cert) does, gnutls_certificate_verify_peers with the host name as
 * GNUTLS_DT_DNS_HOSTNAME (none without one), once the CAs are loaded.
 */
static int
lazy_verify(gnutls_session_t s)
{
	struct tls_ctx *c = gnutls_session_get_ptr(s);
	unsigned status = 0;

	if (trust_for_peer(c) == -1 ||
	    gnutls_certificate_verify_peers3(s, c->cf->host, &status) < 0)
		return GNUTLS_E_CERTIFICATE_ERROR;
	c->vstatus = status;
	return status != 0 ? GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR : 0;
}

/* The trust store loaded whole, up front, by GnuTLS. */
static int
trust_load_whole(struct transport *t, struct tls_ctx *c,
    const struct tls_conf *cf)
{
	int rc;

	if (cf->trust_file && strcmp(cf->trust_file, "system") != 0)
		rc = gnutls_certificate_set_x509_trust_file(c->cred,
		    cf->trust_file, GNUTLS_X509_FMT_PEM);
	else
		rc = gnutls_certificate_set_x509_system_trust(c->cred);
	if (rc <= 0)
		return transport_fail(t, TE_CONFIG, "cannot load "
		    "trusted certificates from %s%s%s",
		    cf->trust_file ? cf->trust_file : "the system",
		    rc < 0 ? ": " : "",
		    rc < 0 ? gnutls_strerror(rc) : "");
	/* Revoked certificates: a file of CRLs (msmtp's keyword). */
	if (cf->crl_file && (rc = gnutls_certificate_set_x509_crl_file(
	    c->cred, cf->crl_file, GNUTLS_X509_FMT_PEM)) < 0)
		return transport_fail(t, TE_CONFIG, "tls_crl_file %s: "
		    "%s", cf->crl_file, gnutls_strerror(rc));
	return 0;
}

static int
setup_cred(struct transport *t, struct tls_ctx *c, const struct tls_conf *cf)
{
	int rc;

	if (gnutls_certificate_allocate_credentials(&c->cred) < 0)
		return transport_fail(t, TE_TLS, "cannot allocate TLS "
		    "credentials");
	/* The trust store is read only when a certificate is checked
	   against it; parsed, if it can be, only as far as the server's
	   chain needs (trust_for_peer). */
	if (cf->certcheck && cf->fingerprint == NULL) {
		rc = trust_read(t, c, cf);
		if (rc == -1 || (rc == 0 && trust_load_whole(t, c, cf) == -1))
			return -1;
	}
	if (cf->key_pem) {
		gnutls_datum_t cd = { (unsigned char *)(cf->cert_pem ?
		    cf->cert_pem : cf->key_pem), (unsigned)(cf->cert_pem ?
		    cf->cert_len : cf->key_len) };
		gnutls_datum_t kd = { (unsigned char *)cf->key_pem,
		    (unsigned)cf->key_len };

		rc = gnutls_certificate_set_x509_key_mem(c->cred, &cd, &kd,
		    GNUTLS_X509_FMT_PEM);
		if (rc < 0)
			return transport_fail(t, TE_CONFIG, "cannot load "
			    "client certificate: %s", gnutls_strerror(rc));
	} else if (cf->cert_file || cf->key_file) {
		rc = gnutls_certificate_set_x509_key_file(c->cred,
		    cf->cert_file ? cf->cert_file : cf->key_file,
		    cf->key_file ? cf->key_file : cf->cert_file,
		    GNUTLS_X509_FMT_PEM);
		if (rc < 0)
			return transport_fail(t, TE_CONFIG, "cannot load "
			    "client certificate: %s", gnutls_strerror(rc));
	}
	return 0;
}

static int
setup_session(struct transport *t, struct tls_ctx *c,
    const struct tls_conf *cf)
{
	const char *errpos = NULL;
	int rc;

	if (gnutls_init(&c->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0)
		return transport_fail(t, TE_TLS, "cannot start TLS");
	if (cf->priorities)
		rc = gnutls_priority_set_direct(c->session, cf->priorities,
		    &errpos);
	else
		rc = gnutls_set_default_priority(c->session);
	if (rc < 0)
		return transport_fail(t, TE_CONFIG, "tls_priorities: %s%s%s",
		    gnutls_strerror(rc), errpos ? " at " : "",
		    errpos ? errpos : "");
	if (gnutls_credentials_set(c->session, GNUTLS_CRD_CERTIFICATE,
	    c->cred) < 0)
		return transport_fail(t, TE_TLS, "cannot set credentials");
	if (cf->host && !is_ip_literal(cf->host))
		(void)gnutls_server_name_set(c->session, GNUTLS_NAME_DNS,
		    cf->host, strlen(cf->host));
	c->cf = cf;
	gnutls_session_set_ptr(c->session, c);
	if (cf->certcheck && cf->fingerprint == NULL && !cf->report_only) {
		if (c->lazy)
			gnutls_session_set_verify_function(c->session,
			    lazy_verify);
		else
			gnutls_session_set_verify_cert(c->session, cf->host, 0);
	}
	gnutls_transport_set_int(c->session, t->fd);
	return 0;
}

static char *
dn_string(gnutls_x509_crt_t crt, int issuer)
{
	gnutls_datum_t d = { NULL, 0 };
	char *out;
	int rc;

	rc = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &d, 0) :
	    gnutls_x509_crt_get_dn3(crt, &d, 0);
	if (rc < 0)
		return xstrdup("(unknown)");
	out = xstrndup((char *)d.data, d.size);
	gnutls_free(d.data);
	return out;
}

/* The server's certificate, as --serverinfo and the errors show it. */
static int
peer_cert(gnutls_session_t s, struct tls_peer *p)
{
	const gnutls_datum_t *certs;
	unsigned int n = 0, i;
	gnutls_x509_crt_t crt;
	unsigned char fp[32];

	memset(p, 0, sizeof(*p));
	if ((certs = gnutls_certificate_get_peers(s, &n)) == NULL || n == 0 ||
	    gnutls_x509_crt_init(&crt) < 0)
		return -1;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(crt);
		return -1;
	}
	p->subject = dn_string(crt, 0);
	p->issuer = dn_string(crt, 1);
	p->not_before = (long long)gnutls_x509_crt_get_activation_time(crt);
	p->not_after = (long long)gnutls_x509_crt_get_expiration_time(crt);
	gnutls_x509_crt_deinit(crt);
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, certs[0].data, certs[0].size,
	    fp) == 0)
		for (i = 0; i < 32; i++)
			snprintf(p->sha256 + 3 * i, 4, "%02X%s", fp[i],
			    i < 31 ? ":" : "");
	return 0;
}

/* What the user can do about a certificate that failed with status. */
static char *
verify_advice(unsigned status, const struct tls_peer *p, const char *host)
{
	const char *pin = "pin this certificate by its SHA-256 fingerprint: "
	    "tls_fingerprint";

	if ((status & (GNUTLS_CERT_SIGNER_NOT_FOUND |
	    GNUTLS_CERT_SIGNER_NOT_CA)) && strcmp(p->subject, p->issuer) == 0)
		return xasprintf("to trust it, set tls_trust_file to a file "
		    "holding this self-signed certificate, or %s %s", pin,
		    p->sha256);
	if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
		return xasprintf("to trust it, set tls_trust_file to the "
		    "certificate of the CA that signed it, or %s %s", pin,
		    p->sha256);
	if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
		return xasprintf("it is not for %s: set host to a name that "
		    "it holds, or %s %s", host ? host : "this host", pin,
		    p->sha256);
	if (status & GNUTLS_CERT_EXPIRED)
		return xasprintf("it has expired: the server must renew it "
		    "(or this machine's clock is wrong); SHA-256 fingerprint "
		    "%s", p->sha256);
	if (status & GNUTLS_CERT_NOT_ACTIVATED)
		return xasprintf("it is not valid yet: is this machine's "
		    "clock right?  SHA-256 fingerprint %s", p->sha256);
	return xasprintf("SHA-256 fingerprint %s", p->sha256);
}

/*
 * A certificate that failed verification: GnuTLS's reasons, which
 * certificate it is, and the ways forward.  One line.
 */
static int
verify_error(struct transport *t, struct tls_ctx *c, const char *host)
{
	gnutls_session_t s = c->session;
	gnutls_datum_t out = { NULL, 0 };
	unsigned status = c->lazy ? c->vstatus :
	    gnutls_session_get_verify_cert_status(s);
	struct tls_peer p;
	char *why = NULL, *advice;
	size_t n;

	if (gnutls_certificate_verification_status_print(status,
	    GNUTLS_CRT_X509, &out, 0) == 0) {
		n = strlen((char *)out.data);
		while (n && ((char *)out.data)[n - 1] == ' ')
			n--;
		why = xasprintf(": %.*s", (int)n, (char *)out.data);
		gnutls_free(out.data);
	}
	if (peer_cert(s, &p) == -1) {
		transport_fail(t, TE_VERIFY, "certificate verification "
		    "failed%s", why ? why : "");
		free(why);
		return -1;
	}
	advice = verify_advice(status, &p, host);
	/* DNs bounded: the whole must fit t->errmsg. */
	transport_fail(t, TE_VERIFY, "certificate verification failed%s "
	    "Subject: %.200s; issuer: %.200s; %s", why ? why : "",
	    p.subject, p.issuer, advice);
	free(advice);
	free(why);
	tls_peer_free(&p);
	return -1;
}

/* -v: what the handshake agreed on, and with whom. */
static void
note_session(gnutls_session_t s, const struct tls_conf *cf)
{
	struct tls_peer p;
	const char *v, *ci;
	char *line;

	v = gnutls_protocol_get_name(gnutls_protocol_get_version(s));
	ci = gnutls_cipher_get_name(gnutls_cipher_get(s));
	if (peer_cert(s, &p) == 0) {
		line = xasprintf("%s, cipher %s, certificate %s, issuer %s%s",
		    v ? v : "unknown", ci ? ci : "unknown", p.subject,
		    p.issuer, cf->fingerprint ? " (pinned)" : cf->certcheck ?
		    "" : " (not verified: tls_certcheck off)");
		tls_peer_free(&p);
	} else
		line = xasprintf("%s, cipher %s, no certificate",
		    v ? v : "unknown", ci ? ci : "unknown");
	cf->note(line);
	free(line);
}

/* -v: how much of the trust file the check needed. */
static void
note_trust(struct tls_ctx *c)
{
	char *line;

	if (!c->trust_done)
		return;
	line = c->trust_found == -1 ? xasprintf("trust: all of %s loaded",
	    c->trust_path) : xasprintf("trust: %ld of %zu certificates in %s "
	    "loaded (by issuer name)", c->trust_found, c->bundle.count,
	    c->trust_path);
	c->cf->note(line);
	free(line);
}

/* "certificate verification failed: why" (xmalloc'd). */
static char *
verify_text(unsigned status)
{
	gnutls_datum_t out = { NULL, 0 };
	char *why;
	size_t n;

	if (gnutls_certificate_verification_status_print(status,
	    GNUTLS_CRT_X509, &out, 0) != 0)
		return xstrdup("certificate verification failed");
	n = strlen((char *)out.data);
	while (n && out.data[n - 1] == ' ')
		n--;
	why = xasprintf("certificate verification failed: %.*s", (int)n,
	    (char *)out.data);
	gnutls_free(out.data);
	return why;
}

/* report_only: the check the handshake would have made, made now. */
static void
verify_now(struct transport *t, struct tls_ctx *c, const struct tls_conf *cf)
{
	unsigned status = 0;
	int rc;

	if (trust_for_peer(c) == -1) {
		(void)cert_refused(t, c, cf, xasprintf("cannot load trusted "
		    "certificates from %s: %s", c->trust_path,
		    gnutls_strerror(c->trust_err)));
		return;
	}
	rc = gnutls_certificate_verify_peers3(c->session, cf->host, &status);
	if (rc < 0)
		(void)cert_refused(t, c, cf, xasprintf("certificate "
		    "verification failed: %s", gnutls_strerror(rc)));
	else if (status != 0)
		(void)cert_refused(t, c, cf, verify_text(status));
}

/*
 * gnutls_handshake() until it is done or fails: its last code (errno as
 * it left it), or 1 when waiting for the socket failed (t->err set).
 */
static int
handshake(struct transport *t, gnutls_session_t s)
{
	int rc;

	for (;;) {
		rc = gnutls_handshake(s);
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
			if (tls_wait(t, s) == -1)
				return 1;
			continue;
		}
		if (rc == GNUTLS_E_SUCCESS || gnutls_error_is_fatal(rc))
			return rc;
	}
}

int
tls_start(struct transport *t, const struct tls_conf *cf)
{
	struct tls_ctx *c = xcalloc(1, sizeof(*c));
	int rc;

	if (setup_cred(t, c, cf) == -1 || setup_session(t, c, cf) == -1)
		goto fail;
	/* The whole handshake gets one timeout, however the server
	   spreads it out. */
	transport_deadline(t, t->timeout_ms);
	rc = handshake(t, c->session);
	if (rc == 1)
		goto fail;
	if (c->trust_err) {
		transport_fail(t, TE_CONFIG, "cannot load trusted "
		    "certificates from %s: %s", c->trust_path,
		    gnutls_strerror(c->trust_err));
		goto fail;
	}
	if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		if (cf->note)
			note_trust(c);
		verify_error(t, c, cf->host);
		goto fail;
	}
	if (rc != GNUTLS_E_SUCCESS) {
		tls_fail(t, c->session, rc, errno, 1);
		goto fail;
	}
	if (cf->fingerprint && check_pin(t, c, cf) == -1)
		goto fail;
	if (cf->certcheck && cf->fingerprint == NULL && cf->report_only)
		verify_now(t, c, cf);
	c->checked = cf->fingerprint || cf->certcheck;
	transport_deadline(t, 0);
	if (cf->note) {
		note_session(c->session, cf);
		note_trust(c);
	}
	t->ops = &tls_ops;
	t->ctx = c;
	t->tls = 1;
	return 0;
fail:
	transport_deadline(t, 0);
	tls_free(c);
	return -1;
}

/*
 * Whether the server answers a ClientHello in TLS: the handshake runs to
 * its end (nothing verified, no client certificate) or to an alert from
 * the server; anything else (plain text, a close, silence) is no.
 */
int
tls_probe(struct transport *t, const struct tls_conf *cf)
{
	struct tls_ctx *c = xcalloc(1, sizeof(*c));
	struct tls_conf pc;
	int rc, tls = 0;

	memset(&pc, 0, sizeof(pc));
	pc.host = cf->host;
	pc.priorities = cf->priorities;
	if (setup_cred(t, c, &pc) == 0 && setup_session(t, c, &pc) == 0) {
		transport_deadline(t, t->timeout_ms);
		rc = handshake(t, c->session);
		tls = rc == GNUTLS_E_SUCCESS ||
		    rc == GNUTLS_E_FATAL_ALERT_RECEIVED;
		transport_deadline(t, 0);
	}
	tls_free(c);
	return tls;
}

int
tls_describe(struct transport *t, char **version, char **cipher)
{
	struct tls_ctx *c = t->ctx;
	const char *v, *ci;

	if (!t->tls || c == NULL)
		return -1;
	v = gnutls_protocol_get_name(gnutls_protocol_get_version(c->session));
	ci = gnutls_cipher_get_name(gnutls_cipher_get(c->session));
	*version = xstrdup(v ? v : "unknown");
	*cipher = xstrdup(ci ? ci : "unknown");
	return 0;
}

int
tls_peer_describe(struct transport *t, struct tls_peer *p)
{
	struct tls_ctx *c = t->ctx;
	int rc;

	memset(p, 0, sizeof(*p));
	if (!t->tls || c == NULL)
		return -1;
	rc = peer_cert(c->session, p);
	p->checked = c->checked;
	p->verify_error = c->verify_error ? xstrdup(c->verify_error) : NULL;
	return rc;
}

void
tls_peer_free(struct tls_peer *p)
{
	free(p->subject);
	free(p->issuer);
	free(p->verify_error);
	memset(p, 0, sizeof(*p));
}
