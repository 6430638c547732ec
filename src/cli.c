/*
 * cli.c -- the command line: sendmail flags and outbox's own options.
 */
#include "autoconf.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "xmalloc.h"

enum {
	OPT_CC = 256, OPT_BCC, OPT_REPLY_TO, OPT_FROM, OPT_HTML, OPT_BODY,
	OPT_HOST, OPT_PORT, OPT_TLS, OPT_USER, OPT_JSON, OPT_DRY_RUN,
	OPT_NO_QUEUE, OPT_SERVERINFO, OPT_LIST, OPT_FLUSH, OPT_DROP,
	OPT_PRINT_CONFIG, OPT_DEBUG, OPT_VERSION, OPT_HELP, OPT_DUE, OPT_LOGIN
};

/*
 * Every letter of Postfix's sendmail ("A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:
 * imno:p:r:q:tvx"; -q's argument is optional here), then outbox's own
 * short options, which sendmail does not use.
 */
static const char shortopts[] = ":A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:"
    "p:r:q::tvxs:a:H:";

static const struct option longopts[] = {
	{ "subject", required_argument, NULL, 's' },
	{ "attach", required_argument, NULL, 'a' },
	{ "cc", required_argument, NULL, OPT_CC },
	{ "bcc", required_argument, NULL, OPT_BCC },
	{ "reply-to", required_argument, NULL, OPT_REPLY_TO },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "header", required_argument, NULL, 'H' },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "body", required_argument, NULL, OPT_BODY },
	{ "account", required_argument, NULL, 'A' },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "tls", required_argument, NULL, OPT_TLS },
	{ "user", required_argument, NULL, OPT_USER },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "no-queue", no_argument, NULL, OPT_NO_QUEUE },
	{ "serverinfo", no_argument, NULL, OPT_SERVERINFO },
	{ "login", no_argument, NULL, OPT_LOGIN },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "flush", no_argument, NULL, OPT_FLUSH },
	{ "due", no_argument, NULL, OPT_DUE },
	{ "drop", required_argument, NULL, OPT_DROP },
	{ "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
	{ "debug", no_argument, NULL, OPT_DEBUG },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

static void
strlist_add(struct strlist *l, char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(char *));
	l->v[l->n++] = s;
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

char *
cli_notify(const char *v)
{
	char *copy = xstrdup(v), *p = copy, *tok, *out;
	int s = 0, f = 0, d = 0, never = 0, bad = 0;

	while ((tok = strsep(&p, ",")) != NULL) {
		if (strcasecmp(tok, "never") == 0)
			never = 1;
		else if (strcasecmp(tok, "success") == 0)
			s = 1;
		else if (strcasecmp(tok, "failure") == 0)
			f = 1;
		else if (strcasecmp(tok, "delay") == 0)
			d = 1;
		else
			bad = 1;
	}
	free(copy);
	if (bad || (never && (s || f || d)) || !(never || s || f || d))
		return NULL;
	if (never)
		return xstrdup("NEVER");
	out = xasprintf("%s%s%s%s%s", s ? "SUCCESS" : "",
	    s && (f || d) ? "," : "", f ? "FAILURE" : "", f && d ? "," : "",
	    d ? "DELAY" : "");
	return out;
}

/*
 * -o: -oi, and the delivery modes -odq (queue only) and -odb/-odi (send
 * now, the default); every other -oX is accepted and ignored, as
 * Postfix does (-oem, -om, -oA..., -oMr..., -oL9, ...).
 */
static void
o_flag(struct cli *c, const char *v)
{
	if (strcmp(v, "i") == 0)
		c->ignore_dots = 1;
	else if (strcmp(v, "dq") == 0)
		c->queue_only = 1;
	else if (strcmp(v, "db") == 0 || strcmp(v, "di") == 0)
		c->queue_only = 0;
}

static int
b_flag(struct cli *c, const char *v)
{
	if (strcmp(v, "m") == 0)
		c->mode = MODE_SEND;
	else if (strcmp(v, "p") == 0)
		c->mode = MODE_LIST;
	else if (strcmp(v, "i") == 0)
		c->mode = MODE_NEWALIASES;
	else if (strcmp(v, "s") == 0)
		c->mode = MODE_SMTP;
	else if (strcmp(v, "v") == 0)
		c->mode = MODE_VERIFY;
	else
		return -1;
	return 0;
}

int
cli_envid_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if ((unsigned char)s[n] < 33 || (unsigned char)s[n] > 126)
			return 0;
	return n >= 1 && n <= 100;
}

static int
has_linebreak(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

/* Apply one option; -1 with err on a bad value. */
static int
apply(struct cli *c, int opt, char *arg, char *err, size_t errlen)
{
	switch (opt) {
	case 't': c->read_rcpts = 1; break;
	case 'i': c->ignore_dots = 1; break;
	case 'o': o_flag(c, arg); break;
	case 'b':
		if (b_flag(c, arg) == -1)
			goto unknown_b;
		break;
	case 'f': case 'r': c->from = arg; break;
	case 'F': c->fullname = arg; break;
	case 'N':
		free(c->dsn_notify);
		if ((c->dsn_notify = cli_notify(arg)) == NULL) {
			snprintf(err, errlen, "-N %s: expected never, or "
			    "success, failure and delay joined by commas", arg);
			return -1;
		}
		break;
	case 'R':
		free(c->dsn_ret);
		if (strcasecmp(arg, "full") == 0)
			c->dsn_ret = xstrdup("FULL");
		else if (strcasecmp(arg, "hdrs") == 0)
			c->dsn_ret = xstrdup("HDRS");
		else {
			c->dsn_ret = NULL;
			snprintf(err, errlen, "-R %s: expected full or hdrs",
			    arg);
			return -1;
		}
		break;
	case 'V':
		if (!cli_envid_ok(arg)) {
			snprintf(err, errlen, "-V: the envelope id must be "
			    "1 to 100 printable US-ASCII characters, "
			    "without spaces");
			return -1;
		}
		c->envid = arg;
		break;
	case 'B':
		if (strcasecmp(arg, "7BIT") && strcasecmp(arg, "8BITMIME") &&
		    strcasecmp(arg, "BINARYMIME")) {
			snprintf(err, errlen, "-B %s: expected 7BIT, 8BITMIME "
			    "or BINARYMIME", arg);
			return -1;
		}
		c->body_type = arg;
		/* A binary body is read to the end: a line holding a
		   single '.' is data. */
		if ((c->binary = strcasecmp(arg, "BINARYMIME") == 0))
			c->ignore_dots = 1;
		break;
	case 'q': c->mode = MODE_FLUSH; c->queue_time = arg; break;
	case 'v': case OPT_DEBUG: c->verbose = 1; break;
	case 'C': c->config_file = arg; break;
	case 'X': c->log_file = arg; break;
	case 'L': c->syslog_tag = arg; break;
	case 'I': c->mode = MODE_NEWALIASES; break;
	/* accepted and ignored, as Postfix does (-n: as sendmail) */
	case 'O': case 'U': case 'G': case 'h': case 'n': case 'c':
	case 'e': case 'm': case 'p': case 'x':
		break;
	case 'A':
		/* sendmail's -Am and -Ac; anything else names an account */
		if (strcmp(arg, "m") && strcmp(arg, "c"))
			c->account = arg;
		break;
	case 's': c->subject = arg; break;
	case 'a': strlist_add(&c->attach, arg); break;
	case 'H': strlist_add(&c->headers, arg); break;
	case OPT_CC: strlist_add(&c->cc, arg); break;
	case OPT_BCC: strlist_add(&c->bcc, arg); break;
	case OPT_REPLY_TO: c->reply_to = arg; break;
	case OPT_FROM: c->compose_from = arg; break;
	case OPT_HTML: c->html = arg; break;
	case OPT_BODY: c->body = arg; break;
	case OPT_HOST: c->host = arg; break;
	case OPT_PORT: c->port = arg; break;
	case OPT_TLS:
		if (strcmp(arg, "on") && strcmp(arg, "off") &&
		    strcmp(arg, "starttls") && strcmp(arg, "implicit")) {
			snprintf(err, errlen, "--tls %s: expected on, off, "
			    "starttls or implicit", arg);
			return -1;
		}
		c->tls = arg;
		break;
	case OPT_USER: c->user = arg; break;
	case OPT_JSON: c->json = 1; break;
	case OPT_DRY_RUN: c->dry_run = 1; break;
	case OPT_NO_QUEUE: c->no_queue = 1; break;
	case OPT_SERVERINFO: c->mode = MODE_SERVERINFO; break;
	case OPT_LOGIN: c->mode = MODE_LOGIN; break;
	case OPT_LIST: c->mode = MODE_LIST; break;
	case OPT_FLUSH: c->mode = MODE_FLUSH; break;
	case OPT_DUE: c->due = 1; break;
	case OPT_DROP: c->mode = MODE_DROP; c->drop_id = arg; break;
	case OPT_PRINT_CONFIG: c->mode = MODE_PRINTCONFIG; break;
	case OPT_VERSION: c->mode = MODE_VERSION; break;
	case OPT_HELP: c->mode = MODE_HELP; break;
	}
	return 0;
unknown_b:
	snprintf(err, errlen, "unsupported option -b%s", arg);
	return -1;
}

static int
is_composer_opt(int opt)
{
	return opt == 's' || opt == 'a' || opt == OPT_CC || opt == OPT_BCC ||
	    opt == OPT_HTML || opt == OPT_BODY || opt == OPT_REPLY_TO;
}

/* What -bs and -bv cannot be combined with. */
static int
mode_conflict(const struct cli *c, int compose, char *err, size_t errlen)
{
	const char *m = c->mode == MODE_SMTP ? "-bs" : "-bv";

	if (c->mode != MODE_SMTP && c->mode != MODE_VERIFY)
		return 0;
	if (compose)
		snprintf(err, errlen, "composer options cannot be used with %s",
		    m);
	else if (c->mode == MODE_SMTP && c->binary)
		snprintf(err, errlen, "-B BINARYMIME cannot be used with -bs: "
		    "a message given over SMTP is text");
	else if (c->mode == MODE_SMTP && c->args.n)
		snprintf(err, errlen, "-bs takes no recipient arguments (they "
		    "come with RCPT TO)");
	else if (c->mode == MODE_SMTP && c->read_rcpts)
		snprintf(err, errlen, "-t cannot be used with -bs");
	else if (c->mode == MODE_SMTP && (c->json || c->dry_run))
		snprintf(err, errlen, "%s cannot be used with -bs: standard "
		    "output is the SMTP session", c->json ? "--json" :
		    "--dry-run");
	else
		return 0;
	return -1;
}

int
cli_parse(struct cli *c, int argc, char **argv, char *err, size_t errlen)
{
	const char *prog = argc > 0 ? base_name(argv[0]) : "outbox";
	int opt, idx, compose = 0, i;

	memset(c, 0, sizeof(*c));
	c->prog = argc > 0 ? argv[0] : NULL;
	if (strcmp(prog, "mailq") == 0)
		c->mode = MODE_LIST;
	else if (strcmp(prog, "newaliases") == 0)
		c->mode = MODE_NEWALIASES;
	opterr = 0;
	optind = 0;	/* 0, not 1: glibc then forgets any earlier argv */
	while ((opt = getopt_long(argc, argv, shortopts, longopts, &idx))
	    != -1) {
		if (opt == '?') {
			if (optopt > 0 && optopt < 256)
				snprintf(err, errlen, "unknown option -%c",
				    optopt);
			else if (optopt >= 256)
				snprintf(err, errlen, "option %s takes no "
				    "value", argv[optind - 1]);
			else
				snprintf(err, errlen, "unknown option %s",
				    argv[optind - 1]);
			goto fail;
		}
		if (opt == ':') {
			snprintf(err, errlen, "option %s needs a value",
			    argv[optind - 1]);
			goto fail;
		}
		if (has_linebreak(optarg)) {
			snprintf(err, errlen, "line break in the value of "
			    "option %s", opt < 256 ? (char[]){ '-',
			    (char)opt, 0 } : longopts[idx].name);
			goto fail;
		}
		if (is_composer_opt(opt))
			compose = 1;
		if (apply(c, opt, optarg, err, errlen) == -1)
			goto fail;
	}
	for (i = optind; i < argc; i++) {
		if (has_linebreak(argv[i])) {
			snprintf(err, errlen, "line break in argument %d", i);
			goto fail;
		}
		strlist_add(&c->args, argv[i]);
	}
	if (mode_conflict(c, compose, err, errlen) == -1)
		goto fail;
	if (compose && c->binary) {
		snprintf(err, errlen, "-B BINARYMIME cannot be used with "
		    "composer options: outbox encodes what it composes");
		goto fail;
	}
	if (compose && c->mode == MODE_SEND)
		c->mode = MODE_COMPOSE;
	return 0;
fail:
	cli_free(c);
	return -1;
}

void
cli_free(struct cli *c)
{
	free(c->attach.v);
	free(c->cc.v);
	free(c->bcc.v);
	free(c->headers.v);
	free(c->args.v);
	free(c->dsn_notify);
	free(c->dsn_ret);
	memset(c, 0, sizeof(*c));
}

const char *
cli_usage(void)
{
	return
"usage: outbox [options] [--] recipient...\n"
"       outbox -t [options] < message\n"
"       outbox -s SUBJECT [-a FILE]... recipient... [< body]\n"
"       outbox -bs [options]      (SMTP on standard input and output)\n"
"       outbox -bv [-t] recipient...\n"
"       outbox --list | -q [--due] | --flush [ID...] | --drop ID\n"
"       outbox --login [-A ACCOUNT]   (OAuth2 sign-in)\n"
"       outbox --serverinfo | --print-config | --version | --help\n"
"\n"
"sendmail options:\n"
"  -t              add recipients from To, Cc, Bcc (or Resent-*)\n"
"  -i, -oi         a line with a single '.' does not end the input\n"
"  -f ADDR, -r ADDR  envelope sender ('<>' for none)\n"
"  -F NAME         full name for an added From header\n"
"  -N DSN          never, or success,failure,delay\n"
"  -R full|hdrs    DSN return\n"
"  -V ENVID        DSN envelope id\n"
"  -B 7BIT|8BITMIME|BINARYMIME  body type; BINARYMIME: the body is sent\n"
"                  byte for byte (read to the end; needs a server with\n"
"                  CHUNKING and BINARYMIME)\n"
"  -bm             send (default); -bp list the queue; -bi, -I no-op\n"
"  -bs             speak SMTP on standard input and output; each message\n"
"                  is submitted as in sendmail mode\n"
"  -bv             print what each recipient resolves to; send nothing\n"
"  -odq            keep the message in the queue; the next -q sends it\n"
"  -q[TIME]        deliver every queued message now (TIME ignored)\n"
"  -v              print the SMTP transcript on stderr\n"
"  -C FILE         configuration file\n"
"  -X FILE         log file\n"
"  -L TAG          syslog tag\n"
"  accepted and ignored: -oem -oee -oep -oeq -oew -om -odb -odi -oA*,\n"
"                        every other -oX, -O* -U -G -h N -Am -Ac -n -c -m\n"
"                        -x -e ARG -p ARG\n"
"\n"
"outbox options:\n"
"  -s, --subject TEXT     compose a message with this subject\n"
"  -a, --attach FILE      attach a file (repeatable)\n"
"      --cc ADDR, --bcc ADDR, --reply-to ADDR, --from ADDR\n"
"  -H, --header 'N: V'    add a header field\n"
"      --html FILE        HTML alternative\n"
"      --body FILE        body text from FILE instead of stdin (at a\n"
"                         terminal the body is typed: end with ^D or '.')\n"
"  -A, --account NAME     use this account\n"
"      --host H, --port N, --tls on|off|starttls|implicit, --user U\n"
"      --json             print the outcome as JSON\n"
"      --dry-run          print envelope and message; send nothing\n"
"      --no-queue         do not queue on temporary failure (exit 75)\n"
"      --serverinfo       show the server's capabilities and certificate\n"
"      --login            sign in to the account's OAuth2 provider; the\n"
"                         tokens are stored and refreshed by outbox\n"
"      --list             list the queue\n"
"      --flush [ID...]    deliver queued (or failed/) messages now\n"
"      --due              with -q or --flush: only those due\n"
"      --drop ID          remove a queued message\n"
"      --print-config     show the settings in force (secrets masked)\n"
"      --debug            same as -v\n"
"      --version, --help\n";
}
