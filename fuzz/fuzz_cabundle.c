/*
 * fuzz_cabundle.c -- the trust-file scan and the DER Name reader on any
 * bytes: the input is both a certificate from a server (whose Names are
 * read, as tls.c reads those of the chain a server sends) and a PEM
 * bundle searched for them.  Every Name returned lies inside the input,
 * and every certificate handed out has the subject asked for.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cabundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct cabundle_span want;

static void
check(void *arg, const unsigned char *der, size_t len)
{
	struct cabundle_span iss, sub;

	(void)arg;
	if (cabundle_der_names(der, len, &iss, &sub) != 0 ||
	    sub.len != want.len || memcmp(sub.p, want.p, sub.len) != 0)
		__builtin_trap();
}

static int
inside(const struct cabundle_span *s, const uint8_t *data, size_t size)
{
	return s->p >= data && s->len <= size &&
	    (size_t)(s->p - data) <= size - s->len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cabundle b;
	struct cabundle_span iss, sub;

	if (cabundle_der_names(data, size, &iss, &sub) == 0) {
		if (!inside(&iss, data, size) || !inside(&sub, data, size) ||
		    sub.p[0] != 0x30 || iss.p[0] != 0x30)
			__builtin_trap();
		want = sub;
	} else {
		want.p = (const unsigned char *)"\x30\x00";
		want.len = 2;
	}
	cabundle_set(&b, (const char *)data, size);
	(void)cabundle_match(&b, &want, 1, check, NULL);
	cabundle_free(&b);
	return 0;
}
