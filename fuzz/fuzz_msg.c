/*
 * fuzz_msg.c -- the message reader: input normalisation, the lone-dot
 * rule, the header parser and spooling, on any bytes.  The spooled
 * message must hold no bare CR or LF, and pushing it through the
 * dot-stuffing filter must give exactly one end-of-data sequence.  With
 * a raw body (-B BINARYMIME) the header section must hold no bare CR or
 * LF and every input byte after its empty line must be spooled as it is.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "addr.h"
#include "dotstuff.h"
#include "msg.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_spool(int fd)
{
	static char buf[1 << 20], out[DOTSTUFF_MAX_OUT(1 << 20) + 8];
	struct dotstuff ds;
	ssize_t n;
	size_t i, m;
	char *p;

	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return;
	for (i = 0; i < (size_t)n; i++) {
		if (buf[i] == '\r' && (i + 1 == (size_t)n || buf[i + 1] != '\n'))
			__builtin_trap();
		if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
			__builtin_trap();
	}
	dotstuff_init(&ds, 1);
	m = dotstuff_filter(&ds, buf, (size_t)n, out);
	m += dotstuff_finish(&ds, out + m, 1);
	/* "\r\n.\r\n" may only appear at the very end */
	for (p = out; (p = memmem(p, (size_t)(out + m - p), "\r\n.\r\n", 5))
	    != NULL; p++)
		if (p + 5 != out + m)
			__builtin_trap();
}

/* Where the body starts in the input: after the first empty line (a
   line end at the start of a line; CRLF is one line end); 0: none. */
static size_t
raw_start(const uint8_t *d, size_t n)
{
	size_t i;
	int bol = 1;

	for (i = 0; i < n; i++) {
		if (d[i] != '\r' && d[i] != '\n') {
			bol = 0;
			continue;
		}
		if (d[i] == '\r' && i + 1 < n && d[i + 1] == '\n')
			i++;
		if (bol)
			return i + 1;
		bol = 1;
	}
	return 0;
}

static void
check_raw(int fd, const struct msg *m, const uint8_t *data, size_t size)
{
	static char buf[(1 << 20) + (1 << 19)];
	size_t i, at = raw_start(data, size);
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf));
	if (n < 0 || (size_t)n < m->head_size)
		__builtin_trap();
	for (i = 0; i < m->head_size; i++) {
		if (buf[i] == '\r' && (i + 1 == m->head_size ||
		    buf[i + 1] != '\n'))
			__builtin_trap();
		if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
			__builtin_trap();
	}
	if (!m->separator)
		return;		/* take.c refuses it: not sent */
	if (at == 0 || (size_t)n - m->head_size != size - at ||
	    memcmp(buf + m->head_size, data + at, size - at) != 0)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg m;
	struct result r;
	struct addr_list l = { NULL, 0 };
	const char *why, *field;
	int in, out, dots;

	if (size > (1 << 19))
		return 0;
	for (dots = 0; dots < 3; dots++) {
		in = memfd_create("in", 0);
		out = memfd_create("out", 0);
		if (in == -1 || out == -1)
			abort();
		if (write(in, data, size) != (ssize_t)size)
			abort();
		lseek(in, 0, SEEK_SET);
		msg_init(&m);
		result_init(&r);
		/* 0: sendmail's dot rule; 1: -i; 2: -B BINARYMIME */
		m.in.raw_body = dots == 2;
		if (msg_read_head(&m, in, dots != 0, &r) == 0) {
			(void)msg_recipients(&m, &l, &why, &field);
			addr_list_free(&l);
			msg_delete(&m, "Bcc");
			msg_add(&m, "X-Fuzz", "1");
			if (msg_spool(&m, out, &r) == 0 && dots < 2)
				check_spool(out);
			else if (r.cls == RES_OK && dots == 2)
				check_raw(out, &m, data, size);
		}
		msg_free(&m);
		result_free(&r);
		close(in);
		close(out);
	}
	return 0;
}
