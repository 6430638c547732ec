/*
 * config_print.c -- --print-config: every keyword of an account with its
 * effective value, what an unset one means, "# default" where the
 * configuration did not set it, and no secret.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_kw.h"

/* What an unset string keyword means, for --print-config. */
static const char *
unset_meaning(const struct account *a, const char *name)
{
	static const struct { const char *name, *text; } tab[] = {
		{ "host", "none (give --host, or set host)" },
		{ "tls_trust_file", "the system's trust store" },
		{ "tls_host_override", "the host connected to" },
		{ "tls_priorities", "GnuTLS's defaults" },
		{ "domain", "localhost" },
		{ "dsn_notify", "none (the server's default)" },
		{ "dsn_return", "none (the server's default)" },
		{ "syslog", "off" },
		{ "source_ip", "any (the system chooses)" },
		{ "proxy_host", "none (direct connections)" },
		{ "proxy_user", "none (no proxy authentication)" },
		{ "from_full_name", "the user's name from the password file" },
		{ "oauth_provider", "none (auth xoauth2/oauthbearer take the "
		    "token from the password)" },
		{ "oauth_tenant", "common (Microsoft)" },
		{ "oauth_scope", "the provider's" },
		{ "oauth_auth_url", "the provider's" },
		{ "oauth_device_url", "the provider's" },
		{ "oauth_token_url", "the provider's" },
		{ "oauth_token_file", "~/.local/state/outbox/oauth/ACCOUNT" },
		{ "rate_limit", "off" },
	};
	size_t i;

	if (strcmp(name, "tls_trust_file") == 0 && !a->tls_certcheck)
		return "none (tls_certcheck off)";
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(tab[i].name, name) == 0)
			return tab[i].text;
	return "none";
}

/* A duration as the largest unit that divides it: 5d, 4h, 30m, 10s. */
static void
print_duration(FILE *fp, long s)
{
	if (s > 0 && s % 86400 == 0)
		fprintf(fp, "%ldd", s / 86400);
	else if (s > 0 && s % 3600 == 0)
		fprintf(fp, "%ldh", s / 3600);
	else if (s > 0 && s % 60 == 0)
		fprintf(fp, "%ldm", s / 60);
	else
		fprintf(fp, "%lds", s);
}

/*
 * The value outbox will use for keyword k, never "(unset)" and never a
 * secret.  passwordeval's command is shown only when the caller can read
 * the file it comes from (not a setgid outbox's system file).
 */
static void
print_value(FILE *fp, const struct account *a, const struct keyword *k,
    const struct config_shown *sh)
{
	const char *d = (const char *)a + k->off;
	const char *str = is_string_type(k->type) ? *(char *const *)d : NULL;
	static const char *hdr[] = { "off", "auto", "on" };
	size_t i;

	fprintf(fp, "%-24s ", k->name);
	if (strcmp(k->name, "from") == 0 && str == NULL)
		str = sh->from;
	else if (strcmp(k->name, "queue_dir") == 0 && str == NULL)
		str = sh->queue_dir;
	if (strcmp(k->name, "auth") == 0) {
		fputs(!a->auth_on ? "off" : str && strcmp(str, "on") != 0 ?
		    str : "on (the best mechanism the server offers)", fp);
	} else if (strcmp(k->name, "tls_starttls") == 0) {
		fputs(a->tls_mode == TLSM_STARTTLS ? "on" : "off", fp);
	} else if (strcmp(k->name, "port") == 0) {
		fprintf(fp, "%d", a->port);
	} else if (strcmp(k->name, "proxy_port") == 0) {
		fprintf(fp, "%d", a->proxy_port ? a->proxy_port : 1080);
	} else if (strcmp(k->name, "passwordeval") == 0 && str &&
	    a->file && access(a->file, R_OK) == -1) {
		fputs("(set in a file you cannot read; not shown)", fp);
	} else if (k->type == KW_HOSTS) {
		if (a->nhosts == 0)
			fputs(unset_meaning(a, k->name), fp);
		for (i = 0; i < a->nhosts; i++)
			fprintf(fp, "%s%s", i ? "," : "", a->hosts[i]);
	} else if (is_string_type(k->type)) {
		fputs(str == NULL || *str == '\0' ? unset_meaning(a, k->name) :
		    k->secret ? "********" : str, fp);
	} else if (k->type == KW_BOOL) {
		fputs(*(const int *)d ? "on" : "off", fp);
	} else if (k->type == KW_TIMEOUT) {
		if (*(const int *)d == 0)
			fputs("off", fp);
		else
			fprintf(fp, "%ds", *(const int *)d);
	} else if (k->type == KW_DURATION) {
		print_duration(fp, *(const long *)d);
	} else if (k->type == KW_HDR3 || k->type == KW_HDR2) {
		fputs(hdr[*(const int *)d], fp);
	} else {
		fprintf(fp, "%d", *(const int *)d);
	}
	if (!(a->set & (1ULL << (size_t)(k - config_keywords))))
		fputs("  # default", fp);
	fputc('\n', fp);
}

void
config_print(const struct account *a, const char *source,
    const struct config_shown *sh, void *fpv)
{
	FILE *fp = fpv;
	static const char *modes[] = { "off", "starttls", "implicit" };
	size_t i;

	fprintf(fp, "# account %s from %s\n", a->name,
	    source ? source : "(command line)");
	for (i = 0; i < config_nkeywords; i++)
		print_value(fp, a, &config_keywords[i], sh);
	fprintf(fp, "# tls mode: %s, port %d, auth %s\n",
	    modes[a->tls_mode], a->port, a->auth_on ? "on" : "off");
}
