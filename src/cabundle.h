/*
 * cabundle.h -- a PEM file of trusted certificates, searched by name.
 *
 * Verifying a server needs only the trusted certificates whose subject
 * is the issuer (or the subject) of a certificate the server sent; the
 * system bundle holds about 145, and parsing them all costs more than
 * the rest of a STARTTLS send.  cabundle reads the file once, and hands
 * out, undecoded by anything but base64, the certificates whose subject
 * Name is byte for byte one of the names asked for: the comparison
 * GnuTLS makes when it looks for an issuer in its trust list.
 *
 * Pure: no TLS library, no I/O but reading the file in cabundle_read().
 */
#ifndef OUTBOX_CABUNDLE_H
#define OUTBOX_CABUNDLE_H

#include <stddef.h>

/* The file's text; CABUNDLE_MAX bounds it. */
struct cabundle {
	char	*pem;
	size_t	 len;
	size_t	 count;		/* certificate blocks in it */
};

#define CABUNDLE_MAX	(64L * 1024 * 1024)

/* A DER element inside a buffer that someone else owns. */
struct cabundle_span {
	const unsigned char	*p;
	size_t			 len;
};

/*
 * Read path into b.  -1 with errno set when it cannot be read (EFBIG
 * over CABUNDLE_MAX); 0 otherwise, even with no certificate in it
 * (b->count says).
 */
int	cabundle_read(struct cabundle *b, const char *path);
/* The same from memory (copied). */
void	cabundle_set(struct cabundle *b, const char *pem, size_t len);
void	cabundle_free(struct cabundle *b);

/*
 * The issuer and subject Names (whole DER elements, tag and length
 * included) of a DER certificate; -1 if it is not one.
 */
int	cabundle_der_names(const unsigned char *der, size_t len,
	    struct cabundle_span *issuer, struct cabundle_span *subject);

/*
 * Call fn with the DER of each certificate in b whose subject is one of
 * the n names.  Returns how many were handed out, or -1 if a block of
 * the file could not be decoded or parsed: then the caller cannot know
 * what it missed, and must load the whole file the ordinary way.
 */
long	cabundle_match(const struct cabundle *b,
	    const struct cabundle_span *names, size_t n,
	    void (*fn)(void *arg, const unsigned char *der, size_t len),
	    void *arg);

#endif
