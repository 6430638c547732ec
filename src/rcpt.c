/*
 * rcpt.c -- recipients, aliases and local-name rewriting.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "limits.h"
#include "rcpt.h"
#include "xmalloc.h"

void
rcpt_init(struct rcpt *rc, struct envelope *env, const char *aliases_path,
    int rewrite)
{
	memset(rc, 0, sizeof(*rc));
	rc->env = env;
	rc->aliases_path = aliases_path;
	rc->rewrite = rewrite;
}

void
rcpt_free(struct rcpt *rc)
{
	aliases_free(rc->aliases);
	rc->aliases = NULL;
}

void
rcpt_hdr_add(struct addr_list *l, const char *spec, const char *name)
{
	l->v = xgrow(l->v, l->n, sizeof(*l->v));
	l->v[l->n].spec = xstrdup(spec);
	l->v[l->n].name = name ? xstrdup(name) : NULL;
	l->n++;
}

/* The aliases file, loaded once; -1 with r set when it is unusable. */
static int
load(struct rcpt *rc, struct result *r)
{
	char err[512];

	if (rc->aliases || rc->aliases_path == NULL)
		return 0;
	if (aliases_load(&rc->aliases, rc->aliases_path, err, sizeof(err)) ==
	    -1) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_CONFIG, NULL, "%s",
		    err);
		return -1;
	}
	return 0;
}

/* A bare local name's addresses: 0, 1 when nothing resolves it (*why),
   -1 with r set when the aliases file is unusable. */
static int
resolve(struct rcpt *rc, const char *name, struct aliases_out *out,
    const char **why, struct result *r)
{
	if (load(rc, r) == -1)
		return -1;
	*why = "no aliases file is configured";
	if (rc->aliases == NULL)
		return 1;
	return aliases_resolve(rc->aliases, name, out, why) == 0 ? 0 : 1;
}

/* Into the envelope; -1 with r set when that would pass RCPT_MAX. */
static int
add(struct rcpt *rc, const char *spec, struct result *r)
{
	if (envelope_add_rcpt(rc->env, spec) == 0)
		return 0;
	result_local(r, RES_PERM, STAGE_NONE, ERR_USAGE, NULL,
	    "too many recipients (more than %d)", RCPT_MAX);
	return -1;
}

int
rcpt_list(struct rcpt *rc, const struct addr_list *l, const char *what,
    struct addr_list *hdr, struct result *r)
{
	struct aliases_out out = { NULL, 0 };
	const char *why;
	size_t i, k;
	int rv;

	for (i = 0; i < l->n; i++) {
		const struct addr *a = &l->v[i];

		if (strchr(a->spec, '@')) {
			if (add(rc, a->spec, r) == -1)
				return -1;
			if (hdr)
				rcpt_hdr_add(hdr, a->spec, a->name);
			continue;
		}
		if ((rv = resolve(rc, a->spec, &out, &why, r)) == -1)
			return -1;
		if (rv == 1) {
			result_local(r, RES_PERM, STAGE_NONE, ERR_NOUSER, NULL,
			    "recipient '%s'%s%s%s: cannot resolve the local "
			    "name: %s", a->spec, what ? " (" : "", what ? what :
			    "", what ? ")" : "", why);
			return -1;
		}
		for (k = 0; k < out.n; k++) {
			if (add(rc, out.v[k], r) == -1) {
				aliases_out_free(&out);
				return -1;
			}
			if (hdr && rc->rewrite)
				rcpt_hdr_add(hdr, out.v[k], out.n == 1 ?
				    a->name : NULL);
		}
		if (hdr && !rc->rewrite)
			rcpt_hdr_add(hdr, a->spec, a->name);
		aliases_out_free(&out);
	}
	return 0;
}

/* Can every non-ASCII domain in l become A-labels? */
static int
idna_ok(const struct addr_list *l, const char **why)
{
	const char *dom;
	char *ascii;
	size_t i;

	for (i = 0; i < l->n; i++) {
		dom = addr_domain(l->v[i].spec);
		if (dom == NULL || !codec_has_8bit(dom, strlen(dom)))
			continue;
		if ((ascii = addr_domain_ascii(dom, why)) == NULL)
			return 0;
		free(ascii);
	}
	return 1;
}

int
rcpt_arg(struct rcpt *rc, const char *arg, const char *opt,
    struct addr_list *hdr, struct result *r)
{
	struct addr_list l = { NULL, 0 };
	const char *why;
	int rv;

	if (addr_parse_list(arg, &l, &why) == -1 || (l.n == 0 &&
	    (why = "no address") != NULL) || !idna_ok(&l, &why)) {
		result_local(r, RES_PERM, STAGE_NONE, ERR_USAGE, NULL,
		    "invalid %s '%s': %s", opt, arg, why);
		addr_list_free(&l);
		return -1;
	}
	rv = rcpt_list(rc, &l, NULL, hdr, r);
	addr_list_free(&l);
	return rv;
}

/* One field's bare names rewritten; the field is replaced if any. */
static int
rewrite_field(struct rcpt *rc, struct msg *m, size_t fi, int is_from,
    const char *self, struct result *r)
{
	struct addr_list l = { NULL, 0 }, out = { NULL, 0 };
	struct aliases_out al = { NULL, 0 };
	const char *why;
	char *v = msg_value(m, fi), *list, *field, *name;
	size_t i, k, bare = 0;
	int rv = 0;

	if (addr_parse_list(v, &l, &why) == 0 && (!is_from || *self))
		for (i = 0; i < l.n; i++)
			bare += strchr(l.v[i].spec, '@') == NULL;
	for (i = 0; bare && i < l.n && rv != -1; i++) {
		const struct addr *a = &l.v[i];

		if (strchr(a->spec, '@'))
			rcpt_hdr_add(&out, a->spec, a->name);
		else if (is_from)
			rcpt_hdr_add(&out, self, a->name);
		else if ((rv = resolve(rc, a->spec, &al, &why, r)) == 0) {
			for (k = 0; k < al.n; k++)
				rcpt_hdr_add(&out, al.v[k], al.n == 1 ?
				    a->name : NULL);
			aliases_out_free(&al);
		} else if (rv == 1)
			rcpt_hdr_add(&out, a->spec, a->name);
	}
	if (bare && out.n && rv != -1) {
		list = addr_list_format(&out);
		name = xstrndup(m->head.data + m->f[fi].off, m->f[fi].namelen);
		field = codec_fold(name, list);
		msg_replace(m, fi, field);
		free(name);
		free(field);
		free(list);
	}
	addr_list_free(&out);
	addr_list_free(&l);
	free(v);
	return rv == -1 ? -1 : 0;
}

int
rcpt_rewrite(struct rcpt *rc, struct msg *m, const char *self,
    struct result *r)
{
	static const char *const fields[] = { "From", "To", "Cc", NULL };
	size_t k, n = m->nf;
	long i;

	if (!rc->rewrite)
		return 0;
	for (k = 0; fields[k]; k++)
		for (i = 0; (i = msg_find(m, fields[k], (size_t)i)) >= 0 &&
		    (size_t)i < n; i++)
			if (rewrite_field(rc, m, (size_t)i, k == 0, self, r) ==
			    -1)
				return -1;
	return 0;
}

int
rcpt_utf8_level(const char *spec)
{
	const char *dom = addr_domain(spec);
	size_t n = dom ? (size_t)(dom - 1 - spec) : strlen(spec);

	if (codec_has_8bit(spec, n))
		return 2;
	return dom && codec_has_8bit(dom, strlen(dom)) ? 1 : 0;
}

int
rcpt_smtputf8(const struct envelope *e, const struct msg *m)
{
	size_t i;
	int u = *e->from && rcpt_utf8_level(e->from) > 0;

	for (i = 0; i < e->nrcpt; i++)
		if (rcpt_utf8_level(e->rcpt[i]) > 0)
			u = 1;
	if (m && codec_has_8bit(buf_cstr(&m->head), m->body_off))
		u = 1;
	return u;
}
