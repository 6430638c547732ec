/*
 * serverinfo.c -- --serverinfo: the probe, and what it prints.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "deliver.h"
#include "serverinfo.h"

/*
 * One output line: label, then n bytes of text the server chose (its
 * greeting, AUTH list, certificate names) with control characters
 * escaped as \xHH, so that the server cannot drive the terminal.
 */
static void
put(FILE *fp, const char *label, const char *s, size_t n)
{
	char *clean = result_sanitize_n(s, n);

	fprintf(fp, "%s%s\n", label, clean);
	free(clean);
}

/* A multi-line greeting: one output line per line, aligned. */
static void
put_greeting(FILE *fp, const char *g)
{
	static const char label[] = "Greeting: ";
	const char *l = label;
	size_t n;

	for (;;) {
		n = strcspn(g, "\n");
		put(fp, l, g, n);
		if (g[n] == '\0')
			break;
		g += n + 1;
		l = "          ";	/* as wide as the label */
	}
}

/* Is the keyword line l (n bytes) SIZE, with or without its number? */
static int
is_size(const char *l, size_t n)
{
	return n >= 4 && strncasecmp(l, "SIZE", 4) == 0 &&
	    (n == 4 || l[4] == ' ');
}

/*
 * Every keyword line the server sent, in its order, known to outbox or
 * not (HELP, PIPECONNECT, X-anything); SIZE with its limit in MiB.
 */
static void
print_caps(FILE *fp, const char *title, const struct caps *c)
{
	const char *l = c->list;
	char *clean, size[64];
	size_t n;

	fprintf(fp, "%s:\n", title);
	while (*l) {
		n = strcspn(l, "\n");
		size[0] = '\0';
		if (is_size(l, n) && c->size)
			snprintf(size, sizeof(size), " (%.1f MiB)",
			    c->size / 1048576.0);
		else if (is_size(l, n))
			snprintf(size, sizeof(size), " (no limit given)");
		clean = result_sanitize_n(l, n);
		fprintf(fp, "    %s%s\n", clean, size);
		free(clean);
		l += n + (l[n] == '\n');
	}
	if (c->list_cut)
		fprintf(fp, "    (%u more not shown)\n", c->list_cut);
}

static void
print_time(FILE *fp, const char *label, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[64];

	if (t < 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		fprintf(fp, "    %s: (unknown)\n", label);
	else
		fprintf(fp, "    %s: %s\n", label, s);
}

static void
print_cert(FILE *fp, const struct tls_peer *peer)
{
	fprintf(fp, "Certificate:\n");
	if (peer->subject) {
		put(fp, "    Subject: ", peer->subject,
		    strlen(peer->subject));
		put(fp, "    Issuer: ", peer->issuer ? peer->issuer : "",
		    peer->issuer ? strlen(peer->issuer) : 0);
		print_time(fp, "Valid from", peer->not_before);
		print_time(fp, "Valid until", peer->not_after);
		fprintf(fp, "    SHA-256 fingerprint: %s\n", peer->sha256);
	}
	if (peer->verify_error)
		put(fp, "    Verification: FAILED: ", peer->verify_error,
		    strlen(peer->verify_error));
	else if (peer->checked)
		fprintf(fp, "    Verification: ok\n");
	else
		fprintf(fp, "    Verification: not checked (tls_certcheck "
		    "off)\n");
}

void
serverinfo_print(FILE *fp, const char *host, int port,
    const struct session_info *info, const struct result *r,
    const struct tls_peer *peer, int starttls)
{
	fprintf(fp, "Server: %s port %d\n", host, port);
	put_greeting(fp, info->greeting);
	if (starttls)
		print_caps(fp, "Capabilities before STARTTLS",
		    &info->caps_plain);
	if (r->tls_version)
		fprintf(fp, "TLS: %s, cipher %s\n", r->tls_version,
		    r->tls_cipher ? r->tls_cipher : "unknown");
	else
		fprintf(fp, "TLS: none\n");
	if (peer && (peer->subject || peer->verify_error))
		print_cert(fp, peer);
	print_caps(fp, starttls ? "Capabilities after STARTTLS" :
	    "Capabilities", &info->caps);
	if (info->caps.auth[0])
		put(fp, "Authentication mechanisms: ", info->caps.auth,
		    strlen(info->caps.auth));
	else
		fprintf(fp, "Authentication mechanisms: (none offered)\n");
}

int
serverinfo_run(FILE *fp, const struct account *a, struct result *r)
{
	struct deliver_params p;
	struct session_info info;
	struct tls_peer peer;
	struct envelope env;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	memset(&peer, 0, sizeof(peer));
	envelope_init(&env);
	p.acct = a;
	p.env = &env;
	p.fd = -1;
	p.probe_only = 1;	/* no password, no AUTH, no message */
	p.info = &info;
	p.peer = &peer;
	if (deliver(&p, r) == 0) {
		serverinfo_print(fp, r->server, a->port, &info, r, &peer,
		    a->tls_mode == TLSM_STARTTLS);
		fflush(fp);
		rc = 0;
	}
	if (rc == 0 && peer.verify_error) {
		result_local(r, RES_PERM, STAGE_TLS, ERR_NOPERM, NULL,
		    "%s port %d: %s (a send to it would be refused)",
		    r->server, a->port, peer.verify_error);
		rc = -1;
	}
	tls_peer_free(&peer);
	envelope_free(&env);
	return rc;
}
