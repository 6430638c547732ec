/*
 * codec.h -- pure encoders and decoders.
 *
 * No I/O.  Unless said otherwise, every function returns an xmalloc'd
 * NUL-terminated string (the caller frees it), or -1/NULL on malformed
 * input where decoding.  Encoders never fail.
 */
#ifndef OUTBOX_CODEC_H
#define OUTBOX_CODEC_H

#include <stddef.h>

/* RFC 4648 base64 of n bytes. */
char	*codec_b64_encode(const void *, size_t n);
/* The same into out ((n + 2) / 3 * 4 octets, no NUL); returns the length. */
size_t	 codec_b64_encode_to(const void *, size_t n, char *out);
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
 * base64) if it is not ASCII, or when a quoted string of over 68 octets
 * or a word of over 70 could not be folded to fit a line.
 */
char	*codec_phrase(const char *name);

/*
 * Streaming quoted-printable encoder (RFC 2045 §6.7).
 *
 * The input is text whose line ends are CRLF: a CRLF is a hard line break
 * and is written as CRLF.  A CR not followed by LF, or a LF not preceded
 * by CR, is encoded (=0D, =0A).  Octets 33..60 and 62..126 are literal;
 * SP and TAB are literal unless they end a line or the input (then =20,
 * =09; a SP or TAB just before any CR is encoded, as the encoder cannot
 * yet know whether a LF follows); everything else is =XX, uppercase.  A
 * '.' that would start an output line is written =2E.  Output lines are at
 * most 76 octets including the soft break "=\r\n", and an =XX triplet is
 * never split, so '=' is always followed by two hex digits or CRLF.
 *
 * Buffer boundaries may fall anywhere (between CR and LF too): feeding the
 * input in pieces gives the same output as one call.  Initialise with
 * codec_qp_init(), feed, then call codec_qp_finish() once; init again
 * before encoding another text.
 */
struct codec_qp {
	size_t	col;	/* octets on the current output line */
	int	pend;	/* held byte (SP, TAB or CR) or -1 */
};

void	 codec_qp_init(struct codec_qp *);
/*
 * Room codec_qp_feed() needs for n input bytes: 3 octets per byte plus the
 * held byte, plus soft breaks (at most one per 73 octets, and one more).
 */
#define CODEC_QP_MAX_OUT(n)	(4 * (size_t)(n) + 16)
/* Encode n bytes into out (CODEC_QP_MAX_OUT(n) bytes); returns the length
   written.  out is not NUL-terminated. */
size_t	 codec_qp_feed(struct codec_qp *, const char *in, size_t n, char *out);
/* Flush the held byte, if any; adds no final CRLF.  out needs 8 bytes.
   Returns the length written. */
size_t	 codec_qp_finish(struct codec_qp *, char *out);

/*
 * An unstructured header field (Subject and the like): "Name: value",
 * xmalloc'd, without a final CRLF, folded with "\r\n " so that every line
 * is at most 78 octets.
 *
 * The value is kept as is when it is printable ASCII (TAB allowed), holds
 * no "=?", has no leading or trailing SP/TAB, and folding before the first
 * SP/TAB of a run of white space gets every line within 78 octets (for
 * single-spaced text: every word fits).  Deleting each CRLF then gives the
 * value back exactly, and no line ends in white space.
 *
 * Otherwise the whole value becomes RFC 2047 "=?UTF-8?B?...?=" words,
 * separated by "\r\n ", each at most 75 octets on lines of at most 76
 * octets (RFC 2047 §2).  A UTF-8 sequence is never split when the value is
 * valid UTF-8; other bytes are encoded all the same.  If "Name: " leaves no
 * room for a word, the first word goes on the next line.
 *
 * An empty value gives "Name: " (with the space).
 */
char	*codec_header(const char *name, const char *value);

/*
 * A structured header field (address lists, Message-ID, ...): "Name:
 * value", xmalloc'd, without a final CRLF.  A CRLF is inserted before a SP
 * (the first of a run, with something after the run) that is outside
 * quoted strings, comments and <...>, so that lines are at most 78 octets
 * (76 if the value holds "=?", for RFC 2047 encoded-words) where such
 * spaces allow; a line without one stays long (callers keep fields under
 * 998 octets).  A value holding CR or LF is returned
 * unfolded.
 */
char	*codec_fold(const char *name, const char *value);

/*
 * One MIME parameter, xmalloc'd, for a field line that starts with a
 * single SP (the caller writes "; " or ";\r\n " before it).
 *
 * A value of at most 60 printable ASCII octets without '"', '\' or "=?"
 * gives attr="value".  Anything else is RFC 2231, charset utf-8, no language:
 * attr*=utf-8''%E2%82%AC if " " and that fit in 76 octets, else the
 * continuations "attr*0*=utf-8''...;\r\n attr*1*=...;\r\n attr*2*=...",
 * no ';' after the last, every line (with room for a ';' the caller may
 * add) at most 78 octets.  Every octet that is not an RFC 2231
 * attribute-char is %XX; a %XX and a valid UTF-8 sequence are never split
 * across segments.  attr must be a short token.
 */
char	*codec_param(const char *attr, const char *value);
/*
 * The same for old readers (Content-Type's name=): attr="value" for
 * printable ASCII without "=?", '"' and '\' escaped with a backslash, on
 * one line whatever its length; otherwise attr="=?UTF-8?B?...?=" with the
 * encoded-words separated by "\r\n " inside the quotes, lines (with room
 * for a ';' after the closing quote) at most 76 octets.  xmalloc'd.
 */
char	*codec_param_2047(const char *attr, const char *value);

/*
 * Length of the well-formed UTF-8 sequence at p (at most n bytes; 1 for
 * ASCII), or 0 for an invalid, overlong or truncated one; *cp (if not
 * NULL) gets the code point.
 */
size_t	codec_utf8_len(const unsigned char *p, size_t n, unsigned long *cp);

#endif
