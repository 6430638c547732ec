/*
 * test_termbody.c -- the body typed at a terminal: the "." line ends it
 * whatever the read boundaries, other lines pass unchanged; the EOF key's
 * name; termbody_read() on a pipe, and ^C (SIGINT) while it waits.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "termbody.h"

struct tb_case {
	const char	*in;
	const char	*out;	/* filter + finish */
	int		 done;	/* the "." line came */
};

static const struct tb_case cases[] = {
	{ "", "", 0 },
	{ "a\n", "a\n", 0 },
	{ "a\nb", "a\nb", 0 },
	{ ".\n", "", 1 },
	{ ".\r\n", "", 1 },
	{ "a\n.\n", "a\n", 1 },
	{ "a\n.\nb\nc\n", "a\n", 1 },
	{ "a\n.\r\nb\n", "a\n", 1 },
	/* a dot that is not the whole line stays */
	{ ".a\n", ".a\n", 0 },
	{ "..\n", "..\n", 0 },
	{ " .\n", " .\n", 0 },
	{ "a.\n", "a.\n", 0 },
	{ "a\n. \n", "a\n. \n", 0 },
	{ "a\n.\r", "a\n.\r", 0 },
	{ "a\n.\rb\n", "a\n.\rb\n", 0 },
	{ "a\n.\r\rb\n", "a\n.\r\rb\n", 0 },
	{ "a\n.", "a\n.", 0 },
	{ "a\n\n.\n", "a\n\n", 1 },
	/* only at the start of a line */
	{ "x.\n.\n", "x.\n", 1 },
	{ "\xc3\xa9\n.\n", "\xc3\xa9\n", 1 },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

#define CANARY 0x5a

/* Feed in as the given pieces; check out, done and the room rule. */
static void
run_split(const struct tb_case *c, const size_t *cut, size_t ncut)
{
	struct termbody tb;
	size_t len = strlen(c->in), at = 0, i, k, m, got = 0;
	char *out = malloc(len + 3), *buf = malloc(len + 3);

	assert_non_null(out);
	assert_non_null(buf);
	termbody_init(&tb);
	for (i = 0; i <= ncut; i++) {
		k = (i < ncut ? cut[i] : len) - at;
		memset(buf, CANARY, k + 3);
		m = termbody_filter(&tb, c->in + at, k, buf);
		assert_true(m <= k + 2);
		assert_int_equal((unsigned char)buf[k + 2], CANARY);
		memcpy(out + got, buf, m);
		got += m;
		at += k;
	}
	memset(buf, CANARY, 3);
	m = termbody_finish(&tb, buf);
	assert_true(m <= 2);
	assert_int_equal((unsigned char)buf[2], CANARY);
	memcpy(out + got, buf, m);
	got += m;
	if (got != strlen(c->out) || memcmp(out, c->out, got) != 0)
		fail_msg("in \"%s\": got \"%.*s\", want \"%s\"", c->in,
		    (int)got, out, c->out);
	assert_int_equal(tb.done, c->done);
	free(out);
	free(buf);
}

static void
test_table_whole(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NCASES; i++)
		run_split(&cases[i], NULL, 0);
}

/* Every split into two pieces, and one octet at a time. */
static void
test_table_splits(void **state)
{
	size_t i, j, len, cut[64];

	(void)state;
	for (i = 0; i < NCASES; i++) {
		len = strlen(cases[i].in);
		for (j = 0; j <= len; j++) {
			cut[0] = j;
			run_split(&cases[i], cut, 1);
		}
		assert_true(len < 64);
		for (j = 0; j < len; j++)
			cut[j] = j + 1;
		run_split(&cases[i], cut, len);
	}
}

/* After the "." line nothing more comes out, whatever is fed. */
static void
test_done_ignores_rest(void **state)
{
	struct termbody tb;
	char out[16];

	(void)state;
	termbody_init(&tb);
	assert_int_equal(termbody_filter(&tb, ".\n", 2, out), 0);
	assert_int_equal(tb.done, 1);
	assert_int_equal(termbody_filter(&tb, "more\n", 5, out), 0);
	assert_int_equal(termbody_finish(&tb, out), 0);
}

static void
test_eof_name(void **state)
{
	char b[16];

	(void)state;
	assert_string_equal(termbody_eof_name(0x04, b, sizeof(b)), "Ctrl-D");
	assert_string_equal(termbody_eof_name(0x1a, b, sizeof(b)), "Ctrl-Z");
	assert_string_equal(termbody_eof_name(0x01, b, sizeof(b)), "Ctrl-A");
	/* disabled (0) or not a control key: the usual one */
	assert_string_equal(termbody_eof_name(0, b, sizeof(b)), "Ctrl-D");
	assert_string_equal(termbody_eof_name('x', b, sizeof(b)), "Ctrl-D");
	assert_string_equal(termbody_eof_name(0xff, b, sizeof(b)), "Ctrl-D");
}

/* All of fd from its start, NUL-terminated, in buf. */
static void
slurp(int fd, char *buf, size_t size)
{
	ssize_t n, got = 0;

	while ((n = pread(fd, buf + got, size - 1 - (size_t)got,
	    got)) > 0)
		got += n;
	buf[got] = '\0';
}

/* On a pipe: the "." line ends it, and the hint names Ctrl-D. */
static void
test_read_pipe(void **state)
{
	static const char in[] = "Hello\n.x\n.\nnot this\n";
	struct result r;
	char got[64], hint[256];
	FILE *h = tmpfile();
	int p[2], out;

	(void)state;
	assert_non_null(h);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], in, sizeof(in) - 1), sizeof(in) - 1);
	result_init(&r);
	assert_int_equal(termbody_read(p[0], h, &out, &r), 0);
	assert_true(out >= 0);
	slurp(out, got, sizeof(got));
	assert_string_equal(got, "Hello\n.x\n");
	close(out);
	rewind(h);
	assert_non_null(fgets(hint, sizeof(hint), h));
	assert_string_equal(hint, "outbox: type the message body; end it "
	    "with Ctrl-D or a line holding only '.'\n");
	fclose(h);
	close(p[0]);
	close(p[1]);
	result_free(&r);
}

/* At end of input (no "." line) everything typed is the body. */
static void
test_read_eof(void **state)
{
	static const char in[] = "one\ntwo";
	struct result r;
	char got[64];
	int p[2], out;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], in, sizeof(in) - 1), sizeof(in) - 1);
	close(p[1]);
	result_init(&r);
	assert_int_equal(termbody_read(p[0], NULL, &out, &r), 0);
	slurp(out, got, sizeof(got));
	assert_string_equal(got, "one\ntwo");
	close(out);
	close(p[0]);
	result_free(&r);
}

/* A child that sends SIGINT to us after 100 ms. */
static pid_t
interrupt_soon(void)
{
	pid_t parent = getpid(), pid = fork();

	assert_true(pid != -1);
	if (pid == 0) {
		usleep(100 * 1000);
		kill(parent, SIGINT);
		_exit(0);
	}
	return pid;
}

/* ^C while it waits: TERMBODY_INTERRUPTED, nothing kept, and SIGINT's
   own disposition back (here: a counter, called no more than it was). */
static volatile sig_atomic_t ints;

static void
count_int(int sig)
{
	(void)sig;
	ints++;
}

static void
test_read_sigint(void **state)
{
	struct sigaction sa, now;
	struct result r;
	int p[2], out = 5, st;
	pid_t pid;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_int;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGINT, &sa, NULL), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "typed\n", 6), 6);
	result_init(&r);
	pid = interrupt_soon();
	assert_int_equal(termbody_read(p[0], NULL, &out, &r),
	    TERMBODY_INTERRUPTED);
	assert_int_equal(out, -1);
	assert_int_equal(ints, 0);
	assert_int_equal(sigaction(SIGINT, NULL, &now), 0);
	assert_ptr_equal(now.sa_handler, count_int);
	waitpid(pid, &st, 0);
	close(p[0]);
	close(p[1]);
	result_free(&r);
	signal(SIGINT, SIG_DFL);
}

/* SIGINT ignored (nohup): it stays ignored, and the reading goes on. */
static void
test_read_sigint_ignored(void **state)
{
	struct sigaction now;
	struct result r;
	char got[64];
	int p[2], out, st;
	pid_t pid;

	(void)state;
	signal(SIGINT, SIG_IGN);
	assert_int_equal(pipe(p), 0);
	result_init(&r);
	pid = interrupt_soon();
	if (fork() == 0) {
		usleep(300 * 1000);
		(void)write(p[1], "still here\n.\n", 13);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(termbody_read(p[0], NULL, &out, &r), 0);
	slurp(out, got, sizeof(got));
	assert_string_equal(got, "still here\n");
	close(out);
	assert_int_equal(sigaction(SIGINT, NULL, &now), 0);
	assert_ptr_equal(now.sa_handler, SIG_IGN);
	waitpid(pid, &st, 0);
	while (wait(&st) > 0)
		;
	close(p[0]);
	result_free(&r);
	signal(SIGINT, SIG_DFL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_whole),
		cmocka_unit_test(test_table_splits),
		cmocka_unit_test(test_done_ignores_rest),
		cmocka_unit_test(test_eof_name),
		cmocka_unit_test(test_read_pipe),
		cmocka_unit_test(test_read_eof),
		cmocka_unit_test(test_read_sigint),
		cmocka_unit_test(test_read_sigint_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
