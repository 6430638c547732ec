/*
 * xmalloc.h -- allocation that never returns NULL.
 *
 * On exhaustion these print one line and exit EX_OSERR (71), as msmtp's
 * xalloc_die does; they are the only functions besides main() that exit.
 */
#ifndef OUTBOX_XMALLOC_H
#define OUTBOX_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
/*
 * Room for element n of an array that only ever grows through here:
 * reallocated (to twice n) only when n is 0 or a power of two, so that
 * appending n elements costs O(n) copies, not O(n^2).
 */
void	*xgrow(void *, size_t n, size_t size);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
/* Free a string that held a secret, wiping it first.  NULL is fine. */
void	 xfree_secret(char *);

#endif
