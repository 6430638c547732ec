/*
 * crypto.c -- hashes, HMAC, PBKDF2 and random bytes, from GnuTLS.
 */
#include "autoconf.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "crypto.h"

static gnutls_mac_algorithm_t
mac_of(enum crypto_alg a)
{
	switch (a) {
	case CRYPTO_MD5:	return GNUTLS_MAC_MD5;
	case CRYPTO_SHA1:	return GNUTLS_MAC_SHA1;
	default:		return GNUTLS_MAC_SHA256;
	}
}

static gnutls_digest_algorithm_t
dig_of(enum crypto_alg a)
{
	switch (a) {
	case CRYPTO_MD5:	return GNUTLS_DIG_MD5;
	case CRYPTO_SHA1:	return GNUTLS_DIG_SHA1;
	default:		return GNUTLS_DIG_SHA256;
	}
}

size_t
crypto_len(enum crypto_alg a)
{
	return a == CRYPTO_MD5 ? 16 : a == CRYPTO_SHA1 ? 20 : 32;
}

int
crypto_hash(enum crypto_alg a, const void *d, size_t n, unsigned char *out)
{
	return gnutls_hash_fast(dig_of(a), d, n, out) < 0 ? -1 : 0;
}

int
crypto_hmac(enum crypto_alg a, const void *key, size_t klen,
    const void *data, size_t dlen, unsigned char *out)
{
	return gnutls_hmac_fast(mac_of(a), key, klen, data, dlen, out) < 0 ?
	    -1 : 0;
}

int
crypto_pbkdf2(enum crypto_alg a, const void *pass, size_t plen,
    const void *salt, size_t slen, unsigned iter, unsigned char *out,
    size_t outlen)
{
	gnutls_datum_t key = { (unsigned char *)pass, (unsigned)plen };
	gnutls_datum_t s = { (unsigned char *)salt, (unsigned)slen };

	return gnutls_pbkdf2(mac_of(a), &key, &s, iter, out, outlen) < 0 ?
	    -1 : 0;
}

int
crypto_random(void *p, size_t n)
{
	return gnutls_rnd(GNUTLS_RND_NONCE, p, n) < 0 ? -1 : 0;
}

int
crypto_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	unsigned char d = 0;

	while (n--)
		d |= *x++ ^ *y++;
	return d != 0;
}
