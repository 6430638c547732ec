/*
 * test_mime_write.c -- composed messages keep the form composed.h
 * promises (boundary lines, encoding lines, line lengths, where 8-bit
 * octets may be), and the downgrade filter, which relies on that form
 * alone, turns them into 7-bit messages.
 */
#include "autoconf.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "codec.h"
#include "composed.h"
#include "downgrade.h"
#include "mime_write.h"
#include "result.h"
#include "xmalloc.h"

/* A temporary file holding s, at its start. */
static int
file_of(const char *s, size_t n, char *path)
{
	int fd;

	snprintf(path, 64, "%s/mwXXXXXX", getenv("TMPDIR") ?
	    getenv("TMPDIR") : "/tmp");
	fd = mkstemp(path);
	if (fd == -1)
		fail_msg("mkstemp: %s", strerror(errno));
	assert_int_equal(write(fd, s, n), (ssize_t)n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void
text_of(struct mime_text *t, const char *s)
{
	struct result r;
	char path[64];
	int fd = file_of(s, strlen(s), path);

	result_init(&r);
	assert_int_equal(mime_text_load(t, fd, &r), 0);
	close(fd);
	unlink(path);
	result_free(&r);
}

/* The whole message as mime_write() writes it. */
static char *
written(int html, int attach, size_t *len)
{
	static const char bin[] = "\x00\x01\xff binary \xc3\xa9";
	struct mime c;
	struct result r;
	unsigned long long size;
	char path[64], apath[64], *out;
	int fd, afd = -1;

	result_init(&r);
	mime_init(&c);
	mime_field(&c, "From", "=?UTF-8?B?SsO2cmc=?= <j@b\xc3\xbc" "cher.example>",
	    MF_ADDR);
	mime_field(&c, "To", "a@example.org, x@\xc3\xa9t\xc3\xa9.example",
	    MF_ADDR);
	mime_field(&c, "Subject", "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln",
	    MF_TEXT);
	mime_field(&c, "Message-ID", "<1.2@b\xc3\xbc" "cher.example>", MF_RAW);
	text_of(&c.text, "caf\xc3\xa9\n-- \nsig \xe2\x82\xac\n");
	if (html)
		text_of(&c.html, "<p>\xe2\x82\xac</p>\n--=_ looks like a "
		    "boundary\n");
	if (attach) {
		afd = file_of(bin, sizeof(bin) - 1, apath);
		close(afd);
		assert_int_equal(mime_attach(&c, apath, "/nonexistent", &r),
		    0);
		unlink(apath);
	}
	fd = file_of("", 0, path);
	assert_int_equal(mime_write(&c, fd, &size, &r), 0);
	assert_int_equal(c.head8bit, 1);
	assert_int_equal(c.eightbit, 1);
	out = xmalloc(size + 1);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(read(fd, out, size), (ssize_t)size);
	out[size] = '\0';
	close(fd);
	unlink(path);
	mime_free(&c);
	result_free(&r);
	*len = size;
	return out;
}

/* Does the line [p, p + n) hold an 8-bit octet outside an address or
   msg-id (a token with '@')? */
static int
stray_8bit(const char *p, size_t n)
{
	size_t i, s, e;

	for (i = 0; i < n; i++) {
		if (!((unsigned char)p[i] & 0x80))
			continue;
		for (s = i; s > 0 && !strchr(" <>,:", p[s - 1]); s--)
			;
		for (e = i; e < n && !strchr(" <>,\r\n", p[e]); e++)
			;
		if (memchr(p + s, '@', e - s) == NULL)
			return 1;
	}
	return 0;
}

/* Check composed.h's rules line by line. */
static void
check_form(const char *m, size_t len)
{
	const char *p = m, *end = m + len, *lf, *b;
	char bounds[4][80];
	size_t nb = 0, n, i, lead = strlen(COMPOSED_BOUNDARY_LEAD);
	int top = 1, head = 1, ok;

	/* the boundaries the message declares */
	for (b = m; (b = strstr(b, "boundary=\"")) != NULL && nb < 4; nb++) {
		b += 10;
		n = strcspn(b, "\"");
		snprintf(bounds[nb], sizeof(bounds[nb]), "--%.*s", (int)n, b);
		assert_memory_equal(bounds[nb], COMPOSED_BOUNDARY_LEAD, lead);
	}
	for (; p < end; p = lf + 1) {
		lf = memchr(p, '\n', (size_t)(end - p));
		assert_non_null(lf);
		assert_true(lf > p && lf[-1] == '\r');
		n = (size_t)(lf - 1 - p);
		assert_true(n <= COMPOSED_LINE_MAX);
		if (head && n == 0) {
			head = top = 0;
			continue;
		}
		if (n >= lead && memcmp(p, COMPOSED_BOUNDARY_LEAD, lead) == 0) {
			/* only a declared boundary starts so */
			for (ok = 0, i = 0; i < nb; i++)
				if (strncmp(p, bounds[i], strlen(bounds[i])) ==
				    0)
					ok = 1;
			assert_true(ok);
			head = 1;
			continue;
		}
		if (head && strncasecmp(p, "Content-Transfer-Encoding:",
		    26) == 0)
			assert_true(strncmp(p, COMPOSED_CTE_PREFIX,
			    strlen(COMPOSED_CTE_PREFIX)) == 0);
		if (head && top)
			assert_false(stray_8bit(p, n));
		else if (head)
			assert_false(codec_has_8bit(p, n));
	}
}

static char *
downgraded(const char *m, size_t len, size_t *olen, int *bad)
{
	struct downgrade d;
	struct buf out;
	size_t i, k;

	downgrade_init(&d, 1, 1);
	buf_init(&out, 1024 * 1024);
	for (i = 0; i < len; i += k) {
		k = len - i < 100 ? len - i : 100;
		downgrade_filter(&d, m + i, k, &out);
	}
	downgrade_finish(&d, &out);
	*olen = out.len;
	*bad = d.bad;
	return buf_take(&out);
}

static void
test_form_and_downgrade(void **state)
{
	static const int shapes[][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 },
	    { 1, 1 } };
	size_t i, len, olen;
	char *m, *o;
	int bad;

	(void)state;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		m = written(shapes[i][0], shapes[i][1], &len);
		check_form(m, len);
		assert_non_null(strstr(m, COMPOSED_CTE_8BIT "\r\n"));
		o = downgraded(m, len, &olen, &bad);
		assert_int_equal(bad, 0);
		assert_false(codec_has_8bit(o, olen));
		assert_null(strstr(o, COMPOSED_CTE_8BIT));
		assert_non_null(strstr(o, "<j@xn--bcher-kva.example>"));
		assert_non_null(strstr(o, "<1.2@xn--bcher-kva.example>"));
		free(o);
		free(m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_and_downgrade),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
