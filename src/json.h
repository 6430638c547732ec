/*
 * json.h -- the --json outcome object.
 *
 * One object on one line, valid JSON whatever bytes the server sent:
 * invalid UTF-8 becomes U+FFFD, control characters are escaped.
 */
#ifndef OUTBOX_JSON_H
#define OUTBOX_JSON_H

#include <stdio.h>

#include "buf.h"
#include "result.h"

struct json_outcome {
	const char		*status;	/* "sent", "queued", "failed" */
	int			 exit;
	const struct result	*r;
	const char		*queue_id;	/* or NULL */
	const char		*message_id;	/* or NULL */
};

/* Append s as a JSON string (with quotes); NULL gives null. */
void	json_string(struct buf *, const char *s);
void	json_print(FILE *, const struct json_outcome *);

#endif
