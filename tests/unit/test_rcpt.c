/*
 * test_rcpt.c -- recipients through the aliases file into the envelope
 * and the header lists, the errors and their exit classes, the rewriting
 * of bare names in From, To and Cc, and the SMTPUTF8 levels.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "envelope.h"
#include "limits.h"
#include "msg.h"
#include "rcpt.h"
#include "xmalloc.h"

static char path[] = "/tmp/test_rcpt.XXXXXX";

static int
setup(void **state)
{
	static const char text[] =
	    "root: admin\n"
	    "admin: ops@example.org, dev\n"
	    "dev: Dev Team <dev@example.org>\n"
	    "loop1: loop2\n"
	    "loop2: loop1\n";
	int fd = mkstemp(path);

	(void)state;
	if (fd == -1 || write(fd, text, sizeof(text) - 1) !=
	    (ssize_t)sizeof(text) - 1)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void
test_args(void **state)
{
	struct envelope env;
	struct rcpt rc;
	struct result r;
	struct addr_list hdr = { NULL, 0 };

	(void)state;
	envelope_init(&env);
	result_init(&r);
	rcpt_init(&rc, &env, path, 1);
	assert_int_equal(rcpt_arg(&rc, "Boss <root>, x@example.org",
	    "recipient", &hdr, &r), 0);
	assert_int_equal(env.nrcpt, 3);
	assert_string_equal(env.rcpt[0], "ops@example.org");
	assert_string_equal(env.rcpt[1], "dev@example.org");
	assert_string_equal(env.rcpt[2], "x@example.org");
	/* two addresses: the display name cannot go with both */
	assert_int_equal(hdr.n, 3);
	assert_null(hdr.v[0].name);
	assert_string_equal(hdr.v[2].spec, "x@example.org");
	/* one address: the name stays */
	assert_int_equal(rcpt_arg(&rc, "Dev <dev>", "--cc address", &hdr,
	    &r), 0);
	assert_int_equal(hdr.n, 4);
	assert_string_equal(hdr.v[3].spec, "dev@example.org");
	assert_string_equal(hdr.v[3].name, "Dev");
	assert_int_equal(env.nrcpt, 3);		/* no duplicate */
	/* a loop resolves to nothing: 67 */
	assert_int_equal(rcpt_arg(&rc, "loop1", "recipient", NULL, &r), -1);
	assert_int_equal(result_exit(&r), 67);
	/* bad syntax and bad IDNA: 64 naming the argument */
	assert_int_equal(rcpt_arg(&rc, "a@@b", "recipient", NULL, &r), -1);
	assert_int_equal(result_exit(&r), 64);
	assert_non_null(strstr(r.text, "'a@@b'"));
	assert_int_equal(rcpt_arg(&rc, "a@\xe2\x98\x83-\xe2\x8c\x98.example",
	    "recipient", NULL, &r), -1);
	assert_int_equal(result_exit(&r), 64);
	rcpt_free(&rc);
	/* rewriting off: the header keeps the bare name */
	rcpt_init(&rc, &env, path, 0);
	assert_int_equal(rcpt_arg(&rc, "root", "recipient", &hdr, &r), 0);
	assert_string_equal(hdr.v[hdr.n - 1].spec, "root");
	rcpt_free(&rc);
	/* no aliases file: 67; an unreadable one: 78 */
	rcpt_init(&rc, &env, NULL, 1);
	assert_int_equal(rcpt_arg(&rc, "root", "recipient", NULL, &r), -1);
	assert_int_equal(result_exit(&r), 67);
	rcpt_free(&rc);
	rcpt_init(&rc, &env, "/nonexistent/aliases", 1);
	assert_int_equal(rcpt_arg(&rc, "root", "recipient", NULL, &r), -1);
	assert_int_equal(result_exit(&r), 78);
	rcpt_free(&rc);
	addr_list_free(&hdr);
	result_free(&r);
	envelope_free(&env);
}

/* The message as msg_spool() would write it. */
static char *
rewritten(const char *in, int rewrite)
{
	struct envelope env;
	struct rcpt rc;
	struct result r;
	struct msg m;
	struct buf out;
	int p[2];

	envelope_init(&env);
	result_init(&r);
	msg_init(&m);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], in, strlen(in)), (ssize_t)strlen(in));
	close(p[1]);
	assert_int_equal(msg_read_head(&m, p[0], 1, &r), 0);
	rcpt_init(&rc, &env, path, rewrite);
	assert_int_equal(rcpt_rewrite(&rc, &m, "me@example.org", &r), 0);
	buf_init(&out, 1 << 20);
	msg_head(&m, &out);
	close(p[0]);
	rcpt_free(&rc);
	msg_free(&m);
	result_free(&r);
	envelope_free(&env);
	return buf_take(&out);
}

static void
test_rewrite(void **state)
{
	char *h;

	(void)state;
	h = rewritten("From: Cron Daemon <root>\nTo: root, a@x.org\n"
	    "Cc: nobody, Dev <dev>\nSubject: root\n\nbody\n", 1);
	assert_non_null(strstr(h, "From: Cron Daemon <me@example.org>\r\n"));
	/* aliases give addr-specs; their names are not carried */
	assert_non_null(strstr(h, "To: ops@example.org, dev@example.org, "
	    "a@x.org\r\n"));
	/* an unresolvable name stays; a single address keeps its name */
	assert_non_null(strstr(h, "Cc: nobody, Dev <dev@example.org>\r\n"));
	assert_non_null(strstr(h, "Subject: root\r\n"));
	assert_null(strstr(h, "To: root"));
	free(h);
	/* fields without bare names are left byte for byte */
	h = rewritten("To:   a@x.org  (A)\nFrom: b@x.org\n\nx\n", 1);
	assert_string_equal(h, "To:   a@x.org  (A)\r\nFrom: b@x.org\r\n\r\n");
	free(h);
	h = rewritten("To: root\n\nx\n", 0);
	assert_string_equal(h, "To: root\r\n\r\n");
	free(h);
}

static void
test_utf8(void **state)
{
	static const struct {
		const char	*spec;
		int		 level;
	} cases[] = {
		{ "a@example.org", 0 },
		{ "root", 0 },
		{ "a@b\xc3\xbc" "cher.example", 1 },
		{ "\xc3\xa9@example.org", 2 },
		{ "\xc3\xa9@b\xc3\xbc" "cher.example", 2 },
		{ "\"\xc3\xa9 x\"@example.org", 2 },
	};
	struct envelope env;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(rcpt_utf8_level(cases[i].spec),
		    cases[i].level);
	envelope_init(&env);
	env.from = xstrdup("s@example.org");
	envelope_add_rcpt(&env, "a@example.org");
	assert_int_equal(rcpt_smtputf8(&env, NULL), 0);
	envelope_add_rcpt(&env, "a@b\xc3\xbc" "cher.example");
	assert_int_equal(rcpt_smtputf8(&env, NULL), 1);
	envelope_free(&env);
}

/* "u0@x.example, u1@x.example, ..." for from <= i < to, each twice. */
static void
addrs(struct addr_list *l, size_t from, size_t to)
{
	char a[64];
	size_t i, k;

	for (k = 0; k < 2; k++)
		for (i = from; i < to; i++) {
			snprintf(a, sizeof(a), "u%zu@x.example", i);
			rcpt_hdr_add(l, a, NULL);
		}
}

/*
 * Duplicates do not count against RCPT_MAX; the first address past it
 * stops the list at once: 64, "too many recipients", RCPT_MAX in the
 * envelope in the order given.
 */
static void
test_limit(void **state)
{
	struct addr_list l = { NULL, 0 };
	struct envelope env;
	struct result r;
	struct rcpt rc;

	(void)state;
	envelope_init(&env);
	result_init(&r);
	rcpt_init(&rc, &env, path, 1);
	addrs(&l, 0, RCPT_MAX);
	assert_int_equal(rcpt_list(&rc, &l, NULL, NULL, &r), 0);
	assert_int_equal(env.nrcpt, RCPT_MAX);
	assert_string_equal(env.rcpt[0], "u0@x.example");
	assert_string_equal(env.rcpt[RCPT_MAX - 1], "u9999@x.example");
	addr_list_free(&l);
	addrs(&l, RCPT_MAX - 1, RCPT_MAX + 1);
	assert_int_equal(rcpt_list(&rc, &l, NULL, NULL, &r), -1);
	assert_int_equal(result_exit(&r), 64);
	assert_non_null(strstr(r.text, "too many recipients"));
	assert_int_equal(env.nrcpt, RCPT_MAX);
	addr_list_free(&l);
	/* through an alias too */
	result_free(&r);
	result_init(&r);
	assert_int_equal(rcpt_arg(&rc, "root", "recipient", NULL, &r), -1);
	assert_int_equal(result_exit(&r), 64);
	assert_int_equal(env.nrcpt, RCPT_MAX);
	rcpt_free(&rc);
	result_free(&r);
	envelope_free(&env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_limit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
