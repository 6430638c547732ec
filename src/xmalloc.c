/*
 * xmalloc.c -- allocation that never returns NULL.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "xmalloc.h"

#define EXIT_OSERR 71	/* EX_OSERR; sysexits.h belongs to result.c */

static void
xalloc_die(void)
{
	fputs("outbox: out of memory\n", stderr);
	exit(EXIT_OSERR);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		xalloc_die();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		xalloc_die();
	return p;
}

void *
xrealloc(void *old, size_t n)
{
	void *p = realloc(old, n ? n : 1);

	if (p == NULL)
		xalloc_die();
	return p;
}

void *
xgrow(void *old, size_t n, size_t size)
{
	if (n != 0 && (n & (n - 1)) != 0)
		return old;
	if (n > ((size_t)-1 / 2) / (size ? size : 1))
		xalloc_die();
	return xrealloc(old, (n ? 2 * n : 1) * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;
	size_t len = strnlen(s, n);

	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		xalloc_die();
	return p;
}

void
xfree_secret(char *s)
{
	if (s == NULL)
		return;
	compat_bzero(s, strlen(s));
	free(s);
}
