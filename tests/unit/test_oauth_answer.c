/*
 * test_oauth_answer.c -- token and device endpoint answers (RFC 6749
 * 5.1/5.2, RFC 8628 3.2/3.5): each judged into the right outcome, which
 * the helper turns into outbox's exit classes.
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

#include "oauth_answer.h"

struct tcase {
	long		 status;
	const char	*body;
	enum oauth_outcome want;
	const char	*error;		/* substring of a.error, or NULL */
};

static const struct tcase token_cases[] = {
	/* RFC 6749 5.1's example */
	{ 200, "{\"access_token\":\"2YotnFZFEjr1zCsicMWpAA\",\"token_type\":"
	    "\"example\",\"expires_in\":3600}", OA_PROTOCOL, "Bearer" },
	{ 200, "{\"access_token\":\"2YotnFZFEjr1zCsicMWpAA\",\"token_type\":"
	    "\"Bearer\",\"expires_in\":3600,\"refresh_token\":"
	    "\"tGzv3JOkF0XG5Qx2TlKWIA\"}", OA_OK, NULL },
	{ 200, "{\"access_token\":\"a\",\"token_type\":\"bearer\"}", OA_OK,
	    NULL },
	{ 200, "{\"access_token\":\"a\",\"token_type\":\"Bearer\","
	    "\"expires_in\":\"3599\"}", OA_OK, NULL },
	{ 200, "{\"token_type\":\"Bearer\"}", OA_PROTOCOL, "access_token" },
	{ 200, "{\"access_token\":\"\",\"token_type\":\"Bearer\"}",
	    OA_PROTOCOL, NULL },
	{ 200, "{\"access_token\":\"a b\",\"token_type\":\"Bearer\"}",
	    OA_PROTOCOL, NULL },
	{ 200, "{\"access_token\":\"a\\nb\",\"token_type\":\"Bearer\"}",
	    OA_PROTOCOL, NULL },
	{ 200, "{\"access_token\":\"a\\u0000b\",\"token_type\":\"Bearer\"}",
	    OA_PROTOCOL, NULL },
	{ 200, "{\"access_token\":42,\"token_type\":\"Bearer\"}",
	    OA_PROTOCOL, NULL },
	{ 200, "{\"access_token\":\"a\",\"token_type\":\"Bearer\","
	    "\"expires_in\":-1}", OA_PROTOCOL, "expires_in" },
	{ 200, "{\"access_token\":\"a\",\"token_type\":\"Bearer\","
	    "\"expires_in\":\"12x\"}", OA_PROTOCOL, "expires_in" },
	{ 200, "{\"access_token\":\"a\",\"token_type\":\"Bearer\","
	    "\"refresh_token\":7}", OA_PROTOCOL, "refresh_token" },
	{ 200, "{\"access_token\":\"a\",\"access_token\":\"b\","
	    "\"token_type\":\"Bearer\"}", OA_PROTOCOL, NULL },
	{ 200, "[1,2]", OA_PROTOCOL, "JSON object" },
	{ 200, "", OA_PROTOCOL, NULL },
	{ 200, "<html>", OA_PROTOCOL, NULL },
	/* RFC 6749 5.2 */
	{ 400, "{\"error\":\"invalid_grant\",\"error_description\":"
	    "\"grant request is invalid\"}", OA_GRANT,
	    "invalid_grant: grant request is invalid" },
	{ 400, "{\"error\":\"invalid_grant\"}", OA_GRANT, "invalid_grant" },
	{ 401, "{\"error\":\"invalid_client\"}", OA_CONFIG, "invalid_client" },
	{ 400, "{\"error\":\"invalid_scope\"}", OA_CONFIG, NULL },
	{ 400, "{\"error\":\"unsupported_grant_type\"}", OA_CONFIG, NULL },
	{ 400, "{\"error\":\"some_new_error\"}", OA_CONFIG, "some_new" },
	{ 400, "{\"error\":\"authorization_pending\"}", OA_PENDING, NULL },
	{ 400, "{\"error\":\"slow_down\"}", OA_SLOW_DOWN, NULL },
	{ 400, "{\"error\":\"access_denied\"}", OA_GRANT, NULL },
	{ 400, "{\"error\":\"expired_token\"}", OA_GRANT, NULL },
	{ 400, "{\"error\":\"temporarily_unavailable\"}", OA_TEMP, NULL },
	{ 400, "{\"error\":\"invalid_grant\",\"error_description\":"
	    "\"bad\\u001b[31m\\r\\n\"}", OA_GRANT, "bad?[31m??" },
	{ 400, "{\"error\":7}", OA_PROTOCOL, "without an OAuth2 error" },
	{ 400, "{}", OA_PROTOCOL, NULL },
	{ 400, "Bad Request", OA_PROTOCOL, NULL },
	/* the server is unwell: later */
	{ 500, "{\"error\":\"server_error\"}", OA_TEMP, "server_error" },
	{ 502, "<html>Bad Gateway</html>", OA_TEMP, "HTTP 502" },
	{ 503, "", OA_TEMP, NULL },
	{ 429, "{\"error\":\"invalid_grant\"}", OA_TEMP, NULL },
	{ 302, "", OA_PROTOCOL, "302" },
	{ 100, "", OA_PROTOCOL, NULL },
	{ 999, "", OA_PROTOCOL, NULL },
};

static void
check_case(const struct tcase *c, struct oauth_answer *a)
{
	if (a->outcome != c->want)
		fail_msg("%ld %s: outcome %d, want %d (%s)", c->status,
		    c->body, a->outcome, c->want, a->error ? a->error : "");
	if (c->error && (a->error == NULL || strstr(a->error, c->error) ==
	    NULL))
		fail_msg("%ld %s: error '%s', want '%s'", c->status, c->body,
		    a->error ? a->error : "(none)", c->error);
	if (c->want != OA_OK)
		assert_non_null(a->error);
}

static void
test_token(void **state)
{
	struct oauth_answer a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(token_cases) / sizeof(token_cases[0]); i++) {
		const struct tcase *c = &token_cases[i];

		oauth_answer_token(c->status, c->body, strlen(c->body), &a);
		check_case(c, &a);
		oauth_answer_free(&a);
	}
}

static void
test_token_values(void **state)
{
	struct oauth_answer a;
	const char *b = "{\"access_token\":\"AT\",\"token_type\":\"Bearer\","
	    "\"expires_in\":3599,\"refresh_token\":\"RT\",\"scope\":\"s t\"}";

	(void)state;
	oauth_answer_token(200, b, strlen(b), &a);
	assert_int_equal(a.outcome, OA_OK);
	assert_string_equal(a.access_token, "AT");
	assert_string_equal(a.refresh_token, "RT");
	assert_string_equal(a.scope, "s t");
	assert_true(a.expires_in == 3599);
	oauth_answer_free(&a);
	b = "{\"access_token\":\"AT\",\"token_type\":\"Bearer\"}";
	oauth_answer_token(200, b, strlen(b), &a);
	assert_null(a.refresh_token);
	assert_true(a.expires_in == OAUTH_DEFAULT_EXPIRES_S);
	oauth_answer_free(&a);
	/* not NUL-terminated: only len bytes count */
	oauth_answer_token(200, "{\"access_token\":\"AT\",\"token_type\":"
	    "\"Bearer\"}garbage", 43, &a);
	assert_int_equal(a.outcome, OA_OK);
	oauth_answer_free(&a);
}

static const struct tcase device_cases[] = {
	/* RFC 8628 3.2's example */
	{ 200, "{\"device_code\":\"GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS\","
	    "\"user_code\":\"WDJB-MJHT\",\"verification_uri\":"
	    "\"https://example.com/device\",\"verification_uri_complete\":"
	    "\"https://example.com/device?user_code=WDJB-MJHT\","
	    "\"expires_in\":1800,\"interval\":5}", OA_OK, NULL },
	/* Google's spelling */
	{ 200, "{\"device_code\":\"d\",\"user_code\":\"u\","
	    "\"verification_url\":\"https://www.google.com/device\","
	    "\"expires_in\":1800}", OA_OK, NULL },
	{ 200, "{\"device_code\":\"d\",\"user_code\":\"u\","
	    "\"verification_uri\":\"http://example.com/device\","
	    "\"expires_in\":1800}", OA_PROTOCOL, "https" },
	{ 200, "{\"device_code\":\"d\",\"user_code\":\"u\","
	    "\"verification_uri\":\"https://e/\\u001b]0;x\","
	    "\"expires_in\":1800}", OA_PROTOCOL, NULL },
	{ 200, "{\"user_code\":\"u\",\"verification_uri\":\"https://e/\","
	    "\"expires_in\":1800}", OA_PROTOCOL, "device_code" },
	{ 200, "{\"device_code\":\"d\",\"user_code\":\"u\","
	    "\"verification_uri\":\"https://e/\"}", OA_PROTOCOL,
	    "expires_in" },
	{ 200, "{\"device_code\":\"d\",\"user_code\":\"u\","
	    "\"verification_uri\":\"https://e/\",\"expires_in\":9,"
	    "\"interval\":\"x\"}", OA_PROTOCOL, "interval" },
	{ 400, "{\"error\":\"invalid_client\"}", OA_CONFIG, NULL },
	{ 503, "", OA_TEMP, NULL },
};

static void
test_device(void **state)
{
	struct oauth_answer a;
	size_t i;
	const char *b;

	(void)state;
	for (i = 0; i < sizeof(device_cases) / sizeof(device_cases[0]);
	    i++) {
		const struct tcase *c = &device_cases[i];

		oauth_answer_device(c->status, c->body, strlen(c->body), &a);
		check_case(c, &a);
		oauth_answer_free(&a);
	}
	b = device_cases[0].body;
	oauth_answer_device(200, b, strlen(b), &a);
	assert_string_equal(a.user_code, "WDJB-MJHT");
	assert_string_equal(a.verification_uri, "https://example.com/device");
	assert_true(a.interval == 5 && a.expires_in == 1800);
	oauth_answer_free(&a);
	/* interval: default 5, kept within 1..60 */
	b = "{\"device_code\":\"d\",\"user_code\":\"u\",\"verification_uri\":"
	    "\"https://e/\",\"expires_in\":9,\"interval\":3600}";
	oauth_answer_device(200, b, strlen(b), &a);
	assert_true(a.interval == 60);
	oauth_answer_free(&a);
	b = device_cases[1].body;
	oauth_answer_device(200, b, strlen(b), &a);
	assert_true(a.interval == 5);
	oauth_answer_free(&a);
}

static void
test_exit(void **state)
{
	(void)state;
	assert_int_equal(oauth_answer_exit(OA_OK), 0);
	assert_int_equal(oauth_answer_exit(OA_TEMP), 75);
	assert_int_equal(oauth_answer_exit(OA_PROTOCOL), 76);
	assert_int_equal(oauth_answer_exit(OA_GRANT), 77);
	assert_int_equal(oauth_answer_exit(OA_CONFIG), 78);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_token_values),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_exit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
