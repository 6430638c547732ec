/*
 * test_auth.c -- SASL mechanisms against the RFC test vectors, and the
 * mechanism choice table.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "auth.h"
#include "codec.h"
#include "xmalloc.h"

/* Decode base64 text to a NUL-terminated string (test helper). */
static char *
unb64(const char *s)
{
	unsigned char *out;
	long n = codec_b64_decode(s, strlen(s), &out);

	assert_true(n >= 0);
	return (char *)out;
}

static char *
b64(const char *s)
{
	return codec_b64_encode(s, strlen(s));
}

/* After "AUTH MECH ", the initial response decoded. */
static char *
initial(const char *line, const char *mech)
{
	size_t n = strlen("AUTH ") + strlen(mech) + 1;

	assert_int_equal(strncmp(line, "AUTH ", 5), 0);
	assert_int_equal(strncmp(line + 5, mech, strlen(mech)), 0);
	assert_int_equal(line[n - 1], ' ');
	return unb64(line + n);
}

static const struct scram_vector {
	enum auth_mech	 mech;
	const char	*nonce;
	const char	*client_first;
	const char	*server_first;
	const char	*client_final;
	const char	*server_final;
} scram_vectors[] = {
	/* RFC 5802 section 5 */
	{ AUTH_SCRAM_SHA_1, "fyko+d2lbbFgONRv9qkxdawL",
	    "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
	    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "s=QSXCR+Q6sek8bf92,i=4096",
	    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
	    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=" },
	/* RFC 7677 section 3 */
	{ AUTH_SCRAM_SHA_256, "rOprNGfwEbeRWgbNEkqO",
	    "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
	    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=" },
};

static void
test_scram_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(scram_vectors) / sizeof(scram_vectors[0]);
	    i++) {
		const struct scram_vector *v = &scram_vectors[i];
		struct auth a;
		const char *why = NULL;
		char *line, *first, *chal, *resp, *dec;

		auth_begin(&a, v->mech, "user", "pencil");
		a.nonce = v->nonce;
		line = auth_start(&a);
		first = initial(line, auth_mech_name(v->mech));
		assert_string_equal(first, v->client_first);
		chal = b64(v->server_first);
		resp = auth_step(&a, chal, &why);
		assert_non_null(resp);
		dec = unb64(resp);
		assert_string_equal(dec, v->client_final);
		assert_int_equal(auth_done(&a, &why), 0);
		free(chal);
		free(resp);
		chal = b64(v->server_final);
		resp = auth_step(&a, chal, &why);
		assert_non_null(resp);
		assert_string_equal(resp, "");
		assert_int_equal(auth_done(&a, &why), 1);
		free(chal);
		free(resp);
		free(dec);
		free(first);
		free(line);
		auth_end(&a);
	}
}

/* Hostile SCRAM servers: each server-first or server-final must fail. */
static void
test_scram_hostile(void **state)
{
	static const struct {
		const char *server_first;
		const char *server_final;	/* NULL: first must fail */
	} bad[] = {
		{ "r=XXXXNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
		    "i=4096", NULL },		/* nonce does not extend ours */
		{ "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		    NULL },			/* nonce not longer than ours */
		{ "r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",
		    NULL },
		{ "r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
		    "i=4294967296", NULL },
		{ "r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
		    "i=1000001", NULL },
		{ "r=rOprNGfwEbeRWgbNEkqOxx,s=,i=4096", NULL },
		{ "r=rOprNGfwEbeRWgbNEkqOxx,s=!!!!,i=4096", NULL },
		{ "m=ext,r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
		    "i=4096", NULL },
		{ "r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
		    "i=4096", "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=" },
		{ "r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
		    "i=4096", "v=AAAA" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct auth a;
		const char *why = NULL;
		char *line, *chal, *resp;

		auth_begin(&a, AUTH_SCRAM_SHA_256, "user", "pencil");
		a.nonce = "rOprNGfwEbeRWgbNEkqO";
		line = auth_start(&a);
		chal = b64(bad[i].server_first);
		resp = auth_step(&a, chal, &why);
		free(chal);
		if (bad[i].server_final == NULL) {
			assert_null(resp);
			assert_non_null(why);
		} else {
			assert_non_null(resp);
			free(resp);
			chal = b64(bad[i].server_final);
			why = NULL;
			resp = auth_step(&a, chal, &why);
			free(chal);
			assert_null(resp);
			assert_non_null(why);
			assert_int_equal(auth_done(&a, &why), 0);
		}
		free(line);
		auth_end(&a);
	}
}

/* e= is acknowledged with an empty response; the server's 535 decides,
   and the exchange never counts as verified. */
static void
test_scram_server_error(void **state)
{
	struct auth a;
	const char *why = NULL;
	char *line, *chal, *resp;

	(void)state;
	auth_begin(&a, AUTH_SCRAM_SHA_256, "user", "pencil");
	a.nonce = "rOprNGfwEbeRWgbNEkqO";
	line = auth_start(&a);
	chal = b64("r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
	    "i=4096");
	resp = auth_step(&a, chal, &why);
	assert_non_null(resp);
	free(resp);
	free(chal);
	chal = b64("e=invalid-proof");
	resp = auth_step(&a, chal, &why);
	assert_non_null(resp);
	assert_string_equal(resp, "");
	assert_int_equal(auth_done(&a, &why), 0);
	free(resp);
	free(chal);
	free(line);
	auth_end(&a);
}

static void
test_scram_escape_and_gs2(void **state)
{
	struct auth a;
	char *line, *first;
	static const unsigned char cb[] = { 1, 2, 3 };

	(void)state;
	auth_begin(&a, AUTH_SCRAM_SHA_1, "a,b=c", "p");
	a.nonce = "N";
	a.tls = 1;
	line = auth_start(&a);
	first = initial(line, "SCRAM-SHA-1");
	/* "y": we support channel binding, the server did not offer it */
	assert_string_equal(first, "y,,n=a=2Cb=3Dc,r=N");
	free(first);
	free(line);
	auth_end(&a);

	auth_begin(&a, AUTH_SCRAM_SHA_256_PLUS, "u", "p");
	a.nonce = "N";
	a.tls = 1;
	a.cb_type = "tls-exporter";
	a.cb_data = cb;
	a.cb_len = sizeof(cb);
	line = auth_start(&a);
	first = initial(line, "SCRAM-SHA-256-PLUS");
	assert_string_equal(first, "p=tls-exporter,,n=u,r=N");
	free(first);
	free(line);
	auth_end(&a);
}

static void
test_scram_channel_binding_in_final(void **state)
{
	struct auth a;
	const char *why;
	char *line, *chal, *resp, *dec, *c, *cbin;
	static const unsigned char cb[] = { 0xde, 0xad, 0xbe, 0xef };
	long n;

	(void)state;
	auth_begin(&a, AUTH_SCRAM_SHA_256_PLUS, "u", "p");
	a.nonce = "N";
	a.tls = 1;
	a.cb_type = "tls-exporter";
	a.cb_data = cb;
	a.cb_len = sizeof(cb);
	line = auth_start(&a);
	chal = b64("r=NS,s=QSXCR+Q6sek8bf92,i=1");
	resp = auth_step(&a, chal, &why);
	assert_non_null(resp);
	dec = unb64(resp);
	/* c= carries the gs2 header followed by the binding data */
	assert_int_equal(strncmp(dec, "c=", 2), 0);
	c = xstrndup(dec + 2, strcspn(dec + 2, ","));
	n = codec_b64_decode(c, strlen(c), (unsigned char **)&cbin);
	assert_int_equal(n, (long)strlen("p=tls-exporter,,") + 4);
	assert_memory_equal(cbin, "p=tls-exporter,,", 16);
	assert_memory_equal(cbin + 16, cb, 4);
	free(cbin);
	free(c);
	free(dec);
	free(resp);
	free(chal);
	free(line);
	auth_end(&a);
}

static void
test_cram_md5_rfc2195(void **state)
{
	struct auth a;
	const char *why;
	char *line, *chal, *resp, *dec;

	(void)state;
	auth_begin(&a, AUTH_CRAM_MD5, "tim", "tanstaaftanstaaf");
	line = auth_start(&a);
	assert_string_equal(line, "AUTH CRAM-MD5");
	chal = b64("<1896.697170952@postoffice.reston.mci.net>");
	resp = auth_step(&a, chal, &why);
	dec = unb64(resp);
	assert_string_equal(dec, "tim b913a602c7eda7a495b4e6e7334d3890");
	free(dec);
	free(resp);
	free(chal);
	free(line);
	auth_end(&a);
}

static void
test_plain_login_rfc4616(void **state)
{
	struct auth a;
	const char *why;
	char *line, *r1, *r2;

	(void)state;
	auth_begin(&a, AUTH_PLAIN, "tim", "tanstaaftanstaaf");
	line = auth_start(&a);
	assert_string_equal(line, "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	free(line);
	auth_end(&a);

	auth_begin(&a, AUTH_LOGIN, "tim", "secret");
	line = auth_start(&a);
	assert_string_equal(line, "AUTH LOGIN");
	r1 = auth_step(&a, "VXNlcm5hbWU6", &why);
	r2 = auth_step(&a, "UGFzc3dvcmQ6", &why);
	assert_string_equal(r1, "dGlt");
	assert_string_equal(r2, "c2VjcmV0");
	assert_null(auth_step(&a, "UGFzc3dvcmQ6", &why));
	free(r1);
	free(r2);
	free(line);
	auth_end(&a);

	/* LOGIN prompts are not interpreted (aiosmtpd ends them in NUL) */
	auth_begin(&a, AUTH_LOGIN, "tim", "secret");
	line = auth_start(&a);
	r1 = auth_step(&a, "VXNlciBOYW1lAA==", &why);
	r2 = auth_step(&a, "not base64!", &why);
	assert_string_equal(r1, "dGlt");
	assert_string_equal(r2, "c2VjcmV0");
	free(r1);
	free(r2);
	free(line);
	auth_end(&a);
}

static void
test_oauth(void **state)
{
	struct auth a;
	const char *why;
	char *line, *ir, *r;

	(void)state;
	/* RFC 7628 section 4.1 */
	auth_begin(&a, AUTH_OAUTHBEARER, "user@example.com",
	    "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
	a.host = "server.example.com";
	a.port = 143;
	line = auth_start(&a);
	assert_string_equal(line, "AUTH OAUTHBEARER bixhPXVzZXJAZXhhbXBsZS5jb2"
	    "0sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIH"
	    "ZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB");
	/* an error challenge is acknowledged with a lone ^A */
	r = auth_step(&a, "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=", &why);
	assert_string_equal(r, "AQ==");
	free(r);
	free(line);
	auth_end(&a);

	auth_begin(&a, AUTH_XOAUTH2, "someuser@example.com", "ya29.vF9dft4");
	line = auth_start(&a);
	ir = initial(line, "XOAUTH2");
	assert_string_equal(ir, "user=someuser@example.com\001auth=Bearer "
	    "ya29.vF9dft4\001\001");
	r = auth_step(&a, "eyJzdGF0dXMiOiI0MDEifQ==", &why);
	assert_string_equal(r, "");
	free(r);
	free(ir);
	free(line);
	auth_end(&a);

	auth_begin(&a, AUTH_EXTERNAL, NULL, NULL);
	line = auth_start(&a);
	assert_string_equal(line, "AUTH EXTERNAL =");
	free(line);
	auth_end(&a);
}

static void
test_pick(void **state)
{
	static const struct {
		const char	*offered;
		const char	*configured;
		int		 clear_ok, cb_ok;
		enum auth_mech	 want;
	} t[] = {
		{ "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 "
		    "SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS", NULL, 1, 1,
		    AUTH_SCRAM_SHA_256_PLUS },
		{ "SCRAM-SHA-1-PLUS SCRAM-SHA-256", NULL, 1, 1,
		    AUTH_SCRAM_SHA_1_PLUS },
		{ "SCRAM-SHA-256-PLUS SCRAM-SHA-256", NULL, 1, 0,
		    AUTH_SCRAM_SHA_256 },
		{ "PLAIN SCRAM-SHA-1 SCRAM-SHA-256", NULL, 1, 1,
		    AUTH_SCRAM_SHA_256 },
		{ "PLAIN LOGIN SCRAM-SHA-1", "on", 1, 1, AUTH_SCRAM_SHA_1 },
		{ "CRAM-MD5 LOGIN PLAIN", NULL, 1, 1, AUTH_PLAIN },
		{ "CRAM-MD5 LOGIN", NULL, 1, 1, AUTH_LOGIN },
		/* in clear to a non-loopback host: only CRAM-MD5 is left */
		{ "CRAM-MD5 LOGIN PLAIN", NULL, 0, 0, AUTH_CRAM_MD5 },
		{ "LOGIN PLAIN", NULL, 0, 0, AUTH_NONE },
		{ "PLAIN", "plain", 0, 0, AUTH_NONE },
		{ "XOAUTH2 PLAIN", NULL, 1, 1, AUTH_PLAIN },
		{ "XOAUTH2 PLAIN", "xoauth2", 1, 1, AUTH_XOAUTH2 },
		{ "OAUTHBEARER", "OAuthBearer", 1, 1, AUTH_OAUTHBEARER },
		{ "EXTERNAL PLAIN", "external", 1, 1, AUTH_EXTERNAL },
		/* configured but not offered: an error, never a fallback */
		{ "PLAIN LOGIN", "scram-sha-256", 1, 1, AUTH_NONE },
		{ "SCRAM-SHA-256-PLUS", "scram-sha-256-plus", 1, 0,
		    AUTH_NONE },
		{ "GSSAPI NTLM", NULL, 1, 1, AUTH_NONE },
		{ "", NULL, 1, 1, AUTH_NONE },
		{ "XPLAIN PLAINX", NULL, 1, 1, AUTH_NONE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *why = NULL;
		enum auth_mech m = auth_pick_cb(t[i].offered, t[i].configured,
		    t[i].clear_ok, t[i].cb_ok, &why);

		if (m != t[i].want)
			fail_msg("row %zu: got %s, want %s", i,
			    auth_mech_name(m), auth_mech_name(t[i].want));
		if (m == AUTH_NONE)
			assert_non_null(why);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scram_vectors),
		cmocka_unit_test(test_scram_hostile),
		cmocka_unit_test(test_scram_server_error),
		cmocka_unit_test(test_scram_escape_and_gs2),
		cmocka_unit_test(test_scram_channel_binding_in_final),
		cmocka_unit_test(test_cram_md5_rfc2195),
		cmocka_unit_test(test_plain_login_rfc4616),
		cmocka_unit_test(test_oauth),
		cmocka_unit_test(test_pick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
