/*
 * bench/csink.c -- an SMTP sink in C, for the throughput rows: a server
 * has to take in (and, with TLS, decrypt) every byte the client sends,
 * and bench/fastsink.py (Python; with --tls, Python's ssl) tops out
 * below what outbox sends, so the sink must be as cheap as the kernel and
 * the TLS library allow.  bench/run.sh and bench/thru.py compile it (cc,
 * pkg-config gnutls) into the run's temporary directory.
 *
 *	csink [--plain | --starttls] PORTFILE [CERT KEY]
 *
 * Listens on 127.0.0.1, port 0, writes the port to PORTFILE, and serves
 * one connection at a time until killed: EHLO (PIPELINING, 8BITMIME,
 * SIZE, ENHANCEDSTATUSCODES, and STARTTLS before it), MAIL, RCPT, RSET,
 * NOOP -> 250, DATA -> 354 and the message discarded up to CRLF.CRLF,
 * QUIT -> 221.  No AUTH.  Default: implicit TLS ("port 465"); --plain: no
 * TLS (no CERT KEY); --starttls: STARTTLS offered, the handshake after
 * its 220.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFSZ	(1 << 20)

enum mode { IMPLICIT, PLAIN, STARTTLS };

static gnutls_certificate_credentials_t cred;
static gnutls_priority_t prio;
static enum mode mode = IMPLICIT;
static char buf[BUFSZ];

/* A connection: TLS once s is set. */
struct conn {
	int			 fd;
	gnutls_session_t	 s;
};

static int
say(struct conn *c, const char *text)
{
	size_t n = strlen(text);
	ssize_t w;

	while (n > 0) {
		w = c->s ? gnutls_record_send(c->s, text, n) :
		    send(c->fd, text, n, 0);
		if (c->s ? w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED :
		    w == -1 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		text += w;
		n -= (size_t)w;
	}
	return 0;
}

static ssize_t
get(struct conn *c, char *p, size_t n)
{
	ssize_t r;

	if (c->s == NULL) {
		do
			r = recv(c->fd, p, n, 0);
		while (r == -1 && errno == EINTR);
		return r;
	}
	do
		r = gnutls_record_recv(c->s, p, n);
	while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
	return r;
}

static int
handshake(struct conn *c)
{
	int r;

	if (gnutls_init(&c->s, GNUTLS_SERVER) < 0) {
		c->s = NULL;
		return -1;
	}
	gnutls_priority_set(c->s, prio);
	gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_transport_set_int(c->s, c->fd);
	do
		r = gnutls_handshake(c->s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	return r < 0 ? -1 : 0;
}

/*
 * Discard the message: have bytes of it in buf[0..have); returns how
 * many bytes after the end of data were moved to the front of buf, or -1.
 */
static ssize_t
data(struct conn *c, size_t have)
{
	/* "\r\n" of the DATA line, so the message may end at once */
	char last[8] = "\r\n";
	size_t nl = 2, i, k;
	ssize_t r;
	char *e;

	for (;;) {
		/* across the boundary: last + the first bytes of buf */
		for (i = 0; i < nl; i++) {
			k = nl - i;
			if (k + have >= 5 && memcmp(last + i, "\r\n.\r\n", k) ==
			    0 && memcmp(buf, "\r\n.\r\n" + k, 5 - k) == 0) {
				memmove(buf, buf + 5 - k, have - (5 - k));
				return (ssize_t)(have - (5 - k));
			}
		}
		e = have >= 5 ? memmem(buf, have, "\r\n.\r\n", 5) : NULL;
		if (e != NULL) {
			k = (size_t)(e - buf) + 5;
			memmove(buf, buf + k, have - k);
			return (ssize_t)(have - k);
		}
		if (have >= 4) {
			memcpy(last, buf + have - 4, 4);
			nl = 4;
		} else {
			memcpy(last + nl, buf, have);
			nl += have;
			if (nl > 4) {
				memmove(last, last + nl - 4, 4);
				nl = 4;
			}
		}
		if ((r = get(c, buf, BUFSZ)) <= 0)
			return -1;
		have = (size_t)r;
	}
}

static void
serve(int fd)
{
	struct conn c = { fd, NULL };
	size_t have = 0, len;
	ssize_t r;
	char *nl;
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((mode == IMPLICIT && handshake(&c) == -1) ||
	    say(&c, "220 csink ESMTP\r\n") < 0)
		goto done;
	for (;;) {
		while ((nl = memchr(buf, '\n', have)) == NULL) {
			if (have == BUFSZ ||
			    (r = get(&c, buf + have, BUFSZ - have)) <= 0)
				goto done;
			have += (size_t)r;
		}
		len = (size_t)(nl - buf) + 1;
		if (strncasecmp(buf, "EHLO", 4) == 0)
			r = say(&c, mode == STARTTLS && c.s == NULL ?
			    "250-csink\r\n250-PIPELINING\r\n"
			    "250-8BITMIME\r\n250-SIZE 0\r\n250-STARTTLS\r\n"
			    "250 ENHANCEDSTATUSCODES\r\n" :
			    "250-csink\r\n250-PIPELINING\r\n"
			    "250-8BITMIME\r\n250-SIZE 0\r\n"
			    "250 ENHANCEDSTATUSCODES\r\n");
		else if (strncasecmp(buf, "STARTTLS", 8) == 0 &&
		    mode == STARTTLS && c.s == NULL) {
			if (have != len || say(&c, "220 2.0.0 go ahead\r\n") < 0 ||
			    handshake(&c) == -1)
				goto done;	/* pipelined past STARTTLS */
			have = len = 0;
			continue;
		} else if (strncasecmp(buf, "DATA", 4) == 0) {
			memmove(buf, buf + len, have - len);
			have -= len;
			if (say(&c, "354 go ahead\r\n") < 0 ||
			    (r = data(&c, have)) < 0)
				goto done;
			have = (size_t)r;
			r = say(&c, "250 2.0.0 discarded\r\n");
			len = 0;
		} else if (strncasecmp(buf, "QUIT", 4) == 0) {
			(void)say(&c, "221 2.0.0 bye\r\n");
			goto done;
		} else
			r = say(&c, "250 2.0.0 ok\r\n");
		if (r < 0)
			goto done;
		memmove(buf, buf + len, have - len);
		have -= len;
	}
done:
	if (c.s != NULL) {
		gnutls_bye(c.s, GNUTLS_SHUT_WR);
		gnutls_deinit(c.s);
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char tmp[4096];
	FILE *f;
	int ls, fd;

	if (argc > 1 && strcmp(argv[1], "--plain") == 0)
		mode = PLAIN;
	else if (argc > 1 && strcmp(argv[1], "--starttls") == 0)
		mode = STARTTLS;
	if (mode != IMPLICIT) {
		argv++;
		argc--;
	}
	if (argc != (mode == PLAIN ? 2 : 4)) {
		fprintf(stderr, "usage: csink [--plain | --starttls] PORTFILE "
		    "[CERT KEY]\n");
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);
	if (mode != PLAIN && (gnutls_certificate_allocate_credentials(&cred) <
	    0 || gnutls_certificate_set_x509_key_file(cred, argv[2], argv[3],
	    GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_priority_init(&prio, NULL, NULL) < 0)) {
		fprintf(stderr, "csink: cannot load %s / %s\n", argv[2],
		    argv[3]);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((ls = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(ls, 16) == -1 ||
	    getsockname(ls, (struct sockaddr *)&sa, &sl) == -1) {
		perror("csink");
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	if ((f = fopen(tmp, "w")) == NULL) {
		perror(tmp);
		return 1;
	}
	fprintf(f, "%d\n", ntohs(sa.sin_port));
	fclose(f);
	if (rename(tmp, argv[1]) == -1) {
		perror(argv[1]);
		return 1;
	}
	for (;;) {
		if ((fd = accept(ls, NULL, NULL)) == -1)
			continue;
		serve(fd);
		close(fd);
	}
}
