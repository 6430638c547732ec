/*
 * dotstuff.c -- CRLF normalisation and dot-stuffing across buffers.
 */
#include "autoconf.h"

#include <string.h>

#include "dotstuff.h"

void
dotstuff_init(struct dotstuff *d, int stuff)
{
	d->state = DS_BOL;
	d->stuff = stuff;
}

size_t
dotstuff_filter(struct dotstuff *d, const char *in, size_t n, char *out)
{
	const char *end = in + n, *p;
	char *o = out;

	while (in < end) {
		if (d->state == DS_CR) {
			d->state = DS_BOL;
			if (*in == '\n') {
				in++;
				continue;
			}
		}
		if (d->state == DS_BOL && *in == '.' && d->stuff)
			*o++ = '.';
		/* Copy the run of ordinary bytes in one go (memchr scans
		   a word at a time). */
		p = memchr(in, '\n', (size_t)(end - in));
		if (p == NULL)
			p = end;
		{
			const char *cr = memchr(in, '\r', (size_t)(p - in));

			if (cr)
				p = cr;
		}
		if (p > in) {
			memcpy(o, in, (size_t)(p - in));
			o += p - in;
			d->state = DS_MID;
			in = p;
			if (in == end)
				break;
		}
		*o++ = '\r';
		*o++ = '\n';
		d->state = *in == '\r' ? DS_CR : DS_BOL;
		in++;
	}
	return (size_t)(o - out);
}

size_t
dotstuff_clean(struct dotstuff *d, const char *in, size_t n)
{
	const char *end = in + n, *p = in, *nl, *cr;

	while (p < end && d->state != DS_CR) {
		if (d->state == DS_BOL && *p == '.' && d->stuff)
			break;
		nl = memchr(p, '\n', (size_t)(end - p));
		cr = memchr(p, '\r', (size_t)((nl ? nl : end) - p));
		if (nl != NULL && cr != NULL && cr + 1 == nl) {
			/* a line ending in CRLF goes as it is */
			p = nl + 1;
			d->state = DS_BOL;
			continue;
		}
		/* up to a bare CR or LF, or the end of the input */
		if (cr == NULL)
			cr = nl ? nl : end;
		if (cr > p)
			d->state = DS_MID;
		p = cr;
		break;
	}
	return (size_t)(p - in);
}

size_t
dotstuff_next(struct dotstuff *d, const char *in, size_t n, char *out,
    size_t max, const char **wire, size_t *wlen)
{
	const char *nl;
	size_t k;

	if ((k = dotstuff_clean(d, in, n)) > 0) {
		*wire = in;
		*wlen = k;
		return k;
	}
	nl = memchr(in, '\n', n);
	k = nl ? (size_t)(nl - in) + 1 : n;
	if (k > max)
		k = max;
	*wire = out;
	*wlen = dotstuff_filter(d, in, k, out);
	return k;
}

size_t
dotstuff_finish(struct dotstuff *d, char *out, int dot)
{
	char *o = out;

	if (d->state == DS_MID) {
		*o++ = '\r';
		*o++ = '\n';
	}
	d->state = DS_BOL;
	if (dot) {
		memcpy(o, ".\r\n", 3);
		o += 3;
	}
	return (size_t)(o - out);
}
