/*
 * progress.c -- a progress line on a terminal while a large message is
 * sent.
 */
#include "autoconf.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "progress.h"

void
progress_size(char *buf, size_t len, unsigned long long n)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(buf, len, "%llu B", n);
		return;
	}
	/* 1023.96 KiB would print as "1024.0 KiB": it is 1.0 MiB */
	while (u < 3 && (u < 0 || v >= 1023.95)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, unit[u]);
}

void
progress_time(char *buf, size_t len, long long s)
{
	if (s < 0)
		snprintf(buf, len, "--:--");
	else if (s >= 3600)
		snprintf(buf, len, "%lld:%02lld:%02lld", s / 3600,
		    s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%lld:%02lld", s / 60, s % 60);
}

/* Octets per second, or -1 while too little time has passed to tell. */
static double
rate(unsigned long long done, long long elapsed_ms)
{
	if (elapsed_ms < PROGRESS_EVERY_MS)
		return -1;
	return (double)done * 1000 / (double)elapsed_ms;
}

size_t
progress_format(char *buf, size_t len, unsigned long long done,
    unsigned long long total, long long elapsed_ms)
{
	char sd[32], st[32], sr[32], sl[32];
	double r, left;
	unsigned pct;
	int n;

	if (done > total)
		done = total;
	r = rate(done, elapsed_ms);
	pct = total ? (unsigned)(done * 100 / total) : 100;
	progress_size(sd, sizeof(sd), done);
	progress_size(st, sizeof(st), total);
	if (r > 0) {
		progress_size(sr, sizeof(sr), (unsigned long long)r);
		left = (double)(total - done) / r;
		progress_time(sl, sizeof(sl), (long long)left +
		    (left > (double)(long long)left));
	} else {
		snprintf(sr, sizeof(sr), "--");
		progress_time(sl, sizeof(sl), -1);
	}
	n = snprintf(buf, len, "outbox: sending %s of %s (%u%%), %s/s, %s "
	    "left", sd, st, pct, sr, sl);
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

size_t
progress_format_end(char *buf, size_t len, unsigned long long total,
    long long elapsed_ms)
{
	char st[32], sr[32], se[32];
	int n;

	if (elapsed_ms < 1)
		elapsed_ms = 1;
	progress_size(st, sizeof(st), total);
	progress_size(sr, sizeof(sr), (unsigned long long)((double)total *
	    1000 / (double)elapsed_ms));
	if (elapsed_ms < 60000)
		snprintf(se, sizeof(se), "%.1f s", (double)elapsed_ms / 1000);
	else
		progress_time(se, sizeof(se), (elapsed_ms + 999) / 1000);
	n = snprintf(buf, len, "outbox: sent %s in %s (%s/s)", st, se, sr);
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

void
progress_init(struct progress *p, int fd, unsigned long long total)
{
	const char *name;

	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->total = total;
	p->start_ms = -1;
	/* A terminal of its own, non-blocking: one that is held (^S) or
	   slow loses lines instead of holding up the send. */
	if (isatty(fd) && (name = ttyname(fd)) != NULL && (fd = open(name,
	    O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) != -1) {
		p->fd = fd;
		p->own = 1;
	}
}

/* Replace the line on screen with line (n octets), then end if nl. */
static void
show(struct progress *p, const char *line, size_t n, int nl)
{
	char buf[2 * PROGRESS_LINE_MAX + 2];
	size_t m = 0, pad = p->shown > n ? p->shown - n : 0;

	buf[m++] = '\r';
	memcpy(buf + m, line, n);
	m += n;
	memset(buf + m, ' ', pad);
	m += pad;
	if (nl)
		buf[m++] = '\n';
	(void)compat_write_all(p->fd, buf, m);
	p->shown = nl ? 0 : n;
}

void
progress_update(void *ctx, unsigned long long done)
{
	struct progress *p = ctx;
	char line[PROGRESS_LINE_MAX];
	long long now = compat_now_ms();
	size_t n;

	if (p->start_ms < 0 || done < p->done) {
		/* the first octets, or the message again (a new server) */
		p->start_ms = now;
		p->last_ms = now - PROGRESS_EVERY_MS;
	}
	p->done = done;
	if (now - p->last_ms < PROGRESS_EVERY_MS)
		return;
	p->last_ms = now;
	n = progress_format(line, sizeof(line), done, p->total,
	    now - p->start_ms);
	show(p, line, n, 0);
}

void
progress_end(struct progress *p, int accepted)
{
	char line[PROGRESS_LINE_MAX];
	size_t n;

	if (p->start_ms < 0)
		goto done;
	if (accepted) {
		n = progress_format_end(line, sizeof(line), p->total,
		    compat_now_ms() - p->start_ms);
		show(p, line, n, 1);
	} else if (p->shown)
		(void)compat_write_all(p->fd, "\n", 1);
	p->shown = 0;
	p->start_ms = -1;
done:
	if (p->own)
		close(p->fd);
	p->own = 0;
}
