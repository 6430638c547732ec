/*
 * rcpt.h -- recipients: address arguments and header fields into the
 * envelope, bare local names through the aliases file, and the rewriting
 * of bare names in From, To and Cc (rewrite_local_names).
 *
 * The aliases file is read on first need.  Failures come back as -1 with
 * the result set: ERR_USAGE (64) for an address that does not parse or
 * for the first new recipient past RCPT_MAX ("too many recipients":
 * nothing after it is looked at), ERR_NOUSER (67) for a local name no
 * alias resolves, ERR_CONFIG (78) for an aliases file that cannot be
 * read or parsed.
 */
#ifndef OUTBOX_RCPT_H
#define OUTBOX_RCPT_H

#include "addr.h"
#include "aliases.h"
#include "envelope.h"
#include "msg.h"
#include "result.h"

struct rcpt {
	struct envelope	*env;		/* recipients are added here */
	const char	*aliases_path;	/* the account's `aliases`, or NULL */
	int		 rewrite;	/* rewrite_local_names */
	struct aliases	*aliases;	/* loaded on first need */
};

void	rcpt_init(struct rcpt *, struct envelope *, const char *aliases_path,
	    int rewrite);
void	rcpt_free(struct rcpt *);

/* Append a mailbox (copied) to an address list. */
void	rcpt_hdr_add(struct addr_list *, const char *spec, const char *name);

/*
 * Recipients of l into the envelope and, when hdr is not NULL, into hdr
 * as a header shows them (local names resolved when rewriting is on).
 * what says where they came from, for messages (NULL: the argument).
 */
int	rcpt_list(struct rcpt *, const struct addr_list *, const char *what,
	    struct addr_list *hdr, struct result *);
/* A command-line address list; opt names it ("recipient", "--cc ..."). */
int	rcpt_arg(struct rcpt *, const char *arg, const char *opt,
	    struct addr_list *hdr, struct result *);
/*
 * rewrite_local_names for a message read in sendmail mode: bare names in
 * From become self, in To and Cc the addresses they resolve to (names
 * nothing resolves stay).  Only fields with bare names are rewritten.
 */
int	rcpt_rewrite(struct rcpt *, struct msg *, const char *self,
	    struct result *);
/* 0 ASCII, 1 a UTF-8 domain (A-labels will do), 2 a UTF-8 local part. */
int	rcpt_utf8_level(const char *spec);

/*
 * Does a message need SMTPUTF8 (envelope.h)?  1 for UTF-8 in the
 * envelope or, in sendmail mode (m not NULL), in the header block.  (A
 * composed message's header block is known once it is written:
 * mime_write() says.)
 */
int	rcpt_smtputf8(const struct envelope *, const struct msg *);

#endif
