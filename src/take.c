/*
 * take.c -- taking the message in: read and edited in sendmail mode, or
 * built from the flags in composer mode; its account, envelope and
 * recipients; then spooled into its entry.
 */
#include "autoconf.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "compose_request.h"
#include "mimetype.h"
#include "priv.h"
#include "sendmail_edit.h"
#include "submit.h"
#include "take.h"
#include "termbody.h"
#include "xmalloc.h"

static int
usage_fail(struct result *r, const char *msg)
{
	result_local(r, RES_PERM, STAGE_NONE, ERR_USAGE, NULL, "%s", msg);
	return -1;
}

/* --from, else a -H From: the From mailbox, and the envelope sender. */
static int
take_from(const struct cli *c, struct input *in, struct addr_list *from,
    struct result *r)
{
	char err[1024];

	if (request_from(c, from, err, sizeof(err)) == -1)
		return usage_fail(r, err);
	if (from->n)
		in->from_arg = xstrdup(from->v[0].spec);
	return 0;
}

/* Account, envelope sender and recipients, in this order. */
static int
addressing(const struct cli *c, struct config *cfg, struct input *in,
    struct account **acct, struct result *r)
{
	char *sender = submit_selector(c, in->from_arg,
	    c->mode == MODE_COMPOSE ? NULL : &in->msg);
	int rc = submit_account(cfg, c, sender, acct, r);

	free(sender);
	if (rc == 0 && priv_system(*acct) && (c->host || c->port || c->tls ||
	    c->user)) {
		/* Its password would go where the user says. */
		result_local(r, RES_PERM, STAGE_NONE, ERR_NOPERM, NULL,
		    "account %s is the system's: --host, --port, --tls and "
		    "--user cannot change it (use a configuration of your "
		    "own)", (*acct)->name);
		return -1;
	}
	if (rc == -1 || submit_envelope(*acct, c, in->from_arg, &in->env,
	    r) == -1)
		return -1;
	return submit_recipients(&in->rc, *acct, c, &in->msg, &in->to_hdr,
	    &in->cc_hdr, &in->env, r);
}

/* Sendmail mode: the header read, fields added and rewritten. */
static int
take_sendmail(const struct cli *c, struct config *cfg, struct input *in,
    struct account **acct, struct result *r)
{
	struct addr_list from = { NULL, 0 };
	struct edit_opts o;
	char err[1024], *gecos = NULL, *local = NULL;
	const char *dom;
	int rc = -1;

	in->msg.in.raw_body = c->binary;
	if (msg_read_head(&in->msg, 0, c->ignore_dots, r) == -1 ||
	    take_from(c, in, &from, r) == -1 ||
	    addressing(c, cfg, in, acct, r) == -1)
		goto done;
	if (edit_args(&in->msg, c, &from, &in->msgid, err,
	    sizeof(err)) == -1) {
		usage_fail(r, err);
		goto done;
	}
	memset(&o, 0, sizeof(o));
	o.set_from = (*acct)->set_from_header;
	o.set_date = (*acct)->set_date_header;
	o.set_msgid = (*acct)->set_msgid_header;
	o.remove_bcc = (*acct)->remove_bcc_headers;
	o.from_addr = submit_default_from(*acct, c, &in->env, &o.from_name,
	    &local, &gecos);
	o.domain = (dom = addr_domain(in->env.from)) ? dom : "localhost";
	edit_fix_headers(&in->msg, &o, &in->msgid);
	/* After: the fields it adds are never bare names, and a replaced
	   From must not look missing to it. */
	if (rcpt_rewrite(&in->rc, &in->msg, (*acct)->from ? (*acct)->from :
	    in->env.from, r) == -1)
		goto done;
	in->env.smtputf8 = rcpt_smtputf8(&in->env, &in->msg);
	rc = 0;
done:
	free(gecos);
	free(local);
	addr_list_free(&from);
	return rc;
}

/* Is there a body text: --body, or a standard input that is open? */
static int
has_body(const struct cli *c)
{
	return c->body || (!isatty(0) && fcntl(0, F_GETFD) != -1);
}

/*
 * No --body or --html, and a terminal on standard input: the body is
 * typed there, as mail -s takes it (termbody.h), with a hint when
 * standard error is a terminal too.
 */
static int
typed_body(const struct cli *c, struct input *in, struct result *r)
{
	int rc;

	if (c->body || c->html || !isatty(0))
		return 0;
	rc = termbody_text(&in->comp.text, 0, isatty(2) ? stderr : NULL, r);
	if (rc == TERMBODY_INTERRUPTED) {
		in->interrupted = 1;
		result_local(r, RES_PERM, STAGE_NONE, ERR_IO, NULL,
		    "interrupted while the message was typed: nothing sent, "
		    "nothing queued");
	}
	return rc == 0 ? 0 : -1;
}

/* Composer mode: files, body, header fields. */
static int
take_compose(const struct cli *c, struct config *cfg, struct input *in,
    struct account **acct, struct result *r)
{
	struct addr_list from = { NULL, 0 };
	struct request_hdrs h;
	struct addr self;
	char err[1024], *gecos = NULL, *local = NULL;
	const char *dom, *name;
	size_t i;
	int rc = -1;

	if (take_from(c, in, &from, r) == -1 ||
	    addressing(c, cfg, in, acct, r) == -1)
		goto done;
	for (i = 0; i < c->attach.n; i++)
		if (mime_attach(&in->comp, c->attach.v[i],
		    MIMETYPE_SYSTEM_FILE, r) == -1)
			goto done;
	if ((c->html && mime_text_file(&in->comp.html, c->html,
	    "--html file", r) == -1) || (has_body(c) &&
	    mime_text_file(&in->comp.text, c->body, "--body file",
	    r) == -1) || typed_body(c, in, r) == -1)
		goto done;
	if (from.n)
		self = from.v[0];
	else {
		self.spec = (char *)submit_default_from(*acct, c, &in->env,
		    &name, &local, &gecos);
		self.name = (char *)name;
	}
	memset(&h, 0, sizeof(h));
	h.from = &self;
	h.to = &in->to_hdr;
	h.cc = &in->cc_hdr;
	h.domain = (dom = addr_domain(self.spec)) ? dom : "localhost";
	rc = request_fields(&in->comp, c, &h, err, sizeof(err));
	in->msgid = h.msgid;
	if (rc == -1)
		usage_fail(r, err);
	else
		in->env.smtputf8 = rcpt_smtputf8(&in->env, NULL);
done:
	free(gecos);
	free(local);
	addr_list_free(&from);
	return rc;
}

int
take_spool(const struct cli *c, const struct account *a, const char *config,
    struct input *in, struct entry *e, struct result *r)
{
	if ((c->dry_run ? entry_dry(e, r) : entry_create(e, a, r)) == -1)
		goto fail;
	if ((c->mode == MODE_COMPOSE ? mime_write(&in->comp, e->fd,
	    &in->env.size, r) : edit_spool(&in->msg, e->fd, &in->env.size,
	    r)) == -1)
		goto fail;
	if (c->mode == MODE_COMPOSE) {
		in->env.eightbit = in->comp.eightbit;
		in->env.smtputf8 |= in->comp.head8bit;
		in->env.composed = 1;
	} else {
		in->env.eightbit = in->msg.in.eightbit || (c->body_type &&
		    strcasecmp(c->body_type, "8BITMIME") == 0);
		in->env.clean = in->msg.clean;
	}
	/* (cli.c refuses -B BINARYMIME in composer mode; there msg holds
	   nothing, so no NUL either) */
	in->env.nul = msg_head_nul(&in->msg) ? 2 : in->msg.in.nul;
	in->env.binary = c->binary;
	e->meta.account = xstrdup(a->name);
	e->meta.message_id = in->msgid ? xstrdup(in->msgid) : NULL;
	e->meta.config = config ? xstrdup(config) : NULL;
	e->meta.created = (long long)time(NULL);
	e->meta.next_attempt = e->meta.created;
	if (e->id && entry_env(e, QD_TMP, &in->env, r) == -1)
		goto fail;
	if (in->env.nul == 2) {
		/* No extension carries a NUL in a header field. */
		result_local(r, RES_PERM, STAGE_NONE, ERR_DATA,
		    "reading the message", "the header section contains NUL "
		    "bytes");
		return -1;	/* complete: kept in failed/ */
	}
	if (in->env.binary && !in->msg.separator &&
	    in->msg.size > in->msg.head_size) {
		/* The body was taken as text: no empty line ended the
		   header section, so where the bytes begin is unknown. */
		result_local(r, RES_PERM, STAGE_NONE, ERR_DATA,
		    "reading the message", "-B BINARYMIME: no empty line "
		    "ends the header section");
		return -1;	/* complete: kept in failed/ */
	}
	return 0;
fail:
	entry_discard(e);
	return -1;
}

int
take_message(const struct cli *c, struct config *cfg, struct input *in,
    struct account **acct, struct result *r)
{
	return c->mode == MODE_COMPOSE ? take_compose(c, cfg, in, acct, r) :
	    take_sendmail(c, cfg, in, acct, r);
}

void
take_init(struct input *in)
{
	memset(in, 0, sizeof(*in));
	msg_init(&in->msg);
	mime_init(&in->comp);
	envelope_init(&in->env);
}

void
take_free(struct input *in)
{
	msg_free(&in->msg);
	mime_free(&in->comp);
	addr_list_free(&in->to_hdr);
	addr_list_free(&in->cc_hdr);
	rcpt_free(&in->rc);
	free(in->from_arg);
	free(in->msgid);
	envelope_free(&in->env);
}
