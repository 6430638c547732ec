/*
 * compose.c -- the header fields outbox adds to a message.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "compose.h"
#include "xmalloc.h"

char *
compose_date(time_t t)
{
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	return xasprintf("%s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

char *
compose_msgid(const char *domain)
{
	unsigned char rnd[12];
	char hex[sizeof(rnd) * 2 + 1];
	size_t i;
	struct timespec ts;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		for (i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)((ts.tv_nsec >> (i % 4 * 8)) ^
			    (getpid() >> (i % 3 * 8)) ^ i);
	}
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	return xasprintf("<%lld.%s@%s>", (long long)time(NULL), hex,
	    domain && *domain ? domain : "localhost");
}

void
compose_fix_headers(struct msg *m, const struct compose_opts *o,
    char **msgid)
{
	long i;
	char *v;

	if (o->remove_bcc) {
		msg_delete(m, "Bcc");
		msg_delete(m, "Resent-Bcc");
	}
	if (o->set_from == 2 /* HDR_ON */)
		msg_delete(m, "From");
	if (o->set_from && msg_find(m, "From", 0) < 0 && o->from_addr) {
		if (o->from_name && *o->from_name) {
			char *phrase = codec_phrase(o->from_name);

			v = xasprintf("%s <%s>", phrase, o->from_addr);
			free(phrase);
		} else
			v = xstrdup(o->from_addr);
		msg_add(m, "From", v);
		free(v);
	}
	if (o->set_date && msg_find(m, "Date", 0) < 0) {
		v = compose_date(time(NULL));
		msg_add(m, "Date", v);
		free(v);
	}
	*msgid = NULL;
	if ((i = msg_find(m, "Message-ID", 0)) >= 0)
		*msgid = msg_value(m, (size_t)i);
	else if (o->set_msgid) {
		*msgid = compose_msgid(o->domain);
		msg_add(m, "Message-ID", *msgid);
	}
}
