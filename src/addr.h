/*
 * addr.h -- RFC 5322 mailboxes and address lists.
 *
 * Pure parsing and formatting, plus IDNA conversion of domains (this is
 * the only module that includes <idn2.h>).  Addresses come back as
 * addr-specs ("local@domain", quoted local parts kept quoted, comments
 * and folding removed) with their display names; a bare local name
 * ("root") comes back without '@' for the caller to resolve.
 */
#ifndef OUTBOX_ADDR_H
#define OUTBOX_ADDR_H

#include <stddef.h>

struct addr {
	char	*spec;		/* "local@domain" or "root" */
	char	*name;		/* display name as written, or NULL */
};

struct addr_list {
	struct addr	*v;
	size_t		 n;
};

/*
 * Parse an address list (header value or command-line argument) and
 * append its mailboxes to out.  Groups contribute their members.
 * Returns 0, or -1 with *why naming the fault (out unchanged then).
 */
int	addr_parse_list(const char *, struct addr_list *out, const char **why);
void	addr_list_free(struct addr_list *);
/*
 * A header field's value for l: "Name <spec>, spec, ...", display names
 * as RFC 5322 phrases (RFC 2047 encoded-words when not ASCII); xmalloc'd.
 */
char	*addr_list_format(const struct addr_list *);

/*
 * Is spec a valid addr-spec (or bare local name if allow_local)?  A
 * domain literal must be an RFC 5321 address literal ("[192.0.2.1]",
 * "[IPv6:2001:db8::1]", "[tag:text]") of dcontent octets only, never
 * '<' or '>': an address that passes can go into MAIL or RCPT as it is.
 */
int	addr_check(const char *spec, int allow_local, const char **why);
/* The domain part of an addr-spec, or NULL. */
const char *addr_domain(const char *spec);
/*
 * Domain to ASCII: U-labels become A-labels (IDNA2008, UTS#46).
 * Returns an xmalloc'd string, or NULL with *why set.
 */
char	*addr_domain_ascii(const char *domain, const char **why);

#endif
