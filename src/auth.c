/*
 * auth.c -- SASL mechanisms as pure steps: PLAIN (RFC 4616), LOGIN,
 * CRAM-MD5 (RFC 2195), SCRAM-SHA-1/-256 and -PLUS (RFC 5802, 7677),
 * XOAUTH2, OAUTHBEARER (RFC 7628), EXTERNAL (RFC 4422).
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "buf.h"
#include "codec.h"
#include "compat.h"
#include "xmalloc.h"

static const struct {
	enum auth_mech	 mech;
	const char	*name;
	int		 cleartext;	/* sends the password as is */
	int		 plus;		/* needs channel binding */
	int		 automatic;	/* `auth on` may pick it */
} mechs[] = {
	/* strongest first: the order `auth on` prefers */
	{ AUTH_SCRAM_SHA_256_PLUS, "SCRAM-SHA-256-PLUS", 0, 1, 1 },
	{ AUTH_SCRAM_SHA_1_PLUS, "SCRAM-SHA-1-PLUS", 0, 1, 1 },
	{ AUTH_SCRAM_SHA_256, "SCRAM-SHA-256", 0, 0, 1 },
	{ AUTH_SCRAM_SHA_1, "SCRAM-SHA-1", 0, 0, 1 },
	{ AUTH_PLAIN, "PLAIN", 1, 0, 1 },
	{ AUTH_LOGIN, "LOGIN", 1, 0, 1 },
	{ AUTH_CRAM_MD5, "CRAM-MD5", 0, 0, 1 },
	{ AUTH_XOAUTH2, "XOAUTH2", 1, 0, 0 },
	{ AUTH_OAUTHBEARER, "OAUTHBEARER", 1, 0, 0 },
	{ AUTH_EXTERNAL, "EXTERNAL", 0, 0, 0 },
};
#define NMECHS (sizeof(mechs) / sizeof(mechs[0]))

const char *
auth_mech_name(enum auth_mech m)
{
	size_t i;

	for (i = 0; i < NMECHS; i++)
		if (mechs[i].mech == m)
			return mechs[i].name;
	return "NONE";
}

static int
offered_has(const char *offered, const char *name)
{
	size_t n = strlen(name);
	const char *p = offered;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == offered || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

static const char *const no_clear = "refusing to send a password in clear "
    "text over an unencrypted connection";

enum auth_mech
auth_pick_cb(const char *offered, const char *configured, int cleartext_ok,
    int cb_ok, const char **why)
{
	size_t i;
	int any = 0;

	if (configured && strcasecmp(configured, "on") != 0) {
		for (i = 0; i < NMECHS; i++)
			if (strcasecmp(mechs[i].name, configured) == 0)
				break;
		if (i == NMECHS) {
			*why = "authentication method not supported";
			return AUTH_NONE;
		}
		if (!offered_has(offered, mechs[i].name)) {
			*why = "the server does not offer the configured "
			    "authentication method";
			return AUTH_NONE;
		}
		if (mechs[i].cleartext && !cleartext_ok) {
			*why = no_clear;
			return AUTH_NONE;
		}
		if (mechs[i].plus && !cb_ok) {
			*why = "channel binding needs TLS";
			return AUTH_NONE;
		}
		return mechs[i].mech;
	}
	for (i = 0; i < NMECHS; i++) {
		if (!mechs[i].automatic || !offered_has(offered,
		    mechs[i].name) || (mechs[i].plus && !cb_ok))
			continue;
		any = 1;
		if (mechs[i].cleartext && !cleartext_ok)
			continue;
		return mechs[i].mech;
	}
	*why = any ? no_clear : "the server offers no authentication method "
	    "outbox can use";
	return AUTH_NONE;
}

enum auth_mech
auth_pick(const char *offered, const char *configured, int cleartext_ok,
    const char **why)
{
	return auth_pick_cb(offered, configured, cleartext_ok, 0, why);
}

void
auth_begin(struct auth *a, enum auth_mech m, const char *user,
    const char *pass)
{
	memset(a, 0, sizeof(*a));
	a->mech = m;
	a->user = user ? user : "";
	a->pass = pass ? pass : "";
}

/* base64 of n bytes, the bytes wiped from the caller's buffer after. */
static char *
b64_wipe(char *raw, size_t n)
{
	char *enc = codec_b64_encode(raw, n);

	compat_bzero(raw, n);
	free(raw);
	return enc;
}

static char *
plain_response(const struct auth *a)
{
	size_t ul = strlen(a->user), pl = strlen(a->pass);
	char *raw = xmalloc(ul + pl + 2);

	raw[0] = '\0';
	memcpy(raw + 1, a->user, ul);
	raw[ul + 1] = '\0';
	memcpy(raw + ul + 2, a->pass, pl);
	return b64_wipe(raw, ul + pl + 2);
}

/* RFC 5802 saslname / RFC 7628 authzid: ',' and '=' escaped. */
static char *
sasl_escape(const char *s)
{
	struct buf b;

	buf_init(&b, strlen(s) * 3 + 1);
	for (; *s; s++) {
		if (*s == ',')
			(void)buf_addstr(&b, "=2C");
		else if (*s == '=')
			(void)buf_addstr(&b, "=3D");
		else
			(void)buf_addc(&b, *s);
	}
	return buf_take(&b);
}

static char *
oauth_response(const struct auth *a)
{
	char *raw, *u;

	if (a->mech == AUTH_XOAUTH2)
		raw = xasprintf("user=%s\001auth=Bearer %s\001\001", a->user,
		    a->pass);
	else {
		u = sasl_escape(a->user);
		raw = xasprintf("n,a=%s,\001host=%s\001port=%d\001auth=Bearer "
		    "%s\001\001", u, a->host ? a->host : "", a->port, a->pass);
		free(u);
	}
	return b64_wipe(raw, strlen(raw));
}

static int
is_scram(enum auth_mech m)
{
	return m == AUTH_SCRAM_SHA_1 || m == AUTH_SCRAM_SHA_1_PLUS ||
	    m == AUTH_SCRAM_SHA_256 || m == AUTH_SCRAM_SHA_256_PLUS;
}

static int
is_plus(enum auth_mech m)
{
	return m == AUTH_SCRAM_SHA_1_PLUS || m == AUTH_SCRAM_SHA_256_PLUS;
}

static enum crypto_alg
scram_alg(enum auth_mech m)
{
	return m == AUTH_SCRAM_SHA_1 || m == AUTH_SCRAM_SHA_1_PLUS ?
	    CRYPTO_SHA1 : CRYPTO_SHA256;
}

static char *
scram_first(struct auth *a)
{
	unsigned char rnd[18];
	char *user, *raw, *line;

	if (a->nonce)
		a->mynonce = xstrdup(a->nonce);
	else {
		if (crypto_random(rnd, sizeof(rnd)) == -1)
			return NULL;
		a->mynonce = codec_b64_encode(rnd, sizeof(rnd));
	}
	if (is_plus(a->mech))
		a->gs2 = xasprintf("p=%s,,", a->cb_type);
	else
		a->gs2 = xstrdup(a->tls ? "y,," : "n,,");
	user = sasl_escape(a->user);
	a->first_bare = xasprintf("n=%s,r=%s", user, a->mynonce);
	free(user);
	raw = xasprintf("%s%s", a->gs2, a->first_bare);
	line = codec_b64_encode(raw, strlen(raw));
	free(raw);
	return line;
}

/* Value of "k=" at the start of attribute list s (up to ','), or NULL. */
static const char *
attr(const char *s, char k, size_t *len)
{
	if (s[0] != k || s[1] != '=')
		return NULL;
	*len = strcspn(s + 2, ",");
	return s + 2;
}

struct server_first {
	const char	*nonce;
	size_t		 nlen;
	unsigned char	*salt;
	long		 slen;
	unsigned long	 iter;
};

static int
parse_server_first(const struct auth *a, const char *msg,
    struct server_first *sf, const char **why)
{
	const char *p = msg, *v;
	size_t len, mylen = strlen(a->mynonce);
	char *end, num[16];

	if ((v = attr(p, 'r', &len)) == NULL) {
		*why = p[0] == 'm' ? "server requires an unknown SCRAM "
		    "extension" : "SCRAM: no nonce from the server";
		return -1;
	}
	if (len <= mylen || memcmp(v, a->mynonce, mylen) != 0) {
		*why = "SCRAM: the server nonce does not extend ours";
		return -1;
	}
	sf->nonce = v;
	sf->nlen = len;
	p = v + len;
	if (*p++ != ',' || (v = attr(p, 's', &len)) == NULL || len == 0 ||
	    (sf->slen = codec_b64_decode(v, len, &sf->salt)) <= 0) {
		*why = "SCRAM: missing or invalid salt";
		return -1;
	}
	p = v + len;
	if (*p++ != ',' || (v = attr(p, 'i', &len)) == NULL || len == 0 ||
	    len >= sizeof(num) || v[0] < '1' || v[0] > '9') {
		*why = "SCRAM: missing or invalid iteration count";
		return -1;
	}
	memcpy(num, v, len);
	num[len] = '\0';
	sf->iter = strtoul(num, &end, 10);
	if (*end || sf->iter == 0 || sf->iter > AUTH_SCRAM_MAX_ITER) {
		*why = "SCRAM: iteration count out of range";
		return -1;
	}
	return 0;
}

static char *
scram_final(struct auth *a, const char *msg, const char **why)
{
	enum crypto_alg alg = scram_alg(a->mech);
	size_t hl = crypto_len(alg), i, glen = strlen(a->gs2);
	unsigned char salted[CRYPTO_MAX_LEN], ckey[CRYPTO_MAX_LEN];
	unsigned char stored[CRYPTO_MAX_LEN], csig[CRYPTO_MAX_LEN];
	unsigned char skey[CRYPTO_MAX_LEN];
	struct server_first sf = { NULL, 0, NULL, 0, 0 };
	char *cbraw, *cb, *without, *authmsg, *proof, *raw, *line = NULL;

	if (parse_server_first(a, msg, &sf, why) == -1) {
		free(sf.salt);
		return NULL;
	}
	cbraw = xmalloc(glen + a->cb_len + 1);
	memcpy(cbraw, a->gs2, glen);
	if (is_plus(a->mech) && a->cb_len)
		memcpy(cbraw + glen, a->cb_data, a->cb_len);
	cb = codec_b64_encode(cbraw, glen + (is_plus(a->mech) ? a->cb_len :
	    0));
	free(cbraw);
	without = xasprintf("c=%s,r=%.*s", cb, (int)sf.nlen, sf.nonce);
	authmsg = xasprintf("%s,%s,%s", a->first_bare, msg, without);
	if (crypto_pbkdf2(alg, a->pass, strlen(a->pass), sf.salt,
	    (size_t)sf.slen, (unsigned)sf.iter, salted, hl) == -1 ||
	    crypto_hmac(alg, salted, hl, "Client Key", 10, ckey) == -1 ||
	    crypto_hash(alg, ckey, hl, stored) == -1 ||
	    crypto_hmac(alg, stored, hl, authmsg, strlen(authmsg),
	    csig) == -1 ||
	    crypto_hmac(alg, salted, hl, "Server Key", 10, skey) == -1 ||
	    crypto_hmac(alg, skey, hl, authmsg, strlen(authmsg),
	    a->server_sig) == -1) {
		*why = "SCRAM: crypto failure";
		goto done;
	}
	for (i = 0; i < hl; i++)
		ckey[i] ^= csig[i];
	proof = codec_b64_encode(ckey, hl);
	raw = xasprintf("%s,p=%s", without, proof);
	line = codec_b64_encode(raw, strlen(raw));
	xfree_secret(proof);
	xfree_secret(raw);
done:
	compat_bzero(salted, sizeof(salted));
	compat_bzero(ckey, sizeof(ckey));
	compat_bzero(stored, sizeof(stored));
	compat_bzero(skey, sizeof(skey));
	free(sf.salt);
	free(cb);
	free(without);
	xfree_secret(authmsg);
	return line;
}

static char *
scram_verify(struct auth *a, const char *msg, const char **why)
{
	size_t hl = crypto_len(scram_alg(a->mech)), len;
	unsigned char *sig = NULL;
	const char *v;
	long n;

	if (msg[0] == 'e' && msg[1] == '=') {
		/* Acknowledge; the server's final reply (535) decides. */
		return xstrdup("");
	}
	if ((v = attr(msg, 'v', &len)) == NULL ||
	    (n = codec_b64_decode(v, len, &sig)) < 0 || (size_t)n != hl ||
	    crypto_memcmp(sig, a->server_sig, hl) != 0) {
		free(sig);
		*why = "SCRAM: wrong server signature (the server does not "
		    "know the password)";
		return NULL;
	}
	free(sig);
	a->verified = 1;
	return xstrdup("");
}

static char *
cram_md5(struct auth *a, const char *chal, size_t clen)
{
	unsigned char mac[16];
	char hex[33], *raw;
	size_t i;

	if (crypto_hmac(CRYPTO_MD5, a->pass, strlen(a->pass), chal, clen,
	    mac) == -1)
		return NULL;
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	raw = xasprintf("%s %s", a->user, hex);
	compat_bzero(mac, sizeof(mac));
	return b64_wipe(raw, strlen(raw));
}

char *
auth_start(struct auth *a)
{
	char *ir, *line;

	a->step = 0;
	switch (a->mech) {
	case AUTH_PLAIN:
		ir = plain_response(a);
		break;
	case AUTH_XOAUTH2:
	case AUTH_OAUTHBEARER:
		ir = oauth_response(a);
		break;
	case AUTH_EXTERNAL:
		ir = xstrdup("=");
		break;
	case AUTH_LOGIN:
	case AUTH_CRAM_MD5:
		return xasprintf("AUTH %s", auth_mech_name(a->mech));
	default:
		if (!is_scram(a->mech) || (ir = scram_first(a)) == NULL)
			return NULL;
		break;
	}
	line = xasprintf("AUTH %s %s", auth_mech_name(a->mech), ir);
	xfree_secret(ir);
	return line;
}

char *
auth_step(struct auth *a, const char *challenge, const char **why)
{
	unsigned char *dec = NULL;
	long n;
	char *out = NULL;

	a->step++;
	n = codec_b64_decode(challenge, strlen(challenge), &dec);
	/* LOGIN's prompts say nothing we need; every other challenge
	   must be base64, and SCRAM's text must hold no NUL. */
	if (a->mech != AUTH_LOGIN && (n < 0 || (is_scram(a->mech) &&
	    memchr(dec, '\0', (size_t)n) != NULL))) {
		free(dec);
		*why = "the server's challenge is not valid base64";
		return NULL;
	}
	switch (a->mech) {
	case AUTH_LOGIN:
		if (a->step <= 2)
			out = codec_b64_encode(a->step == 1 ? a->user :
			    a->pass, strlen(a->step == 1 ? a->user : a->pass));
		break;
	case AUTH_CRAM_MD5:
		if (a->step == 1 && n > 0)
			out = cram_md5(a, (char *)dec, (size_t)n);
		break;
	case AUTH_XOAUTH2:
	case AUTH_OAUTHBEARER:
		/* An error report: acknowledge, the 5xx follows. */
		if (a->step == 1)
			out = xstrdup(a->mech == AUTH_XOAUTH2 ? "" : "AQ==");
		break;
	default:
		if (is_scram(a->mech) && a->step == 1)
			out = scram_final(a, (char *)dec, why);
		else if (is_scram(a->mech) && a->step == 2)
			out = scram_verify(a, (char *)dec, why);
		else if (is_scram(a->mech))
			*why = "SCRAM: unexpected extra challenge";
		else
			*why = "unexpected challenge from the server";
		free(dec);
		return out;
	}
	free(dec);
	if (out == NULL)
		*why = "unexpected challenge from the server";
	return out;
}

int
auth_done(const struct auth *a, const char **why)
{
	if (is_scram(a->mech) && !a->verified) {
		*why = "the server accepted SCRAM authentication without "
		    "proving that it knows the password";
		return 0;
	}
	return 1;
}

void
auth_end(struct auth *a)
{
	xfree_secret(a->gs2);
	xfree_secret(a->first_bare);
	xfree_secret(a->mynonce);
	compat_bzero(a, sizeof(*a));
}
