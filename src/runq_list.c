/*
 * runq_list.c -- mailq: the queue's entries, then failed/ with reasons.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "limits.h"
#include "ratelimit.h"
#include "runq.h"

static void
print_age(FILE *fp, long long secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		fprintf(fp, "%llds", secs);
	else if (secs < 7200)
		fprintf(fp, "%lldm", secs / 60);
	else if (secs < 2 * 86400)
		fprintf(fp, "%lldh", secs / 3600);
	else
		fprintf(fp, "%lldd", secs / 86400);
}

/* "<addr>" with control characters escaped: addresses reach a terminal. */
static void
print_addr(FILE *fp, const char *a)
{
	char *s = result_sanitize(a, ADDR_MAX + 1);

	fprintf(fp, "<%s>", s);
	free(s);
}

static void
list_state(struct queue *q, enum queue_dir d, const char *id,
    const struct envelope_meta *m, FILE *fp, time_t now)
{
	int fd;

	if (d == QD_FAILED)
		fputs("failed", fp);
	else if (d == QD_TMP) {
		fd = queue_lock(q, d, id);
		fputs(fd == -1 ? "being sent now" : "interrupted, sent by "
		    "the next -q", fp);
		if (fd != -1)
			close(fd);
	} else if (m->next_attempt <= (long long)now)
		fputs("next attempt: now", fp);
	else {
		fputs("next attempt in ", fp);
		print_age(fp, m->next_attempt - (long long)now);
	}
}

static int
list_entry(struct queue *q, enum queue_dir d, const char *id, FILE *fp,
    time_t now, int *heading)
{
	struct envelope e;
	struct envelope_meta m;
	const char *why;
	char *err;
	size_t i;

	if (queue_read_env(q, d, id, &e, &m, &why) == -1)
		return 0;
	if (heading && !*heading) {
		fprintf(fp, "%sFailed (kept in %s/failed; outbox --flush ID "
		    "sends one again, --drop ID removes it):\n",
		    *heading == 0 && heading[1] ? "\n" : "", q->path);
		*heading = 1;
	}
	fprintf(fp, "%s  %llu bytes  age ", id, e.size);
	print_age(fp, (long long)now - m.created);
	fprintf(fp, "  attempts %u  ", m.attempts);
	list_state(q, d, id, &m, fp, now);
	fputs("\n    from: ", fp);
	print_addr(fp, e.from);
	fputs("\n    to:", fp);
	for (i = 0; i < e.nrcpt; i++) {
		fputs(i ? ", " : " ", fp);
		print_addr(fp, e.rcpt[i]);
	}
	fputc('\n', fp);
	if (m.last_error) {
		err = result_sanitize(m.last_error, 1024);
		fprintf(fp, "    %s: %s\n", d == QD_FAILED ? "reason" :
		    strncmp(m.last_error, RATELIMIT_HELD,
		    strlen(RATELIMIT_HELD)) == 0 ? "waiting" : "last error",
		    err);
		free(err);
	}
	envelope_free(&e);
	envelope_meta_free(&m);
	return 1;
}

int
runq_list(struct queue *q, FILE *fp)
{
	enum queue_dir dirs[3] = { QD_QUEUE, QD_TMP, QD_FAILED };
	time_t now = time(NULL);
	size_t i, k, n = 0;
	int heading[2] = { 0, 0 };	/* printed; queued ones before */
	char **ids;

	for (k = 0; k < 3; k++) {
		heading[1] = n > 0;
		ids = queue_ids(q, dirs[k]);
		for (i = 0; ids[i]; i++)
			n += (size_t)list_entry(q, dirs[k], ids[i], fp, now,
			    dirs[k] == QD_FAILED ? heading : NULL);
		queue_ids_free(ids);
	}
	if (n == 0)
		fputs("Mail queue is empty\n", fp);
	return 0;
}
