/*
 * test_config.c -- config_parse, inheritance, keyword types, errors with
 * file:line, config_finish derivations, config_password.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "limits.h"
#include "xmalloc.h"

/* The value of one setting as text, for table comparisons. */
static char *
get(const struct account *a, const char *key)
{
	static char v[4096];
	size_t i, n;

#define STR(f)	snprintf(v, sizeof(v), "%s", a->f ? a->f : "(null)")
#define INT(f)	snprintf(v, sizeof(v), "%d", a->f)
	if (strcmp(key, "host") == 0) {
		n = 0;
		v[0] = '\0';
		for (i = 0; i < a->nhosts; i++)
			n += (size_t)snprintf(v + n, sizeof(v) - n, "%s%s",
			    i ? "," : "", a->hosts[i]);
		if (a->nhosts == 0)
			snprintf(v, sizeof(v), "(none)");
	} else if (strcmp(key, "port") == 0) INT(port);
	else if (strcmp(key, "from") == 0) STR(from);
	else if (strcmp(key, "user") == 0) STR(user);
	else if (strcmp(key, "password") == 0) STR(password);
	else if (strcmp(key, "passwordeval") == 0) STR(passwordeval);
	else if (strcmp(key, "passwordenv") == 0) STR(passwordenv);
	else if (strcmp(key, "auth") == 0) STR(auth);
	else if (strcmp(key, "tls") == 0) INT(tls);
	else if (strcmp(key, "tls_starttls") == 0) INT(tls_starttls);
	else if (strcmp(key, "tls_trust_file") == 0) STR(tls_trust_file);
	else if (strcmp(key, "tls_fingerprint") == 0) STR(tls_fingerprint);
	else if (strcmp(key, "tls_cert_file") == 0) STR(tls_cert_file);
	else if (strcmp(key, "tls_key_file") == 0) STR(tls_key_file);
	else if (strcmp(key, "tls_priorities") == 0) STR(tls_priorities);
	else if (strcmp(key, "tls_certcheck") == 0) INT(tls_certcheck);
	else if (strcmp(key, "domain") == 0) STR(domain);
	else if (strcmp(key, "timeout") == 0) INT(timeout);
	else if (strcmp(key, "dsn_notify") == 0) STR(dsn_notify);
	else if (strcmp(key, "dsn_return") == 0) STR(dsn_return);
	else if (strcmp(key, "set_from_header") == 0) INT(set_from_header);
	else if (strcmp(key, "set_date_header") == 0) INT(set_date_header);
	else if (strcmp(key, "set_msgid_header") == 0) INT(set_msgid_header);
	else if (strcmp(key, "remove_bcc_headers") == 0)
		INT(remove_bcc_headers);
	else if (strcmp(key, "undisclosed_recipients") == 0)
		INT(undisclosed_recipients);
	else if (strcmp(key, "aliases") == 0) STR(aliases);
	else if (strcmp(key, "logfile") == 0) STR(logfile);
	else if (strcmp(key, "syslog") == 0) STR(syslog);
	else if (strcmp(key, "source_ip") == 0) STR(source_ip);
	else if (strcmp(key, "proxy_host") == 0) STR(proxy_host);
	else if (strcmp(key, "proxy_port") == 0) INT(proxy_port);
	else if (strcmp(key, "from_full_name") == 0) STR(from_full_name);
	else if (strcmp(key, "allow_from_override") == 0)
		INT(allow_from_override);
	else if (strcmp(key, "queue") == 0) INT(queue);
	else if (strcmp(key, "queue_dir") == 0) STR(queue_dir);
	else if (strcmp(key, "queue_max_age") == 0)
		snprintf(v, sizeof(v), "%ld", a->queue_max_age);
	else if (strcmp(key, "rewrite_local_names") == 0)
		INT(rewrite_local_names);
	else if (strcmp(key, "max_messages_per_connection") == 0)
		INT(max_messages_per_connection);
	else if (strcmp(key, "rate_limit") == 0) STR(rate_limit);
	else
		fail_msg("test bug: no getter for %s", key);
#undef STR
#undef INT
	return v;
}

/* ---- one keyword at a time: value in, stored value out ---------------- */

struct kw_case {
	const char	*line;		/* after "account x\n" */
	const char	*key;
	const char	*want;		/* NULL: the line is an error */
};

static const struct kw_case kw_cases[] = {
	/* bool */
	{ "tls", "tls", "1" },
	{ "tls on", "tls", "1" },
	{ "tls off", "tls", "0" },
	{ "tls maybe", "tls", NULL },
	{ "tls_certcheck off", "tls_certcheck", "0" },
	{ "remove_bcc_headers off", "remove_bcc_headers", "0" },
	{ "undisclosed_recipients on", "undisclosed_recipients", "1" },
	{ "allow_from_override off", "allow_from_override", "0" },
	{ "queue off", "queue", "0" },
	{ "rewrite_local_names off", "rewrite_local_names", "0" },
	/* tri-state */
	{ "tls_starttls on", "tls_starttls", "1" },
	{ "tls_starttls off", "tls_starttls", "0" },
	{ "tls_starttls", "tls_starttls", "1" },
	{ "tls_starttls x", "tls_starttls", NULL },
	/* port range */
	{ "port 1", "port", "1" },
	{ "port 25", "port", "25" },
	{ "port 65535", "port", "65535" },
	{ "port 0", "port", NULL },
	{ "port 65536", "port", NULL },
	{ "port 99999999999999999999", "port", NULL },
	{ "port -1", "port", NULL },
	{ "port +25", "port", NULL },
	{ "port 25x", "port", NULL },
	{ "port", "port", NULL },
	{ "port smtp", "port", NULL },
	{ "proxy_port 1080", "proxy_port", "1080" },
	{ "proxy_port 0", "proxy_port", NULL },
	/* timeout: off or seconds */
	{ "timeout off", "timeout", "0" },
	{ "timeout 45", "timeout", "45" },
	{ "timeout 0", "timeout", "0" },
	{ "timeout abc", "timeout", NULL },
	{ "timeout -5", "timeout", NULL },
	/* durations */
	{ "queue_max_age 90", "queue_max_age", "90" },
	{ "queue_max_age 90s", "queue_max_age", "90" },
	{ "queue_max_age 30m", "queue_max_age", "1800" },
	{ "queue_max_age 4h", "queue_max_age", "14400" },
	{ "queue_max_age 5d", "queue_max_age", "432000" },
	{ "queue_max_age 2w", "queue_max_age", "1209600" },
	{ "queue_max_age 5x", "queue_max_age", NULL },
	{ "queue_max_age 5dd", "queue_max_age", NULL },
	{ "queue_max_age d", "queue_max_age", NULL },
	{ "queue_max_age", "queue_max_age", NULL },
	{ "queue_max_age -1d", "queue_max_age", NULL },
	/* host lists */
	{ "host mx.example", "host", "mx.example" },
	{ "host a.example, b.example c.example", "host",
	    "a.example,b.example,c.example" },
	{ "host a.example,b.example", "host", "a.example,b.example" },
	{ "host", "host", NULL },
	/* enums */
	{ "auth on", "auth", "on" },
	{ "auth off", "auth", "off" },
	{ "auth PLAIN", "auth", "plain" },
	{ "auth login", "auth", "login" },
	{ "auth scram-sha-256", "auth", "scram-sha-256" },
	{ "auth external", "auth", "external" },
	{ "auth bogus", "auth", NULL },
	{ "dsn_return headers", "dsn_return", "headers" },
	{ "dsn_return full", "dsn_return", "full" },
	{ "dsn_return off", "dsn_return", "off" },
	{ "dsn_return x", "dsn_return", NULL },
	/* auto/on/off and auto/off */
	{ "set_from_header auto", "set_from_header", "1" },
	{ "set_from_header on", "set_from_header", "2" },
	{ "set_from_header off", "set_from_header", "0" },
	{ "set_from_header", "set_from_header", "2" },
	{ "set_from_header maybe", "set_from_header", NULL },
	{ "set_date_header off", "set_date_header", "0" },
	{ "set_date_header auto", "set_date_header", "1" },
	{ "set_date_header on", "set_date_header", NULL },
	{ "set_msgid_header off", "set_msgid_header", "0" },
	{ "set_msgid_header on", "set_msgid_header", NULL },
	/* strings, quoting */
	{ "from a@example.org", "from", "a@example.org" },
	{ "from   a@example.org   ", "from", "a@example.org" },
	{ "from\ta@example.org", "from", "a@example.org" },
	{ "from_full_name John Q. Doe", "from_full_name", "John Q. Doe" },
	{ "from_full_name \"  spaced  \"", "from_full_name", "  spaced  " },
	{ "from_full_name \"a \\\"b\\\" \\\\c\"", "from_full_name",
	    "a \"b\" \\c" },
	{ "from_full_name \"\"", "from_full_name", "" },
	{ "from_full_name \"x\"  ", "from_full_name", "x" },
	{ "from_full_name \"unterminated", "from_full_name", NULL },
	{ "from_full_name \"x\" tail", "from_full_name", NULL },
	{ "user alice", "user", "alice" },
	{ "password \"p w\\\"d\"", "password", "p w\"d" },
	{ "passwordeval pass show mail", "passwordeval", "pass show mail" },
	{ "passwordenv MYPW", "passwordenv", "MYPW" },
	{ "domain client.example", "domain", "client.example" },
	{ "dsn_notify success,failure", "dsn_notify", "success,failure" },
	{ "tls_fingerprint AB:CD", "tls_fingerprint", "AB:CD" },
	{ "tls_priorities NORMAL:-VERS-TLS1.0", "tls_priorities",
	    "NORMAL:-VERS-TLS1.0" },
	{ "syslog LOG_MAIL", "syslog", "LOG_MAIL" },
	{ "source_ip 192.0.2.1", "source_ip", "192.0.2.1" },
	{ "proxy_host proxy.example", "proxy_host", "proxy.example" },
	/* paths: ~/ expands to $HOME */
	{ "tls_trust_file ~/ca.pem", "tls_trust_file", "/home/tester/ca.pem" },
	{ "tls_trust_file /etc/ssl/ca.pem", "tls_trust_file",
	    "/etc/ssl/ca.pem" },
	{ "tls_cert_file ~/c.pem", "tls_cert_file", "/home/tester/c.pem" },
	{ "tls_key_file ~/k.pem", "tls_key_file", "/home/tester/k.pem" },
	{ "aliases ~/aliases", "aliases", "/home/tester/aliases" },
	{ "logfile ~/outbox.log", "logfile", "/home/tester/outbox.log" },
	{ "queue_dir ~/q", "queue_dir", "/home/tester/q" },
	{ "queue_dir ~other/q", "queue_dir", "~other/q" },
	{ "queue_dir ~", "queue_dir", "/home/tester" },
	/* provider limits */
	{ "max_messages_per_connection 20", "max_messages_per_connection",
	    "20" },
	{ "max_messages_per_connection 0", "max_messages_per_connection",
	    "0" },
	{ "max_messages_per_connection -1", "max_messages_per_connection",
	    NULL },
	{ "max_messages_per_connection many", "max_messages_per_connection",
	    NULL },
	{ "rate_limit 30/1m", "rate_limit", "30/1m" },
	{ "rate_limit 3600/1d", "rate_limit", "3600/1d" },
	{ "rate_limit off", "rate_limit", "off" },
	{ "rate_limit 30", "rate_limit", NULL },
	{ "rate_limit 0/1m", "rate_limit", NULL },
	{ "rate_limit 30/0", "rate_limit", NULL },
	{ "rate_limit 30/1y", "rate_limit", NULL },
	{ "rate_limit on", "rate_limit", NULL },
};

static void
test_keywords(void **state)
{
	size_t i;

	(void)state;
	setenv("HOME", "/home/tester", 1);
	for (i = 0; i < sizeof(kw_cases) / sizeof(kw_cases[0]); i++) {
		const struct kw_case *c = &kw_cases[i];
		struct config cfg;
		struct config_error err;
		char text[512];
		int rc;

		snprintf(text, sizeof(text), "account x\n%s\n", c->line);
		config_init(&cfg);
		memset(&err, 0, sizeof(err));
		rc = config_parse(&cfg, text, strlen(text), "kw.conf", 0, 1,
		    &err);
		if (c->want == NULL) {
			if (rc != -1)
				fail_msg("kw case %zu [%s]: accepted as [%s]",
				    i, c->line,
				    get(config_account(&cfg, "x"), c->key));
			if (strncmp(err.msg, "kw.conf:2: ", 11) != 0)
				fail_msg("kw case %zu [%s]: message [%s] does "
				    "not start with kw.conf:2:", i, c->line,
				    err.msg);
		} else {
			struct account *a;

			if (rc != 0)
				fail_msg("kw case %zu [%s]: rejected: %s", i,
				    c->line, err.msg);
			a = config_account(&cfg, "x");
			assert_non_null(a);
			if (strcmp(get(a, c->key), c->want) != 0)
				fail_msg("kw case %zu [%s]: %s = [%s], want "
				    "[%s]", i, c->line, c->key, get(a, c->key),
				    c->want);
		}
		config_free(&cfg);
	}
}

/* The built-in defaults of a fresh account. */
static void
test_defaults(void **state)
{
	static const struct {
		const char	*key;
		const char	*want;
	} d[] = {
		{ "tls", "1" }, { "tls_starttls", "-1" },
		{ "tls_certcheck", "1" }, { "timeout", "60" },
		{ "port", "0" }, { "host", "(none)" }, { "auth", "(null)" },
		{ "user", "(null)" }, { "set_from_header", "1" },
		{ "set_date_header", "1" }, { "set_msgid_header", "1" },
		{ "remove_bcc_headers", "1" }, { "queue", "1" },
		{ "queue_max_age", "432000" }, { "rewrite_local_names", "1" },
		{ "allow_from_override", "1" },
	};
	struct account *a = config_account_new("fresh");
	struct config cfg;
	struct config_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		if (strcmp(get(a, d[i].key), d[i].want) != 0)
			fail_msg("default %s = [%s], want [%s]", d[i].key,
			    get(a, d[i].key), d[i].want);
	assert_string_equal(a->name, "fresh");
	config_account_free(a);
	/* the same through a file with an empty account */
	config_init(&cfg);
	assert_int_equal(config_parse(&cfg, "account e\n", 10, "d.conf", 0,
	    1, &err), 0);
	a = config_account(&cfg, "e");
	assert_non_null(a);
	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		if (strcmp(get(a, d[i].key), d[i].want) != 0)
			fail_msg("file default %s = [%s], want [%s]", d[i].key,
			    get(a, d[i].key), d[i].want);
	config_free(&cfg);
}

/* ---- whole files: accounts, inheritance, default ----------------------- */

static const char inherit_text[] =
	"# outbox test configuration\n"
	"defaults\n"
	"port 2525\n"
	"tls off\n"
	"timeout 30\n"
	"\n"
	"account a\n"
	"host a.example\n"
	"from a@example.org\n"
	"user alice\n"
	"domain a.client\n"
	"\n"
	"account b : a\n"
	"host b.example\n"
	"timeout off\n"
	"\n"
	"account c : a, b\n"
	"from c@example.org\n"
	"\n"
	"defaults\n"
	"queue off\n"
	"\n"
	"account d\n"
	"  # indented comment\n"
	"\thost d.example\t \n"
	"\n"
	"account default : b\n";

static const struct {
	const char	*acct;
	const char	*key;
	const char	*want;
} inherit_checks[] = {
	{ "a", "port", "2525" }, { "a", "tls", "0" }, { "a", "timeout", "30" },
	{ "a", "host", "a.example" }, { "a", "user", "alice" },
	{ "a", "queue", "1" },
	{ "b", "host", "b.example" }, { "b", "from", "a@example.org" },
	{ "b", "user", "alice" }, { "b", "port", "2525" },
	{ "b", "timeout", "0" }, { "b", "domain", "a.client" },
	{ "c", "host", "b.example" }, { "c", "from", "c@example.org" },
	{ "c", "timeout", "0" }, { "c", "user", "alice" },
	{ "d", "host", "d.example" }, { "d", "queue", "0" },
	{ "d", "port", "2525" }, { "d", "user", "(null)" },
	{ "d", "tls", "0" },
	{ "default", "host", "b.example" }, { "default", "user", "alice" },
	{ "default", "timeout", "0" }, { "default", "port", "2525" },
};

static void
test_inheritance(void **state)
{
	struct config cfg;
	struct config_error err;
	struct account *a;
	size_t i;

	(void)state;
	config_init(&cfg);
	if (config_parse(&cfg, inherit_text, strlen(inherit_text), "i.conf",
	    0, 1, &err) != 0)
		fail_msg("rejected: %s", err.msg);
	for (i = 0; i < sizeof(inherit_checks) / sizeof(inherit_checks[0]);
	    i++) {
		a = config_account(&cfg, inherit_checks[i].acct);
		if (a == NULL)
			fail_msg("no account %s", inherit_checks[i].acct);
		if (strcmp(get(a, inherit_checks[i].key),
		    inherit_checks[i].want) != 0)
			fail_msg("%s.%s = [%s], want [%s]",
			    inherit_checks[i].acct, inherit_checks[i].key,
			    get(a, inherit_checks[i].key),
			    inherit_checks[i].want);
	}
	assert_null(config_account(&cfg, "nonesuch"));
	/* account by from: case-insensitive, the first one */
	a = config_account_by_from(&cfg, "A@EXAMPLE.ORG");
	assert_non_null(a);
	assert_string_equal(a->name, "a");
	a = config_account_by_from(&cfg, "c@example.org");
	assert_non_null(a);
	assert_string_equal(a->name, "c");
	assert_null(config_account_by_from(&cfg, "z@example.org"));
	config_free(&cfg);
}

/* Settings before the first account form the account "default". */
static void
test_leading_settings(void **state)
{
	static const char text[] =
	    "host mx.example\n"
	    "port 587\n"
	    "user bob\n"
	    "account other\n"
	    "host other.example\n";
	struct config cfg;
	struct config_error err;
	struct account *a;

	(void)state;
	config_init(&cfg);
	if (config_parse(&cfg, text, strlen(text), "l.conf", 0, 1, &err))
		fail_msg("rejected: %s", err.msg);
	a = config_account(&cfg, "default");
	assert_non_null(a);
	assert_string_equal(get(a, "host"), "mx.example");
	assert_string_equal(get(a, "port"), "587");
	assert_string_equal(get(a, "user"), "bob");
	a = config_account(&cfg, "other");
	assert_non_null(a);
	assert_string_equal(get(a, "host"), "other.example");
	/* an account inherits from defaults, not from "default" */
	assert_string_equal(get(a, "port"), "0");
	assert_string_equal(get(a, "user"), "(null)");
	config_free(&cfg);
}

/* CRLF line ends and a last line without a newline. */
static void
test_line_ends(void **state)
{
	static const char text[] = "account a\r\nhost h.example\r\nport 26";
	struct config cfg;
	struct config_error err;
	struct account *a;

	(void)state;
	config_init(&cfg);
	if (config_parse(&cfg, text, strlen(text), "crlf.conf", 0, 1, &err))
		fail_msg("rejected: %s", err.msg);
	a = config_account(&cfg, "a");
	assert_non_null(a);
	assert_string_equal(get(a, "host"), "h.example");
	assert_string_equal(get(a, "port"), "26");
	config_free(&cfg);
}

/* A later file's account replaces an earlier file's; not so in one file. */
static void
test_two_files(void **state)
{
	static const char sys[] = "account a\nhost sys.example\nport 26\n";
	static const char usr[] = "account a\nhost usr.example\n";
	struct config cfg;
	struct config_error err;
	struct account *a;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_parse(&cfg, sys, strlen(sys), "/etc/o.conf",
	    0, 1, &err), 0);
	if (config_parse(&cfg, usr, strlen(usr), "/home/u/o.conf", 0, 1,
	    &err))
		fail_msg("second file rejected: %s", err.msg);
	a = config_account(&cfg, "a");
	assert_non_null(a);
	assert_string_equal(get(a, "host"), "usr.example");
	assert_string_equal(get(a, "port"), "0");
	assert_int_equal(cfg.nacct, 1);
	config_free(&cfg);
}

/* ---- errors: exact file:line ------------------------------------------- */

struct err_case {
	const char	*text;
	int		 msmtp;
	int		 perm_ok;
	const char	*prefix;	/* the message starts with this */
	const char	*contains;	/* and contains this */
};

static const struct err_case err_cases[] = {
	{ "account a\nhost h\nbogus_key 1\n", 0, 1, "e.conf:3: ",
	    "bogus_key" },
	{ "\n# c\n\naccount a\n\nport 99999\n", 0, 1, "e.conf:6: ",
	    "port" },
	{ "bogus_key 1\n", 0, 1, "e.conf:1: ", "bogus_key" },
	{ "defaults\nnonesuch x\n", 0, 1, "e.conf:2: ", "nonesuch" },
	{ "account a\nhost h\npassword secret\n", 0, 0, "e.conf:3: ", "" },
	{ "account a\nhost h\npassword secret\n", 1, 0, "e.conf:3: ", "" },
	{ "defaults\npassword secret\n", 0, 0, "e.conf:2: ", "" },
	{ "account a\nhost h\naccount a\nhost i\n", 0, 1, "e.conf:3: ",
	    "a" },
	{ "account a\nhost h\naccount b : nope\n", 0, 1, "e.conf:3: ",
	    "nope" },
	{ "account a\naccount b : a, nope\n", 0, 1, "e.conf:2: ", "nope" },
	{ "account\n", 0, 1, "e.conf:1: ", "" },
	{ "account a\nfrom \"x\n", 0, 1, "e.conf:2: ", "" },
	{ "account a\nhost h\ntls yes\n", 0, 1, "e.conf:3: ", "tls" },
	{ "account a\nauth bogus\n", 0, 1, "e.conf:2: ", "auth" },
	/* defined before use: a parent must come first */
	{ "account b : a\naccount a\n", 0, 1, "e.conf:1: ", "a" },
	/* the implicit "default" and an explicit one in the same file */
	{ "host h\naccount default\n", 0, 1, "e.conf:2: ", "default" },
};

static void
test_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		struct config cfg;
		struct config_error err;
		int rc;

		config_init(&cfg);
		memset(&err, 0, sizeof(err));
		rc = config_parse(&cfg, c->text, strlen(c->text), "e.conf",
		    c->msmtp, c->perm_ok, &err);
		if (rc != -1)
			fail_msg("err case %zu: accepted", i);
		if (strncmp(err.msg, c->prefix, strlen(c->prefix)) != 0)
			fail_msg("err case %zu: [%s] does not start with [%s]",
			    i, err.msg, c->prefix);
		if (strstr(err.msg + strlen(c->prefix), c->contains) == NULL)
			fail_msg("err case %zu: [%s] does not name [%s]", i,
			    err.msg, c->contains);
		/* the password itself never appears in a message */
		assert_null(strstr(err.msg, "secret"));
		config_free(&cfg);
	}
}

/* A line longer than CONFIG_LINE_MAX, and a NUL byte. */
static void
test_errors_bounds(void **state)
{
	size_t n = CONFIG_LINE_MAX + 50;
	char *text = malloc(n + 32);
	struct config cfg;
	struct config_error err;

	(void)state;
	memcpy(text, "account a\nfrom ", 15);
	memset(text + 15, 'x', n);
	text[15 + n] = '\n';
	config_init(&cfg);
	assert_int_equal(config_parse(&cfg, text, 16 + n, "b.conf", 0, 1,
	    &err), -1);
	assert_true(strncmp(err.msg, "b.conf:2: ", 10) == 0);
	config_free(&cfg);
	config_init(&cfg);
	assert_int_equal(config_parse(&cfg, "account a\nhost h\0x\n", 19,
	    "b.conf", 0, 1, &err), -1);
	assert_true(strncmp(err.msg, "b.conf:2: ", 10) == 0);
	config_free(&cfg);
	free(text);
}

/* Run f with stderr going to a buffer. */
static int
capture_stderr(char *out, size_t max, int (*f)(void *), void *arg)
{
	FILE *tmp = tmpfile();
	int saved = dup(2), rc;
	size_t n;

	fflush(stderr);
	dup2(fileno(tmp), 2);
	rc = f(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, max - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return rc;
}

struct parse_args {
	struct config		*cfg;
	const char		*text;
	int			 msmtp;
	struct config_error	*err;
};

static int
do_parse(void *v)
{
	struct parse_args *p = v;

	return config_parse(p->cfg, p->text, strlen(p->text), "m.rc",
	    p->msmtp, 1, p->err);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/*
 * msmtp files: keywords outbox knowingly ignores are silent, unknown
 * keywords are warnings (each keyword once), refused ones are errors.
 */
static void
test_msmtp_mode(void **state)
{
	static const char text[] =
	    "defaults\n"
	    "made_up_key 1\n"
	    "protocol smtp\n"
	    "account a\n"
	    "host h.example\n"
	    "made_up_key 2\n"
	    "tls_min_dh_prime_bits 1024\n"
	    "other_key 1\n"
	    "port 2626\n";
	static const char lmtp[] = "account a\nhost h\nprotocol lmtp\n";
	struct config cfg;
	struct config_error err;
	struct parse_args pa = { &cfg, text, 1, &err };
	char out[4096];
	struct account *a;

	(void)state;
	config_init(&cfg);
	if (capture_stderr(out, sizeof(out), do_parse, &pa) != 0)
		fail_msg("msmtp file rejected: %s", err.msg);
	a = config_account(&cfg, "a");
	assert_non_null(a);
	assert_string_equal(get(a, "host"), "h.example");
	assert_string_equal(get(a, "port"), "2626");
	assert_int_equal(count(out, "made_up_key"), 1);
	assert_int_equal(count(out, "other_key"), 1);
	assert_int_equal(count(out, "protocol"), 0);
	assert_int_equal(count(out, "tls_min_dh_prime_bits"), 0);
	assert_non_null(strstr(out, "m.rc:2"));
	assert_non_null(strstr(out, "m.rc:8"));
	config_free(&cfg);

	/* the same text in outbox's own file: an error at line 2 */
	config_init(&cfg);
	pa.msmtp = 0;
	assert_int_equal(capture_stderr(out, sizeof(out), do_parse, &pa), -1);
	assert_true(strncmp(err.msg, "m.rc:2: ", 8) == 0);
	assert_non_null(strstr(err.msg, "made_up_key"));
	config_free(&cfg);

	/* a value outbox cannot honour is an error even in msmtp files */
	config_init(&cfg);
	pa.text = lmtp;
	pa.msmtp = 1;
	assert_int_equal(capture_stderr(out, sizeof(out), do_parse, &pa), -1);
	assert_true(strncmp(err.msg, "m.rc:3: ", 8) == 0);
	assert_non_null(strstr(err.msg, "lmtp"));
	config_free(&cfg);
}

/* passwordeval and passwordenv need no private file; password does. */
static void
test_password_perm(void **state)
{
	static const char *const ok[] = {
		"account a\npasswordeval echo x\n",
		"account a\npasswordenv PW\n",
		"account a\nuser u\n",
	};
	struct config cfg;
	struct config_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		config_init(&cfg);
		if (config_parse(&cfg, ok[i], strlen(ok[i]), "p.conf", 0, 0,
		    &err) != 0)
			fail_msg("perm case %zu rejected: %s", i, err.msg);
		config_free(&cfg);
	}
	config_init(&cfg);
	assert_int_equal(config_parse(&cfg, "account a\npassword pw\n", 22,
	    "p.conf", 0, 1, &err), 0);
	assert_string_equal(config_account(&cfg, "a")->password, "pw");
	config_free(&cfg);
}

/*
 * A setgid outbox (config.sealed): a user's account may not inherit a
 * secret of a system account, nor take one through the system file's
 * `defaults`; without secrets, or unsealed, inheritance is as before.
 */
static void
test_sealed(void **state)
{
	/* "open" comes before `defaults`: it holds no secret */
	static const char sys[] = "account open\nhost sys.example\n"
	    "defaults\npassword dpw\ntimeout 7\n"
	    "account s\nhost sys.example\nuser u\npassword spw\n";
	static const char *const bad[] = {
		"account mine : s\nhost evil.example\n",
		"account mine : open, s\n",
	};
	char dir[] = "/tmp/outbox-sealed-XXXXXX", *path;
	struct config cfg;
	struct config_error err;
	struct account *a;
	size_t i;
	FILE *fp;

	(void)state;
	for (i = 0; i < 2; i++) {
		config_init(&cfg);
		cfg.sealed = 1;
		assert_int_equal(config_parse(&cfg, sys, strlen(sys),
		    CONFIG_SYSTEM_FILE, 0, 1, &err), 0);
		if (config_parse(&cfg, bad[i], strlen(bad[i]), "/home/u/c", 0,
		    1, &err) != -1)
			fail_msg("case %zu: a system secret was inherited", i);
		if (strstr(err.msg, "system account 's'") == NULL)
			fail_msg("case %zu: %s", i, err.msg);
		config_free(&cfg);
		/* unsealed (no setgid): allowed, as before */
		config_init(&cfg);
		assert_int_equal(config_parse(&cfg, sys, strlen(sys),
		    CONFIG_SYSTEM_FILE, 0, 1, &err), 0);
		assert_int_equal(config_parse(&cfg, bad[i], strlen(bad[i]),
		    "/home/u/c", 0, 1, &err), 0);
		config_free(&cfg);
	}
	/* through the user's file as config_load_user() reads it: the
	   system `defaults` keep their other settings, not the password */
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/outbox", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	free(path);
	path = xasprintf("%s/outbox/config", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("account mine : open\nhost usr.example\n", fp);
	fclose(fp);
	setenv("XDG_CONFIG_HOME", dir, 1);
	config_init(&cfg);
	cfg.sealed = 1;
	assert_int_equal(config_parse(&cfg, sys, strlen(sys),
	    CONFIG_SYSTEM_FILE, 0, 1, &err), 0);
	if (config_load_user(&cfg, 0, &err) != 0)
		fail_msg("user file refused: %s", err.msg);
	a = config_account(&cfg, "mine");
	assert_non_null(a);
	assert_null(a->password);
	assert_int_equal(a->timeout, 7);
	assert_string_equal(get(a, "host"), "usr.example");
	assert_string_equal(config_account(&cfg, "s")->password, "spw");
	config_free(&cfg);
	unlink(path);
	free(path);
	path = xasprintf("%s/outbox", dir);
	rmdir(path);
	free(path);
	rmdir(dir);
	unsetenv("XDG_CONFIG_HOME");
}

/* ---- config_finish ------------------------------------------------------ */

static void
test_finish(void **state)
{
	static const struct {
		int		 port, tls, starttls;
		const char	*user, *auth;
		int		 rc;
		enum tls_mode	 mode;
		int		 port_out, auth_on;
	} f[] = {
		{ 0, 1, -1, NULL, NULL, 0, TLSM_STARTTLS, 587, 0 },
		{ 465, 1, -1, NULL, NULL, 0, TLSM_IMPLICIT, 465, 0 },
		{ 0, 0, -1, NULL, NULL, 0, TLSM_OFF, 25, 0 },
		{ 0, 0, 1, NULL, NULL, 0, TLSM_OFF, 25, 0 },
		{ 465, 0, -1, NULL, NULL, 0, TLSM_OFF, 465, 0 },
		{ 465, 1, 1, NULL, NULL, 0, TLSM_STARTTLS, 465, 0 },
		{ 0, 1, 1, NULL, NULL, 0, TLSM_STARTTLS, 587, 0 },
		{ 0, 1, 0, NULL, NULL, 0, TLSM_IMPLICIT, 465, 0 },
		{ 587, 1, 0, NULL, NULL, 0, TLSM_IMPLICIT, 587, 0 },
		{ 2525, 0, -1, NULL, NULL, 0, TLSM_OFF, 2525, 0 },
		{ 2525, 1, -1, NULL, NULL, 0, TLSM_STARTTLS, 2525, 0 },
		/* auth on iff a user is set, unless `auth` says */
		{ 0, 1, -1, "u", NULL, 0, TLSM_STARTTLS, 587, 1 },
		{ 0, 1, -1, "u", "off", 0, TLSM_STARTTLS, 587, 0 },
		{ 0, 1, -1, "u", "on", 0, TLSM_STARTTLS, 587, 1 },
		{ 0, 1, -1, "u", "plain", 0, TLSM_STARTTLS, 587, 1 },
		{ 0, 1, -1, NULL, "off", 0, TLSM_STARTTLS, 587, 0 },
		{ 0, 1, -1, NULL, "external", 0, TLSM_STARTTLS, 587, 1 },
		{ 0, 1, -1, NULL, "on", -1, TLSM_STARTTLS, 587, 1 },
		{ 0, 1, -1, NULL, "plain", -1, TLSM_STARTTLS, 587, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		struct account *a = config_account_new("f");
		struct config_error err;
		int rc;

		a->port = f[i].port;
		a->tls = f[i].tls;
		a->tls_starttls = f[i].starttls;
		a->user = f[i].user ? strdup(f[i].user) : NULL;
		a->auth = f[i].auth ? strdup(f[i].auth) : NULL;
		memset(&err, 0, sizeof(err));
		rc = config_finish(a, &err);
		if (rc != f[i].rc)
			fail_msg("finish case %zu: rc %d, want %d (%s)", i, rc,
			    f[i].rc, err.msg);
		if (rc == 0) {
			if ((int)a->tls_mode != (int)f[i].mode)
				fail_msg("finish case %zu: mode %d, want %d", i,
				    a->tls_mode, f[i].mode);
			if (a->port != f[i].port_out)
				fail_msg("finish case %zu: port %d, want %d", i,
				    a->port, f[i].port_out);
			if (a->auth_on != f[i].auth_on)
				fail_msg("finish case %zu: auth_on %d, want %d",
				    i, a->auth_on, f[i].auth_on);
		} else
			assert_true(err.msg[0] != '\0');
		config_account_free(a);
	}
}

/* config_set: command-line overrides, with the same checks. */
static void
test_set(void **state)
{
	struct account *a = config_account_new("cli");
	struct config_error err;

	(void)state;
	assert_int_equal(config_set(a, "port", "2525", "--port", &err), 0);
	assert_int_equal(a->port, 2525);
	assert_int_equal(config_set(a, "port", "0", "--port", &err), -1);
	assert_true(strncmp(err.msg, "--port: ", 8) == 0);
	assert_int_equal(a->port, 2525);
	assert_int_equal(config_set(a, "host", "a.example,b.example",
	    "--host", &err), 0);
	assert_int_equal(a->nhosts, 2);
	assert_int_equal(config_set(a, "nonesuch", "x", "--x", &err), -1);
	assert_non_null(strstr(err.msg, "nonesuch"));
	assert_int_equal(config_set(a, "from", "a@b\nBcc: x@y", "--from",
	    &err), -1);
	assert_int_equal(config_set(a, "user", "u\r", "--user", &err), -1);
	assert_null(a->user);
	config_account_free(a);
}

/* ---- config_password ---------------------------------------------------- */

struct pw_case {
	const char	*password;
	const char	*eval;
	const char	*env;		/* passwordenv name */
	const char	*env_value;	/* its value, NULL: unset */
	const char	*outbox_pw;	/* $OUTBOX_PASSWORD, NULL: unset */
	int		 rc;
	const char	*want;		/* NULL: *out must be NULL */
	const char	*msg;		/* on error, in the message */
};

static const struct pw_case pw_cases[] = {
	{ .password = "pw", .rc = 0, .want = "pw" },
	{ .password = "pw", .eval = "echo other", .rc = 0, .want = "pw" },
	{ .eval = "echo secret", .rc = 0, .want = "secret" },
	{ .eval = "printf 'no newline'", .rc = 0, .want = "no newline" },
	{ .eval = "printf 'l1\\nl2\\n'", .rc = 0, .want = "l1" },
	{ .eval = "printf 'crlf\\r\\n'", .rc = 0, .want = "crlf" },
	{ .eval = "echo '  spaces kept  '", .rc = 0,
	    .want = "  spaces kept  " },
	{ .eval = "echo secret; echo chatter >&2", .rc = 0,
	    .want = "secret" },
	{ .eval = "echo oops-on-stderr >&2; exit 3", .rc = -1,
	    .msg = "oops-on-stderr" },
	{ .eval = "exit 1", .rc = -1, .msg = "exit 1" },
	{ .eval = "/nonexistent/command", .rc = -1, .msg = "" },
	{ .eval = "true", .rc = -1, .msg = "" },
	{ .eval = "printf '\\n'", .rc = -1, .msg = "" },
	{ .eval = "printf '\\nsecond'", .rc = -1, .msg = "" },
	{ .eval = "head -c 9000 /dev/zero | tr '\\000' x", .rc = -1,
	    .msg = "" },
	{ .eval = "head -c 100000 /dev/zero | tr '\\000' x; echo", .rc = -1,
	    .msg = "" },
	{ .env = "TEST_OUTBOX_PW", .env_value = "from-env", .rc = 0,
	    .want = "from-env" },
	{ .env = "TEST_OUTBOX_PW", .env_value = NULL, .rc = -1,
	    .msg = "TEST_OUTBOX_PW" },
	{ .env = "TEST_OUTBOX_PW", .env_value = "", .rc = -1,
	    .msg = "TEST_OUTBOX_PW" },
	{ .env = "TEST_OUTBOX_PW", .env_value = "e", .outbox_pw = "o",
	    .rc = 0, .want = "e" },
	{ .outbox_pw = "from-outbox-env", .rc = 0,
	    .want = "from-outbox-env" },
	{ .password = "file", .outbox_pw = "o", .rc = 0, .want = "file" },
	{ .rc = 0, .want = NULL },
	{ .outbox_pw = "", .rc = 0, .want = NULL },
};

static void
run_pw_case(size_t i, const struct pw_case *c)
{
	struct account *a = config_account_new("pwtest");
	struct config_error err;
	char *out = (char *)"junk";
	int rc;

	a->timeout = 10;
	a->password = c->password ? strdup(c->password) : NULL;
	a->passwordeval = c->eval ? strdup(c->eval) : NULL;
	a->passwordenv = c->env ? strdup(c->env) : NULL;
	if (c->env && c->env_value)
		setenv(c->env, c->env_value, 1);
	else if (c->env)
		unsetenv(c->env);
	if (c->outbox_pw)
		setenv("OUTBOX_PASSWORD", c->outbox_pw, 1);
	else
		unsetenv("OUTBOX_PASSWORD");
	memset(&err, 0, sizeof(err));
	rc = config_password(a, &out, &err);
	if (rc != c->rc)
		fail_msg("password case %zu: rc %d, want %d (%s)", i,
		    rc, c->rc, err.msg);
	if (rc == 0 && c->want == NULL && out != NULL)
		fail_msg("password case %zu: [%s], want none", i, out);
	if (rc == 0 && c->want != NULL && (out == NULL ||
	    strcmp(out, c->want) != 0))
		fail_msg("password case %zu: [%s], want [%s]", i,
		    out ? out : "(null)", c->want);
	if (rc == -1) {
		assert_true(err.msg[0] != '\0');
		if (strstr(err.msg, c->msg) == NULL)
			fail_msg("password case %zu: [%s] lacks [%s]",
			    i, err.msg, c->msg);
	}
	if (rc == 0)
		free(out);
	config_account_free(a);
	unsetenv("OUTBOX_PASSWORD");
	unsetenv("TEST_OUTBOX_PW");
}

static void
test_password(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pw_cases) / sizeof(pw_cases[0]); i++)
		run_pw_case(i, &pw_cases[i]);
}

/*
 * A command that succeeds but writes a lot on stderr (gpg warnings, say)
 * still gives its password: only stdout is bounded by PASSWORD_MAX.
 */
static void
test_password_stderr_chatter(void **state)
{
	static const struct pw_case c = {
		.eval = "head -c 5000 /dev/zero | tr '\\000' w >&2; "
		    "echo secret",
		.rc = 0, .want = "secret",
	};

	(void)state;
	run_pw_case(0, &c);
}

/*
 * config_password_check: a user with authentication needs a password,
 * except with EXTERNAL; XOAUTH2 and OAUTHBEARER need theirs (the token).
 */
static const struct {
	const char	*user;
	const char	*auth;		/* the `auth` setting, NULL: unset */
	const char	*password;	/* what config_password gave */
	int		 rc;
} need_cases[] = {
	{ "joe", NULL, NULL, -1 },
	{ "joe", NULL, "pw", 0 },
	{ "joe", "on", NULL, -1 },
	{ "joe", "plain", NULL, -1 },
	{ "joe", "scram-sha-256", NULL, -1 },
	{ "joe", "xoauth2", NULL, -1 },
	{ "joe", "oauthbearer", NULL, -1 },
	{ "joe", "oauthbearer", "token", 0 },
	{ "joe", "external", NULL, 0 },
	{ NULL, "external", NULL, 0 },
	{ "joe", "off", NULL, 0 },
	{ NULL, NULL, NULL, 0 },
	{ "joe", NULL, "", 0 },
};

static void
test_password_check(void **state)
{
	struct config_error err;
	struct account *a;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(need_cases) / sizeof(need_cases[0]); i++) {
		a = config_account_new("acc");
		a->user = need_cases[i].user ? strdup(need_cases[i].user) :
		    NULL;
		a->auth = need_cases[i].auth ? strdup(need_cases[i].auth) :
		    NULL;
		memset(&err, 0, sizeof(err));
		assert_int_equal(config_finish(a, &err), 0);
		rc = config_password_check(a, need_cases[i].password, &err);
		if (rc != need_cases[i].rc)
			fail_msg("need case %zu: rc %d, want %d", i, rc,
			    need_cases[i].rc);
		if (rc == -1 && strcmp(err.msg, "account acc: user set but "
		    "no password: set password, passwordeval or passwordenv "
		    "(or OUTBOX_PASSWORD in the environment)") != 0)
			fail_msg("need case %zu: [%s]", i, err.msg);
		config_account_free(a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_inheritance),
		cmocka_unit_test(test_leading_settings),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_two_files),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors_bounds),
		cmocka_unit_test(test_msmtp_mode),
		cmocka_unit_test(test_password_perm),
		cmocka_unit_test(test_sealed),
		cmocka_unit_test(test_finish),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_password_stderr_chatter),
		cmocka_unit_test(test_password_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
