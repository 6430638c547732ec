#include "autoconf.h"

/*
 * fuzz_auth.c -- the SASL challenge handlers on any server input.  The
 * first byte picks the mechanism; the rest is split at '\n' into the
 * server's challenges (raw text: they are base64-decoded by auth_step,
 * so both valid and invalid base64 get exercised; the second half of the
 * input is also tried base64-encoded to reach the decoded parsers).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "codec.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const enum auth_mech mechs[] = {
	AUTH_PLAIN, AUTH_LOGIN, AUTH_CRAM_MD5, AUTH_SCRAM_SHA_1,
	AUTH_SCRAM_SHA_1_PLUS, AUTH_SCRAM_SHA_256, AUTH_SCRAM_SHA_256_PLUS,
	AUTH_XOAUTH2, AUTH_OAUTHBEARER, AUTH_EXTERNAL
};

static void
run(enum auth_mech m, const char *text, size_t len, int encode)
{
	static const unsigned char cb[32] = { 1, 2, 3 };
	struct auth a;
	const char *p = text, *end = text + len, *nl, *why;
	char *line, *chal, *resp;
	int rounds = 0;

	auth_begin(&a, m, "user,=name", "pencil");
	a.nonce = "fixednonce";
	a.tls = 1;
	a.cb_type = "tls-exporter";
	a.cb_data = cb;
	a.cb_len = sizeof(cb);
	a.host = "mx.example";
	a.port = 587;
	line = auth_start(&a);
	if (line == NULL)
		__builtin_trap();
	free(line);
	while (p < end && rounds++ < 8) {
		nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		chal = encode ? codec_b64_encode(p, n) : xstrndup(p, n);
		why = NULL;
		resp = auth_step(&a, chal, &why);
		if (resp == NULL && why == NULL)
			__builtin_trap();
		free(resp);
		free(chal);
		p = nl ? nl + 1 : end;
	}
	(void)auth_done(&a, &why);
	auth_end(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	text = xstrndup((const char *)data + 1, size - 1);
	run(mechs[data[0] % (sizeof(mechs) / sizeof(mechs[0]))], text,
	    strlen(text), data[0] & 0x80);
	free(text);
	return 0;
}
