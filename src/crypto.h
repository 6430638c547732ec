/*
 * crypto.h -- hashes, HMAC, PBKDF2 and random bytes, from GnuTLS.
 *
 * crypto.c and tls.c are the only files that include GnuTLS headers.
 * Every function returns 0, or -1 when the library refuses.
 */
#ifndef OUTBOX_CRYPTO_H
#define OUTBOX_CRYPTO_H

#include <stddef.h>

enum crypto_alg {
	CRYPTO_MD5,
	CRYPTO_SHA1,
	CRYPTO_SHA256
};

#define CRYPTO_MAX_LEN	32

/* Digest length in bytes. */
size_t	crypto_len(enum crypto_alg);
int	crypto_hash(enum crypto_alg, const void *, size_t, unsigned char *);
int	crypto_hmac(enum crypto_alg, const void *key, size_t klen,
	    const void *data, size_t dlen, unsigned char *out);
int	crypto_pbkdf2(enum crypto_alg, const void *pass, size_t plen,
	    const void *salt, size_t slen, unsigned iter, unsigned char *out,
	    size_t outlen);
int	crypto_random(void *, size_t);
/* Constant-time comparison: 0 when equal. */
int	crypto_memcmp(const void *, const void *, size_t);

#endif
