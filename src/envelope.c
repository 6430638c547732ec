/*
 * envelope.c -- who a message is from and to.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "xmalloc.h"

void
envelope_init(struct envelope *e)
{
	memset(e, 0, sizeof(*e));
}

void
envelope_free(struct envelope *e)
{
	size_t i;

	for (i = 0; i < e->nrcpt; i++)
		free(e->rcpt[i]);
	free(e->rcpt);
	free(e->from);
	free(e->dsn_notify);
	free(e->dsn_ret);
	free(e->envid);
	memset(e, 0, sizeof(*e));
}

void
envelope_add_rcpt(struct envelope *e, const char *addr)
{
	size_t i;

	for (i = 0; i < e->nrcpt; i++)
		if (strcmp(e->rcpt[i], addr) == 0)
			return;
	e->rcpt = xrealloc(e->rcpt, (e->nrcpt + 1) * sizeof(char *));
	e->rcpt[e->nrcpt++] = xstrdup(addr);
}
