/*
 * bench/tlssink.c -- an implicit-TLS SMTP sink in C with GnuTLS, for the
 * TLS throughput row: bench/fastsink.py --tls (Python's ssl) tops out
 * well below what a client can send, and a server has to decrypt every
 * byte too, so the sink must be as cheap as the TLS library allows.
 * bench/run.sh compiles it (cc, pkg-config gnutls) into the run's
 * temporary directory.
 *
 *	tlssink PORTFILE CERT KEY
 *
 * Listens on 127.0.0.1, port 0, writes the port to PORTFILE, and serves
 * one connection at a time until killed: EHLO (PIPELINING, 8BITMIME,
 * SIZE, ENHANCEDSTATUSCODES), MAIL, RCPT, RSET, NOOP -> 250, DATA -> 354
 * and the message discarded up to CRLF.CRLF, QUIT -> 221.  No AUTH.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
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

static gnutls_certificate_credentials_t cred;
static gnutls_priority_t prio;
static char buf[BUFSZ];

static int
say(gnutls_session_t s, const char *text)
{
	size_t n = strlen(text);
	ssize_t w;

	while (n > 0) {
		w = gnutls_record_send(s, text, n);
		if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
			continue;
		if (w < 0)
			return -1;
		text += w;
		n -= (size_t)w;
	}
	return 0;
}

static ssize_t
get(gnutls_session_t s, char *p, size_t n)
{
	ssize_t r;

	do
		r = gnutls_record_recv(s, p, n);
	while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
	return r;
}

/*
 * Discard the message: have bytes of it in buf[0..have); returns how
 * many bytes after the end of data were moved to the front of buf, or -1.
 */
static ssize_t
data(gnutls_session_t s, size_t have)
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
		if ((r = get(s, buf, BUFSZ)) <= 0)
			return -1;
		have = (size_t)r;
	}
}

static void
serve(int fd)
{
	gnutls_session_t s;
	size_t have = 0, len;
	ssize_t r;
	char *nl;
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (gnutls_init(&s, GNUTLS_SERVER) < 0)
		return;
	gnutls_priority_set(s, prio);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_transport_set_int(s, fd);
	do
		r = gnutls_handshake(s);
	while (r < 0 && !gnutls_error_is_fatal((int)r));
	if (r < 0 || say(s, "220 tlssink ESMTP\r\n") < 0)
		goto done;
	for (;;) {
		while ((nl = memchr(buf, '\n', have)) == NULL) {
			if (have == BUFSZ ||
			    (r = get(s, buf + have, BUFSZ - have)) <= 0)
				goto done;
			have += (size_t)r;
		}
		len = (size_t)(nl - buf) + 1;
		if (strncasecmp(buf, "EHLO", 4) == 0)
			r = say(s, "250-tlssink\r\n250-PIPELINING\r\n"
			    "250-8BITMIME\r\n250-SIZE 0\r\n"
			    "250 ENHANCEDSTATUSCODES\r\n");
		else if (strncasecmp(buf, "DATA", 4) == 0) {
			memmove(buf, buf + len, have - len);
			have -= len;
			if (say(s, "354 go ahead\r\n") < 0 ||
			    (r = data(s, have)) < 0)
				goto done;
			have = (size_t)r;
			r = say(s, "250 2.0.0 discarded\r\n");
			len = 0;
		} else if (strncasecmp(buf, "QUIT", 4) == 0) {
			(void)say(s, "221 2.0.0 bye\r\n");
			goto done;
		} else
			r = say(s, "250 2.0.0 ok\r\n");
		if (r < 0)
			goto done;
		memmove(buf, buf + len, have - len);
		have -= len;
	}
done:
	gnutls_bye(s, GNUTLS_SHUT_WR);
	gnutls_deinit(s);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char tmp[4096];
	FILE *f;
	int ls, fd;

	if (argc != 4) {
		fprintf(stderr, "usage: tlssink PORTFILE CERT KEY\n");
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);
	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_certificate_set_x509_key_file(cred, argv[2], argv[3],
	    GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_priority_init(&prio, NULL, NULL) < 0) {
		fprintf(stderr, "tlssink: cannot load %s / %s\n", argv[2],
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
		perror("tlssink");
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
