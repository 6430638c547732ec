/*
 * fuzz_config.c -- the configuration parser on any text, in both the
 * strict (outbox) and lenient (msmtp) modes, then the derived settings
 * of every account.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	struct config_error err;
	size_t i;
	int msmtp;

	for (msmtp = 0; msmtp < 2; msmtp++) {
		config_init(&c);
		if (config_parse(&c, (const char *)data, size, "fuzz", msmtp,
		    1, &err) == 0)
			for (i = 0; i < c.nacct; i++)
				(void)config_finish(c.acct[i], &err);
		config_free(&c);
	}
	return 0;
}
