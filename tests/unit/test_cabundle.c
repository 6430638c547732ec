/*
 * test_cabundle.c -- the trust file searched by name: which blocks count
 * as certificates, the Names read from DER, a match hands out the whole
 * certificate (also one whose subject lies past the first bytes decoded),
 * and anything undecodable makes the caller load the file whole.
 */
#include "autoconf.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "cabundle.h"
#include "codec.h"
#include "xmalloc.h"

/*
 * Two self-signed CAs made with certtool for this test: A, small; B with
 * twelve OUs, so that its subject ends about 1,800 bytes in.
 */
static const char PEM_A[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBizCCATGgAwIBAgIBATAKBggqhkjOPQQDAjAtMRUwEwYDVQQKEwxvdXRib3gg\n"
    "dGVzdHMxFDASBgNVBAMTC3VuaXQgQ0Egb25lMB4XDTI2MTIwMzA3MzUwOVoXDTM2\n"
    "MTEzMDA3MzUwOVowLTEVMBMGA1UEChMMb3V0Ym94IHRlc3RzMRQwEgYDVQQDEwt1\n"
    "bml0IENBIG9uZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCDMqdGBIhbZEtZh\n"
    "znES835wEytsifeD/AQiChPg3D4X2biw9uKr2yds+NRqkOth2bc66lMhrsMSRkic\n"
    "nIxM/3+jQjBAMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgIEMB0GA1Ud\n"
    "DgQWBBS+YzK+PGg74HjwetqPbESBzeOUKjAKBggqhkjOPQQDAgNIADBFAiBuP/VX\n"
    "8Od49uS7BRBiYZ5PQBF3JgEqiM+D+NicB2u7/gIhAMSEN3U0J2wjFJGhlILU3V8Y\n"
    "Q7EOJGilHDM2fsRQpLmA\n"
    "-----END CERTIFICATE-----\n";

static const char PEM_B[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIImTCCCD+gAwIBAgIBAjAKBggqhkjOPQQDAjCCA7IxFTATBgNVBAoTDG91dGJv\n"
    "eCB0ZXN0czFIMEYGA1UECxM/b3JnYW5pc2F0aW9uYWwgdW5pdCBudW1iZXIgMDEg\n"
    "b2YgYSB2ZXJ5IGxvbmcgZGlzdGluZ3Vpc2hlZCBuYW1lMUgwRgYDVQQLEz9vcmdh\n"
    "bmlzYXRpb25hbCB1bml0IG51bWJlciAwMiBvZiBhIHZlcnkgbG9uZyBkaXN0aW5n\n"
    "dWlzaGVkIG5hbWUxSDBGBgNVBAsTP29yZ2FuaXNhdGlvbmFsIHVuaXQgbnVtYmVy\n"
    "IDAzIG9mIGEgdmVyeSBsb25nIGRpc3Rpbmd1aXNoZWQgbmFtZTFIMEYGA1UECxM/\n"
    "b3JnYW5pc2F0aW9uYWwgdW5pdCBudW1iZXIgMDQgb2YgYSB2ZXJ5IGxvbmcgZGlz\n"
    "dGluZ3Vpc2hlZCBuYW1lMUgwRgYDVQQLEz9vcmdhbmlzYXRpb25hbCB1bml0IG51\n"
    "bWJlciAwNSBvZiBhIHZlcnkgbG9uZyBkaXN0aW5ndWlzaGVkIG5hbWUxSDBGBgNV\n"
    "BAsTP29yZ2FuaXNhdGlvbmFsIHVuaXQgbnVtYmVyIDA2IG9mIGEgdmVyeSBsb25n\n"
    "IGRpc3Rpbmd1aXNoZWQgbmFtZTFIMEYGA1UECxM/b3JnYW5pc2F0aW9uYWwgdW5p\n"
    "dCBudW1iZXIgMDcgb2YgYSB2ZXJ5IGxvbmcgZGlzdGluZ3Vpc2hlZCBuYW1lMUgw\n"
    "RgYDVQQLEz9vcmdhbmlzYXRpb25hbCB1bml0IG51bWJlciAwOCBvZiBhIHZlcnkg\n"
    "bG9uZyBkaXN0aW5ndWlzaGVkIG5hbWUxSDBGBgNVBAsTP29yZ2FuaXNhdGlvbmFs\n"
    "IHVuaXQgbnVtYmVyIDA5IG9mIGEgdmVyeSBsb25nIGRpc3Rpbmd1aXNoZWQgbmFt\n"
    "ZTFIMEYGA1UECxM/b3JnYW5pc2F0aW9uYWwgdW5pdCBudW1iZXIgMTAgb2YgYSB2\n"
    "ZXJ5IGxvbmcgZGlzdGluZ3Vpc2hlZCBuYW1lMUgwRgYDVQQLEz9vcmdhbmlzYXRp\n"
    "b25hbCB1bml0IG51bWJlciAxMSBvZiBhIHZlcnkgbG9uZyBkaXN0aW5ndWlzaGVk\n"
    "IG5hbWUxSDBGBgNVBAsTP29yZ2FuaXNhdGlvbmFsIHVuaXQgbnVtYmVyIDEyIG9m\n"
    "IGEgdmVyeSBsb25nIGRpc3Rpbmd1aXNoZWQgbmFtZTEhMB8GA1UEAxMYdW5pdCBD\n"
    "QSB3aXRoIGEgbG9uZyBuYW1lMB4XDTI2MTIwMzA3MzUwOVoXDTM2MTEzMDA3MzUw\n"
    "OVowggOyMRUwEwYDVQQKEwxvdXRib3ggdGVzdHMxSDBGBgNVBAsTP29yZ2FuaXNh\n"
    "dGlvbmFsIHVuaXQgbnVtYmVyIDAxIG9mIGEgdmVyeSBsb25nIGRpc3Rpbmd1aXNo\n"
    "ZWQgbmFtZTFIMEYGA1UECxM/b3JnYW5pc2F0aW9uYWwgdW5pdCBudW1iZXIgMDIg\n"
    "b2YgYSB2ZXJ5IGxvbmcgZGlzdGluZ3Vpc2hlZCBuYW1lMUgwRgYDVQQLEz9vcmdh\n"
    "bmlzYXRpb25hbCB1bml0IG51bWJlciAwMyBvZiBhIHZlcnkgbG9uZyBkaXN0aW5n\n"
    "dWlzaGVkIG5hbWUxSDBGBgNVBAsTP29yZ2FuaXNhdGlvbmFsIHVuaXQgbnVtYmVy\n"
    "IDA0IG9mIGEgdmVyeSBsb25nIGRpc3Rpbmd1aXNoZWQgbmFtZTFIMEYGA1UECxM/\n"
    "b3JnYW5pc2F0aW9uYWwgdW5pdCBudW1iZXIgMDUgb2YgYSB2ZXJ5IGxvbmcgZGlz\n"
    "dGluZ3Vpc2hlZCBuYW1lMUgwRgYDVQQLEz9vcmdhbmlzYXRpb25hbCB1bml0IG51\n"
    "bWJlciAwNiBvZiBhIHZlcnkgbG9uZyBkaXN0aW5ndWlzaGVkIG5hbWUxSDBGBgNV\n"
    "BAsTP29yZ2FuaXNhdGlvbmFsIHVuaXQgbnVtYmVyIDA3IG9mIGEgdmVyeSBsb25n\n"
    "IGRpc3Rpbmd1aXNoZWQgbmFtZTFIMEYGA1UECxM/b3JnYW5pc2F0aW9uYWwgdW5p\n"
    "dCBudW1iZXIgMDggb2YgYSB2ZXJ5IGxvbmcgZGlzdGluZ3Vpc2hlZCBuYW1lMUgw\n"
    "RgYDVQQLEz9vcmdhbmlzYXRpb25hbCB1bml0IG51bWJlciAwOSBvZiBhIHZlcnkg\n"
    "bG9uZyBkaXN0aW5ndWlzaGVkIG5hbWUxSDBGBgNVBAsTP29yZ2FuaXNhdGlvbmFs\n"
    "IHVuaXQgbnVtYmVyIDEwIG9mIGEgdmVyeSBsb25nIGRpc3Rpbmd1aXNoZWQgbmFt\n"
    "ZTFIMEYGA1UECxM/b3JnYW5pc2F0aW9uYWwgdW5pdCBudW1iZXIgMTEgb2YgYSB2\n"
    "ZXJ5IGxvbmcgZGlzdGluZ3Vpc2hlZCBuYW1lMUgwRgYDVQQLEz9vcmdhbmlzYXRp\n"
    "b25hbCB1bml0IG51bWJlciAxMiBvZiBhIHZlcnkgbG9uZyBkaXN0aW5ndWlzaGVk\n"
    "IG5hbWUxITAfBgNVBAMTGHVuaXQgQ0Egd2l0aCBhIGxvbmcgbmFtZTBZMBMGByqG\n"
    "SM49AgEGCCqGSM49AwEHA0IABCDMqdGBIhbZEtZhznES835wEytsifeD/AQiChPg\n"
    "3D4X2biw9uKr2yds+NRqkOth2bc66lMhrsMSRkicnIxM/3+jQjBAMA8GA1UdEwEB\n"
    "/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgIEMB0GA1UdDgQWBBS+YzK+PGg74HjwetqP\n"
    "bESBzeOUKjAKBggqhkjOPQQDAgNIADBFAiBHl3reEnmiAolJDYs2rcRXvyKP4mKz\n"
    "hhNp4eCFsTZvgwIhALI5C5SNqTvoiw1/a4dBEZD1P00gLxaL+68voBiZ7Od4\n"
    "-----END CERTIFICATE-----\n";
/* The DER of a PEM block (one certificate), xmalloc'd. */
static long
der_of(const char *pem, unsigned char **out)
{
	const char *b = strchr(pem, '\n') + 1, *e = strstr(pem, "-----END");
	char *flat = xmalloc((size_t)(e - b) + 1);
	size_t n = 0;
	long len;

	for (; b < e; b++)
		if (*b != '\n')
			flat[n++] = *b;
	len = codec_b64_decode(flat, n, out);
	free(flat);
	return len;
}

/* Does the span hold the text s (as in a PrintableString)? */
static int
span_has(const struct cabundle_span *sp, const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; i + n <= sp->len; i++)
		if (memcmp(sp->p + i, s, n) == 0)
			return 1;
	return 0;
}

static void
test_der_names(void **state)
{
	struct cabundle_span iss, sub;
	unsigned char *a, *b;
	long la = der_of(PEM_A, &a), lb = der_of(PEM_B, &b);

	(void)state;
	assert_true(la > 300);
	assert_int_equal(cabundle_der_names(a, (size_t)la, &iss, &sub), 0);
	/* whole elements: a SEQUENCE, self-signed so both the same */
	assert_int_equal(sub.p[0], 0x30);
	assert_int_equal(iss.len, sub.len);
	assert_memory_equal(iss.p, sub.p, sub.len);
	assert_true(span_has(&sub, "unit CA one"));
	assert_true(sub.p > iss.p);
	assert_int_equal(cabundle_der_names(b, (size_t)lb, &iss, &sub), 0);
	assert_true(span_has(&sub, "unit CA with a long name"));
	assert_true((size_t)(sub.p + sub.len - b) > 1024);
	/* cut short, or not a certificate */
	assert_int_equal(cabundle_der_names(a, 60, &iss, &sub), -1);
	assert_int_equal(cabundle_der_names(b, 1500, &iss, &sub), -1);
	assert_int_equal(cabundle_der_names((const unsigned char *)"\x30\x03"
	    "\x02\x01\x01", 5, &iss, &sub), -1);
	assert_int_equal(cabundle_der_names(a, 0, &iss, &sub), -1);
	free(a);
	free(b);
}

struct got {
	int		 n;
	unsigned char	*der[4];
	size_t		 len[4];
};

static void
collect(void *arg, const unsigned char *der, size_t len)
{
	struct got *g = arg;

	assert_true(g->n < 4);
	g->der[g->n] = xmalloc(len);
	memcpy(g->der[g->n], der, len);
	g->len[g->n++] = len;
}

static void
got_free(struct got *g)
{
	while (g->n > 0)
		free(g->der[--g->n]);
}

/* PEM with every "\n" made "\r\n". */
static char *
crlf(const char *pem)
{
	struct buf b;
	char *out;

	buf_init(&b, strlen(pem) * 2 + 1);
	for (; *pem; pem++)
		if (*pem == '\n')
			assert_int_equal(buf_add(&b, "\r\n", 2), 0);
		else
			assert_int_equal(buf_add(&b, pem, 1), 0);
	assert_int_equal(buf_addc(&b, '\0'), 0);
	out = xstrdup(b.data);
	buf_free(&b);
	return out;
}

static void
test_match(void **state)
{
	struct cabundle bd;
	struct cabundle_span names[2], iss;
	struct got g = { 0 };
	unsigned char *a, *b;
	long la = der_of(PEM_A, &a), lb = der_of(PEM_B, &b);
	char *bcrlf = crlf(PEM_B), *text, *x509;

	(void)state;
	/* A again, under the other opening GnuTLS takes */
	x509 = xasprintf("-----BEGIN X509 CERTIFICATE-----%s",
	    strchr(PEM_A, '\n'));
	text = xasprintf("a comment\n%s\nmore text\n%s"
	    "-----BEGIN TRUSTED CERTIFICATE-----\nAAAA\n"
	    "-----END TRUSTED CERTIFICATE-----\n%s", PEM_A, bcrlf, x509);
	cabundle_set(&bd, text, strlen(text));
	assert_int_equal(bd.count, 3);

	assert_int_equal(cabundle_der_names(b, (size_t)lb, &iss, &names[0]),
	    0);
	assert_int_equal(cabundle_match(&bd, names, 1, collect, &g), 1);
	assert_int_equal(g.len[0], (size_t)lb);
	assert_memory_equal(g.der[0], b, (size_t)lb);
	got_free(&g);

	assert_int_equal(cabundle_der_names(a, (size_t)la, &iss, &names[1]),
	    0);
	assert_int_equal(cabundle_match(&bd, names + 1, 1, collect, &g), 2);
	assert_memory_equal(g.der[0], a, (size_t)la);
	assert_memory_equal(g.der[1], a, (size_t)la);
	got_free(&g);
	assert_int_equal(cabundle_match(&bd, names, 2, collect, &g), 3);
	got_free(&g);
	assert_int_equal(cabundle_match(&bd, names, 0, collect, &g), 0);
	cabundle_free(&bd);
	free(text);

	/* a name must match whole: a prefix of a subject is not it */
	names[0].len--;
	cabundle_set(&bd, PEM_B, strlen(PEM_B));
	assert_int_equal(cabundle_match(&bd, names, 1, collect, &g), 0);
	cabundle_free(&bd);
	free(a);
	free(b);
	free(bcrlf);
	free(x509);
}

static const char *const broken[] = {
	/* not base64 */
	"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
	/* base64 of something that is not a certificate */
	"-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n",
	/* a certificate cut short before its subject */
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBizCCATGgAwIBAgIBATAKBggqhkjOPQQDAjAtMRUwEwYDVQQKEwxvdXRib3gg\n"
	"-----END CERTIFICATE-----\n",
	/* padding in the middle */
	"-----BEGIN CERTIFICATE-----\nMA==MA==\n-----END CERTIFICATE-----\n",
	/* no end */
	"-----BEGIN CERTIFICATE-----\nMIIBizCCATGgAw",
};

static void
test_broken(void **state)
{
	struct cabundle bd;
	struct cabundle_span names[1] = { { (const unsigned char *)"x", 1 } };
	struct got g = { 0 };
	size_t i;
	char *text;

	(void)state;
	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		/* after a good block: what it handed out is not enough */
		text = xasprintf("%s%s", PEM_A, broken[i]);
		cabundle_set(&bd, text, strlen(text));
		assert_int_equal(cabundle_match(&bd, names, 1, collect, &g),
		    -1);
		cabundle_free(&bd);
		free(text);
	}
	assert_int_equal(g.n, 0);
	cabundle_set(&bd, "", 0);
	assert_int_equal(bd.count, 0);
	assert_int_equal(cabundle_match(&bd, names, 1, collect, &g), 0);
	cabundle_free(&bd);
}

static void
test_read(void **state)
{
	struct cabundle bd;
	char path[] = "/tmp/test_cabundle.XXXXXX";
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(cabundle_read(&bd, "/nonexistent/ca.pem"), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(bd.pem);
	assert_int_equal(cabundle_read(&bd, "/"), -1);
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	fputs(PEM_A, f);
	fputs(PEM_B, f);
	fclose(f);
	assert_int_equal(cabundle_read(&bd, path), 0);
	assert_int_equal(bd.count, 2);
	assert_int_equal(bd.len, strlen(PEM_A) + strlen(PEM_B));
	cabundle_free(&bd);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_der_names),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
