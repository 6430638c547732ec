/*
 * cabundle.c -- a PEM file of trusted certificates, searched by name.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cabundle.h"
#include "xmalloc.h"

/*
 * The next block at or after p: its base64 text in [*b64, *end).  The
 * openings are those GnuTLS takes for a certificate in a PEM list.
 */
static const char *
next_block(const char *p, const char *lim, const char **b64,
    const char **end)
{
	static const char begin[] = "-----BEGIN ";
	const char *q, *nl;
	size_t bl = sizeof(begin) - 1;

	for (;;) {
		q = memmem(p, (size_t)(lim - p), begin, bl);
		if (q == NULL)
			return NULL;
		q += bl;
		if ((size_t)(lim - q) >= 11 &&
		    memcmp(q, "CERTIFICATE", 11) == 0)
			break;
		if ((size_t)(lim - q) >= 16 &&
		    memcmp(q, "X509 CERTIFICATE", 16) == 0)
			break;
		p = q;
	}
	/* The text starts after the opening line, ends at "-----END". */
	if ((nl = memchr(q, '\n', (size_t)(lim - q))) == NULL)
		return NULL;
	*b64 = nl + 1;
	q = memchr(*b64, '-', (size_t)(lim - *b64));
	*end = q ? q : lim;
	return *end;
}

/* Base64 digit values; 64 white space, 65 '=', 255 anything else. */
static unsigned char b64tab[256];

static void
b64tab_init(void)
{
	const char *d = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	int i;

	if (b64tab['A'] == 0 && b64tab['B'] == 1)
		return;
	memset(b64tab, 255, sizeof(b64tab));
	for (i = 0; i < 64; i++)
		b64tab[(unsigned char)d[i]] = (unsigned char)i;
	b64tab[' '] = b64tab['\t'] = b64tab['\r'] = b64tab['\n'] = 64;
	b64tab['='] = 65;
}

/*
 * Base64 with line breaks and other white space between the characters,
 * padding required, into out, which holds at least (end - s) / 4 * 3
 * bytes.  Stops once max bytes or more are out (*more set when text is
 * left).  The decoded length, or -1.
 */
static long
b64_decode_ws(const char *s, const char *end, unsigned char *out,
    size_t max, int *more)
{
	unsigned acc = 0;
	int n = 0, pad = 0, v;
	long len = 0;

	*more = 0;
	for (; s < end; s++) {
		if (n == 0 && (size_t)len >= max) {
			*more = 1;
			return len;
		}
		/* four digits at once: most of a PEM line */
		if (n == 0 && end - s >= 4 &&
		    (v = b64tab[(unsigned char)s[0]] |
		    b64tab[(unsigned char)s[1]] |
		    b64tab[(unsigned char)s[2]] |
		    b64tab[(unsigned char)s[3]]) < 64) {
			acc = (unsigned)b64tab[(unsigned char)s[0]] << 18 |
			    (unsigned)b64tab[(unsigned char)s[1]] << 12 |
			    (unsigned)b64tab[(unsigned char)s[2]] << 6 |
			    b64tab[(unsigned char)s[3]];
			if (pad)
				return -1;
			out[len++] = (unsigned char)(acc >> 16);
			out[len++] = (unsigned char)(acc >> 8);
			out[len++] = (unsigned char)acc;
			s += 3;
			continue;
		}
		if ((v = b64tab[(unsigned char)*s]) == 64)
			continue;
		if (v == 65) {
			if (n < 2 || ++pad + n > 4)
				return -1;
			if (n + pad < 4)
				continue;
			if (n == 2)
				out[len++] = (unsigned char)(acc >> 4);
			else {
				out[len++] = (unsigned char)(acc >> 10);
				out[len++] = (unsigned char)(acc >> 2);
			}
			n = 0;
			continue;
		}
		if (pad || v == 255)
			return -1;
		acc = acc << 6 | (unsigned)v;
		if (++n == 4) {
			out[len++] = (unsigned char)(acc >> 16);
			out[len++] = (unsigned char)(acc >> 8);
			out[len++] = (unsigned char)acc;
			n = 0;
			acc = 0;
		}
	}
	if (n != 0)
		return -1;
	return len;
}

/*
 * One DER element at *p (single-octet tags, definite lengths): its tag,
 * its contents [*body, *body + *blen); *p moves past it.  -1 if it is
 * malformed, -2 if it does not fit in end; with lax, contents that run
 * past end are cut at end (*p is then end).
 */
static int
der_next(const unsigned char **p, const unsigned char *end, int lax,
    unsigned *tag, const unsigned char **body, size_t *blen)
{
	const unsigned char *q = *p;
	size_t len, i, nb;

	if (end - q < 2)
		return -2;
	if ((q[0] & 0x1f) == 0x1f)
		return -1;
	*tag = q[0];
	len = q[1];
	q += 2;
	if (len & 0x80) {
		nb = len & 0x7f;
		if (nb == 0 || nb > 4)
			return -1;
		if ((size_t)(end - q) < nb)
			return -2;
		for (len = 0, i = 0; i < nb; i++)
			len = len << 8 | q[i];
		q += nb;
	}
	if ((size_t)(end - q) < len) {
		if (!lax)
			return -2;
		len = (size_t)(end - q);
	}
	*body = q;
	*blen = len;
	*p = q + len;
	return 0;
}

/*
 * The Names of a certificate whose DER may be cut short (partial): 0,
 * -1 if it is not a certificate, -2 if more of it is needed.
 */
static int
der_names(const unsigned char *der, size_t len, int partial,
    struct cabundle_span *issuer, struct cabundle_span *subject)
{
	const unsigned char *p = der, *end = der + len, *body, *start;
	size_t blen;
	unsigned tag;
	int i, rc;

	/* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { ... */
	for (i = 0; i < 2; i++) {
		if ((rc = der_next(&p, end, partial, &tag, &body, &blen)) != 0)
			return rc;
		if (tag != 0x30)
			return -1;
		p = body;
		end = body + blen;
	}
	/* [0] version (optional), serialNumber, signature */
	if ((rc = der_next(&p, end, 0, &tag, &body, &blen)) != 0 ||
	    (tag == 0xa0 &&
	    (rc = der_next(&p, end, 0, &tag, &body, &blen)) != 0))
		return rc;
	if (tag != 0x02)
		return -1;
	if ((rc = der_next(&p, end, 0, &tag, &body, &blen)) != 0)
		return rc;
	if (tag != 0x30)
		return -1;
	/* issuer, validity, subject */
	start = p;
	for (i = 0; i < 3; i++) {
		start = p;
		if ((rc = der_next(&p, end, 0, &tag, &body, &blen)) != 0)
			return rc;
		if (tag != 0x30)
			return -1;
		if (i == 0) {
			issuer->p = start;
			issuer->len = (size_t)(p - start);
		}
	}
	subject->p = start;
	subject->len = (size_t)(p - start);
	return 0;
}

int
cabundle_der_names(const unsigned char *der, size_t len,
    struct cabundle_span *issuer, struct cabundle_span *subject)
{
	return der_names(der, len, 0, issuer, subject) == 0 ? 0 : -1;
}

static size_t
count_blocks(const char *pem, size_t len)
{
	const char *p = pem, *lim = pem + len, *b64, *end;
	size_t n = 0;

	while ((p = next_block(p, lim, &b64, &end)) != NULL)
		n++;
	return n;
}

void
cabundle_set(struct cabundle *b, const char *pem, size_t len)
{
	b->pem = xmalloc(len + 1);
	memcpy(b->pem, pem, len);
	b->pem[len] = '\0';
	b->len = len;
	b->count = count_blocks(b->pem, len);
}

int
cabundle_read(struct cabundle *b, const char *path)
{
	struct stat st;
	ssize_t r;
	size_t got = 0;
	int fd, e;

	memset(b, 0, sizeof(*b));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_size > CABUNDLE_MAX) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto fail;
	}
	b->pem = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		r = read(fd, b->pem + got, (size_t)st.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	b->pem[got] = '\0';
	b->len = got;
	b->count = count_blocks(b->pem, got);
	return 0;
fail:
	e = errno;
	close(fd);
	cabundle_free(b);
	errno = e;
	return -1;
}

void
cabundle_free(struct cabundle *b)
{
	free(b->pem);
	memset(b, 0, sizeof(*b));
}

/* Is the Name n one of names? */
static int
name_in(const struct cabundle_span *n, const struct cabundle_span *names,
    size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (names[i].len == n->len &&
		    memcmp(names[i].p, n->p, n->len) == 0)
			return 1;
	return 0;
}

/*
 * Each block is decoded only as far as its subject (a few hundred bytes
 * of the 1,000 to 2,000), and whole when it matches: the whole file in
 * base64 is what the cost of verifying against it was.
 */
long
cabundle_match(const struct cabundle *b, const struct cabundle_span *names,
    size_t n, void (*fn)(void *, const unsigned char *, size_t), void *arg)
{
	const char *p = b->pem, *lim = b->pem + b->len, *b64, *end;
	struct cabundle_span iss, sub;
	unsigned char *der = NULL;
	size_t cap = 0, max;
	long len, found = 0;
	int more, rc;

	b64tab_init();
	while ((p = next_block(p, lim, &b64, &end)) != NULL) {
		if ((size_t)(end - b64) / 4 * 3 + 3 > cap) {
			cap = (size_t)(end - b64) / 4 * 3 + 3;
			free(der);
			der = xmalloc(cap);
		}
		max = 512;
		for (;;) {
			len = b64_decode_ws(b64, end, der, max, &more);
			rc = len <= 0 ? -1 : der_names(der, (size_t)len, more,
			    &iss, &sub);
			if (rc != -2 || !more)
				break;
			max *= 4;
		}
		if (rc != 0) {
			found = -1;
			break;
		}
		if (!name_in(&sub, names, n))
			continue;
		if (more && ((len = b64_decode_ws(b64, end, der, cap,
		    &more)) <= 0 || der_names(der, (size_t)len, 0, &iss,
		    &sub) != 0)) {
			found = -1;
			break;
		}
		fn(arg, der, (size_t)len);
		found++;
	}
	free(der);
	return found;
}
