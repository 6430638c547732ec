/*
 * limits.h -- every bound outbox puts on data it did not produce.
 *
 * One header so that a reviewer can see at a glance how much a hostile
 * server, message or configuration file can make outbox hold.
 */
#ifndef OUTBOX_LIMITS_H
#define OUTBOX_LIMITS_H

#define REPLY_LINE_MAX		2048	/* one server reply line, CRLF excl. */
#define REPLY_LINES_MAX		128	/* lines in one multi-line reply */
#define REPLY_TEXT_MAX		16384	/* joined text of one reply */
#define EHLO_LIST_MAX		2048	/* EHLO keyword lines kept as sent
					   (--serverinfo) */
#define CMD_LINE_MAX		2048	/* one SMTP command we send */
#define AUTH_LINE_MAX		12288	/* an AUTH line (RFC 4954, 4) */
#define ADDR_MAX		998	/* one address (local@domain) */
#define HEADER_BLOCK_MAX	(1024 * 1024)	/* all header fields */
#define HEADER_FIELDS_MAX	10000	/* header fields in one message */
#define CONFIG_LINE_MAX		4096	/* one configuration line */
#define CONFIG_SIZE_MAX		(1024 * 1024)	/* one configuration file */
#define RCPT_MAX		10000	/* recipients of one message */
#define PASSWORD_MAX		8192	/* a password or token we keep */
#define IO_CHUNK		(64 * 1024)	/* read/write granularity */
#define BODY_CHUNK		(256 * 1024)	/* message read per send step */
#define BODY_SEND_MAX		(1024 * 1024)	/* ... sendfile()d per step */
#define PIPE_MAX		100	/* pipelined commands unanswered */
#define BDAT_CHUNK		(1024 * 1024)	/* BDAT chunk size (RFC 3030) */
#define WBUF_SIZE		(128 * 1024)	/* transport write buffer */
#define RBUF_SIZE		(16 * 1024)	/* transport read buffer */
#define DEFAULT_TIMEOUT_S	60
/* no greeting after this long: ask whether the port expects TLS (only
   with a timeout over twice as long, or none) */
#define GREET_PROBE_MS		3000

/* -bs: the SMTP session outbox serves on standard input and output */
#define SMTPBS_LINE_MAX		2048	/* one command line, CRLF excl. */
#define SMTPBS_RCPT_MAX		1000	/* recipients of one message */
#define SMTPBS_ERRORS_MAX	20	/* refused commands in one session */
#define SMTPBS_TIMEOUT_S	300	/* wait for the client's next bytes */
#define SMTPBS_TEXT_MAX		400	/* a submission's line in a reply */
#define SMTPBS_JSON_MAX		(256 * 1024)	/* a submission's --json */

#endif
