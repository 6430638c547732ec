/*
 * deliver.c -- one delivery attempt: net -> transport -> session.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "deliver.h"
#include "downgrade.h"
#include "limits.h"
#include "log.h"
#include "net.h"
#include "tls.h"
#include "transport.h"
#include "xmalloc.h"

static ssize_t
body_read(void *ctx, char *buf, size_t n)
{
	int fd = *(int *)ctx;
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

struct deliver_conn {
	struct deliver_params	 p;
	struct transport	 t;
	struct tls_conf		 tc;
	struct session_params	 sp;
	struct session		*s;
	char			*host;
	int			 fd;		/* message being sent */
	unsigned long long	 sent;		/* octets of it read */
};

/* r octets of the message went on: tell p.progress how far it is. */
static ssize_t
counted(struct deliver_conn *c, ssize_t r)
{
	if (r > 0 && c->p.progress) {
		c->sent += (unsigned long long)r;
		c->p.progress(c->p.progress_ctx, c->sent);
	}
	return r;
}

/* body_read(), counted. */
static ssize_t
counted_read(void *ctx, char *buf, size_t n)
{
	struct deliver_conn *c = ctx;

	return counted(c, body_read(&c->fd, buf, n));
}

/* The same, straight from the spool file to the socket. */
static ssize_t
counted_send(void *ctx, struct transport *t, size_t max)
{
	struct deliver_conn *c = ctx;

	return counted(c, transport_sendfile(t, c->fd, max));
}

/*
 * The TLS handshake of implicit TLS failed.  A server that answered in
 * plain text speaks SMTP first: a STARTTLS port, which the line says.
 */
static void
tls_failure(struct transport *t, struct result *r, const char *what)
{
	transport_result(t, r, STAGE_TLS, what, t->err != TE_INJECT &&
	    t->err != TE_NOTTLS ? NULL : "the server answered in plain "
	    "text, not TLS: it expects STARTTLS (as on port 587): set "
	    "tls_starttls on, or use --tls starttls");
}

/* How the account connects: directly or through its SOCKS5 proxy. */
static void
net_opts_of(const struct account *a, struct net_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->source_ip = a->source_ip;
	o->timeout_ms = a->timeout * 1000;
	o->proxy_host = a->proxy_host;
	o->proxy_port = a->proxy_port;
	o->proxy_user = a->proxy_user;
	o->proxy_password = a->proxy_password;
	o->trace = log_verbose() ? log_note : NULL;
}

/*
 * A port of implicit TLS (465) waits in silence for the ClientHello, so
 * in plain or STARTTLS mode its greeting never comes.  When none has come
 * after GREET_PROBE_MS (well below the timeout), a second connection to
 * the same address asks with a ClientHello: if the server answers in TLS
 * the attempt ends here with the line that says what to set; if not, the
 * greeting is waited for as usual.  -1 with r set, or 0.
 */
static int
silent_port(struct deliver_conn *c, struct result *r)
{
	const struct account *a = c->p.acct;
	struct transport pt;
	struct net_opts no;
	char *m;
	int fd, tls, tmo = a->timeout * 1000;

	if (tmo > 0 && tmo <= 2 * GREET_PROBE_MS)
		return 0;
	if (transport_readable(&c->t, GREET_PROBE_MS) != 0)
		return 0;
	m = xasprintf("no greeting after %d s: asking port %d for TLS on a "
	    "second connection", GREET_PROBE_MS / 1000, a->port);
	log_note(m);
	free(m);
	net_opts_of(a, &no);
	no.timeout_ms = GREET_PROBE_MS;
	no.trace = NULL;
	fd = net_connect_again(c->t.fd, c->host, a->port, &no);
	if (fd == -1)
		return 0;
	transport_init_fd(&pt, fd, GREET_PROBE_MS);
	tls = tls_probe(&pt, &c->tc);
	transport_close(&pt);
	log_note(tls ? "it answers in TLS" : "no TLS there: waiting for the "
	    "greeting");
	if (!tls)
		return 0;
	m = xasprintf("server greeting of %s port %d", c->host, a->port);
	result_local(r, RES_PERM, STAGE_GREETING, ERR_PROTOCOL, m, "none "
	    "after %d s: the server expects TLS from the first byte "
	    "(implicit TLS, as on port 465): set %stls_starttls off, or use "
	    "--tls implicit", GREET_PROBE_MS / 1000,
	    a->tls_mode == TLSM_OFF ? "tls on and " : "");
	free(m);
	return -1;
}

static void
describe_tls(struct deliver_conn *c, struct result *r)
{
	if (!c->t.ops || !c->t.tls)
		return;
	free(r->tls_version);
	free(r->tls_cipher);
	r->tls_version = r->tls_cipher = NULL;
	(void)tls_describe(&c->t, &r->tls_version, &r->tls_cipher);
}

static void
conn_drop(struct deliver_conn *c)
{
	session_close(c->s);
	c->s = NULL;
	if (c->t.ops)
		transport_close(&c->t);
	free(c->host);
	c->host = NULL;
}

/* The account's TLS settings, for the host connected to. */
static void
conn_tls_conf(struct deliver_conn *c)
{
	const struct account *a = c->p.acct;

	memset(&c->tc, 0, sizeof(c->tc));
	/* msmtp: an empty value is no value */
	c->tc.host = a->tls_host_override && *a->tls_host_override ?
	    a->tls_host_override : c->host;
	c->tc.trust_file = a->tls_trust_file;
	c->tc.crl_file = a->tls_crl_file && *a->tls_crl_file ?
	    a->tls_crl_file : NULL;
	c->tc.fingerprint = a->tls_fingerprint;
	c->tc.certcheck = a->tls_certcheck;
	c->tc.cert_file = a->tls_cert_file;
	c->tc.key_file = a->tls_key_file;
	c->tc.cert_pem = c->p.cert_pem;
	c->tc.cert_len = c->p.cert_len;
	c->tc.key_pem = c->p.key_pem;
	c->tc.key_len = c->p.key_len;
	c->tc.priorities = a->tls_priorities;
	c->tc.note = log_verbose() ? log_note : NULL;
	/* A probe logs in to nothing and sends nothing: it may look at a
	   server whose certificate does not verify, and say so. */
	c->tc.report_only = c->p.probe_only;
}

/* Connect to one host and open the session; 0 on success. */
static int
conn_host(struct deliver_conn *c, const char *host, struct result *r)
{
	const struct account *a = c->p.acct;
	char *what;
	int fd, loopback = 0, tmo = a->timeout * 1000;

	struct net_opts no;

	net_opts_of(a, &no);
	fd = net_connect(host, a->port, &no, &loopback, r);
	if (fd == -1)
		return -1;
	c->host = xstrdup(host);
	free(r->server);
	r->server = xstrdup(host);
	transport_init_fd(&c->t, fd, tmo);
	conn_tls_conf(c);
	if (a->tls_mode != TLSM_OFF && !a->tls_certcheck)
		log_warn("tls_certcheck is off: the server's certificate is "
		    "not verified");
	if (a->tls_mode == TLSM_IMPLICIT &&
	    transport_starttls(&c->t, &c->tc) == -1) {
		what = xasprintf("TLS with %s port %d", host, a->port);
		tls_failure(&c->t, r, what);
		free(what);
		conn_drop(c);
		return -1;
	}
	if (a->tls_mode != TLSM_IMPLICIT && silent_port(c, r) == -1) {
		conn_drop(c);
		return -1;
	}
	memset(&c->sp, 0, sizeof(c->sp));
	c->sp.helo = a->domain ? a->domain : "localhost";
	c->sp.starttls = a->tls_mode == TLSM_STARTTLS;
	c->sp.tls_conf = &c->tc;
	c->sp.auth = a->auth_on;
	c->sp.auth_mech = a->auth;
	c->sp.user = a->user;
	c->sp.password = c->p.password;
	c->sp.loopback = loopback;
	c->sp.server = c->host;
	c->sp.port = a->port;
	c->sp.body_send = counted_send;	/* with session_send()'s ctx: c */
	c->sp.trace = log_verbose() ? log_trace : NULL;
	c->sp.probe_only = c->p.probe_only;
	c->s = session_open(&c->t, &c->sp, r, c->p.info);
	if (c->t.tls && c->p.peer)
		(void)tls_peer_describe(&c->t, c->p.peer);
	describe_tls(c, r);
	if (c->s == NULL) {
		conn_drop(c);
		return -1;
	}
	return 0;
}

/* Try the hosts in order while the failure is temporary or the name
   does not exist; 0 once a session is open. */
static int
conn_open(struct deliver_conn *c, struct result *r)
{
	const struct account *a = c->p.acct;
	const char *why;
	char *ascii, *line, *next;
	size_t i;

	result_local(r, RES_PERM, STAGE_CONNECT, ERR_CONFIG, NULL,
	    "no host configured");
	for (i = 0; i < a->nhosts; i++) {
		ascii = addr_domain_ascii(a->hosts[i], &why);
		if (ascii == NULL) {
			result_local(r, RES_PERM, STAGE_CONNECT, ERR_NOHOST,
			    a->hosts[i], "invalid host name: %s", why);
			continue;
		}
		if (conn_host(c, ascii, r) == 0) {
			free(ascii);
			return 0;
		}
		free(ascii);
		if (!(r->cls == RES_TEMP || r->err == ERR_NOHOST))
			break;
		if (i + 1 < a->nhosts && log_verbose()) {
			line = result_line(r);
			next = xasprintf("%s; trying the next host, %s", line,
			    a->hosts[i + 1]);
			log_note(next);
			free(next);
			free(line);
		}
	}
	return -1;
}

struct deliver_conn *
deliver_open(const struct deliver_params *p, struct result *r)
{
	struct deliver_conn *c = xcalloc(1, sizeof(*c));

	c->p = *p;
	if (conn_open(c, r) == -1) {
		free(c);
		return NULL;
	}
	return c;
}

/*
 * A composed message this server needs downgraded (downgrade.h) is run
 * through the very filter that will send it, counting what comes out:
 * that is the size SIZE= declares (RFC 1870: the message as transmitted,
 * before dot-stuffing), in w (a copy of e).  Without SIZE only the
 * header block is read, for its addresses.  An address that has no
 * ASCII form fails the message here, before MAIL: -1 with r set.
 */
static int
measure(struct deliver_conn *c, const struct envelope *e,
    struct envelope *w, struct result *r)
{
	const struct caps *k = session_caps(c->s);
	int has_size = (k->flags & CAP_SIZE) != 0, rc = -1;
	struct downgrade *d = xmalloc(sizeof(*d));
	struct buf out;
	char *in = NULL, *why;
	unsigned long long size = 0;
	ssize_t n = 0;

	*w = *e;
	if (!downgrade_setup(d, e, (k->flags & CAP_8BITMIME) != 0,
	    (k->flags & CAP_SMTPUTF8) != 0) || (!has_size && !d->alabel)) {
		free(d);
		return 0;
	}
	in = xmalloc(IO_CHUNK);
	buf_init(&out, DOWNGRADE_MAX_OUT(IO_CHUNK));
	while ((has_size || !downgrade_past_header(d)) &&
	    (n = body_read(&c->fd, in, IO_CHUNK)) > 0) {
		buf_reset(&out);
		downgrade_filter(d, in, (size_t)n, &out);
		size += out.len;
	}
	buf_reset(&out);
	if (n == 0)
		downgrade_finish(d, &out);
	size += out.len;
	if (n < 0 || lseek(c->fd, 0, SEEK_SET) == -1)
		result_local(r, RES_TEMP, STAGE_NONE, ERR_IO, "spool file",
		    "%s", strerror(errno));
	else if (d->bad) {
		why = downgrade_bad_text(d);
		result_local(r, RES_PERM, STAGE_MAIL, ERR_DATA, NULL, "%s",
		    why);
		free(why);
	} else
		rc = 0;
	if (has_size)
		w->size = size;
	buf_free(&out);
	free(in);
	free(d);
	return rc;
}

int
deliver_send(struct deliver_conn *c, const struct envelope *e, int fd,
    struct result *r)
{
	struct envelope wire;
	int rc;

	if (!session_usable(c->s)) {
		conn_drop(c);
		if (conn_open(c, r) == -1)
			return -1;
	}
	c->fd = fd;
	c->sent = 0;
	if (lseek(fd, 0, SEEK_SET) == -1) {
		result_local(r, RES_TEMP, STAGE_NONE, ERR_IO, "spool file",
		    "%s", strerror(errno));
		return -1;
	}
	free(r->server);
	r->server = xstrdup(c->host);
	if (measure(c, e, &wire, r) == -1)
		return -1;
	rc = session_send(c->s, &wire, counted_read, c, r);
	describe_tls(c, r);
	return rc;
}

void
deliver_close(struct deliver_conn *c)
{
	if (c == NULL)
		return;
	conn_drop(c);
	free(c);
}

int
deliver(const struct deliver_params *p, struct result *r)
{
	struct deliver_conn *c = deliver_open(p, r);
	int rc;

	if (c == NULL)
		return -1;
	c->sp.one_shot = 1;	/* nothing follows: QUIT may be pipelined */
	rc = p->probe_only ? 0 : deliver_send(c, p->env, p->fd, r);
	if (rc == 0 && !p->probe_only && p->accepted)
		p->accepted(p->accepted_ctx);
	deliver_close(c);
	return rc;
}
