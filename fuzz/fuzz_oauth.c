/*
 * fuzz_oauth.c -- the token and device endpoints' answers on any bytes
 * (the first two bytes pick the HTTP status), and the token file and the
 * helper's answer as outbox reads them.  What comes back must hold what
 * the headers promise: an OA_OK token answer has a visible-ASCII token
 * and a positive lifetime; a failure has a printable reason.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oauth_answer.h"
#include "oauthtok.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
printable_or_trap(const char *s)
{
	for (; s && *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			__builtin_trap();
}

static void
visible_or_trap(const char *s)
{
	if (s == NULL || *s == '\0')
		__builtin_trap();
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 201, 400, 401, 403, 429, 500,
	    503, 302, 100 };
	struct oauth_answer a;
	struct oauth_token t;
	const char *body;
	char err[256];
	long status;
	size_t len;

	if (size < 1)
		return 0;
	status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
	body = (const char *)data + 1;
	len = size - 1;

	oauth_answer_token(status, body, len, &a);
	if (a.outcome == OA_OK) {
		visible_or_trap(a.access_token);
		if (a.refresh_token)
			visible_or_trap(a.refresh_token);
		if (a.expires_in <= 0)
			__builtin_trap();
	} else
		printable_or_trap(a.error);
	oauth_answer_free(&a);

	oauth_answer_device(status, body, len, &a);
	if (a.outcome == OA_OK) {
		visible_or_trap(a.device_code);
		visible_or_trap(a.user_code);
		if (strncasecmp(a.verification_uri, "https://", 8) != 0)
			__builtin_trap();
		if (a.interval < 1 || a.interval > 60 || a.expires_in <= 0)
			__builtin_trap();
	} else
		printable_or_trap(a.error);
	oauth_answer_free(&a);

	if (oauthtok_parse(body, len, &t, err, sizeof(err)) == 0) {
		char *text = oauthtok_format(&t);

		free(text);
		oauthtok_free(&t);
	}
	memset(&t, 0, sizeof(t));
	(void)oauthtok_merge(&t, body, len, 1000, err, sizeof(err));
	if (t.access_token && t.expires_at < 1000)
		__builtin_trap();
	oauthtok_free(&t);
	return 0;
}
