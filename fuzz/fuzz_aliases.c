/*
 * fuzz_aliases.c -- the aliases(5) parser on any text, then resolution
 * of the names the text lists, of "root" and "default", of a name it
 * does not list, and of names that are not local.  Every address found
 * must hold an '@', out must never hold an address twice, a failure
 * must leave out as it was (a success only appends), and a name must
 * resolve the same whatever its ASCII case.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aliases.h"
#include "xmalloc.h"

#define NAMES_MAX	16	/* names taken from the input */
#define NAME_LEN	64

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Up to max names from lines that start an entry: "name:". */
static size_t
listed_names(const char *s, size_t n, char names[][NAME_LEN], size_t max)
{
	size_t i = 0, k, got = 0;

	while (i < n && got < max) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - s) : n;

		for (k = i; k < end && s[k] != ':' && s[k] != '\0'; k++)
			;
		if (k < end && s[k] == ':' && k > i && k - i < NAME_LEN &&
		    s[i] != ' ' && s[i] != '\t' && s[i] != '#') {
			while (k > i && (s[k - 1] == ' ' || s[k - 1] == '\t'))
				k--;
			memcpy(names[got], s + i, k - i);
			names[got++][k - i] = '\0';
		}
		i = end + 1;
	}
	return got;
}

static void
check_out(const struct aliases_out *o)
{
	size_t i, j;

	for (i = 0; i < o->n; i++) {
		if (o->v[i] == NULL || strchr(o->v[i], '@') == NULL)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(o->v[i], o->v[j]) == 0)
				abort();
	}
}

/* Does o start with the addresses of first, in order? */
static int
starts_with(const struct aliases_out *o, const struct aliases_out *first)
{
	size_t i;

	if (o->n < first->n)
		return 0;
	for (i = 0; i < first->n; i++)
		if (strcmp(o->v[i], first->v[i]) != 0)
			return 0;
	return 1;
}

static int
same_out(const struct aliases_out *a, const struct aliases_out *b)
{
	return a->n == b->n && starts_with(a, b);
}

static void
copy_out(struct aliases_out *to, const struct aliases_out *from)
{
	size_t i;

	to->n = from->n;
	to->v = xcalloc(from->n + 1, sizeof(to->v[0]));
	for (i = 0; i < from->n; i++)
		to->v[i] = xstrdup(from->v[i]);
}

/* Resolve name into acc (shared by all names) and on its own. */
static void
resolve(const struct aliases *a, const char *name, struct aliases_out *acc)
{
	struct aliases_out before, alone = { NULL, 0 }, upper = { NULL, 0 };
	const char *why = NULL;
	char *up;
	size_t i;
	int rc, rc1, rc2;

	copy_out(&before, acc);
	rc = aliases_resolve(a, name, acc, &why);
	/* a failure leaves out as it was, a success only appends */
	if (rc == -1 && (why == NULL || !same_out(acc, &before)))
		abort();
	if (rc == 0 && (acc->n == 0 || !starts_with(acc, &before)))
		abort();
	check_out(acc);
	aliases_out_free(&before);

	rc1 = aliases_resolve(a, name, &alone, &why);
	check_out(&alone);
	if ((rc1 == 0) != (alone.n > 0))
		abort();
	up = xstrdup(name);
	for (i = 0; up[i] != '\0'; i++)
		if (up[i] >= 'a' && up[i] <= 'z')
			up[i] -= 'a' - 'A';
	rc2 = aliases_resolve(a, up, &upper, &why);
	if (rc1 != rc2 || !same_out(&alone, &upper))
		abort();
	free(up);
	aliases_out_free(&alone);
	aliases_out_free(&upper);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *fixed[] = { "root", "default", "postmaster",
	    "no-such-name-listed", "a@b.example", "" };
	char names[NAMES_MAX][NAME_LEN], err[256];
	struct aliases *a = (struct aliases *)1;
	struct aliases_out acc = { NULL, 0 };
	const char *why;
	size_t i, n;

	err[0] = '\0';
	if (aliases_parse(&a, (const char *)data, size, "fuzz", err,
	    sizeof(err)) == -1) {
		if (a != NULL || strncmp(err, "fuzz:", 5) != 0)
			abort();
		return 0;
	}
	if (a == NULL)
		abort();
	n = listed_names((const char *)data, size, names, NAMES_MAX);
	for (i = 0; i < n; i++)
		resolve(a, names[i], &acc);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		resolve(a, fixed[i], &acc);
	aliases_out_free(&acc);
	/* No table resolves nothing. */
	if (aliases_resolve(NULL, "root", &acc, &why) != -1 || acc.n != 0)
		abort();
	aliases_free(a);
	return 0;
}
