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

static void
tls_failure(struct transport *t, struct result *r, const char *what)
{
	enum result_err err = ERR_PROTOCOL;
	enum result_class cls = RES_PERM;

	if (t->err == TE_VERIFY)
		err = ERR_NOPERM;
	else if (t->err == TE_TIMEOUT || t->err == TE_EOF ||
	    t->err == TE_IO) {
		err = ERR_TEMP;
		cls = RES_TEMP;
	}
	result_local(r, cls, STAGE_TLS, err, what, "%s", t->errmsg);
}

/* One host; 0 on success. */
static int
try_host(const struct deliver_params *p, const char *host,
    struct result *r)
{
	const struct account *a = p->acct;
	struct session_params sp;
	struct tls_conf tc;
	struct transport t;
	char *what;
	int fd, loopback = 0, rc = -1, tmo = a->timeout * 1000;

	fd = net_connect(host, a->port, a->source_ip, tmo, &loopback, r,
	    log_verbose() ? log_note : NULL);
	if (fd == -1)
		return -1;
	free(r->server);
	r->server = xstrdup(host);
	transport_init_fd(&t, fd, tmo);
	memset(&tc, 0, sizeof(tc));
	tc.host = host;
	tc.trust_file = a->tls_trust_file;
	tc.fingerprint = a->tls_fingerprint;
	tc.certcheck = a->tls_certcheck;
	tc.cert_file = a->tls_cert_file;
	tc.key_file = a->tls_key_file;
	tc.priorities = a->tls_priorities;
	if (a->tls_mode != TLSM_OFF && !a->tls_certcheck)
		log_warn("tls_certcheck is off: the server's certificate is "
		    "not verified");
	if (a->tls_mode == TLSM_IMPLICIT &&
	    transport_starttls(&t, &tc) == -1) {
		what = xasprintf("TLS with %s port %d", host, a->port);
		tls_failure(&t, r, what);
		free(what);
		goto done;
	}
	memset(&sp, 0, sizeof(sp));
	sp.helo = a->domain ? a->domain : "localhost";
	sp.starttls = a->tls_mode == TLSM_STARTTLS;
	sp.tls_conf = &tc;
	sp.auth = a->auth_on;
	sp.auth_mech = a->auth;
	sp.user = a->user;
	sp.password = p->password;
	sp.loopback = loopback;
	sp.server = host;
	sp.port = a->port;
	sp.env = p->env;
	sp.body_read = body_read;
	sp.body_ctx = (void *)&p->fd;
	sp.trace = log_verbose() ? log_trace : NULL;
	sp.probe_only = p->probe_only;
	if (lseek(p->fd, 0, SEEK_SET) == -1 && !p->probe_only) {
		result_local(r, RES_TEMP, STAGE_NONE, ERR_IO, "spool file",
		    "%s", strerror(errno));
		goto done;
	}
	rc = session_run(&t, &sp, r, p->info);
	if (t.tls && p->peer)
		(void)tls_peer_describe(&t, p->peer);
	if (t.tls) {
		free(r->tls_version);
		free(r->tls_cipher);
		r->tls_version = r->tls_cipher = NULL;
		(void)tls_describe(&t, &r->tls_version, &r->tls_cipher);
	}
done:
	transport_close(&t);
	return rc;
}

int
deliver(const struct deliver_params *p, struct result *r)
{
	const struct account *a = p->acct;
	const char *why;
	char *ascii;
	size_t i;
	int rc = -1;

	for (i = 0; i < a->nhosts; i++) {
		ascii = addr_domain_ascii(a->hosts[i], &why);
		if (ascii == NULL) {
			result_local(r, RES_PERM, STAGE_CONNECT, ERR_NOHOST,
			    a->hosts[i], "invalid host name: %s", why);
			continue;
		}
		rc = try_host(p, ascii, r);
		free(ascii);
		if (rc == 0)
			return 0;
		/* Another host may help with a temporary failure before
		   the transaction began; nothing can after it. */
		if (!(r->cls == RES_TEMP || r->err == ERR_NOHOST) ||
		    r->stage >= STAGE_MAIL)
			break;
		if (i + 1 < a->nhosts && log_verbose()) {
			char *line = result_line(r);

			log_note(line);
			free(line);
		}
	}
	return rc;
}
