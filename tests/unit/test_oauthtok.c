/*
 * test_oauthtok.c -- the OAuth2 token file: parse and format, expiry
 * arithmetic, merging the helper's answer (rotation), writing 0600 by
 * rename, and the lock that makes concurrent refreshes wait.
 */
#include "autoconf.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "compat.h"
#include "oauthtok.h"

static void
test_expiry(void **state)
{
	static const struct { long long now, in, want; } t[] = {
		{ 1000, 3600, 4600 },
		{ 1000, 0, 1000 },
		{ 1000, -5, 1000 },
		{ 1000, 1, 1001 },
		/* capped at ten years */
		{ 0, 1000000000000LL, 10LL * 366 * 86400 },
		/* no overflow */
		{ INT64_MAX - 10, 3600, INT64_MAX },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_true(oauthtok_expiry(t[i].now, t[i].in) == t[i].want);
}

static void
test_fresh(void **state)
{
	struct oauth_token t = { 0 };

	(void)state;
	assert_false(oauthtok_fresh(&t, 100));
	t.access_token = (char *)"tok";
	t.expires_at = 100 + OAUTHTOK_MARGIN_S;
	assert_true(oauthtok_fresh(&t, 100));
	assert_false(oauthtok_fresh(&t, 101));
	t.expires_at = 0;
	assert_false(oauthtok_fresh(&t, 0));
	t.expires_at = 1000;
	t.access_token = (char *)"";
	assert_false(oauthtok_fresh(&t, 0));
}

static void
test_parse_format(void **state)
{
	struct oauth_token t, u;
	char err[256], *text;
	const char *in = "outbox-oauth-token: 1\nprovider: microsoft\n"
	    "access_token: AT.x-y\nexpires_at: 1767225600\n"
	    "refresh_token: RT/1=\nfuture_key: ignored\n";

	(void)state;
	assert_int_equal(oauthtok_parse(in, strlen(in), &t, err,
	    sizeof(err)), 0);
	assert_string_equal(t.access_token, "AT.x-y");
	assert_string_equal(t.refresh_token, "RT/1=");
	assert_string_equal(t.provider, "microsoft");
	assert_true(t.expires_at == 1767225600LL);
	text = oauthtok_format(&t);
	assert_int_equal(oauthtok_parse(text, strlen(text), &u, err,
	    sizeof(err)), 0);
	assert_string_equal(u.access_token, t.access_token);
	assert_string_equal(u.refresh_token, t.refresh_token);
	assert_true(u.expires_at == t.expires_at);
	free(text);
	oauthtok_free(&t);
	oauthtok_free(&u);
	assert_null(t.access_token);
}

static void
test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"access_token: x\n",
		"outbox-oauth-token: 1\n",
		"outbox-oauth-token: 1\naccess_token: a\naccess_token: b\n",
		"outbox-oauth-token: 1\naccess_token: a\nexpires_at: 12x\n",
		"outbox-oauth-token: 1\naccess_token: a\nexpires_at: -1\n",
		"outbox-oauth-token: 1\naccess_token: a\nexpires_at: 0\n",
		"outbox-oauth-token: 1\naccess_token: a\nnocolon\n",
		"outbox-oauth-token: 1\naccess_token: a\n: v\n",
		"outbox-oauth-token: 1\naccess_token: a\nexpires_at: "
		    "1234567890123456789\n",
	};
	struct oauth_token t;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(oauthtok_parse(bad[i], strlen(bad[i]), &t,
		    err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
		assert_null(t.access_token);
	}
	/* a NUL inside a line */
	assert_int_equal(oauthtok_parse("outbox-oauth-token: 1\naccess_to"
	    "ken: a\0b\n", 35, &t, err, sizeof(err)), -1);
}

static void
test_merge(void **state)
{
	struct oauth_token t = { 0 };
	char err[256];
	const char *rot = "access_token: A2\nexpires_in: 3600\n"
	    "refresh_token: R2\n";
	const char *keep = "access_token: A3\nexpires_in: 60\n";

	(void)state;
	t.access_token = strdup("A1");
	t.refresh_token = strdup("R1");
	assert_int_equal(oauthtok_merge(&t, rot, strlen(rot), 1000, err,
	    sizeof(err)), 0);
	assert_string_equal(t.access_token, "A2");
	assert_string_equal(t.refresh_token, "R2");	/* rotated */
	assert_true(t.expires_at == 4600);
	assert_int_equal(oauthtok_merge(&t, keep, strlen(keep), 2000, err,
	    sizeof(err)), 0);
	assert_string_equal(t.access_token, "A3");
	assert_string_equal(t.refresh_token, "R2");	/* kept */
	assert_true(t.expires_at == 2060);
	/* no token, no expiry, junk: t unchanged */
	assert_int_equal(oauthtok_merge(&t, "expires_in: 5\n", 14, 0, err,
	    sizeof(err)), -1);
	assert_int_equal(oauthtok_merge(&t, "access_token: Z\n", 16, 0, err,
	    sizeof(err)), -1);
	assert_int_equal(oauthtok_merge(&t, "access_token: Z\nexpires_in: "
	    "x\n", 29, 0, err, sizeof(err)), -1);
	assert_string_equal(t.access_token, "A3");
	oauthtok_free(&t);
}

static void
test_file(void **state)
{
	char dir[] = "/tmp/test_oauthtok.XXXXXX", *path, *lock, err[512];
	struct oauth_token t = { 0 }, u;
	struct stat st;
	int fd, fd2;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&path, "%s/sub/acct", dir) > 0);
	assert_int_equal(oauthtok_read(path, &u, err, sizeof(err)), 1);
	t.access_token = strdup("A");
	t.refresh_token = strdup("R");
	t.expires_at = 99999;
	assert_int_equal(oauthtok_write(path, &t, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(oauthtok_read(path, &u, err, sizeof(err)), 0);
	assert_string_equal(u.refresh_token, "R");
	oauthtok_free(&u);
	/* the directory it made is the user's alone */
	*strrchr(path, '/') = '\0';
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	*(path + strlen(path)) = '/';
	/* a second holder waits, then gives up */
	fd = oauthtok_lock(path, 1, err, sizeof(err));
	assert_true(fd >= 0);
	pid = fork();
	if (pid == 0) {
		fd2 = oauthtok_lock(path, 1, err, sizeof(err));
		_exit(fd2 == -1 && errno == EWOULDBLOCK &&
		    strstr(err, "still locked") ? 0 : 1);
	}
	assert_true(pid > 0);
	{
		int status;

		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	close(fd);
	fd2 = oauthtok_lock(path, 1, err, sizeof(err));
	assert_true(fd2 >= 0);
	close(fd2);
	oauthtok_free(&t);
	assert_int_equal(unlink(path), 0);
	assert_true(asprintf(&lock, "%s.lock", path) > 0);
	assert_int_equal(unlink(lock), 0);
	*strrchr(path, '/') = '\0';
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(rmdir(dir), 0);
	free(lock);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_fresh),
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
