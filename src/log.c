/*
 * log.c -- the -v transcript, warnings, and the per-message log line.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "xmalloc.h"

static int verbose;

void
log_set_verbose(int on)
{
	verbose = on;
}

int
log_verbose(void)
{
	return verbose;
}

void
log_trace(const char *dir, const char *line)
{
	char *s;

	if (!verbose)
		return;
	s = result_sanitize(line, 4096);
	fprintf(stderr, "%s: %s\n", dir, s);
	free(s);
}

void
log_note(const char *line)
{
	if (verbose)
		fprintf(stderr, "-- %s\n", line);
}

static void
vlog(const char *prefix, const char *fmt, va_list ap)
{
	char *m;

	if (vasprintf(&m, fmt, ap) < 0)
		return;
	fprintf(stderr, "outbox: %s%s\n", prefix, m);
	free(m);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

/* A field value without spaces or controls. */
static void
add_word(struct buf *b, const char *key, const char *v)
{
	const char *p;

	(void)buf_addf(b, " %s=", key);
	for (p = v ? v : ""; *p; p++)
		(void)buf_addc(b, (unsigned char)*p <= ' ' ? '_' : *p);
}

static char *
format_line(const struct log_entry *e)
{
	const struct result *r = e->r;
	struct buf b;
	char *text;
	size_t i;

	buf_init(&b, 64 * 1024);
	add_word(&b, "host", e->host);
	(void)buf_addf(&b, " tls=%s auth=%s", r->tls_version ? "on" : "off",
	    r->auth_mech ? "on" : "off");
	if (e->user)
		add_word(&b, "user", e->user);
	add_word(&b, "from", e->from);
	(void)buf_addstr(&b, " recipients=");
	for (i = 0; i < e->nrcpt; i++)
		(void)buf_addf(&b, "%s%s", i ? "," : "", e->rcpt[i]);
	(void)buf_addf(&b, " mailsize=%llu", e->size);
	if (r->code) {
		text = result_sanitize(r->text ? r->text : "", 1024);
		for (char *p = text; *p; p++)
			if (*p == '\'')
				*p = '"';
		(void)buf_addf(&b, " smtpstatus=%d smtpmsg='%d%s%s %s'",
		    r->code, r->code, *r->enhanced ? " " : "", r->enhanced,
		    text);
		free(text);
	} else if (r->cls != RES_OK && r->text) {
		text = result_sanitize(r->text, 1024);
		(void)buf_addf(&b, " errormsg='%s'", text);
		free(text);
	}
	(void)buf_addf(&b, " exitcode=%s", result_exit_name(e->exitcode));
	add_word(&b, "account", e->account);
	add_word(&b, "msgid", e->msgid);
	add_word(&b, "tls_version", r->tls_version ? r->tls_version : "none");
	(void)buf_addf(&b, " duration=%.3f", e->duration);
	add_word(&b, "queue_id", e->queue_id ? e->queue_id : "none");
	return buf_take(&b);
}

static int
facility_of(const char *name)
{
	static const struct { const char *n; int f; } tab[] = {
		{ "LOG_USER", LOG_USER }, { "LOG_MAIL", LOG_MAIL },
		{ "LOG_LOCAL0", LOG_LOCAL0 }, { "LOG_LOCAL1", LOG_LOCAL1 },
		{ "LOG_LOCAL2", LOG_LOCAL2 }, { "LOG_LOCAL3", LOG_LOCAL3 },
		{ "LOG_LOCAL4", LOG_LOCAL4 }, { "LOG_LOCAL5", LOG_LOCAL5 },
		{ "LOG_LOCAL6", LOG_LOCAL6 }, { "LOG_LOCAL7", LOG_LOCAL7 },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcasecmp(tab[i].n, name) == 0 ||
		    strcasecmp(tab[i].n + 4, name) == 0)
			return tab[i].f;
	return LOG_MAIL;
}

char *
log_line(const struct log_entry *e)
{
	char *line = format_line(e), *out, stamp[64];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %d %H:%M:%S", &tm);
	out = xasprintf("%s%s\n", stamp, line);
	free(line);
	return out;
}

void
log_message(const char *path, const char *facility, const char *tag,
    const struct log_entry *e)
{
	char *line, stamp[64];
	time_t now = time(NULL);
	struct tm tm;
	FILE *fp;
	int fd;

	if (path == NULL && (facility == NULL || strcmp(facility, "off") == 0))
		return;
	line = format_line(e);
	if (path) {
		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%b %d %H:%M:%S", &tm);
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		    O_NOCTTY, 0600);
		if (fd == -1 || (fp = fdopen(fd, "a")) == NULL) {
			log_warn("cannot write log file %s: %s", path,
			    strerror(errno));
			if (fd != -1)
				close(fd);
		} else {
			fprintf(fp, "%s%s\n", stamp, line);
			if (fclose(fp) != 0)
				log_warn("cannot write log file %s: %s", path,
				    strerror(errno));
		}
	}
	if (facility && strcmp(facility, "off") != 0) {
		openlog(tag ? tag : "outbox", LOG_PID, strcmp(facility, "on") ?
		    facility_of(facility) : LOG_USER);
		syslog(e->exitcode ? LOG_ERR : LOG_INFO, "%s", line + 1);
		closelog();
	}
	free(line);
}
