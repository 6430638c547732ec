/*
 * ratelimit.c -- rate_limit N/PERIOD: a sliding window over a send log.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "ratelimit.h"
#include "xmalloc.h"

#define RATE_DIR	"rate"
/* A log line is at most 20 digits and a newline. */
#define LINE_MAX_LEN	21

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

size_t
ratelimit_prune(long long *t, size_t nt, unsigned n, long long period,
    long long now)
{
	size_t i, k = 0;
	int sorted = 1;

	for (i = 0; i < nt; i++) {
		if (t[i] > now)
			t[i] = now;
		if (t[i] > now - period) {
			if (k > 0 && t[k - 1] > t[i])
				sorted = 0;
			t[k++] = t[i];
		}
	}
	if (!sorted)
		qsort(t, k, sizeof(*t), cmp_ll);
	if (k > n) {
		memmove(t, t + (k - n), n * sizeof(*t));
		k = n;
	}
	return k;
}

long long
ratelimit_next(const long long *t, size_t nt, unsigned n, long long period,
    long long now, unsigned ahead)
{
	/* The k-th next send, k = q * n + r: the r-th one waits for the
	   logged send n places before it to leave the window, and every
	   n further sends wait one more period. */
	unsigned r = ahead % n, q = ahead / n;
	long long base = now;

	if (nt + r >= n && t[nt + r - n] + period > now)
		base = t[nt + r - n] + period;
	return base + (long long)q * period;
}

size_t
ratelimit_parse_log(const char *text, size_t len, size_t max, long long **t)
{
	size_t nt = 0, cap = 16, i = 0;
	long long v;
	int ok;

	*t = xcalloc(cap, sizeof(**t));
	while (i < len) {
		v = 0;
		ok = i < len && text[i] >= '0' && text[i] <= '9';
		for (; i < len && text[i] != '\n'; i++) {
			if (text[i] < '0' || text[i] > '9' ||
			    v > 999999999999999LL)
				ok = 0;
			else if (ok)
				v = v * 10 + (text[i] - '0');
		}
		i++;
		if (!ok)
			continue;
		if (nt == max) {
			/* the newest are last: drop the oldest */
			memmove(*t, *t + 1, (nt - 1) * sizeof(**t));
			nt--;
		}
		if (nt == cap) {
			cap *= 2;
			*t = xrealloc(*t, cap * sizeof(**t));
		}
		(*t)[nt++] = v;
	}
	return nt;
}

int
ratelimit_init(struct ratelimit *rl, int dirfd, const char *account,
    const char *value)
{
	unsigned n;
	long period;

	memset(rl, 0, sizeof(*rl));
	if (value == NULL || strcmp(value, "off") == 0 ||
	    config_rate_parse(value, &n, &period) == -1)
		return 0;
	rl->dirfd = dirfd;
	rl->account = account;
	rl->n = n;
	rl->period = (long long)period * 1000;
	return 1;
}

long long
ratelimit_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "a-" and the account name, bytes other than [A-Za-z0-9._-] as %XX. */
static char *
log_name(const char *account)
{
	struct buf b;
	const unsigned char *p;
	char hex[4];

	buf_init(&b, 8 + 3 * strlen(account));
	buf_add(&b, "a-", 2);
	for (p = (const unsigned char *)account; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-')
			buf_add(&b, (const char *)p, 1);
		else {
			snprintf(hex, sizeof(hex), "%%%02X", *p);
			buf_add(&b, hex, 3);
		}
	}
	return buf_take(&b);
}

/* Is fd ours alone (and of type fmt)? */
static int
ours(int fd, mode_t fmt)
{
	struct stat st;

	return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == fmt &&
	    st.st_uid == geteuid() && (st.st_mode & 022) == 0;
}

/* The account's send log, opened and locked; -1 with r set. */
static int
log_open(const struct ratelimit *rl, struct result *r)
{
	char *name = log_name(rl->account);
	const char *what = "the send log";
	int dfd, fd = -1;

	if (mkdirat(rl->dirfd, RATE_DIR, 0700) == -1 && errno != EEXIST)
		goto fail;
	dfd = openat(rl->dirfd, RATE_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (dfd == -1)
		goto fail;
	if (!ours(dfd, S_IFDIR)) {
		close(dfd);
		errno = EPERM;
		goto fail;
	}
	fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	close(dfd);
	if (fd == -1)
		goto fail;
	if (!ours(fd, S_IFREG)) {
		errno = EPERM;
		goto fail;
	}
	if (flock(fd, LOCK_EX) == -1)
		goto fail;
	free(name);
	return fd;
fail:
	result_local(r, RES_TEMP, STAGE_NONE, ERR_TEMP, "rate_limit",
	    "cannot use %s %s/%s: %s", what, RATE_DIR, name,
	    errno == EPERM ? "not a file of this user's alone" :
	    strerror(errno));
	if (fd != -1)
		close(fd);
	free(name);
	return -1;
}

/* Sorted, and nothing after now (nothing prune would clamp)? */
static int
clean(const long long *t, size_t nt, long long now)
{
	size_t i;

	for (i = 0; i < nt; i++)
		if (t[i] > now || (i > 0 && t[i - 1] > t[i]))
			return 0;
	return 1;
}

static size_t
lines(const char *text, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

/* Read the pruned log of fd; *t xmalloc'd.  A log longer than outbox
   writes one: its end (the newest times) counts.  *same: the file holds
   exactly the pruned times, in order, as log_write() would write them. */
static size_t
log_read(const struct ratelimit *rl, int fd, long long now, long long **t,
    int *same)
{
	size_t kept;

	size_t max = (size_t)rl->n * LINE_MAX_LEN + 64;
	char *text = xmalloc(max);
	struct stat st;
	off_t from = 0;

	memset(&st, 0, sizeof(st));
	st.st_size = -1;
	ssize_t got;
	size_t len = 0, nt;

	if (fstat(fd, &st) == 0 && st.st_size > (off_t)max)
		from = st.st_size - (off_t)max;
	while (len < max && (got = pread(fd, text + len, max - len,
	    from + (off_t)len)) > 0)
		len += (size_t)got;
	nt = ratelimit_parse_log(text, len, rl->n, t);
	*same = from == 0 && (off_t)len == st.st_size && (len == 0 ||
	    text[len - 1] == '\n') && lines(text, len) == nt &&
	    clean(*t, nt, now);
	kept = ratelimit_prune(*t, nt, rl->n, rl->period, now);
	*same = *same && kept == nt;
	free(text);
	return kept;
}

/* Write t back over fd (the stale tail, if a crash leaves one, holds
   only older times: counted conservatively, then pruned). */
static void
log_write(int fd, const long long *t, size_t nt)
{
	struct buf b;
	char line[32];
	size_t i;
	int n;

	buf_init(&b, nt * LINE_MAX_LEN + 1);
	for (i = 0; i < nt; i++) {
		n = snprintf(line, sizeof(line), "%lld\n", t[i]);
		buf_add(&b, line, (size_t)n);
	}
	if (pwrite(fd, b.data, b.len, 0) == (ssize_t)b.len)
		(void)ftruncate(fd, (off_t)b.len);
	buf_free(&b);
}

/* One more time at the end of a log that is as log_write() left it. */
static void
log_append(int fd, long long v)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%lld\n", v);
	off_t end = lseek(fd, 0, SEEK_END);

	if (end != -1 && pwrite(fd, line, (size_t)n, end) != n)
		(void)ftruncate(fd, end);
}

/* The last line of a clean log, old, becomes new when it is as long;
   -1 if it is not. */
static int
log_replace_last(int fd, long long old, long long new)
{
	char a[32], b[32];
	int na = snprintf(a, sizeof(a), "%lld\n", old);
	int nb = snprintf(b, sizeof(b), "%lld\n", new);
	off_t end = lseek(fd, 0, SEEK_END);

	if (na != nb || end < na)
		return -1;
	return pwrite(fd, b, (size_t)nb, end - na) == nb ? 0 : -1;
}

int
ratelimit_take(const struct ratelimit *rl, long long now, unsigned ahead,
    long long *stamp, long long *when, struct result *r)
{
	long long *t;
	size_t nt;
	int fd, rc = 0, same;

	if ((fd = log_open(rl, r)) == -1)
		return -1;
	nt = log_read(rl, fd, now, &t, &same);
	if (nt < rl->n && ahead == 0) {
		t = xrealloc(t, (nt + 1) * sizeof(*t));
		t[nt++] = now;
		*stamp = now;
		rc = 1;
	} else
		*when = ratelimit_next(t, nt, rl->n, rl->period, now, ahead);
	if (!same)
		log_write(fd, t, nt);
	else if (rc == 1)
		log_append(fd, now);
	free(t);
	close(fd);
	return rc;
}

void
ratelimit_done(const struct ratelimit *rl, long long stamp, long long now,
    int counted)
{
	struct result r;
	long long *t;
	size_t nt, i;
	int fd, same;

	result_init(&r);
	if ((fd = log_open(rl, &r)) == -1) {
		result_free(&r);
		return;
	}
	nt = log_read(rl, fd, now, &t, &same);
	for (i = nt; i-- > 0 && t[i] != stamp; )
		;
	if (i != (size_t)-1 && same && counted && i == nt - 1 &&
	    log_replace_last(fd, stamp, now) == 0)
		;	/* the last line, rewritten in place */
	else if (i != (size_t)-1) {
		if (counted)
			t[i] = now;
		else
			memmove(t + i, t + i + 1, (nt - i - 1) * sizeof(*t));
		nt -= !counted;
		qsort(t, nt, sizeof(*t), cmp_ll);
		log_write(fd, t, nt);
	}
	free(t);
	close(fd);
	result_free(&r);
}

int
ratelimit_counted(const struct result *r)
{
	enum result_disposition d = result_disposition(r);

	if (d == DISP_SENT)
		return 1;
	/* a reply, or a fault before the message went: the server does
	   not have it; a fault after (no reply to the final dot): maybe */
	return r->code == 0 && r->stage >= STAGE_DATA;
}

char *
ratelimit_when(long long ms, long long now)
{
	time_t s = (time_t)((ms + 999) / 1000), n = (time_t)(now / 1000);
	struct tm tm, tn;
	char buf[64];

	localtime_r(&s, &tm);
	localtime_r(&n, &tn);
	if (tm.tm_year == tn.tm_year && tm.tm_yday == tn.tm_yday)
		strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	else
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	return xstrdup(buf);
}
