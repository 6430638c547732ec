/*
 * test_cli.c -- cli_parse over a table of command lines.
 *
 * Each row is an argv and either the exact summary of the parsed struct
 * cli (every field that differs from its zero value, in a fixed order) or
 * NULL for a command line that must be refused (exit 64).
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

#define MAXARGV	40

struct cli_case {
	const char	*argv[MAXARGV];
	const char	*want;		/* NULL: refused */
};

static const char *const mode_names[] = {
	[MODE_SEND] = "send", [MODE_COMPOSE] = "compose",
	[MODE_LIST] = "list", [MODE_FLUSH] = "flush", [MODE_DROP] = "drop",
	[MODE_NEWALIASES] = "newaliases", [MODE_VERIFY] = "verify",
	[MODE_SMTP] = "smtp", [MODE_SERVERINFO] = "serverinfo",
	[MODE_PRINTCONFIG] = "printconfig", [MODE_VERSION] = "version",
	[MODE_HELP] = "help",
};

static void
add(char *out, size_t max, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
add(char *out, size_t max, const char *fmt, ...)
{
	size_t n = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out + n, max - n, fmt, ap);
	va_end(ap);
}

static void
add_list(char *out, size_t max, const char *name, const struct strlist *l)
{
	size_t i;

	if (l->n == 0)
		return;
	add(out, max, " %s=", name);
	for (i = 0; i < l->n; i++)
		add(out, max, "%s%s", i ? "," : "", l->v[i]);
}

static void
describe(const struct cli *c, char *out, size_t max)
{
	out[0] = '\0';
	add(out, max, "mode=%s", (size_t)c->mode < sizeof(mode_names) /
	    sizeof(mode_names[0]) ? mode_names[c->mode] : "?");
#define FLAG(f, s)	if (c->f) add(out, max, " " s)
#define STR(f, s)	if (c->f) add(out, max, " " s "=%s", c->f)
	FLAG(read_rcpts, "t");
	FLAG(ignore_dots, "i");
	FLAG(binary, "binary");
	FLAG(verbose, "v");
	FLAG(dry_run, "dry-run");
	FLAG(json, "json");
	FLAG(no_queue, "no-queue");
	FLAG(queue_only, "odq");
	STR(from, "from");
	STR(fullname, "fullname");
	STR(dsn_notify, "notify");
	STR(dsn_ret, "ret");
	STR(envid, "envid");
	STR(body_type, "body-type");
	STR(config_file, "config");
	STR(log_file, "log");
	STR(syslog_tag, "tag");
	STR(account, "account");
	STR(host, "host");
	STR(port, "port");
	STR(tls, "tls");
	STR(user, "user");
	STR(queue_time, "qtime");
	STR(drop_id, "drop");
	STR(subject, "subject");
	STR(reply_to, "reply-to");
	STR(compose_from, "compose-from");
	STR(html, "html");
	STR(body, "body");
#undef FLAG
#undef STR
	add_list(out, max, "attach", &c->attach);
	add_list(out, max, "cc", &c->cc);
	add_list(out, max, "bcc", &c->bcc);
	add_list(out, max, "header", &c->headers);
	add_list(out, max, "args", &c->args);
}

static const struct cli_case cases[] = {
	/* plain sendmail use */
	{ { "outbox", "a@b" }, "mode=send args=a@b" },
	{ { "outbox" }, "mode=send" },
	{ { "outbox", "a@b", "c@d" }, "mode=send args=a@b,c@d" },
	{ { "outbox", "-t" }, "mode=send t" },
	{ { "outbox", "-i", "a@b" }, "mode=send i args=a@b" },
	{ { "outbox", "-oi", "a@b" }, "mode=send i args=a@b" },
	{ { "outbox", "-ti" }, "mode=send t i" },
	{ { "outbox", "-f", "s@x", "a@b" }, "mode=send from=s@x args=a@b" },
	{ { "outbox", "-fs@x", "a@b" }, "mode=send from=s@x args=a@b" },
	{ { "outbox", "-r", "s@x" }, "mode=send from=s@x" },
	{ { "outbox", "-f", "<>" }, "mode=send from=<>" },
	{ { "outbox", "-tif", "s@x" }, "mode=send t i from=s@x" },
	{ { "outbox", "-F", "Full Name", "a@b" },
	    "mode=send fullname=Full Name args=a@b" },
	{ { "outbox", "-V", "env-id-1" }, "mode=send envid=env-id-1" },
	{ { "outbox", "-C", "/tmp/c.conf" }, "mode=send config=/tmp/c.conf" },
	{ { "outbox", "-X", "/tmp/log" }, "mode=send log=/tmp/log" },
	{ { "outbox", "-L", "mytag" }, "mode=send tag=mytag" },
	{ { "outbox", "-v" }, "mode=send v" },
	{ { "outbox", "--debug" }, "mode=send v" },
	/* -N: DSN notify, normalised */
	{ { "outbox", "-N", "never" }, "mode=send notify=NEVER" },
	{ { "outbox", "-N", "NEVER" }, "mode=send notify=NEVER" },
	{ { "outbox", "-N", "success" }, "mode=send notify=SUCCESS" },
	{ { "outbox", "-N", "success,delay" },
	    "mode=send notify=SUCCESS,DELAY" },
	{ { "outbox", "-N", "failure,success" },
	    "mode=send notify=SUCCESS,FAILURE" },
	{ { "outbox", "-Ndelay,failure,success" },
	    "mode=send notify=SUCCESS,FAILURE,DELAY" },
	{ { "outbox", "-N", "Delay" }, "mode=send notify=DELAY" },
	{ { "outbox", "-N", "never,success" }, NULL },
	{ { "outbox", "-N", "success,never" }, NULL },
	{ { "outbox", "-N", "" }, NULL },
	{ { "outbox", "-N", "bogus" }, NULL },
	{ { "outbox", "-N", "success,,delay" }, NULL },
	{ { "outbox", "-N", "success,bogus" }, NULL },
	/* -R */
	{ { "outbox", "-R", "full" }, "mode=send ret=FULL" },
	{ { "outbox", "-R", "hdrs" }, "mode=send ret=HDRS" },
	{ { "outbox", "-R", "HDRS" }, "mode=send ret=HDRS" },
	{ { "outbox", "-R", "headers" }, NULL },
	{ { "outbox", "-R", "" }, NULL },
	/* -B */
	{ { "outbox", "-B", "8BITMIME" }, "mode=send body-type=8BITMIME" },
	{ { "outbox", "-B", "7BIT" }, "mode=send body-type=7BIT" },
	{ { "outbox", "-B", "binarymime" },
	  "mode=send i binary body-type=binarymime" },
	{ { "outbox", "-B", "BINARYMIME", "-i", "a@b" },
	  "mode=send i binary body-type=BINARYMIME args=a@b" },
	{ { "outbox", "-B", "BINARY" }, NULL },
	{ { "outbox", "-B", "BINARYMIME", "-s", "S", "a@b" }, NULL },
	{ { "outbox", "-bs", "-B", "BINARYMIME" }, NULL },
	/* -b modes */
	{ { "outbox", "-bm", "a@b" }, "mode=send args=a@b" },
	{ { "outbox", "-bp" }, "mode=list" },
	{ { "outbox", "-bi" }, "mode=newaliases" },
	{ { "outbox", "-bs" }, "mode=smtp" },
	{ { "outbox", "-bd" }, NULL },
	{ { "outbox", "-bh" }, NULL },
	{ { "outbox", "-bv", "a@b" }, "mode=verify args=a@b" },
	{ { "outbox", "-bv", "-t" }, "mode=verify t" },
	{ { "outbox", "-bv", "root", "-C", "/c" },
	    "mode=verify config=/c args=root" },
	{ { "outbox", "-b" }, NULL },
	{ { "outbox", "-I" }, "mode=newaliases" },
	/* -bs: the options each message is submitted with */
	{ { "outbox", "-bs", "-C", "/c", "-A", "work", "-v", "-odq",
	    "--no-queue", "-X", "/l", "-L", "tag", "-F", "Name" },
	    "mode=smtp v no-queue odq fullname=Name config=/c log=/l "
	    "tag=tag account=work" },
	{ { "outbox", "-bs", "-oi", "-odi", "-oem" }, "mode=smtp i" },
	{ { "outbox", "-bs", "a@b" }, NULL },
	{ { "outbox", "a@b", "-bs" }, NULL },
	{ { "outbox", "-bs", "-t" }, NULL },
	{ { "outbox", "-bs", "--json" }, NULL },
	{ { "outbox", "-bs", "--dry-run" }, NULL },
	{ { "outbox", "-bs", "-s", "S" }, NULL },
	{ { "outbox", "-bs", "--cc", "c@d" }, NULL },
	{ { "outbox", "-bv", "-s", "S", "a@b" }, NULL },
	{ { "outbox", "-bv", "-a", "f", "a@b" }, NULL },
	/* the mode is the last one given */
	{ { "outbox", "-bs", "-bm", "a@b" }, "mode=send args=a@b" },
	{ { "outbox", "-bv", "-bp" }, "mode=list" },
	/* -q */
	{ { "outbox", "-q" }, "mode=flush" },
	{ { "outbox", "-q30m" }, "mode=flush qtime=30m" },
	{ { "outbox", "--flush" }, "mode=flush" },
	{ { "outbox", "--flush", "id1", "id2" }, "mode=flush args=id1,id2" },
	/* accepted and ignored */
	{ { "outbox", "-oem" }, "mode=send" },
	{ { "outbox", "-oee" }, "mode=send" },
	{ { "outbox", "-oep" }, "mode=send" },
	{ { "outbox", "-oeq" }, "mode=send" },
	{ { "outbox", "-oew" }, "mode=send" },
	{ { "outbox", "-om" }, "mode=send" },
	{ { "outbox", "-odb" }, "mode=send" },
	{ { "outbox", "-odi" }, "mode=send" },
	{ { "outbox", "-oAfoo" }, "mode=send" },
	{ { "outbox", "-Ofoo=bar" }, "mode=send" },
	{ { "outbox", "-U" }, "mode=send" },
	{ { "outbox", "-G" }, "mode=send" },
	{ { "outbox", "-h", "5" }, "mode=send" },
	{ { "outbox", "-Am" }, "mode=send" },
	{ { "outbox", "-Ac" }, "mode=send" },
	{ { "outbox", "-n" }, "mode=send" },
	/* the rest of Postfix's letters: accepted and ignored */
	{ { "outbox", "-m", "a@b" }, "mode=send args=a@b" },
	{ { "outbox", "-c", "a@b" }, "mode=send args=a@b" },
	{ { "outbox", "-x", "a@b" }, "mode=send args=a@b" },
	{ { "outbox", "-mti" }, "mode=send t i" },
	{ { "outbox", "-e", "m", "a@b" }, "mode=send args=a@b" },
	{ { "outbox", "-em", "a@b" }, "mode=send args=a@b" },
	{ { "outbox", "-p", "ESMTP:host", "a@b" }, "mode=send args=a@b" },
	{ { "outbox", "-pESMTP:h", "a@b" }, "mode=send args=a@b" },
	{ { "outbox", "-e" }, NULL },
	{ { "outbox", "-p" }, NULL },
	/* every -oX: -oi and -od* mean something, the others nothing */
	{ { "outbox", "-oMrESMTP" }, "mode=send" },
	{ { "outbox", "-oMshost.example" }, "mode=send" },
	{ { "outbox", "-oQ" }, "mode=send" },
	{ { "outbox", "-oQ/tmp" }, "mode=send" },
	{ { "outbox", "-oL9" }, "mode=send" },
	{ { "outbox", "-o7" }, "mode=send" },
	{ { "outbox", "-o", "" }, "mode=send" },
	{ { "outbox", "-o", "i" }, "mode=send i" },
	{ { "outbox", "-oiX" }, "mode=send" },
	{ { "outbox", "-odq", "a@b" }, "mode=send odq args=a@b" },
	{ { "outbox", "-o", "dq" }, "mode=send odq" },
	{ { "outbox", "-odq", "-odi" }, "mode=send" },
	{ { "outbox", "-odq", "-odb" }, "mode=send" },
	{ { "outbox", "-odi", "-odq" }, "mode=send odq" },
	{ { "outbox", "-odd" }, "mode=send" },
	{ { "outbox", "-o" }, NULL },
	{ { "outbox", "-oem", "-oee", "-oep", "-oeq", "-oew", "-om", "-odb",
	    "-odi", "-oAfoo", "-Ofoo=bar", "-U", "-G", "-h", "5", "-Am",
	    "-Ac", "-n", "-oi", "a@b" }, "mode=send i args=a@b" },
	/* -A NAME picks an account; -Am and -Ac are sendmail's */
	{ { "outbox", "-A", "work", "a@b" },
	    "mode=send account=work args=a@b" },
	{ { "outbox", "-Awork" }, "mode=send account=work" },
	{ { "outbox", "--account", "work" }, "mode=send account=work" },
	{ { "outbox", "--account=work" }, "mode=send account=work" },
	{ { "outbox", "-A", "m" }, "mode=send" },
	/* unknown options and missing values */
	{ { "outbox", "-d" }, NULL },
	{ { "outbox", "-d0.1" }, NULL },
	{ { "outbox", "-y" }, NULL },
	{ { "outbox", "-E" }, NULL },
	{ { "outbox", "-w" }, NULL },
	{ { "outbox", "--nope" }, NULL },
	{ { "outbox", "--nope=1" }, NULL },
	{ { "outbox", "-ti", "-Z", "a@b" }, NULL },
	{ { "outbox", "a@b", "-f" }, NULL },
	{ { "outbox", "-f" }, NULL },
	{ { "outbox", "-N" }, NULL },
	{ { "outbox", "-A" }, NULL },
	{ { "outbox", "-h" }, NULL },
	{ { "outbox", "--subject" }, NULL },
	{ { "outbox", "--drop" }, NULL },
	{ { "outbox", "--tls" }, NULL },
	{ { "outbox", "--json=yes" }, NULL },
	/* argv[0] */
	{ { "sendmail", "-t" }, "mode=send t" },
	{ { "/usr/sbin/sendmail", "-oi", "-t" }, "mode=send t i" },
	{ { "mailq" }, "mode=list" },
	{ { "/usr/bin/mailq" }, "mode=list" },
	{ { "newaliases" }, "mode=newaliases" },
	{ { "/usr/bin/newaliases" }, "mode=newaliases" },
	{ { "/usr/local/bin/outbox", "-bp" }, "mode=list" },
	/* composer flags switch to MODE_COMPOSE */
	{ { "outbox", "-s", "Hello", "a@b" },
	    "mode=compose subject=Hello args=a@b" },
	{ { "outbox", "--subject", "Hi there", "a@b" },
	    "mode=compose subject=Hi there args=a@b" },
	{ { "outbox", "-a", "f1", "-a", "f2", "a@b" },
	    "mode=compose attach=f1,f2 args=a@b" },
	{ { "outbox", "--attach=f1", "a@b" },
	    "mode=compose attach=f1 args=a@b" },
	{ { "outbox", "--cc", "c@d", "--cc", "e@f", "a@b" },
	    "mode=compose cc=c@d,e@f args=a@b" },
	{ { "outbox", "--bcc", "c@d", "a@b" },
	    "mode=compose bcc=c@d args=a@b" },
	{ { "outbox", "--html", "x.html", "a@b" },
	    "mode=compose html=x.html args=a@b" },
	{ { "outbox", "--body", "x.txt", "a@b" },
	    "mode=compose body=x.txt args=a@b" },
	{ { "outbox", "--reply-to", "r@x", "a@b" },
	    "mode=compose reply-to=r@x args=a@b" },
	/* outbox options that do not compose */
	{ { "outbox", "--from", "f@x", "a@b" },
	    "mode=send compose-from=f@x args=a@b" },
	{ { "outbox", "-H", "X-Tag: 1", "a@b" },
	    "mode=send header=X-Tag: 1 args=a@b" },
	{ { "outbox", "--header", "X-A: 1", "--header", "X-B: 2" },
	    "mode=send header=X-A: 1,X-B: 2" },
	{ { "outbox", "--host", "mx.example", "--port", "2525", "--tls",
	    "starttls", "--user", "bob", "a@b" },
	    "mode=send host=mx.example port=2525 tls=starttls user=bob "
	    "args=a@b" },
	{ { "outbox", "--tls", "on" }, "mode=send tls=on" },
	{ { "outbox", "--tls", "off" }, "mode=send tls=off" },
	{ { "outbox", "--tls", "implicit" }, "mode=send tls=implicit" },
	{ { "outbox", "--tls", "yes" }, NULL },
	{ { "outbox", "--tls", "" }, NULL },
	{ { "outbox", "--json", "--dry-run", "--no-queue", "a@b" },
	    "mode=send dry-run json no-queue args=a@b" },
	{ { "outbox", "--serverinfo" }, "mode=serverinfo" },
	{ { "outbox", "--list" }, "mode=list" },
	{ { "outbox", "--drop", "ID1" }, "mode=drop drop=ID1" },
	{ { "outbox", "--print-config" }, "mode=printconfig" },
	{ { "outbox", "--version" }, "mode=version" },
	{ { "outbox", "--help" }, "mode=help" },
	/* -- ends the options */
	{ { "outbox", "--", "-t" }, "mode=send args=-t" },
	{ { "outbox", "-i", "--", "a@b", "-v" }, "mode=send i args=a@b,-v" },
	{ { "outbox", "--", "--subject" }, "mode=send args=--subject" },
	/* options after recipients (GNU permutation) */
	{ { "outbox", "a@b", "-i", "c@d" }, "mode=send i args=a@b,c@d" },
	{ { "outbox", "a@b", "-f", "s@x" }, "mode=send from=s@x args=a@b" },
	{ { "outbox", "a@b", "-s", "S", "c@d" },
	    "mode=compose subject=S args=a@b,c@d" },
	{ { "outbox", "a@b", "--", "-i" }, "mode=send args=a@b,-i" },
	/* a CR or LF anywhere on the command line: refused */
	{ { "outbox", "-s", "a\nBcc: evil@x", "a@b" }, NULL },
	{ { "outbox", "-s", "a\rb", "a@b" }, NULL },
	{ { "outbox", "--subject=a\nb", "a@b" }, NULL },
	{ { "outbox", "-f", "s@x\n", "a@b" }, NULL },
	{ { "outbox", "-fs@x\r", "a@b" }, NULL },
	{ { "outbox", "-r", "s@x\nRCPT TO:<e@x>", "a@b" }, NULL },
	{ { "outbox", "-F", "Name\nBcc: evil@x", "a@b" }, NULL },
	{ { "outbox", "-N", "success\n" }, NULL },
	{ { "outbox", "-R", "full\r" }, NULL },
	{ { "outbox", "-V", "id\n" }, NULL },
	{ { "outbox", "-B", "7BIT\n" }, NULL },
	{ { "outbox", "-C", "/tmp/c\n" }, NULL },
	{ { "outbox", "-X", "/tmp/l\n" }, NULL },
	{ { "outbox", "-L", "t\r" }, NULL },
	{ { "outbox", "-A", "w\n" }, NULL },
	{ { "outbox", "-q3\n0m" }, NULL },
	{ { "outbox", "-oAx\n" }, NULL },
	{ { "outbox", "-oQ\r" }, NULL },
	{ { "outbox", "-e", "m\n" }, NULL },
	{ { "outbox", "-p", "x\r" }, NULL },
	{ { "outbox", "-Ox=\ny" }, NULL },
	{ { "outbox", "-h", "5\n" }, NULL },
	{ { "outbox", "-a", "f\n" }, NULL },
	{ { "outbox", "-H", "X-A: 1\r\nBcc: evil@x", "a@b" }, NULL },
	{ { "outbox", "--cc", "c@d\nBcc: evil@x", "a@b" }, NULL },
	{ { "outbox", "--bcc", "c@d\r", "a@b" }, NULL },
	{ { "outbox", "--reply-to", "r@x\n", "a@b" }, NULL },
	{ { "outbox", "--from", "f@x\nBcc: e@x", "a@b" }, NULL },
	{ { "outbox", "--html", "x\n" }, NULL },
	{ { "outbox", "--body", "x\n" }, NULL },
	{ { "outbox", "--host", "h\n" }, NULL },
	{ { "outbox", "--port", "25\n" }, NULL },
	{ { "outbox", "--user", "u\r" }, NULL },
	{ { "outbox", "--account", "w\n" }, NULL },
	{ { "outbox", "--drop", "id\n" }, NULL },
	{ { "outbox", "a@b\n" }, NULL },
	{ { "outbox", "a@b", "c@d\rBcc: x" }, NULL },
	{ { "outbox", "--", "a@b\n" }, NULL },
	{ { "outbox", "--flush", "id\n" }, NULL },
	{ { "outbox", "-t", "\n" }, NULL },
};

static void
run_case(size_t idx, const struct cli_case *c)
{
	char *argv[MAXARGV + 1], err[512], got[2048];
	struct cli cli;
	int argc = 0, rc;

	/* The strings outlive the parse (as a real argv does). */
	while (argc < MAXARGV && c->argv[argc]) {
		argv[argc] = (char *)(uintptr_t)c->argv[argc];
		argc++;
	}
	argv[argc] = NULL;
	memset(err, 0, sizeof(err));
	rc = cli_parse(&cli, argc, argv, err, sizeof(err));
	if (c->want == NULL) {
		if (rc != -1) {
			describe(&cli, got, sizeof(got));
			fail_msg("case %zu (%s %s): accepted as [%s]", idx,
			    c->argv[0], c->argv[1] ? c->argv[1] : "", got);
		}
		if (err[0] == '\0' || strchr(err, '\n') != NULL)
			fail_msg("case %zu: message [%s] is not one line", idx,
			    err);
	} else {
		if (rc != 0)
			fail_msg("case %zu (%s %s): refused: %s", idx,
			    c->argv[0], c->argv[1] ? c->argv[1] : "", err);
		describe(&cli, got, sizeof(got));
		if (strcmp(got, c->want) != 0)
			fail_msg("case %zu (%s %s):\n   got  [%s]\n"
			    "   want [%s]", idx, c->argv[0],
			    c->argv[1] ? c->argv[1] : "", got, c->want);
	}
	if (rc == 0)
		cli_free(&cli);
}

static void
test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(i, &cases[i]);
}

/* The table again in reverse: no state leaks from one parse to the next. */
static void
test_table_reverse(void **state)
{
	size_t i = sizeof(cases) / sizeof(cases[0]);

	(void)state;
	while (i-- > 0)
		run_case(i, &cases[i]);
}

/*
 * cli_parse must start afresh each time: an earlier parse that stopped
 * inside a cluster of flags ("-Zt": refused at Z) must not leave the
 * rest ("t") to be read by the next parse, and a parse must not look at
 * an earlier argv once that is gone (glibc needs optind = 0 for this).
 */
static void
test_reparse(void **state)
{
	char *a1[] = { (char *)"outbox", (char *)"-Zt", NULL };
	char *a2[] = { (char *)"outbox", (char *)"a@b", NULL };
	char *a3[3];
	char err[256], got[512];
	struct cli cli;
	int i;

	(void)state;
	assert_int_equal(cli_parse(&cli, 2, a1, err, sizeof(err)), -1);
	assert_int_equal(cli_parse(&cli, 2, a2, err, sizeof(err)), 0);
	describe(&cli, got, sizeof(got));
	assert_string_equal(got, "mode=send args=a@b");
	cli_free(&cli);

	/* an argv freed after its parse */
	for (i = 0; i < 20; i++) {
		a3[0] = strdup("outbox");
		a3[1] = strdup(i % 2 ? "-ti" : "-iN");
		a3[2] = NULL;
		if (cli_parse(&cli, 2, a3, err, sizeof(err)) == 0)
			cli_free(&cli);
		free(a3[0]);
		free(a3[1]);
		a3[0] = strdup("outbox");
		a3[1] = strdup("-f");
		a3[2] = strdup("s@x");
		if (cli_parse(&cli, 3, a3, err, sizeof(err)) != 0)
			fail_msg("round %d: -f s@x refused: %s", i, err);
		describe(&cli, got, sizeof(got));
		assert_string_equal(got, "mode=send from=s@x");
		cli_free(&cli);
		free(a3[0]);
		free(a3[1]);
		free(a3[2]);
	}
}

/*
 * -V ENVID: 1 to 100 printable US-ASCII characters (RFC 3461 4.4; '+'
 * and '=' are fine, xtext encodes them), else refused naming -V.
 */
static void
test_envid(void **state)
{
	static const struct {
		const char	*v;
		int		 ok;
	} c[] = {
		{ "env-id-1", 1 },
		{ "a", 1 },
		{ "a+b=c!~\"<>[]", 1 },
		{ "", 0 },
		{ "a b", 0 },
		{ " a", 0 },
		{ "a\tb", 0 },
		{ "a\x01", 0 },
		{ "\x1b[31m", 0 },
		{ "a\x7f", 0 },
		{ "caf\xc3\xa9", 0 },
		{ "\xff", 0 },
	};
	char *argv[4], err[512], v[128];
	struct cli cli;
	size_t i;
	int rc;

	(void)state;
	argv[0] = (char *)"outbox";
	argv[1] = (char *)"-V";
	argv[3] = NULL;
	for (i = 0; i < sizeof(c) / sizeof(c[0]) + 2; i++) {
		int ok;

		if (i < sizeof(c) / sizeof(c[0])) {
			snprintf(v, sizeof(v), "%s", c[i].v);
			ok = c[i].ok;
		} else {
			/* 100 characters, then 101 */
			ok = i == sizeof(c) / sizeof(c[0]);
			memset(v, 'x', sizeof(v));
			v[ok ? 100 : 101] = '\0';
		}
		argv[2] = v;
		err[0] = '\0';
		rc = cli_parse(&cli, 3, argv, err, sizeof(err));
		if (ok) {
			if (rc != 0)
				fail_msg("envid case %zu: refused: %s", i, err);
			assert_string_equal(cli.envid, v);
			cli_free(&cli);
			continue;
		}
		if (rc != -1) {
			cli_free(&cli);
			fail_msg("envid case %zu ([%s]): accepted", i, v);
		}
		if (strstr(err, "-V") == NULL || strchr(err, '\n') != NULL)
			fail_msg("envid case %zu: message [%s] does not name "
			    "-V on one line", i, err);
	}
}

static void
test_usage(void **state)
{
	const char *u = cli_usage();

	(void)state;
	assert_non_null(u);
	assert_non_null(strstr(u, "usage:"));
	assert_non_null(strstr(u, "--subject"));
	assert_non_null(strstr(u, "-oi"));
	/* every option outbox takes and ignores is listed */
	assert_non_null(strstr(u, "-bs"));
	assert_non_null(strstr(u, "-bv"));
	assert_non_null(strstr(u, "-odq"));
	assert_non_null(strstr(u, "-I "));
	assert_non_null(strstr(u, "-e ARG"));
	assert_non_null(strstr(u, "-p ARG"));
	assert_non_null(strstr(u, "-m"));
	assert_non_null(strstr(u, "-x"));
	assert_non_null(strstr(u, "every other -oX"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_reverse),
		cmocka_unit_test(test_reparse),
		cmocka_unit_test(test_envid),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
