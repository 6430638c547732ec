/*
 * test_ratelimit.c -- rate_limit N/PERIOD: the value's syntax, the
 * sliding-window arithmetic (pruning, the time the k-th waiting message
 * may go, the clock going backwards) and the send log file (slots taken
 * and given back, bounded size, bad lines, 0600, no symlinks).
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "ratelimit.h"

/* ---- the value: N/PERIOD --------------------------------------------- */

static const struct {
	const char	*v;
	int		 ok;
	unsigned	 n;
	long		 period;
} parse_cases[] = {
	{ "30/1m", 1, 30, 60 },
	{ "30/60s", 1, 30, 60 },
	{ "30/60", 1, 30, 60 },
	{ "20/1h", 1, 20, 3600 },
	{ "3600/1d", 1, 3600, 86400 },
	{ "1/1w", 1, 1, 604800 },
	{ "10000/1s", 1, 10000, 1 },
	{ "10001/1s", 0, 0, 0 },
	{ "0/1m", 0, 0, 0 },
	{ "30/0", 0, 0, 0 },
	{ "30/0m", 0, 0, 0 },
	{ "30", 0, 0, 0 },
	{ "30/", 0, 0, 0 },
	{ "/1m", 0, 0, 0 },
	{ "-1/1m", 0, 0, 0 },
	{ "30/-1m", 0, 0, 0 },
	{ "30/1y", 0, 0, 0 },
	{ "30/1mm", 0, 0, 0 },
	{ "30 /1m", 0, 0, 0 },
	{ "30/1m/2", 0, 0, 0 },
	{ "99999999999999999999/1m", 0, 0, 0 },
	{ "", 0, 0, 0 },
};

static void
test_parse(void **state)
{
	size_t i;
	unsigned n;
	long p;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		int rc = config_rate_parse(parse_cases[i].v, &n, &p);

		if (rc != (parse_cases[i].ok ? 0 : -1))
			fail_msg("[%s]: rc %d", parse_cases[i].v, rc);
		if (rc == 0 && (n != parse_cases[i].n ||
		    p != parse_cases[i].period))
			fail_msg("[%s]: %u/%ld", parse_cases[i].v, n, p);
	}
}

/* ---- pruning and the next time ---------------------------------------- */

#define MAXT	8

static const struct {
	const char	*what;
	unsigned	 n;
	long long	 period, now;
	long long	 in[MAXT];
	size_t		 nin;
	long long	 out[MAXT];
	size_t		 nout;
} prune_cases[] = {
	{ "empty", 3, 100, 1000, { 0 }, 0, { 0 }, 0 },
	{ "all inside", 3, 100, 1000, { 950, 990 }, 2, { 950, 990 }, 2 },
	{ "sorted", 3, 100, 1000, { 990, 950, 960 }, 3, { 950, 960, 990 }, 3 },
	{ "old ones leave", 3, 100, 1000, { 800, 899, 900, 901 }, 4,
	    { 901 }, 1 },
	/* exactly one period ago: out of the window [now - period, now) */
	{ "boundary", 3, 100, 1000, { 900 }, 1, { 0 }, 0 },
	{ "newest n kept", 2, 100, 1000, { 950, 960, 970, 980 }, 4,
	    { 970, 980 }, 2 },
	/* the clock went back: a time after now counts as now */
	{ "future clamped", 3, 100, 1000, { 950, 5000, 1001 }, 3,
	    { 950, 1000, 1000 }, 3 },
	{ "far past", 3, 100, 1000, { 0, 1, -5 }, 3, { 0 }, 0 },
};

static void
test_prune(void **state)
{
	long long t[MAXT];
	size_t i, j, n;

	(void)state;
	for (i = 0; i < sizeof(prune_cases) / sizeof(prune_cases[0]); i++) {
		memcpy(t, prune_cases[i].in, sizeof(t));
		n = ratelimit_prune(t, prune_cases[i].nin, prune_cases[i].n,
		    prune_cases[i].period, prune_cases[i].now);
		if (n != prune_cases[i].nout)
			fail_msg("%s: %zu left", prune_cases[i].what, n);
		for (j = 0; j < n; j++)
			if (t[j] != prune_cases[i].out[j])
				fail_msg("%s: [%zu] = %lld", prune_cases[i].what,
				    j, t[j]);
	}
}

static const struct {
	const char	*what;
	unsigned	 n;
	long long	 period, now;
	long long	 t[MAXT];	/* pruned */
	size_t		 nt;
	unsigned	 ahead;
	long long	 want;
} next_cases[] = {
	{ "room: now", 3, 100, 1000, { 950 }, 1, 0, 1000 },
	{ "empty: now", 3, 100, 1000, { 0 }, 0, 0, 1000 },
	{ "full: oldest leaves", 3, 100, 1000, { 920, 950, 990 }, 3, 0,
	    1020 },
	{ "full, 2nd waiting", 3, 100, 1000, { 920, 950, 990 }, 3, 1, 1050 },
	{ "full, 3rd waiting", 3, 100, 1000, { 920, 950, 990 }, 3, 2, 1090 },
	/* the 4th waits for the 1st waiting one to leave */
	{ "full, 4th waiting", 3, 100, 1000, { 920, 950, 990 }, 3, 3, 1120 },
	{ "full, 7th waiting", 3, 100, 1000, { 920, 950, 990 }, 3, 6, 1220 },
	{ "room for 1, 2nd waits", 3, 100, 1000, { 950, 990 }, 2, 1, 1050 },
	{ "room for 2, 2nd now", 3, 100, 1000, { 990 }, 1, 1, 1000 },
	{ "room for 2, 3rd waits", 3, 100, 1000, { 990 }, 1, 2, 1090 },
	{ "room for 2, 5th", 3, 100, 1000, { 990 }, 1, 4, 1100 },
	{ "1 per period", 1, 60000, 0, { -1000 }, 1, 0, 59000 },
	{ "1 per period, 3rd", 1, 60000, 0, { -1000 }, 1, 2, 179000 },
	/* all at one instant (a clock set back): one period from now */
	{ "clamped", 2, 100, 1000, { 1000, 1000 }, 2, 0, 1100 },
};

static void
test_next(void **state)
{
	size_t i;
	long long got;

	(void)state;
	for (i = 0; i < sizeof(next_cases) / sizeof(next_cases[0]); i++) {
		got = ratelimit_next(next_cases[i].t, next_cases[i].nt,
		    next_cases[i].n, next_cases[i].period, next_cases[i].now,
		    next_cases[i].ahead);
		if (got != next_cases[i].want)
			fail_msg("%s: %lld, want %lld", next_cases[i].what,
			    got, next_cases[i].want);
	}
}

/* Sending greedily at the times ratelimit_next() gives never puts more
   than n sends in any window, and never waits longer than needed. */
static void
test_window_property(void **state)
{
	long long t[64], sends[64], now = 5000, period = 1000;
	unsigned n = 3;
	size_t nt = 0, ns = 0, i, j, in;

	(void)state;
	while (ns < 40) {
		nt = ratelimit_prune(t, nt, n, period, now);
		now = ratelimit_next(t, nt, n, period, now, 0);
		nt = ratelimit_prune(t, nt, n, period, now);
		assert_true(nt < n);
		t[nt++] = now;
		sends[ns++] = now;
		now += (long long)(ns * 37 % 450);
	}
	for (i = 0; i < ns; i++) {
		for (in = 0, j = 0; j < ns; j++)
			if (sends[j] >= sends[i] && sends[j] < sends[i] + period)
				in++;
		assert_true(in <= n);
	}
	/* tight: the (n+1)-th after a burst goes exactly a period later */
	nt = 0;
	for (i = 0; i < n; i++)
		t[nt++] = 100;
	assert_int_equal(ratelimit_next(t, nt, n, period, 100, 0), 1100);
}

/* ---- the send log file ------------------------------------------------ */

static char dir[64];
static int dirfd_;

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_ratelimit.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	dirfd_ = open(dir, O_RDONLY | O_DIRECTORY);
	return dirfd_ == -1 ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	close(dirfd_);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *
slurp(const char *rel)
{
	static char text[4096];
	char path[256];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	return text;
}

static void
put(const char *rel, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
test_take_and_give_back(void **state)
{
	struct ratelimit rl;
	struct result r;
	long long stamp = 0, when = 0;
	struct stat st;
	char path[256];

	(void)state;
	result_init(&r);
	assert_int_equal(ratelimit_init(&rl, dirfd_, "x", NULL), 0);
	assert_int_equal(ratelimit_init(&rl, dirfd_, "x", "off"), 0);
	assert_int_equal(ratelimit_init(&rl, dirfd_, "my acct/1", "2/10s"), 1);
	assert_int_equal(rl.period, 10000);
	assert_int_equal(ratelimit_take(&rl, 100000, 0, &stamp, &when, &r), 1);
	assert_int_equal(stamp, 100000);
	/* the name is kept to a plain file name */
	assert_string_equal(slurp("rate/a-my%20acct%2F1"), "100000\n");
	snprintf(path, sizeof(path), "%s/rate/a-my%%20acct%%2F1", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/rate", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(ratelimit_take(&rl, 101000, 0, &stamp, &when, &r), 1);
	/* full: the third waits for the first to leave */
	assert_int_equal(ratelimit_take(&rl, 102000, 0, &stamp, &when, &r), 0);
	assert_int_equal(when, 110000);
	assert_int_equal(ratelimit_take(&rl, 102000, 1, &stamp, &when, &r), 0);
	assert_int_equal(when, 111000);
	/* the second was never handed over: given back */
	ratelimit_done(&rl, 101000, 102500, 0);
	assert_string_equal(slurp("rate/a-my%20acct%2F1"), "100000\n");
	assert_int_equal(ratelimit_take(&rl, 103000, 0, &stamp, &when, &r), 1);
	/* sent: the slot keeps the time the send ended */
	ratelimit_done(&rl, 103000, 104000, 1);
	assert_string_equal(slurp("rate/a-my%20acct%2F1"),
	    "100000\n104000\n");
	assert_int_equal(ratelimit_take(&rl, 109999, 0, &stamp, &when, &r), 0);
	assert_int_equal(when, 110000);
	assert_int_equal(ratelimit_take(&rl, 110000, 0, &stamp, &when, &r), 1);
	assert_string_equal(slurp("rate/a-my%20acct%2F1"),
	    "104000\n110000\n");
	/* ahead > 0 never takes a slot, even with room */
	ratelimit_done(&rl, 110000, 110000, 0);
	assert_int_equal(ratelimit_take(&rl, 110000, 1, &stamp, &when, &r), 0);
	assert_int_equal(when, 114000);
	result_free(&r);
}

static void
test_log_robust(void **state)
{
	struct ratelimit rl;
	struct result r;
	long long stamp, when, *t;
	char big[2048];
	size_t i, n;

	(void)state;
	result_init(&r);
	ratelimit_init(&rl, dirfd_, "b", "3/100s");
	(void)ratelimit_take(&rl, 1, 0, &stamp, &when, &r);	/* makes rate/ */
	/* bad lines are skipped; a huge log keeps its newest times only */
	put("rate/a-b", "garbage\n\n-5\n1x\n500000\n12345678901234567890\n");
	assert_int_equal(ratelimit_take(&rl, 500001, 0, &stamp, &when, &r), 1);
	assert_string_equal(slurp("rate/a-b"), "500000\n500001\n");
	big[0] = '\0';
	for (i = 0; i < 100; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), "%zu\n",
		    600000 + i);
	put("rate/a-b", big);
	assert_int_equal(ratelimit_take(&rl, 600100, 0, &stamp, &when, &r), 0);
	assert_string_equal(slurp("rate/a-b"), "600097\n600098\n600099\n");
	/* the clock went back an hour: the logged sends count as now */
	assert_int_equal(ratelimit_take(&rl, 600100 - 3600000, 0, &stamp,
	    &when, &r), 0);
	assert_int_equal(when, 600100 - 3600000 + 100000);
	n = ratelimit_parse_log("1\n2\n3\n4", 7, 2, &t);
	assert_int_equal(n, 2);
	assert_int_equal(t[0], 3);
	assert_int_equal(t[1], 4);
	free(t);
	result_free(&r);
}

static void
test_log_refused(void **state)
{
	struct ratelimit rl;
	struct result r;
	long long stamp, when;
	char path[256];

	(void)state;
	result_init(&r);
	ratelimit_init(&rl, dirfd_, "s", "3/100s");
	snprintf(path, sizeof(path), "%s/rate", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/rate/a-s", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(ratelimit_take(&rl, 1000, 0, &stamp, &when, &r), -1);
	assert_int_equal(r.cls, RES_TEMP);
	assert_non_null(strstr(r.text, "rate/a-s"));
	unlink(path);
	result_free(&r);
	result_init(&r);
	put("rate/a-s", "");
	chmod(path, 0622);
	assert_int_equal(ratelimit_take(&rl, 1000, 0, &stamp, &when, &r), -1);
	assert_non_null(strstr(r.text, "not a file of this user's alone"));
	result_free(&r);
}

static void
test_counted(void **state)
{
	struct result r;

	(void)state;
	result_init(&r);
	result_ok(&r, STAGE_BODY, "DATA", 250, "2.0.0", "ok");
	assert_true(ratelimit_counted(&r));
	result_free(&r);
	result_init(&r);
	result_local(&r, RES_TEMP, STAGE_CONNECT, ERR_TEMP, "connect", "x");
	assert_false(ratelimit_counted(&r));
	result_free(&r);
	result_init(&r);
	result_reply(&r, STAGE_RCPT, "RCPT", 450, "4.2.1", "later");
	assert_false(ratelimit_counted(&r));
	result_free(&r);
	result_init(&r);
	result_reply(&r, STAGE_BODY, "DATA", 451, "4.3.0", "later");
	assert_false(ratelimit_counted(&r));
	result_free(&r);
	/* no reply to the final dot: the server may have it */
	result_init(&r);
	result_local(&r, RES_TEMP, STAGE_BODY, ERR_TEMP, "DATA", "timeout");
	assert_true(ratelimit_counted(&r));
	result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_window_property),
		cmocka_unit_test(test_take_and_give_back),
		cmocka_unit_test(test_log_robust),
		cmocka_unit_test(test_log_refused),
		cmocka_unit_test(test_counted),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
