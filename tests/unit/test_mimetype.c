/*
 * test_mimetype.c -- media types by extension: a mime.types file first
 * (case-insensitive, comments, odd lines), then the built-in table.
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

#include "mimetype.h"

static char path[] = "/tmp/test_mimetype.XXXXXX";

static int
setup(void **state)
{
	static const char text[] =
	    "# a comment naming pdf\n"
	    "\n"
	    "application/x-made-up\tmadeup  MUP\n"
	    "text/x-special sp1 sp2\n"
	    "application/pdf pdf\n"
	    "image/x-local png\n"			/* overrides the table */
	    "bad type here\n"			/* "bad" is no type */
	    "   indented/type   ind\n"
	    "notype\n";
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

static const struct {
	const char	*file;	/* NULL: use the temp file */
	int		 use_file;
	const char	*name;
	const char	*type;
} cases[] = {
	{ NULL, 1, "report.madeup", "application/x-made-up" },
	{ NULL, 1, "REPORT.MUP", "application/x-made-up" },
	{ NULL, 1, "dir.with.dots/x.sp2", "text/x-special" },
	{ NULL, 1, "a.png", "image/x-local" },
	{ NULL, 1, "x.ind", "indented/type" },
	{ NULL, 1, "x.here", "application/octet-stream" },
	{ NULL, 1, "x.pdf", "application/pdf" },
	/* not in the file: the built-in table */
	{ NULL, 1, "photo.JPG", "image/jpeg" },
	{ NULL, 1, "data.csv", "text/csv" },
	/* no file at all */
	{ NULL, 0, "a.png", "image/png" },
	{ NULL, 0, "a.pdf", "application/pdf" },
	{ NULL, 0, "x.tar.gz", "application/gzip" },
	{ NULL, 0, "Makefile", "application/octet-stream" },
	{ NULL, 0, ".bashrc", "application/octet-stream" },
	{ NULL, 0, "trailing.", "application/octet-stream" },
	{ NULL, 0, "x.unknownext", "application/octet-stream" },
	{ "/nonexistent/mime.types", 0, "a.txt", "text/plain" },
};

static void
test_lookup(void **state)
{
	size_t i;
	char *t;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = mimetype_lookup(cases[i].use_file ? path : cases[i].file,
		    cases[i].name);
		if (strcmp(t, cases[i].type) != 0)
			fail_msg("%s: got %s, want %s", cases[i].name, t,
			    cases[i].type);
		free(t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
