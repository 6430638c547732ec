/*
 * test_msg.c -- the input filter, the header block, -t recipients and the
 * spool file, with the input always coming through a pipe.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "msg.h"

/* ---- plumbing: a writer process, a watchdog ---------------------------- */

static pid_t writer_pid = -1;

/*
 * A pipe whose other end a child fills with data, all at once or one
 * byte per write (so that reads see every possible split).
 */
static int
feed(const char *data, size_t n, int trickle)
{
	int p[2];
	size_t i;

	if (pipe(p) == -1)
		fail_msg("pipe: %s", strerror(errno));
	writer_pid = fork();
	if (writer_pid == -1)
		fail_msg("fork: %s", strerror(errno));
	if (writer_pid == 0) {
		close(p[0]);
		signal(SIGPIPE, SIG_DFL);
		if (trickle) {
			for (i = 0; i < n; i++) {
				if (write(p[1], data + i, 1) != 1)
					_exit(1);
				usleep(200);
			}
		} else {
			while (n) {
				ssize_t w = write(p[1], data, n);

				if (w <= 0)
					_exit(1);
				data += w;
				n -= (size_t)w;
			}
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

static void
reap(int fd)
{
	int st;

	if (fd >= 0)
		close(fd);
	if (writer_pid > 0) {
		kill(writer_pid, SIGKILL);
		waitpid(writer_pid, &st, 0);
	}
	writer_pid = -1;
}

static sigjmp_buf wd_env;
static volatile sig_atomic_t wd_armed;

static void
wd_alarm(int sig)
{
	(void)sig;
	if (wd_armed)
		siglongjmp(wd_env, 1);
}

#define WD_SECONDS	30	/* generous: valgrind is slow */

/*
 * Arm the watchdog in the calling function: a call that never returns
 * (an endless loop in the code under test) fails the test instead of
 * hanging the suite.
 */
#define WATCHDOG(fd, what)						\
	do {								\
		struct sigaction sa_;					\
									\
		memset(&sa_, 0, sizeof(sa_));				\
		sa_.sa_handler = wd_alarm;				\
		sa_.sa_flags = SA_NODEFER;				\
		sigaction(SIGALRM, &sa_, NULL);				\
		if (sigsetjmp(wd_env, 1) != 0) {			\
			wd_armed = 0;					\
			reap(fd);					\
			fail_msg("%s: did not return within %d s "	\
			    "(endless loop?)", what, WD_SECONDS);	\
		}							\
		wd_armed = 1;						\
		alarm(WD_SECONDS);					\
	} while (0)

#define WATCHDOG_OFF()	do { alarm(0); wd_armed = 0; } while (0)

static void
expect_bytes(const char *what, size_t idx, const char *got, size_t gotlen,
    const char *want, size_t wantlen)
{
	size_t i;

	if (gotlen == wantlen && memcmp(got, want, gotlen) == 0)
		return;
	fprintf(stderr, "%s %zu:\n  got  %zu bytes: ", what, idx, gotlen);
	for (i = 0; i < gotlen && i < 200; i++)
		fprintf(stderr, isprint((unsigned char)got[i]) ? "%c" :
		    "\\x%02x", (unsigned char)got[i]);
	fprintf(stderr, "\n  want %zu bytes: ", wantlen);
	for (i = 0; i < wantlen && i < 200; i++)
		fprintf(stderr, isprint((unsigned char)want[i]) ? "%c" :
		    "\\x%02x", (unsigned char)want[i]);
	fprintf(stderr, "\n");
	fail_msg("%s %zu: output differs", what, idx);
}

/* ---- msg_input_read ----------------------------------------------------- */

struct in_case {
	const char	*in;
	size_t		 inlen;
	int		 ignore_dots;
	const char	*out;
	size_t		 outlen;
	int		 nul, eightbit;
	size_t		 maxline;
	int		 raw;		/* raw_body (-B BINARYMIME) */
};

#define S(s)	s, sizeof(s) - 1

static const struct in_case in_cases[] = {
	{ S(""), 0, S(""), 0, 0, 0, 0 },
	{ S("a\nb\n"), 0, S("a\r\nb\r\n"), 0, 0, 1, 0 },
	{ S("a\r\nb"), 0, S("a\r\nb\r\n"), 0, 0, 1, 0 },
	{ S("a\rb\r"), 0, S("a\r\nb\r\n"), 0, 0, 1, 0 },
	{ S("a\n\r\nb"), 0, S("a\r\n\r\nb\r\n"), 0, 0, 1, 0 },
	{ S("a\r\r\n"), 0, S("a\r\n\r\n"), 0, 0, 1, 0 },
	{ S("\n"), 0, S("\r\n"), 0, 0, 0, 0 },
	{ S("abc\nabcdefgh\nab"), 0, S("abc\r\nabcdefgh\r\nab\r\n"), 0, 0, 8, 0 },
	/* a lone dot ends the input, unless -i */
	{ S("a\n.\nb\n"), 0, S("a\r\n"), 0, 0, 1, 0 },
	{ S("a\n.\nb\n"), 1, S("a\r\n.\r\nb\r\n"), 0, 0, 1, 0 },
	{ S(".\n"), 0, S(""), 0, 0, 0, 0 },
	{ S(".\n"), 1, S(".\r\n"), 0, 0, 1, 0 },
	{ S("a\r.\rb"), 0, S("a\r\n"), 0, 0, 1, 0 },
	{ S("a\r.\rb"), 1, S("a\r\n.\r\nb\r\n"), 0, 0, 1, 0 },
	{ S("a\r\n.\r\nb\r\n"), 0, S("a\r\n"), 0, 0, 1, 0 },
	{ S("a\n.\r\nb"), 0, S("a\r\n"), 0, 0, 1, 0 },
	{ S("a\r\n.\nb"), 0, S("a\r\n"), 0, 0, 1, 0 },
	{ S("a\n."), 0, S("a\r\n"), 0, 0, 1, 0 },
	/* other lines starting with a dot are data, ".." kept as it is */
	{ S("a\n..\nb\n"), 0, S("a\r\n..\r\nb\r\n"), 0, 0, 2, 0 },
	{ S("..\n"), 0, S("..\r\n"), 0, 0, 2, 0 },
	{ S("a\n.x\n"), 0, S("a\r\n.x\r\n"), 0, 0, 2, 0 },
	{ S("a\n. \n"), 0, S("a\r\n. \r\n"), 0, 0, 2, 0 },
	{ S("a.\n"), 0, S("a.\r\n"), 0, 0, 2, 0 },
	{ S(".abcd\n"), 0, S(".abcd\r\n"), 0, 0, 5, 0 },
	/* scans */
	{ S("a\0b\n"), 0, S("a\0b\r\n"), 1, 0, 3, 0 },
	{ S("\0"), 0, S("\0\r\n"), 1, 0, 1, 0 },
	{ S("caf\xc3\xa9\n"), 0, S("caf\xc3\xa9\r\n"), 0, 1, 5, 0 },
	{ S("x\n\xff"), 0, S("x\r\n\xff\r\n"), 0, 1, 1, 0 },
	{ S("a\n.\n\xff\0"), 0, S("a\r\n"), 0, 0, 1, 0 },
	/* a raw body: the header section normalised, the bytes after its
	   empty line as they are, no line end added at the end */
	{ S("H: v\n\na\nb\r\0.\n.\n\r"), 1,
	  S("H: v\r\n\r\na\nb\r\0.\n.\n\r"), 1, 0, 4, 1 },
	{ S("H: v\r\n\r\n\nx"), 1, S("H: v\r\n\r\n\nx"), 0, 0, 4, 1 },
	{ S("H: v\r\r\nx"), 1, S("H: v\r\n\r\nx"), 0, 0, 4, 1 },
	{ S("H: v\r\r\r\n"), 1, S("H: v\r\n\r\n\r\n"), 0, 0, 4, 1 },
	{ S("H: v\n\r\n\xff\r"), 1, S("H: v\r\n\r\n\xff\r"), 0, 1, 4, 1 },
	{ S("\n\n"), 1, S("\r\n\n"), 0, 0, 0, 1 },
	{ S("H: v\n\n"), 1, S("H: v\r\n\r\n"), 0, 0, 4, 1 },
	/* no empty line: never raw (take.c refuses such a message) */
	{ S("H: v\nb\rc"), 1, S("H: v\r\nb\r\nc\r\n"), 0, 0, 4, 1 },
};
#define NIN (sizeof(in_cases) / sizeof(in_cases[0]))

/* Read everything with output room max; returns the bytes. */
static char *
read_all(const struct in_case *c, size_t max, int trickle, size_t *outlen,
    struct msg_input *in)
{
	char *out = malloc(c->outlen + 2 * max + 64), *chunk = malloc(max);
	volatile size_t o = 0;
	long n;
	int fd;

	memset(in, 0, sizeof(*in));
	fd = feed(c->in, c->inlen, trickle);
	in->fd = fd;
	in->ignore_dots = c->ignore_dots;
	in->raw_body = c->raw;
	WATCHDOG(fd, "msg_input_read");
	while ((n = msg_input_read(in, chunk, max)) > 0) {
		if ((size_t)n > max)
			fail_msg("msg_input_read returned %ld > %zu", n, max);
		memcpy(out + o, chunk, (size_t)n);
		o += (size_t)n;
		if (o > c->outlen + max)
			fail_msg("more output than expected");
	}
	WATCHDOG_OFF();
	if (n < 0)
		fail_msg("msg_input_read: %s", strerror(errno));
	/* at the end it stays at the end */
	assert_int_equal(msg_input_read(in, chunk, max), 0);
	reap(fd);
	free(chunk);
	*outlen = o;
	return out;
}

static void
check_input(size_t i, size_t max, int trickle)
{
	const struct in_case *c = &in_cases[i];
	struct msg_input in;
	size_t n;
	char *out = read_all(c, max, trickle, &n, &in);
	char what[64];

	snprintf(what, sizeof(what), "input (max %zu%s) case", max,
	    trickle ? ", trickled" : "");
	expect_bytes(what, i, out, n, c->out, c->outlen);
	if (in.nul != c->nul)
		fail_msg("%s %zu: nul %d, want %d", what, i, in.nul, c->nul);
	if (in.eightbit != c->eightbit)
		fail_msg("%s %zu: eightbit %d, want %d", what, i, in.eightbit,
		    c->eightbit);
	if (in.maxline != c->maxline)
		fail_msg("%s %zu: maxline %zu, want %zu", what, i, in.maxline,
		    c->maxline);
	free(out);
}

static void
test_input_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NIN; i++)
		check_input(i, IO_CHUNK, 0);
}

/* Input arriving one byte per read: CRLF and ".\r\n" split anywhere. */
static void
test_input_trickle(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NIN; i++)
		check_input(i, IO_CHUNK, 1);
}

/* Small output room (the contract allows any max >= 4). */
static void
test_input_small_room(void **state)
{
	static const size_t rooms[] = { 4, 5, 6, 7, 8, 13, 64 };
	size_t i, r;

	(void)state;
	for (r = 0; r < sizeof(rooms) / sizeof(rooms[0]); r++)
		for (i = 0; i < NIN; i++)
			check_input(i, rooms[r], 0);
}

/* Build an n-line message body of ordinary text. */
static char *
make_lines(size_t nlines, const char *head, size_t *len)
{
	size_t hl = strlen(head), i, o;
	char *s = malloc(hl + nlines * 64 + 1);

	memcpy(s, head, hl);
	o = hl;
	for (i = 0; i < nlines; i++)
		o += (size_t)sprintf(s + o, "line %06zu of ordinary text, "
		    "nothing special here\n", i);
	s[o] = '\0';
	*len = o;
	return s;
}

static char *
crlf(const char *s, size_t n, size_t *outlen)
{
	char *o = malloc(2 * n + 1);
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n')
			o[k++] = '\r';
		o[k++] = s[i];
	}
	*outlen = k;
	return o;
}

/* More than one buffer's worth of input (constant memory, any size). */
static void
test_input_large(void **state)
{
	struct in_case c;
	struct msg_input in;
	size_t rawlen, wantlen, n;
	char *raw = make_lines(5000, "", &rawlen);
	char *want = crlf(raw, rawlen, &wantlen);
	char *out;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.in = raw;
	c.inlen = rawlen;
	c.out = want;
	c.outlen = wantlen;
	out = read_all(&c, IO_CHUNK, 0, &n, &in);
	expect_bytes("large input", 0, out, n, want, wantlen);
	assert_int_equal(in.maxline, 50);
	free(out);
	free(raw);
	free(want);
}

/* ---- msg_read_head + msg_spool: the exact spool bytes ------------------- */

struct spool_case {
	const char	*in;
	int		 ignore_dots;
	const char	*out;
};

static const struct spool_case spool_cases[] = {
	{ "Subject: hi\nTo: a@b\n\nbody\n", 0,
	    "Subject: hi\r\nTo: a@b\r\n\r\nbody\r\n" },
	{ "Subject: hi\r\nTo: a@b\r\n\r\nbody\r\n", 0,
	    "Subject: hi\r\nTo: a@b\r\n\r\nbody\r\n" },
	/* the first line is not a header: an empty header block */
	{ "hello world\nmore\n", 0, "\r\nhello world\r\nmore\r\n" },
	{ " leading space\n", 0, "\r\n leading space\r\n" },
	{ ": no name\n", 0, "\r\n: no name\r\n" },
	{ "\nbody\n", 0, "\r\nbody\r\n" },
	/* an mbox "From " line is dropped; "From:" is a header */
	{ "From someone@x Mon Jan  1 00:00:00 2024\nSubject: s\n\nbody\n", 0,
	    "Subject: s\r\n\r\nbody\r\n" },
	{ "From: a@b\n\nbody\n", 0, "From: a@b\r\n\r\nbody\r\n" },
	/* headers only */
	{ "Subject: s\nTo: a@b\n", 0, "Subject: s\r\nTo: a@b\r\n" },
	{ "Subject: s", 0, "Subject: s\r\n" },
	{ "Subject: s\n\n", 0, "Subject: s\r\n\r\n" },
	{ "", 0, "" },
	/* folding, obsolete space before the colon */
	{ "Subject: a\n b\n\tc\n\nx\n", 0,
	    "Subject: a\r\n b\r\n\tc\r\n\r\nx\r\n" },
	{ "X-Weird : v\n\nb\n", 0, "X-Weird : v\r\n\r\nb\r\n" },
	/* a line that is no header ends the header block */
	{ "Subject: s\nnot a header\nTo: x@y\n", 0,
	    "Subject: s\r\n\r\nnot a header\r\nTo: x@y\r\n" },
	/* the lone dot, in the body and in the headers */
	{ "Subject: s\n\nbody\n.\nafter\n", 0, "Subject: s\r\n\r\nbody\r\n" },
	{ "Subject: s\n\nbody\n.\nafter\n", 1,
	    "Subject: s\r\n\r\nbody\r\n.\r\nafter\r\n" },
	{ "Subject: s\n.\nbody\n", 0, "Subject: s\r\n" },
	{ "Subject: s\r\n\r\nline1\r\n..dots\r\n", 0,
	    "Subject: s\r\n\r\nline1\r\n..dots\r\n" },
	{ "Subject: s\r\rbare\rcr\r", 0,
	    "Subject: s\r\n\r\nbare\r\ncr\r\n" },
	/* leading dots kept (-i), after a bare CR, in a header line */
	{ "Subject: s\n\nx\r.y\n", 1, "Subject: s\r\n\r\nx\r\n.y\r\n" },
	{ "Subject: s\n\nx\r.y\n", 0, "Subject: s\r\n\r\nx\r\n.y\r\n" },
	{ ".x: v\n\nbody\n", 1, ".x: v\r\n\r\nbody\r\n" },
	{ "Subject: s\n\nend.\n x.\n", 1,
	    "Subject: s\r\n\r\nend.\r\n x.\r\n" },
};

static char *
slurp(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *s = malloc(cap);
	ssize_t r;

	lseek(fd, 0, SEEK_SET);
	for (;;) {
		if (n == cap)
			s = realloc(s, cap *= 2);
		r = read(fd, s + n, cap - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return s;
}

static int
tmpfd(void)
{
	char path[] = "/tmp/outbox-test-msg-XXXXXX";
	int fd = mkstemp(path);

	if (fd == -1)
		fail_msg("mkstemp: %s", strerror(errno));
	unlink(path);
	return fd;
}

/* msg.clean of the last spool(): no line of it starts with '.' */
static int last_clean;

/* Does a line of p (n octets) start with '.'? */
static int
any_dotline(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == '.' && (i == 0 || p[i - 1] == '\n'))
			return 1;
	return 0;
}

/*
 * Read a message through a pipe, let edit() change the header block,
 * spool it; return the spool file's bytes.
 */
static char *
spool(const char *in, size_t inlen, int ignore_dots, int trickle,
    void (*edit)(struct msg *), size_t *len, unsigned long long *size)
{
	struct msg m;
	struct result r;
	int fd, out;
	char *bytes;

	msg_init(&m);
	result_init(&r);
	fd = feed(in, inlen, trickle);
	out = tmpfd();
	WATCHDOG(fd, "msg_read_head/msg_spool");
	if (msg_read_head(&m, fd, ignore_dots, &r) != 0)
		fail_msg("msg_read_head failed: %s", r.text ? r.text : "-");
	if (edit)
		edit(&m);
	if (msg_spool(&m, out, &r) != 0)
		fail_msg("msg_spool failed: %s", r.text ? r.text : "-");
	WATCHDOG_OFF();
	reap(fd);
	bytes = slurp(out, len);
	close(out);
	*size = m.size;
	last_clean = m.clean;
	msg_free(&m);
	result_free(&r);
	return bytes;
}

static void
test_spool_table(void **state)
{
	size_t i, n;
	unsigned long long size;
	int trickle;

	(void)state;
	for (trickle = 0; trickle < 2; trickle++) {
		for (i = 0; i < sizeof(spool_cases) / sizeof(spool_cases[0]);
		    i++) {
			const struct spool_case *c = &spool_cases[i];
			char *b = spool(c->in, strlen(c->in), c->ignore_dots,
			    trickle, NULL, &n, &size);

			expect_bytes(trickle ? "spool (trickled) case" :
			    "spool case", i, b, n, c->out, strlen(c->out));
			assert_int_equal(size, n);
			/* the fact DATA relies on to skip the filter */
			if (last_clean != !any_dotline(b, n))
				fail_msg("spool case %zu: clean %d", i,
				    last_clean);
			free(b);
		}
	}
}

/* A body larger than any buffer streams through unchanged. */
static void
test_spool_large(void **state)
{
	size_t rawlen, wantlen, n;
	unsigned long long size;
	char *raw = make_lines(20000, "Subject: big\nTo: a@b\n\n", &rawlen);
	char *want = crlf(raw, rawlen, &wantlen);
	char *b;

	(void)state;
	b = spool(raw, rawlen, 0, 0, NULL, &n, &size);
	expect_bytes("large spool", 0, b, n, want, wantlen);
	assert_int_equal(size, wantlen);
	free(b);
	free(raw);
	free(want);
}

/* The longest line of b (n octets, lines ending in CRLF). */
static size_t
longest_line(const char *b, size_t n)
{
	size_t i, len = 0, max = 0;

	for (i = 0; i < n; i++) {
		if (b[i] == '\r' && i + 1 < n && b[i + 1] == '\n') {
			max = len > max ? len : max;
			len = 0;
			i++;
		} else
			len++;
	}
	return len > max ? len : max;
}

/* b with every CRLF that is followed by a space or tab taken out. */
static char *
unfold(const char *b, size_t n, size_t *outlen)
{
	char *u = malloc(n + 1);
	size_t i, o = 0;

	assert_non_null(u);
	for (i = 0; i < n; i++) {
		if (b[i] == '\r' && i + 2 < n && b[i + 1] == '\n' &&
		    (b[i + 2] == ' ' || b[i + 2] == '\t')) {
			i++;
			continue;
		}
		u[o++] = b[i];
	}
	u[o] = '\0';
	*outlen = o;
	return u;
}

/*
 * Header lines over 998 octets are folded at white space when spooled,
 * in place (the fields keep their order), and unfold to what was read;
 * a line with nowhere to fold, and short lines, are left as they are.
 */
static void
test_spool_folds(void **state)
{
	struct buf in;
	char *b, *u, *tok;
	size_t n, un, i;
	unsigned long long size;

	(void)state;
	/* 60 message ids: 1,981 octets on one line */
	buf_init(&in, 1 << 20);
	(void)buf_add(&in, "Subject: s\r\nReferences:", 23);
	for (i = 0; i < 60; i++) {
		char id[64];
		int k = snprintf(id, sizeof(id), " <%02zu.abcdefghijklmn@ex"
		    "ample.org>", i);
		(void)buf_add(&in, id, (size_t)k);
	}
	(void)buf_add(&in, "\r\nX-After: \tshort\r\n folded\r\n\r\nbody\r\n",
	    36);
	b = spool(in.data, in.len, 0, 0, NULL, &n, &size);
	assert_int_equal(size, n);
	assert_true(longest_line(b, n) <= MSG_LINE_MAX);
	assert_true(n > in.len);
	u = unfold(b, n, &un);
	/* the original, with its own fold of X-After unfolded too */
	{
		char *want;
		size_t wn;

		want = unfold(in.data, in.len, &wn);
		expect_bytes("folded References", 0, u, un, want, wn);
		free(want);
	}
	assert_non_null(strstr(b, "Subject: s\r\nReferences: <00."));
	assert_non_null(strstr(b, "\r\nX-After: \tshort\r\n folded\r\n\r\nbody"));
	free(u);
	free(b);

	/* one 1,500-octet token, blanks only after it: nowhere to fold */
	buf_free(&in);
	buf_init(&in, 1 << 20);
	tok = malloc(1501);
	assert_non_null(tok);
	memset(tok, 'a', 1500);
	tok[1500] = '\0';
	(void)buf_add(&in, "X-Token:", 8);
	(void)buf_add(&in, tok, 1500);
	(void)buf_add(&in, "   \r\n\r\nbody\r\n", 13);
	b = spool(in.data, in.len, 0, 0, NULL, &n, &size);
	expect_bytes("unfoldable line", 0, b, n, in.data, in.len);
	free(b);

	/* the only blank past the limit: folded there, the rest fits */
	buf_free(&in);
	buf_init(&in, 1 << 20);
	(void)buf_add(&in, "X-Token:", 8);
	(void)buf_add(&in, tok, 1500);
	(void)buf_add(&in, " end\r\n\r\nbody\r\n", 14);
	b = spool(in.data, in.len, 0, 0, NULL, &n, &size);
	assert_int_equal(n, in.len + 2);
	assert_non_null(strstr(b, "a\r\n end\r\n\r\nbody"));
	free(b);
	free(tok);
	buf_free(&in);
}

/* A header block past HEADER_BLOCK_MAX is ERR_DATA, not a crash. */
static void
test_head_too_large(void **state)
{
	size_t n = HEADER_BLOCK_MAX + 200000, o = 0;
	char *in = malloc(n + 64);
	struct msg m;
	struct result r;
	int fd, rc;

	(void)state;
	while (o < n)
		o += (size_t)sprintf(in + o, "X-Filler: %070d\n", 0);
	msg_init(&m);
	result_init(&r);
	fd = feed(in, o, 0);
	WATCHDOG(fd, "msg_read_head on a huge header block");
	rc = msg_read_head(&m, fd, 0, &r);
	WATCHDOG_OFF();
	assert_int_equal(rc, -1);
	assert_int_equal(r.err, ERR_DATA);
	reap(fd);
	msg_free(&m);
	result_free(&r);
	free(in);
}

/* More than HEADER_FIELDS_MAX fields (limits.h) is ERR_DATA too. */
static void
test_too_many_fields(void **state)
{
	size_t nf = HEADER_FIELDS_MAX + 1, i, o = 0;
	char *in = malloc(nf * 16 + 32);
	struct msg m;
	struct result r;
	int fd, rc;

	(void)state;
	for (i = 0; i < nf; i++)
		o += (size_t)sprintf(in + o, "X-%zu: y\n", i);
	o += (size_t)sprintf(in + o, "\nbody\n");
	assert_true(o < HEADER_BLOCK_MAX);	/* small, but too many */
	msg_init(&m);
	result_init(&r);
	fd = feed(in, o, 0);
	WATCHDOG(fd, "msg_read_head on too many fields");
	rc = msg_read_head(&m, fd, 0, &r);
	WATCHDOG_OFF();
	reap(fd);
	if (rc != -1)
		fail_msg("%zu header fields accepted (nf %zu)", nf, m.nf);
	assert_int_equal(r.err, ERR_DATA);
	msg_free(&m);
	result_free(&r);
	free(in);
}

/* ---- fields: find, value, delete, add ----------------------------------- */

static const char fields_msg[] =
	"To: a@b\n"
	"Subject:  hello\n"
	"\tworld  \n"
	"CC : c@d\n"
	"to: e@f,\n"
	" g@h\n"
	"X-Empty:\n"
	"Resent-Date: now\n"
	"\n"
	"body\n";

static struct msg fm;

static void
read_fields(void)
{
	struct result r;
	int fd;

	msg_init(&fm);
	result_init(&r);
	fd = feed(fields_msg, sizeof(fields_msg) - 1, 0);
	WATCHDOG(fd, "msg_read_head");
	assert_int_equal(msg_read_head(&fm, fd, 0, &r), 0);
	WATCHDOG_OFF();
	reap(fd);
	result_free(&r);
}

static void
test_find_value(void **state)
{
	static const struct {
		const char	*name;
		size_t		 from;
		long		 idx;
		const char	*value;
	} rows[] = {
		{ "To", 0, 0, "a@b" },
		{ "to", 0, 0, "a@b" },
		{ "TO", 1, 3, "e@f, g@h" },
		{ "To", 4, -1, NULL },
		{ "Subject", 0, 1, "hello\tworld" },
		{ "Cc", 0, 2, "c@d" },
		{ "X-Empty", 0, 4, "" },
		{ "Resent-Date", 0, 5, "now" },
		{ "Resent", 0, -1, NULL },
		{ "Subj", 0, -1, NULL },
		{ "Bcc", 0, -1, NULL },
		{ "body", 0, -1, NULL },
	};
	size_t i;

	(void)state;
	read_fields();
	assert_int_equal(fm.nf, 6);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		long k = msg_find(&fm, rows[i].name, rows[i].from);

		if (k != rows[i].idx)
			fail_msg("find row %zu (%s from %zu): %ld, want %ld", i,
			    rows[i].name, rows[i].from, k, rows[i].idx);
		if (k >= 0) {
			char *v = msg_value(&fm, (size_t)k);

			if (strcmp(v, rows[i].value) != 0)
				fail_msg("value row %zu (%s): [%s], want [%s]",
				    i, rows[i].name, v, rows[i].value);
			free(v);
		}
	}
	assert_int_equal(msg_has_prefix(&fm, "Resent-"), 1);
	assert_int_equal(msg_has_prefix(&fm, "resent-"), 1);
	assert_int_equal(msg_has_prefix(&fm, "X-"), 1);
	assert_int_equal(msg_has_prefix(&fm, "Bcc"), 0);
	msg_delete(&fm, "resent-date");
	assert_int_equal(msg_has_prefix(&fm, "Resent-"), 0);
	msg_delete(&fm, "TO");
	assert_int_equal(msg_find(&fm, "To", 0), -1);
	assert_int_equal(msg_find(&fm, "Cc", 0), 2);
	msg_free(&fm);
}

static void
edit_delete_bcc(struct msg *m)
{
	msg_delete(m, "Bcc");
}

static void
edit_add(struct msg *m)
{
	msg_add(m, "Date", "Mon, 1 Jan 2024 00:00:00 +0000");
	msg_add(m, "Message-ID", "<id@x>");
}

static void
edit_add_delete(struct msg *m)
{
	msg_delete(m, "Subject");
	msg_add(m, "Subject", "replaced");
}

static void
test_spool_edits(void **state)
{
	static const struct {
		const char	*in;
		void		(*edit)(struct msg *);
		const char	*out;
	} rows[] = {
		{ "To: a@b\nBcc: secret@x,\n  folded@y\nSubject: s\n\nbody\n",
		    edit_delete_bcc, "To: a@b\r\nSubject: s\r\n\r\nbody\r\n" },
		{ "bcc: x@y\nTo: a@b\nBCC: z@w\n\nbody\n", edit_delete_bcc,
		    "To: a@b\r\n\r\nbody\r\n" },
		{ "Bcc: x@y\n", edit_delete_bcc, "" },
		{ "Subject: s\n\nbody\n", edit_add,
		    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
		    "Message-ID: <id@x>\r\nSubject: s\r\n\r\nbody\r\n" },
		{ "hello\n", edit_add,
		    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
		    "Message-ID: <id@x>\r\n\r\nhello\r\n" },
		{ "Subject: s\n", edit_add,
		    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
		    "Message-ID: <id@x>\r\nSubject: s\r\n" },
		{ "", edit_add,
		    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
		    "Message-ID: <id@x>\r\n" },
		{ "To: a@b\nSubject: old\n\nbody\n", edit_add_delete,
		    "Subject: replaced\r\nTo: a@b\r\n\r\nbody\r\n" },
	};
	size_t i, n;
	unsigned long long size;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *b = spool(rows[i].in, strlen(rows[i].in), 0, 0,
		    rows[i].edit, &n, &size);

		expect_bytes("edit row", i, b, n, rows[i].out,
		    strlen(rows[i].out));
		assert_int_equal(size, n);
		free(b);
	}
}

/* ---- -t: msg_recipients ------------------------------------------------- */

static const struct {
	const char	*in;
	int		 rc;
	const char	*want;		/* specs, ' '-joined; or the field */
} rcpt_rows[] = {
	{ "To: a@x.org, B <b@x.org>\nCc: c@x.org\nBcc: d@x.org\n"
	    "Subject: s\n\nbody\n", 0, "a@x.org b@x.org c@x.org d@x.org" },
	{ "Bcc: d@x.org\nCc: c@x.org\nTo: a@x.org\n\n", 0,
	    "a@x.org c@x.org d@x.org" },
	{ "To: a@x.org\nTo: b@x.org\n\n", 0, "a@x.org b@x.org" },
	{ "To: a@x.org,\n b@x.org\n\n", 0, "a@x.org b@x.org" },
	{ "To: root\n\n", 0, "root" },
	{ "To:\n\n", 0, "" },
	{ "To: undisclosed-recipients:;\n\n", 0, "" },
	{ "Subject: none\n\n", 0, "" },
	/* the Resent- rule: any Resent- field selects the Resent- set */
	{ "To: a@x.org\nResent-To: r@x.org\nResent-Cc: s@x.org\n"
	    "Resent-Bcc: t@x.org\nResent-Date: x\n\n", 0,
	    "r@x.org s@x.org t@x.org" },
	{ "To: a@x.org\nResent-Date: x\n\n", 0, "" },
	{ "Resent-From: f@x.org\nCc: c@x.org\nResent-Cc: s@x.org\n\n", 0,
	    "s@x.org" },
	/* unparsable: the field is named */
	{ "To: a@\n\n", -1, "To" },
	{ "To: a@x.org\nCc: bad..x@y\n\n", -1, "Cc" },
	{ "Resent-To: Name a@x.org\n\n", -1, "Resent-To" },
};

static void
check_rcpt_row(size_t i)
{
	size_t j;

	{
		struct msg m;
		struct result r;
		struct addr_list l = { NULL, 0 };
		const char *why = NULL, *field = NULL;
		char got[512];
		int fd, rc;

		msg_init(&m);
		result_init(&r);
		fd = feed(rcpt_rows[i].in, strlen(rcpt_rows[i].in), 0);
		WATCHDOG(fd, "msg_read_head");
		assert_int_equal(msg_read_head(&m, fd, 0, &r), 0);
		WATCHDOG_OFF();
		reap(fd);
		rc = msg_recipients(&m, &l, &why, &field);
		if (rc != rcpt_rows[i].rc)
			fail_msg("rcpt row %zu: rc %d, want %d (%s)", i, rc,
			    rcpt_rows[i].rc, why ? why : "-");
		got[0] = '\0';
		if (rc == 0) {
			for (j = 0; j < l.n; j++)
				snprintf(got + strlen(got), sizeof(got) -
				    strlen(got), "%s%s", j ? " " : "",
				    l.v[j].spec);
		} else {
			assert_non_null(why);
			snprintf(got, sizeof(got), "%s", field ? field : "");
		}
		if (strcmp(got, rcpt_rows[i].want) != 0)
			fail_msg("rcpt row %zu: [%s], want [%s]", i, got,
			    rcpt_rows[i].want);
		addr_list_free(&l);
		msg_free(&m);
		result_free(&r);
	}
}

static void
test_recipients(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rcpt_rows) / sizeof(rcpt_rows[0]); i++)
		check_rcpt_row(i);
}

/* ---- the fast path against the byte-at-a-time rule ---------------------- */

/* What msg_input_read must give, one byte at a time (msg.h's rule). */
struct ref {
	char	*out;
	size_t	 len, linelen, maxline;
	int	 nul, eightbit;
};

static void
ref_line_end(struct ref *r)
{
	r->out[r->len++] = '\r';
	r->out[r->len++] = '\n';
	if (r->linelen > r->maxline)
		r->maxline = r->linelen;
	r->linelen = 0;
}

static void
ref_input(const unsigned char *p, size_t n, int ignore_dots, struct ref *r)
{
	enum { BOL, MID, CR, DOT } st = BOL;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->out = malloc(2 * n + 2);
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (st == CR) {
			st = BOL;
			if (c == '\n')
				continue;
		}
		if (st == DOT) {
			if (c == '\r' || c == '\n')
				return;
			r->out[r->len++] = '.';
			r->linelen++;
			st = MID;
		}
		if (c == '\r' || c == '\n') {
			ref_line_end(r);
			st = c == '\r' ? CR : BOL;
			continue;
		}
		if (c == '.' && st == BOL && !ignore_dots) {
			st = DOT;
			continue;
		}
		st = MID;
		r->nul |= c == '\0';
		r->eightbit |= (c & 0x80) != 0;
		r->out[r->len++] = (char)c;
		r->linelen++;
	}
	if (st == MID)
		ref_line_end(r);
}

/* Read a file with output room max and compare with the rule. */
static void
check_against_ref(const char *what, const unsigned char *p, size_t n,
    int ignore_dots, size_t max)
{
	struct msg_input *in = calloc(1, sizeof(*in));
	char *out = malloc(2 * n + 2 + max), *chunk = malloc(max);
	size_t o = 0;
	struct ref r;
	long got;
	int fd = tmpfd();

	if (write(fd, p, n) != (ssize_t)n)
		fail_msg("write: %s", strerror(errno));
	lseek(fd, 0, SEEK_SET);
	in->fd = fd;
	in->ignore_dots = ignore_dots;
	while ((got = msg_input_read(in, chunk, max)) > 0) {
		if ((size_t)got > max || o + (size_t)got > 2 * n + 2)
			fail_msg("%s: too much output", what);
		memcpy(out + o, chunk, (size_t)got);
		o += (size_t)got;
	}
	if (got < 0)
		fail_msg("%s: %s", what, strerror(errno));
	close(fd);
	ref_input(p, n, ignore_dots, &r);
	expect_bytes(what, max, out, o, r.out, r.len);
	if (in->dotline != any_dotline(r.out, r.len))
		fail_msg("%s (room %zu): dotline %d", what, max, in->dotline);
	if (in->nul != r.nul || in->eightbit != r.eightbit ||
	    in->maxline != r.maxline || in->linelen != r.linelen)
		fail_msg("%s (room %zu): nul %d eightbit %d maxline %zu "
		    "linelen %zu, want %d %d %zu %zu", what, max, in->nul,
		    in->eightbit, in->maxline, in->linelen, r.nul, r.eightbit,
		    r.maxline, r.linelen);
	free(r.out);
	free(out);
	free(chunk);
	free(in);
}

/*
 * Every awkward byte (CR, LF, dot, NUL, 8-bit) and pair at each side of
 * a read boundary (MSG_READ_CHUNK), inside long runs the fast path takes
 * whole, with every output room from the smallest up.
 */
static void
test_input_boundaries(void **state)
{
	static const char *const odd[] = { "\r\n", "\r", "\n", "\n.", "\r.",
	    "\r\n.", ".", "\0", "\xff", "\r\r\n", "\n\n", "\r\n.x",
	    "\n.\n", "\r\n.\r\n", "\n\r" };
	static const size_t rooms[] = { 4, 5, 77, 4096, MSG_SPOOL_CHUNK };
	size_t n = 2 * MSG_READ_CHUNK + 64, i, k, r, len, r0 = 0;
	unsigned char *p = malloc(n);
	char what[96];
	long shift, s0 = -4, s1 = 2;
	int dots;

	(void)state;
	/*
	 * Under valgrind (tests/valgrind.sh) a part of the table: memcheck
	 * looks at how memory is touched, which the nearest shifts and the
	 * small rooms already show; the whole table takes minutes there.
	 * make check runs it all.
	 */
	if (getenv("OUTBOX_TEST_VALGRIND") != NULL) {
		s0 = -1;
		s1 = 1;
		r0 = 1;
	}
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		len = strlen(odd[i]) ? strlen(odd[i]) : 1;
		for (shift = s0; shift <= s1; shift++) {
			/* 80-octet LF lines, the odd bytes at the boundary */
			for (k = 0; k < n; k++)
				p[k] = k % 81 == 80 ? '\n' : 'a' + k % 26;
			memcpy(p + MSG_READ_CHUNK + shift, odd[i], len);
			for (dots = 0; dots <= 1; dots++)
				for (r = r0; r < sizeof(rooms) /
				    sizeof(rooms[0]); r++) {
					snprintf(what, sizeof(what), "odd "
					    "%zu at boundary%+ld, dots %d",
					    i, shift, dots);
					check_against_ref(what, p, n, dots,
					    rooms[r]);
				}
		}
	}
	free(p);
}

/* Pseudo-random mixes of long lines, CRLF and LF, bare CR, dots, NUL and
   8-bit bytes, over several read buffers. */
static void
test_input_mixes(void **state)
{
	static const char *const piece[] = { "\r\n", "\n", "\r", ".", "..",
	    "\0", "\xc3\xa9", "\r\n.", "\n.", "From ", " ", "\t" };
	size_t n = 3 * MSG_READ_CHUNK + 1000, k, run, i;
	unsigned char *p = malloc(n);
	uint32_t seed = 12345;
	char what[64];
	int round;

	(void)state;
	for (round = 0; round < 24; round++) {
		for (k = 0; k < n; ) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 3) {
				run = (seed >> 8) % (round % 4 == 0 ? 2000 :
				    90);
				for (i = 0; i < run && k < n; i++, k++)
					p[k] = 'A' + (k % 50);
			} else {
				const char *s = piece[(seed >> 12) %
				    (sizeof(piece) / sizeof(piece[0]))];
				size_t l = *s ? strlen(s) : 1;

				for (i = 0; i < l && k < n; i++, k++)
					p[k] = (unsigned char)s[i];
			}
		}
		snprintf(what, sizeof(what), "mix %d", round);
		/* the lone dot would end most mixes early: -i mostly */
		check_against_ref(what, p, n, round % 3 != 0,
		    round % 2 ? MSG_SPOOL_CHUNK : 1000);
	}
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_input_table),
		cmocka_unit_test(test_input_trickle),
		cmocka_unit_test(test_input_small_room),
		cmocka_unit_test(test_input_large),
		cmocka_unit_test(test_input_boundaries),
		cmocka_unit_test(test_input_mixes),
		cmocka_unit_test(test_spool_table),
		cmocka_unit_test(test_spool_large),
		cmocka_unit_test(test_spool_folds),
		cmocka_unit_test(test_head_too_large),
		cmocka_unit_test(test_too_many_fields),
		cmocka_unit_test(test_find_value),
		cmocka_unit_test(test_spool_edits),
		cmocka_unit_test(test_recipients),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
