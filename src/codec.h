/*
 * codec.h -- pure encoders and decoders.
 *
 * No I/O.  Every function returns an xmalloc'd NUL-terminated string (the
 * caller frees it), or -1/NULL on malformed input where decoding.
 */
#ifndef OUTBOX_CODEC_H
#define OUTBOX_CODEC_H

#include <stddef.h>

/* RFC 4648 base64 of n bytes. */
char	*codec_b64_encode(const void *, size_t n);
/*
 * Decode RFC 4648 base64 (padding required, no whitespace).  Returns the
 * decoded length and sets *out (NUL-terminated for convenience), or -1.
 */
long	 codec_b64_decode(const char *, size_t n, unsigned char **out);
/* RFC 3461 xtext (for ENVID and ORCPT). */
char	*codec_xtext(const char *);
/* Does s hold a byte >= 0x80? */
int	 codec_has_8bit(const char *s, size_t n);
/*
 * A header phrase (display name): as is if it is an RFC 5322 atom
 * sequence, quoted if it needs quoting, RFC 2047 encoded-words (UTF-8,
 * base64) if it is not ASCII.
 */
char	*codec_phrase(const char *name);

#endif
