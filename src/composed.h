/*
 * composed.h -- the form of a message outbox composes.
 *
 * mime_write.c writes it; downgrade.c, which fits a composed message to a
 * server without 8BITMIME or SMTPUTF8 when it is sent (perhaps much later,
 * from the queue), relies on it and on nothing else.  The rules:
 *
 *  - Every boundary line starts with COMPOSED_BOUNDARY_LEAD, and no
 *    content line does: a text holding such a line is written
 *    quoted-printable, base64 cannot produce '=' followed by '_'.
 *  - The encoding of a part written 8bit is the single line
 *    COMPOSED_CTE_8BIT; text parts are written 7bit, 8bit or
 *    quoted-printable, attachments base64.
 *  - No line is longer than COMPOSED_LINE_MAX octets (CRLF not counted).
 *  - In the message's own header block, 8-bit octets occur only in
 *    addresses and msg-ids (display names and unstructured fields are
 *    RFC 2047 encoded-words); in a part's header block, never.
 *
 * tests/unit/test_mime_write.c writes messages and checks each rule, then
 * runs them through the downgrade filter.
 */
#ifndef OUTBOX_COMPOSED_H
#define OUTBOX_COMPOSED_H

#define COMPOSED_BOUNDARY_LEAD	"--=_"
#define COMPOSED_CTE_PREFIX	"Content-Transfer-Encoding: "
#define COMPOSED_CTE_8BIT	COMPOSED_CTE_PREFIX "8bit"
#define COMPOSED_LINE_MAX	998

#endif
