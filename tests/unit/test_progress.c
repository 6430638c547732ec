/*
 * test_progress.c -- the progress line: sizes, times, the line's text,
 * and what reaches the terminal (rewritten in place, at most every
 * PROGRESS_EVERY_MS, ended once).
 */
#include "autoconf.h"

#include <fcntl.h>
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

#include "progress.h"

#define MiB	(1024ULL * 1024)

static void
test_size(void **state)
{
	static const struct {
		unsigned long long n;
		const char *s;
	} t[] = {
		{ 0, "0 B" },
		{ 1, "1 B" },
		{ 1023, "1023 B" },
		{ 1024, "1.0 KiB" },
		{ 1536, "1.5 KiB" },
		{ 10 * 1024 + 512, "10.5 KiB" },
		{ MiB - 1, "1.0 MiB" },
		{ MiB, "1.0 MiB" },
		{ 12 * MiB + 3 * MiB / 10 + 1, "12.3 MiB" },
		{ 1024 * MiB, "1.0 GiB" },
		{ 2047 * MiB, "2.0 GiB" },
		{ 5 * 1024 * 1024 * MiB, "5.0 TiB" },
		{ 3000ULL * 1024 * 1024 * MiB, "3000.0 TiB" },
	};
	char b[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		progress_size(b, sizeof(b), t[i].n);
		assert_string_equal(b, t[i].s);
	}
}

static void
test_time(void **state)
{
	static const struct {
		long long s;
		const char *str;
	} t[] = {
		{ -1, "--:--" },
		{ 0, "0:00" },
		{ 7, "0:07" },
		{ 59, "0:59" },
		{ 60, "1:00" },
		{ 754, "12:34" },
		{ 3599, "59:59" },
		{ 3600, "1:00:00" },
		{ 3723, "1:02:03" },
		{ 100 * 3600, "100:00:00" },
	};
	char b[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		progress_time(b, sizeof(b), t[i].s);
		assert_string_equal(b, t[i].str);
	}
}

static void
test_format(void **state)
{
	static const struct {
		unsigned long long done, total;
		long long ms;
		const char *line;
	} t[] = {
		/* too soon to tell a rate */
		{ 64 * 1024, 40 * MiB, 0, "outbox: sending 64.0 KiB of "
		    "40.0 MiB (0%), --/s, --:-- left" },
		{ 64 * 1024, 40 * MiB, PROGRESS_EVERY_MS - 1, "outbox: "
		    "sending 64.0 KiB of 40.0 MiB (0%), --/s, --:-- left" },
		/* 10 MiB in 2 s: 5 MiB/s, 30 MiB to go: 6 s */
		{ 10 * MiB, 40 * MiB, 2000, "outbox: sending 10.0 MiB of "
		    "40.0 MiB (25%), 5.0 MiB/s, 0:06 left" },
		/* time left rounds up: 1 octet to go is a second */
		{ 40 * MiB - 1, 40 * MiB, 1000, "outbox: sending 40.0 MiB "
		    "of 40.0 MiB (99%), 40.0 MiB/s, 0:01 left" },
		{ 40 * MiB, 40 * MiB, 1000, "outbox: sending 40.0 MiB of "
		    "40.0 MiB (100%), 40.0 MiB/s, 0:00 left" },
		/* more than the total (a reconnect's count): capped */
		{ 50 * MiB, 40 * MiB, 1000, "outbox: sending 40.0 MiB of "
		    "40.0 MiB (100%), 40.0 MiB/s, 0:00 left" },
		/* slow: 1 MiB a minute, 2 GiB to go */
		{ MiB, 2049 * MiB, 60000, "outbox: sending 1.0 MiB of "
		    "2.0 GiB (0%), 17.1 KiB/s, 34:08:00 left" },
	};
	char b[PROGRESS_LINE_MAX];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = progress_format(b, sizeof(b), t[i].done, t[i].total,
		    t[i].ms);
		assert_string_equal(b, t[i].line);
		assert_int_equal(n, strlen(t[i].line));
	}
	/* truncated to the room there is, and says so by its length */
	n = progress_format(b, 10, MiB, 2 * MiB, 1000);
	assert_int_equal(n, 9);
	assert_string_equal(b, "outbox: s");
}

static void
test_format_end(void **state)
{
	char b[PROGRESS_LINE_MAX];

	(void)state;
	progress_format_end(b, sizeof(b), 40 * MiB, 4000);
	assert_string_equal(b, "outbox: sent 40.0 MiB in 4.0 s (10.0 MiB/s)");
	progress_format_end(b, sizeof(b), 5 * MiB, 0);
	assert_string_equal(b, "outbox: sent 5.0 MiB in 0.0 s (4.9 GiB/s)");
	progress_format_end(b, sizeof(b), 600 * MiB, 125000);
	assert_string_equal(b, "outbox: sent 600.0 MiB in 2:05 (4.8 MiB/s)");
}

/* What the terminal got so far (a pipe stands for it). */
static size_t
drain(int fd, char *buf, size_t size)
{
	ssize_t n;
	size_t got = 0;

	while (got + 1 < size && (n = read(fd, buf + got, size - 1 -
	    got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	return got;
}

static void
test_terminal_bytes(void **state)
{
	struct progress p;
	char buf[1024];
	size_t shown;
	int fd[2];

	(void)state;
	assert_int_equal(pipe(fd), 0);
	assert_int_equal(fcntl(fd[0], F_SETFL, O_NONBLOCK), 0);
	progress_init(&p, fd[1], 40 * MiB);
	/* never updated: the end writes nothing */
	progress_end(&p, 1);
	assert_int_equal(drain(fd[0], buf, sizeof(buf)), 0);

	/* the first update writes at once, "\r" first, no newline */
	progress_update(&p, 64 * 1024);
	drain(fd[0], buf, sizeof(buf));
	assert_string_equal(buf, "\routbox: sending 64.0 KiB of 40.0 MiB "
	    "(0%), --/s, --:-- left");
	/* the next ones within PROGRESS_EVERY_MS write nothing */
	progress_update(&p, 128 * 1024);
	progress_update(&p, 192 * 1024);
	assert_int_equal(drain(fd[0], buf, sizeof(buf)), 0);
	assert_int_equal(p.done, 192 * 1024);
	/* once the time has passed, the line is rewritten */
	p.last_ms -= PROGRESS_EVERY_MS;
	p.start_ms -= 1000;
	progress_update(&p, 10 * MiB);
	drain(fd[0], buf, sizeof(buf));
	assert_non_null(strstr(buf, "\routbox: sending 10.0 MiB of 40.0 MiB "
	    "(25%), "));
	assert_null(strchr(buf, '\n'));

	/* accepted: the last line replaces it, blanks what is left of
	   the longer one, and ends with a newline */
	shown = p.shown;
	progress_end(&p, 1);
	drain(fd[0], buf, sizeof(buf));
	assert_int_equal(buf[0], '\r');
	assert_memory_equal(buf + 1, "outbox: sent 40.0 MiB in ", 25);
	assert_int_equal(buf[strlen(buf) - 1], '\n');
	assert_int_equal(buf[strlen(buf) - 2], ' ');
	assert_int_equal(strlen(buf), 1 + shown + 1);
	assert_true(shown > 40);

	/* not accepted: the line stays as it stood, ended */
	progress_init(&p, fd[1], 40 * MiB);
	progress_update(&p, MiB);
	drain(fd[0], buf, sizeof(buf));
	progress_end(&p, 0);
	drain(fd[0], buf, sizeof(buf));
	assert_string_equal(buf, "\n");
	/* and a second end says nothing more */
	progress_end(&p, 0);
	assert_int_equal(drain(fd[0], buf, sizeof(buf)), 0);
	close(fd[0]);
	close(fd[1]);
}

/* Fewer octets than before: the message again, from a new start. */
static void
test_restart(void **state)
{
	struct progress p;
	char buf[1024];
	int fd[2];

	(void)state;
	assert_int_equal(pipe(fd), 0);
	assert_int_equal(fcntl(fd[0], F_SETFL, O_NONBLOCK), 0);
	progress_init(&p, fd[1], 40 * MiB);
	progress_update(&p, 20 * MiB);
	p.start_ms -= 10000;
	progress_update(&p, 64 * 1024);
	drain(fd[0], buf, sizeof(buf));
	assert_non_null(strstr(buf, "\routbox: sending 64.0 KiB of 40.0 MiB "
	    "(0%), --/s, --:-- left"));
	close(fd[0]);
	close(fd[1]);
}

/*
 * A terminal that takes nothing more (nobody reads the other side of a
 * pseudo-terminal, as with a terminal held by ^S): the updates go on,
 * lines are lost, nothing waits.  A child does the writing; it must be
 * done within 10 s.
 */
static void
test_terminal_held(void **state)
{
	struct progress p;
	unsigned long long i;
	int m, s, st = -1, waited;
	pid_t pid;

	(void)state;
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m == -1 || grantpt(m) == -1 || unlockpt(m) == -1 ||
	    (s = open(ptsname(m), O_RDWR | O_NOCTTY)) == -1)
		skip();
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		progress_init(&p, s, 4096 * MiB);
		/* 2 MiB of lines, far more than a terminal buffers */
		for (i = 1; i <= 30000; i++) {
			p.last_ms -= PROGRESS_EVERY_MS;
			progress_update(&p, i * MiB / 8);
		}
		progress_end(&p, 1);
		_exit(p.own == 0 ? 0 : 3);
	}
	for (waited = 0; waited < 1000; waited++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		usleep(10 * 1000);
	}
	if (waited == 1000) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		fail_msg("the progress line waited for a held terminal");
	}
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(s);
	close(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_end),
		cmocka_unit_test(test_terminal_bytes),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_terminal_held),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
