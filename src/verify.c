/*
 * verify.c -- -bv: resolve recipients as a send would, print the outcome.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "envelope.h"
#include "msg.h"
#include "rcpt.h"
#include "submit.h"
#include "verify.h"
#include "xmalloc.h"

struct verify {
	struct rcpt	 rc;
	struct envelope	 env;		/* one recipient's addresses */
	FILE		*out;
	int		 code;		/* of the first that fails */
};

/* Was the failure the recipient's, or the run's (aliases file)? */
static int
recipient_fault(const struct result *r)
{
	return r->err == ERR_USAGE || r->err == ERR_DATA ||
	    r->err == ERR_NOUSER;
}

/* The line for one recipient; -1 (r kept) for a fault of the run. */
static int
line(struct verify *v, const char *label, int rv, struct result *r)
{
	char *l = result_sanitize(label, 1024), *t;
	size_t i;

	if (rv == -1 && !recipient_fault(r)) {
		free(l);
		return -1;
	}
	if (rv == -1) {
		t = result_sanitize(r->text ? r->text : "", 4096);
		fprintf(v->out, "%s: undeliverable: %s\n", l, t);
		free(t);
		if (v->code == 0)
			v->code = result_exit(r);
		result_clear(r);
	} else {
		fprintf(v->out, "%s: deliverable: ", l);
		for (i = 0; i < v->env.nrcpt; i++) {
			t = result_sanitize(v->env.rcpt[i], 1024);
			fprintf(v->out, "%s%s", i ? ", " : "", t);
			free(t);
		}
		fputc('\n', v->out);
	}
	free(l);
	/* the next recipient starts from an empty envelope */
	envelope_free(&v->env);
	envelope_init(&v->env);
	return 0;
}

/* -t: the header's recipients, each on its own. */
static int
header_recipients(struct verify *v, struct msg *m, struct result *r)
{
	struct addr_list l = { NULL, 0 }, one;
	const char *why, *field;
	size_t i;
	int rv = 0;

	if (msg_recipients(m, &l, &why, &field) == -1) {
		fprintf(v->out, "%s header: undeliverable: invalid address: "
		    "%s\n", field, why);
		if (v->code == 0)
			v->code = 65;
		addr_list_free(&l);
		return 0;
	}
	for (i = 0; i < l.n && rv == 0; i++) {
		one.v = &l.v[i];
		one.n = 1;
		rv = line(v, l.v[i].spec, rcpt_list(&v->rc, &one,
		    "from the message header", NULL, r), r);
	}
	addr_list_free(&l);
	return rv;
}

static int
resolve_all(struct verify *v, const struct cli *c, struct msg *m,
    struct result *r)
{
	size_t i;

	if (c->args.n == 0 && !c->read_rcpts) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_USAGE, NULL,
		    "-bv: no recipients given");
		return -1;
	}
	for (i = 0; i < c->args.n; i++)
		if (line(v, c->args.v[i], rcpt_arg(&v->rc, c->args.v[i],
		    "recipient", NULL, r), r) == -1)
			return -1;
	if (c->read_rcpts && header_recipients(v, m, r) == -1)
		return -1;
	return 0;
}

int
verify_run(const struct cli *c, struct config *cfg, FILE *out,
    struct result *r)
{
	struct verify v;
	struct account *a = NULL;
	struct msg m;
	char *sender = NULL;
	int rc = -1;

	memset(&v, 0, sizeof(v));
	v.out = out;
	envelope_init(&v.env);
	msg_init(&m);
	if (c->read_rcpts && msg_read_head(&m, 0, c->ignore_dots, r) == -1)
		goto done;
	sender = submit_selector(c, NULL, c->read_rcpts ? &m : NULL);
	if (submit_account(cfg, c, sender, &a, r) == -1)
		goto done;
	rcpt_init(&v.rc, &v.env, a->aliases, a->rewrite_local_names);
	if (resolve_all(&v, c, &m, r) == 0)
		rc = v.code;
	rcpt_free(&v.rc);
done:
	if (fflush(out) != 0 && rc != -1) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_IO, NULL,
		    "writing the output: failed");
		rc = -1;
	}
	free(sender);
	config_account_free(a);
	msg_free(&m);
	envelope_free(&v.env);
	return rc;
}
