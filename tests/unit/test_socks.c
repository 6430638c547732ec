/*
 * test_socks.c -- the SOCKS5 messages (socks.h) over tables: what the
 * client sends, byte for byte, and how every proxy answer is read.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "socks.h"

#define B(s)	(const unsigned char *)(s), sizeof(s) - 1

static void
test_greeting(void **state)
{
	unsigned char m[SOCKS_MSG_MAX];

	(void)state;
	assert_int_equal(socks_greeting(m, 0), 3);
	assert_memory_equal(m, "\x05\x01\x00", 3);
	assert_int_equal(socks_greeting(m, 1), 4);
	assert_memory_equal(m, "\x05\x02\x00\x02", 4);
}

static const struct method_case {
	const char	*in;
	int		 userpass;
	int		 rc;
} method_cases[] = {
	{ "\x05\x00", 0, SOCKS_METHOD_NONE },
	{ "\x05\x00", 1, SOCKS_METHOD_NONE },
	{ "\x05\x02", 1, SOCKS_METHOD_USERPASS },
	{ "\x05\x02", 0, -1 },		/* not offered */
	{ "\x05\xff", 0, SOCKS_METHOD_REFUSED },
	{ "\x05\xff", 1, SOCKS_METHOD_REFUSED },
	{ "\x05\x01", 1, -1 },		/* GSSAPI: not offered */
	{ "\x04\x00", 0, -1 },		/* SOCKS4 */
	{ "HT", 0, -1 },		/* an HTTP proxy's "HTTP/1.1 400" */
};

static void
test_method(void **state)
{
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(method_cases) / sizeof(method_cases[0]); i++) {
		const struct method_case *c = &method_cases[i];

		why = NULL;
		assert_int_equal(socks_method_parse((const unsigned char *)
		    c->in, c->userpass, &why), c->rc);
		if (c->rc == -1)
			assert_non_null(why);
	}
}

static void
test_userpass(void **state)
{
	unsigned char m[SOCKS_MSG_MAX];
	char long_[257];
	const char *why;

	(void)state;
	assert_int_equal(socks_userpass(m, "bob", "s3cret"), 12);
	assert_memory_equal(m, "\x01\x03" "bob" "\x06" "s3cret", 12);
	memset(long_, 'x', 255);
	long_[255] = '\0';
	assert_int_equal(socks_userpass(m, long_, long_), 3 + 255 + 255);
	assert_int_equal(m[1], 255);
	assert_int_equal(m[2 + 255], 255);
	long_[255] = 'x';
	long_[256] = '\0';
	assert_int_equal(socks_userpass(m, long_, "p"), 0);
	assert_int_equal(socks_userpass(m, "u", long_), 0);
	assert_int_equal(socks_userpass(m, "", "p"), 0);
	assert_int_equal(socks_userpass(m, "u", ""), 0);

	assert_int_equal(socks_userpass_parse((const unsigned char *)
	    "\x01\x00", &why), 0);
	assert_int_equal(socks_userpass_parse((const unsigned char *)
	    "\x01\x01", &why), 1);
	assert_int_equal(socks_userpass_parse((const unsigned char *)
	    "\x01\xff", &why), 1);
	why = NULL;
	assert_int_equal(socks_userpass_parse((const unsigned char *)
	    "\x05\x00", &why), -1);
	assert_non_null(why);
}

static const struct request_case {
	const char	*host;
	int		 port;
	const char	*out;
	size_t		 len;
} request_cases[] = {
	/* a name goes as a name: the proxy resolves it */
	{ "mail.example.org", 587, "\x05\x01\x00\x03\x10" "mail.example.org"
	    "\x02\x4b", 4 + 1 + 16 + 2 },
	{ "localhost", 25, "\x05\x01\x00\x03\x09" "localhost" "\x00\x19",
	    4 + 1 + 9 + 2 },
	{ "xn--bcher-kva.example", 465, "\x05\x01\x00\x03\x15"
	    "xn--bcher-kva.example" "\x01\xd1", 4 + 1 + 21 + 2 },
	/* an onion name is a name like any other */
	{ "abcdefghijklmnop.onion", 65535, "\x05\x01\x00\x03\x16"
	    "abcdefghijklmnop.onion" "\xff\xff", 4 + 1 + 22 + 2 },
	/* literals go as addresses */
	{ "192.0.2.7", 587, "\x05\x01\x00\x01\xc0\x00\x02\x07\x02\x4b", 10 },
	{ "2001:db8::7", 1, "\x05\x01\x00\x04\x20\x01\x0d\xb8\x00\x00\x00"
	    "\x00\x00\x00\x00\x00\x00\x00\x00\x07\x00\x01", 22 },
	/* not a valid literal: a name, for the proxy to refuse */
	{ "192.0.2.256", 25, "\x05\x01\x00\x03\x0b" "192.0.2.256" "\x00\x19",
	    4 + 1 + 11 + 2 },
	/* no name at all */
	{ "", 25, "", 0 },
};

static void
test_request(void **state)
{
	unsigned char m[SOCKS_MSG_MAX];
	char name[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(request_cases) / sizeof(request_cases[0]);
	    i++) {
		const struct request_case *c = &request_cases[i];

		assert_int_equal(socks_connect_request(m, c->host, c->port),
		    c->len);
		assert_memory_equal(m, c->out, c->len);
	}
	memset(name, 'a', sizeof(name));
	name[255] = '\0';
	assert_int_equal(socks_connect_request(m, name, 25), 4 + 1 + 255 + 2);
	assert_int_equal(m[4], 255);
	name[255] = 'a';
	name[256] = '\0';
	assert_int_equal(socks_connect_request(m, name, 25), 0);
}

/*
 * Replies given whole: rc is what socks_reply_parse() returns for the
 * whole input; for a complete reply the fields must be exactly these.
 */
struct reply_case {
	const unsigned char	*in;
	size_t			 len;
	int			 rc;
	int			 rep;
	int			 atyp;
	const char		*addr;
	int			 port;
};

static const struct reply_case reply_cases[] = {
	/* success, each address type */
	{ B("\x05\x00\x00\x01\x7f\x00\x00\x02\x9c\x40"), 10, 0, 1,
	    "127.0.0.2", 40000 },
	{ B("\x05\x00\x00\x04\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"
	    "\x01\xbb"), 22, 0, 4, "2001:db8::1", 443 },
	{ B("\x05\x00\x00\x03\x04" "host" "\x00\x19"), 11, 0, 3, "host",
	    25 },
	{ B("\x05\x00\x00\x03\x00" "\x00\x00"), 7, 0, 3, "", 0 },
	/* microsocks and Tor answer 0.0.0.0:0 */
	{ B("\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00"), 10, 0, 1,
	    "0.0.0.0", 0 },
	/* refusals: the REP code is the reason */
	{ B("\x05\x01\x00\x01\x00\x00\x00\x00\x00\x00"), 10, 1, 1,
	    "0.0.0.0", 0 },
	{ B("\x05\x04\x00\x01\x00\x00\x00\x00\x00\x00"), 10, 4, 1,
	    "0.0.0.0", 0 },
	{ B("\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00"), 10, 5, 1,
	    "0.0.0.0", 0 },
	/* what follows the reply is the server's: not part of it */
	{ B("\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x19" "220 hi\r\n"), 10, 0,
	    1, "127.0.0.1", 25 },
	/* short: how much is needed */
	{ B(""), 5, -1, 0, NULL, 0 },
	{ B("\x05"), 5, -1, 0, NULL, 0 },
	{ B("\x05\x00\x00\x01"), 5, 0, 0, NULL, 0 },
	{ B("\x05\x00\x00\x01\x7f"), 10, 0, 0, NULL, 0 },
	{ B("\x05\x00\x00\x04\x20"), 22, 0, 0, NULL, 0 },
	{ B("\x05\x00\x00\x03\xff"), 4 + 1 + 255 + 2, 0, 0, NULL, 0 },
	{ B("\x05\x00\x00\x03\x04" "hos"), 11, 0, 0, NULL, 0 },
	{ B("\x05\x00\x00\x01\x7f\x00\x00\x02\x9c"), 10, 0, 0, NULL, 0 },
	/* malformed */
	{ B("\x04"), -1, -1, 0, NULL, 0 },
	{ B("\x00\x5a"), -1, -1, 0, NULL, 0 },	/* a SOCKS4 reply */
	{ B("HTTP/1.1 400"), -1, -1, 0, NULL, 0 },
	{ B("\x05\x00\x01"), -1, 0, 0, NULL, 0 },
	{ B("\x05\x00\x00\x02\x00"), -1, 0, 0, NULL, 0 },
	{ B("\x05\x00\x00\x00\x00"), -1, 0, 0, NULL, 0 },
	{ B("\x05\x00\x00\x05\x00"), -1, 0, 0, NULL, 0 },
	{ B("\x05\x00\x00\x03\x03" "a\0b" "\x00\x19"), -1, 0, 0, NULL, 0 },
};

static void
test_reply(void **state)
{
	struct socks_reply r;
	const char *why;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]); i++) {
		const struct reply_case *c = &reply_cases[i];

		memset(&r, 0, sizeof(r));
		r.rep = -1;
		why = NULL;
		rc = socks_reply_parse(c->in, c->len, &r, &why);
		print_message("case %zu\n", i);
		assert_int_equal(rc, c->rc);
		if (rc == -1) {
			assert_non_null(why);
			continue;
		}
		assert_null(why);
		assert_true(rc <= SOCKS_REPLY_MAX);
		if (c->len >= 2)
			assert_int_equal(r.rep, c->rep);
		if (c->addr == NULL) {
			assert_true((size_t)rc > c->len);
			continue;
		}
		assert_int_equal(r.atyp, c->atyp);
		assert_string_equal(r.addr, c->addr);
		assert_int_equal(r.port, c->port);
	}
}

/* Fed one octet at a time, as a slow proxy sends it: never asks for more
   than the reply holds, and ends with the same fields. */
static void
test_reply_drip(void **state)
{
	static const unsigned char in[] = "\x05\x00\x00\x03\x0b"
	    "example.org" "\x01\xd1";
	struct socks_reply r;
	const char *why;
	size_t have = 0;
	int want;

	(void)state;
	memset(&r, 0, sizeof(r));
	while ((want = socks_reply_parse(in, have, &r, &why)) > (int)have) {
		assert_true((size_t)want <= sizeof(in) - 1);
		have++;
	}
	assert_int_equal(want, sizeof(in) - 1);
	assert_string_equal(r.addr, "example.org");
	assert_int_equal(r.port, 465);
}

static void
test_rep_name(void **state)
{
	(void)state;
	assert_string_equal(socks_rep_name(0), "succeeded");
	assert_string_equal(socks_rep_name(1), "general SOCKS server failure");
	assert_string_equal(socks_rep_name(2),
	    "connection not allowed by ruleset");
	assert_string_equal(socks_rep_name(3), "Network unreachable");
	assert_string_equal(socks_rep_name(4), "Host unreachable");
	assert_string_equal(socks_rep_name(5), "Connection refused");
	assert_string_equal(socks_rep_name(6), "TTL expired");
	assert_string_equal(socks_rep_name(7), "Command not supported");
	assert_string_equal(socks_rep_name(8), "Address type not supported");
	assert_string_equal(socks_rep_name(9), "unassigned reply code");
	assert_string_equal(socks_rep_name(255), "unassigned reply code");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting),
		cmocka_unit_test(test_method),
		cmocka_unit_test(test_userpass),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_reply_drip),
		cmocka_unit_test(test_rep_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
