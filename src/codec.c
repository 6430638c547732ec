/*
 * codec.c -- pure encoders and decoders.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "xmalloc.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
codec_b64_encode(const void *data, size_t n)
{
	const unsigned char *p = data;
	char *out, *o;
	size_t i;

	out = o = xmalloc((n + 2) / 3 * 4 + 1);
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = b64[p[i] >> 2];
		*o++ = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = b64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = b64[p[i + 2] & 63];
	}
	if (i < n) {
		*o++ = b64[p[i] >> 2];
		if (i + 1 < n) {
			*o++ = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			*o++ = b64[(p[i + 1] & 15) << 2];
		} else {
			*o++ = b64[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int
b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
codec_b64_decode(const char *s, size_t n, unsigned char **out)
{
	unsigned char *o, *start;
	size_t i;
	int v[4], k, pad;

	*out = NULL;
	if (n % 4)
		return -1;
	start = o = xmalloc(n / 4 * 3 + 1);
	for (i = 0; i < n; i += 4) {
		pad = 0;
		for (k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)s[i + k];

			if (c == '=' && i + 4 == n && k >= 2) {
				pad++;
				v[k] = 0;
				continue;
			}
			if (pad || (v[k] = b64_val(c)) < 0)
				goto bad;
		}
		*o++ = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			*o++ = (unsigned char)(v[1] << 4 | v[2] >> 2);
		if (pad < 1)
			*o++ = (unsigned char)(v[2] << 6 | v[3]);
		/* Canonical: the bits dropped by padding must be zero. */
		if ((pad == 2 && (v[1] & 15)) || (pad == 1 && (v[2] & 3)))
			goto bad;
	}
	*o = '\0';
	*out = start;
	return (long)(o - start);
bad:
	free(start);
	return -1;
}

char *
codec_xtext(const char *s)
{
	struct buf b;
	const unsigned char *p;

	buf_init(&b, strlen(s) * 3 + 1);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p < 33 || *p > 126 || *p == '+' || *p == '=')
			(void)buf_addf(&b, "+%02X", *p);
		else
			(void)buf_addc(&b, (char)*p);
	}
	return buf_take(&b);
}

int
codec_has_8bit(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] & 0x80)
			return 1;
	return 0;
}

static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Length of the longest prefix of s (at most max) that ends on a UTF-8
 * character boundary. */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	size_t n = len < max ? len : max;

	if (n == len)
		return n;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

char *
codec_phrase(const char *name)
{
	struct buf b;
	const char *p;
	size_t len = strlen(name), n;
	int atoms = 1, printable = 1;

	for (p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c >= 0x80 || c < 0x20 || c == 0x7f)
			printable = 0;
		else if (!is_atext(c) && c != ' ')
			atoms = 0;
	}
	/* A word that looks like an encoded-word is quoted, so no reader
	   decodes it into something else. */
	if (printable && atoms && len && name[0] != ' ' &&
	    name[len - 1] != ' ' && strstr(name, "  ") == NULL &&
	    strncmp(name, "=?", 2) != 0 && strstr(name, " =?") == NULL)
		return xstrdup(name);
	buf_init(&b, len * 4 + 64);
	if (printable) {
		(void)buf_addc(&b, '"');
		for (p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				(void)buf_addc(&b, '\\');
			(void)buf_addc(&b, *p);
		}
		(void)buf_addc(&b, '"');
		return buf_take(&b);
	}
	/* Encoded-words of at most 75 octets: 45 input bytes -> 60 chars. */
	for (p = name; len; ) {
		char *enc;

		n = utf8_cut(p, len, 45);
		if (n == 0)
			n = len < 45 ? len : 45;
		enc = codec_b64_encode(p, n);
		(void)buf_addf(&b, "%s=?UTF-8?B?%s?=", p == name ? "" : " ",
		    enc);
		free(enc);
		p += n;
		len -= n;
	}
	return buf_take(&b);
}
