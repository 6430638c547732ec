/*
 * cli.h -- the command line: sendmail flags and outbox's own options.
 */
#ifndef OUTBOX_CLI_H
#define OUTBOX_CLI_H

#include <stddef.h>

enum cli_mode {
	MODE_SEND = 0,		/* sendmail: stdin is a message */
	MODE_COMPOSE,		/* composer flags: stdin is the body */
	MODE_LIST,		/* mailq, -bp, --list */
	MODE_FLUSH,		/* -q, --flush */
	MODE_DROP,		/* --drop ID */
	MODE_NEWALIASES,	/* newaliases, -bi, -I */
	MODE_VERIFY,		/* -bv: resolve recipients, send nothing */
	MODE_SMTP,		/* -bs: SMTP on stdin/stdout */
	MODE_SERVERINFO,
	MODE_LOGIN,		/* --login: OAuth2 grant */
	MODE_PRINTCONFIG,
	MODE_VERSION,
	MODE_HELP
};

struct strlist {
	char	**v;
	size_t	  n;
};

struct cli {
	enum cli_mode	 mode;
	int		 read_rcpts;	/* -t */
	int		 ignore_dots;	/* -i, -oi */
	int		 verbose;	/* -v, --debug */
	int		 dry_run;
	int		 json;
	int		 no_queue;
	int		 due;		/* --due: only entries due now */
	int		 queue_only;	/* -odq: queue, no attempt now */
	const char	*prog;		/* argv[0], as given */
	const char	*from;		/* -f, -r */
	const char	*fullname;	/* -F */
	char		*dsn_notify;	/* -N, normalised: "NEVER", ... */
	char		*dsn_ret;	/* -R: "FULL" or "HDRS" */
	const char	*envid;		/* -V */
	const char	*body_type;	/* -B */
	int		 binary;	/* -B BINARYMIME: the body is bytes,
					   taken and sent as they are */
	const char	*config_file;	/* -C */
	const char	*log_file;	/* -X */
	const char	*syslog_tag;	/* -L */
	const char	*account;	/* -A, --account */
	const char	*host;
	const char	*port;
	const char	*tls;		/* on|off|starttls|implicit */
	const char	*user;
	const char	*queue_time;	/* -q argument */
	const char	*drop_id;
	/* composer */
	const char	*subject;
	const char	*reply_to;
	const char	*compose_from;	/* --from */
	const char	*html;
	const char	*body;
	struct strlist	 attach;
	struct strlist	 cc;
	struct strlist	 bcc;
	struct strlist	 headers;
	/* what is left: recipients, or queue ids for --flush */
	struct strlist	 args;
};

/*
 * Parse argv (argv[0] picks sendmail/mailq/newaliases modes).  Returns 0,
 * or -1 with err holding a one-line message for exit 64 (then nothing is
 * left to free).
 */
int	cli_parse(struct cli *, int argc, char **argv, char *err, size_t);
void	cli_free(struct cli *);
/*
 * -N's value: "never", or success, failure and delay joined by commas
 * (any case, any order), as an xmalloc'd "NEVER" or "SUCCESS,FAILURE,
 * DELAY" in this order; NULL when it is none of those.
 */
char	*cli_notify(const char *);
/*
 * Is this a -V value: 1 to 100 printable US-ASCII characters (33-126)?
 * RFC 3461 4.4 allows that many of xtext; outbox encodes '+' and '='.
 */
int	 cli_envid_ok(const char *);
/* The --help text. */
const char *cli_usage(void);

#endif
