/*
 * aliases.h -- local names to addresses through an /etc/aliases file.
 *
 * The file format is aliases(5) as Postfix and sendmail read it, and as
 * msmtp's `aliases` keyword uses it:
 *
 *	# comment			(first non-blank character '#')
 *	name: value, value, ...
 *	    value, ...			(leading white space continues)
 *	default: value, ...		(any local name not listed)
 *
 * Names are plain local names (no quotes, no '@'), compared without
 * regard to case.  Values are separated by commas outside double quotes.
 * A value is an address ("a@b.example", "Name <a@b.example>"), a local
 * name (expanded again), or a local delivery target outbox cannot serve
 * ("|command", "/file", ":include:/file", "\user"): those load fine and
 * are skipped when resolving.  A name listed twice keeps its first entry
 * and the later one is ignored (Postfix's choice).
 */
#ifndef OUTBOX_ALIASES_H
#define OUTBOX_ALIASES_H

#include <stddef.h>

#define ALIASES_DEPTH_MAX	32	/* local names expanded within names */

struct aliases;

/* Addresses found by aliases_resolve(): xmalloc'd addr-specs. */
struct aliases_out {
	char	**v;
	size_t	  n;
};

/*
 * Load an aliases file (at most CONFIG_SIZE_MAX octets, lines of at most
 * CONFIG_LINE_MAX).  Returns 0 with *out owned by the caller, or -1 with
 * *out NULL and err holding "PATH:LINE: why" for a syntax fault, or
 * "PATH: why" for a file that cannot be read (strerror, not a regular
 * file, too large).
 */
int	aliases_load(struct aliases **out, const char *path, char *err,
	    size_t errlen);
/* Parse aliases text from memory; name is used in err as PATH is above. */
int	aliases_parse(struct aliases **out, const char *text, size_t len,
	    const char *name, char *err, size_t errlen);
void	aliases_free(struct aliases *);		/* NULL is fine */

/*
 * Resolve a bare local name (no '@') to addresses, appending each final
 * addr-spec to out unless out already holds it (exact match).  Listed
 * names expand to their values and local names among those recursively;
 * a name that is not listed expands through `default:` when there is
 * one.  A name met again while it is being expanded is a loop and adds
 * nothing.  A NULL table resolves nothing.
 *
 * Returns 0 when the name reaches at least one address (even if out
 * already held it), or -1 with *why (a static string) and out unchanged:
 * "not a local name", "no alias resolves it", "alias loop",
 * "only program, file, include or \\user targets",
 * "aliases nested too deeply", "too many recipients" (RCPT_MAX in out).
 */
int	aliases_resolve(const struct aliases *, const char *name,
	    struct aliases_out *out, const char **why);
/* Free the addresses and reset out to empty. */
void	aliases_out_free(struct aliases_out *);

#endif
