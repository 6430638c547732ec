/*
 * test_serverinfo.c -- what --serverinfo prints, and that nothing the
 * server chose (greeting, capabilities, certificate names) reaches the
 * terminal as a control character.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "serverinfo.h"

/* serverinfo_print into a string (xmalloc'd by open_memstream). */
static char *
print(const struct session_info *info, const struct tls_peer *peer,
    int starttls)
{
	struct result r;
	char *out = NULL;
	size_t len = 0;
	FILE *fp;

	result_init(&r);
	r.tls_version = (char *)"TLS1.3";
	r.tls_cipher = (char *)"AES-256-GCM";
	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	serverinfo_print(fp, "mx.example", 587, info, &r, peer, starttls);
	assert_int_equal(fclose(fp), 0);
	return out;
}

/* Only printable characters, tab and the line ends serverinfo writes. */
static void
assert_clean(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
			fail_msg("control 0x%02x at offset %zu", *p,
			    (size_t)(p - (const unsigned char *)s));
}

static void
test_plain(void **state)
{
	struct session_info info;
	struct tls_peer peer;
	char *out;

	(void)state;
	memset(&info, 0, sizeof(info));
	memset(&peer, 0, sizeof(peer));
	snprintf(info.greeting, sizeof(info.greeting), "mx.example ESMTP");
	info.caps.flags = CAP_PIPELINING | CAP_AUTH | CAP_SIZE;
	info.caps.size = 35882577;
	snprintf(info.caps.auth, sizeof(info.caps.auth), "PLAIN LOGIN");
	snprintf(info.caps.list, sizeof(info.caps.list), "PIPELINING\n"
	    "HELP\nSIZE 35882577\nPIPECONNECT\nX-FOO bar\nAUTH PLAIN LOGIN");
	peer.subject = (char *)"CN=mx.example";
	peer.issuer = (char *)"CN=Example CA,O=Example";
	peer.not_before = 0;
	peer.not_after = 86400;
	snprintf(peer.sha256, sizeof(peer.sha256), "AB:CD");
	peer.checked = 1;
	out = print(&info, &peer, 0);
	assert_string_equal(out,
	    "Server: mx.example port 587\n"
	    "Greeting: mx.example ESMTP\n"
	    "TLS: TLS1.3, cipher AES-256-GCM\n"
	    "Certificate:\n"
	    "    Subject: CN=mx.example\n"
	    "    Issuer: CN=Example CA,O=Example\n"
	    "    Valid from: 1970-01-01 00:00:00 UTC\n"
	    "    Valid until: 1970-01-02 00:00:00 UTC\n"
	    "    SHA-256 fingerprint: AB:CD\n"
	    "    Verification: ok\n"
	    "Capabilities:\n"
	    "    PIPELINING\n"
	    "    HELP\n"
	    "    SIZE 35882577 (34.2 MiB)\n"
	    "    PIPECONNECT\n"
	    "    X-FOO bar\n"
	    "    AUTH PLAIN LOGIN\n"
	    "Authentication mechanisms: PLAIN LOGIN\n");
	free(out);
}

/*
 * Escape sequences in the certificate names, the greeting and the AUTH
 * list come out as \xHH; a multi-line greeting keeps one line per line.
 */
static void
test_controls_escaped(void **state)
{
	struct session_info info;
	struct tls_peer peer;
	char *out;

	(void)state;
	memset(&info, 0, sizeof(info));
	memset(&peer, 0, sizeof(peer));
	snprintf(info.greeting, sizeof(info.greeting),
	    "mx.example \x1b[2J\nsecond\tline\x7f");
	info.caps_plain.flags = CAP_STARTTLS | CAP_AUTH;
	snprintf(info.caps_plain.auth, sizeof(info.caps_plain.auth),
	    "PLAIN\x1b[5m");
	snprintf(info.caps_plain.list, sizeof(info.caps_plain.list),
	    "STARTTLS\nAUTH PLAIN\x1b[5m");
	info.caps.flags = CAP_AUTH;
	snprintf(info.caps.auth, sizeof(info.caps.auth), "X\x07Y");
	snprintf(info.caps.list, sizeof(info.caps.list), "AUTH X\x07Y\n"
	    "X-EVIL \x1b]0;t\x07");
	peer.subject = (char *)"CN=\x1b[31mevil\x1b[0m";
	peer.issuer = (char *)"CN=ca\r\nSubject: CN=fake\x1b]0;title\x07";
	snprintf(peer.sha256, sizeof(peer.sha256), "AB:CD");
	out = print(&info, &peer, 1);
	assert_clean(out);
	assert_non_null(strstr(out, "    Subject: CN=\\x1B[31mevil\\x1B[0m\n"));
	assert_non_null(strstr(out, "    Issuer: CN=ca\\x0D\\x0ASubject: "
	    "CN=fake\\x1B]0;title\\x07\n"));
	assert_non_null(strstr(out, "Greeting: mx.example \\x1B[2J\n"
	    "          second\\x09line\\x7F\n"));
	assert_non_null(strstr(out, "    AUTH PLAIN\\x1B[5m\n"));
	assert_non_null(strstr(out, "    AUTH X\\x07Y\n"));
	assert_non_null(strstr(out, "    X-EVIL \\x1B]0;t\\x07\n"));
	assert_non_null(strstr(out, "Authentication mechanisms: X\\x07Y\n"));
	/* the fake Subject line stays inside the Issuer line */
	assert_null(strstr(out, "\nSubject:"));
	free(out);
}

/* SIZE without a limit; keyword lines left out are counted. */
static void
test_size_and_cut(void **state)
{
	struct session_info info;
	char *out;

	(void)state;
	memset(&info, 0, sizeof(info));
	snprintf(info.greeting, sizeof(info.greeting), "mx");
	info.caps.flags = CAP_SIZE;
	info.caps.list_cut = 3;
	snprintf(info.caps.list, sizeof(info.caps.list), "SIZE\nHELP");
	out = print(&info, NULL, 0);
	assert_non_null(strstr(out, "Capabilities:\n"
	    "    SIZE (no limit given)\n"
	    "    HELP\n"
	    "    (3 more not shown)\n"
	    "Authentication mechanisms: (none offered)\n"));
	free(out);
}

/* A certificate that did not verify (--serverinfo's report_only), or
   was not checked: said under the certificate. */
static void
test_verification(void **state)
{
	struct session_info info;
	struct tls_peer peer;
	char *out;

	(void)state;
	memset(&info, 0, sizeof(info));
	memset(&peer, 0, sizeof(peer));
	peer.subject = (char *)"CN=mx";
	peer.issuer = (char *)"CN=ca";
	snprintf(peer.sha256, sizeof(peer.sha256), "AB:CD");
	peer.checked = 1;
	peer.verify_error = (char *)"certificate verification failed: "
	    "The certificate is NOT trusted.\x1b[2J";
	out = print(&info, &peer, 1);
	assert_clean(out);
	assert_non_null(strstr(out, "    SHA-256 fingerprint: AB:CD\n"
	    "    Verification: FAILED: certificate verification failed: "
	    "The certificate is NOT trusted.\\x1B[2J\n"
	    "Capabilities after STARTTLS:\n"));
	free(out);
	peer.verify_error = NULL;
	peer.checked = 0;
	out = print(&info, &peer, 0);
	assert_non_null(strstr(out, "    Verification: not checked "
	    "(tls_certcheck off)\n"));
	free(out);
	/* no certificate at all, and why */
	memset(&peer, 0, sizeof(peer));
	peer.checked = 1;
	peer.verify_error = (char *)"server sent no certificate";
	out = print(&info, &peer, 0);
	assert_non_null(strstr(out, "Certificate:\n"
	    "    Verification: FAILED: server sent no certificate\n"));
	assert_null(strstr(out, "Subject"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_controls_escaped),
		cmocka_unit_test(test_size_and_cut),
		cmocka_unit_test(test_verification),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
