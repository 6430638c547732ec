/*
 * oauth_http.c -- HTTPS POSTs with libcurl, verified strictly.
 */
#include "autoconf.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oauth_http.h"
#include "xmalloc.h"

/* Out of memory in libcurl: as xmalloc does it. */
static void __attribute__((noreturn))
nomem(void)
{
	fputs("outbox-oauth: out of memory\n", stderr);
	exit(71);
}

int
oauth_http_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
oauth_http_form(struct buf *form, const char *key, const char *value)
{
	char *k, *v;

	if (value == NULL)
		return;
	k = curl_easy_escape(NULL, key, 0);
	v = curl_easy_escape(NULL, value, 0);
	if (k == NULL || v == NULL)
		nomem();
	if (form->len)
		buf_addc(form, '&');
	buf_addf(form, "%s=%s", k, v);
	curl_free(k);
	memset(v, 0, strlen(v));
	curl_free(v);
}

char *
oauth_http_unescape(const char *s, size_t n)
{
	char *copy = xmalloc(n + 1), *p, *out = NULL;
	int len = 0;
	size_t i;

	for (i = 0; i < n; i++)
		copy[i] = s[i] == '+' ? ' ' : s[i];
	copy[n] = '\0';
	p = curl_easy_unescape(NULL, copy, (int)n, &len);
	if (p == NULL)
		nomem();
	if (memchr(p, '\0', (size_t)len) == NULL)
		out = xstrdup(p);
	curl_free(p);
	free(copy);
	return out;
}

static size_t
on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;

	if (buf_add(b, data, size * n) == -1)
		return 0;	/* too large: the transfer fails */
	return size * n;
}

/* The helper's class for a libcurl failure. */
static int
class_of(CURLcode c)
{
	switch (c) {
	case CURLE_PEER_FAILED_VERIFICATION:
		return 77;
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_SSL_CRL_BADFILE:
		return 78;
	default:
		return 75;
	}
}

/* The account's SOCKS5 proxy, as outbox's own connections use it: the
   proxy resolves the name (socks5h), never the resolver here. */
static void
set_proxy(CURL *c, const struct oauth_http *h)
{
	curl_easy_setopt(c, CURLOPT_PROXYTYPE,
	    (long)CURLPROXY_SOCKS5_HOSTNAME);
	if (strchr(h->proxy_host, ':')) {
		char *v6 = xasprintf("[%s]", h->proxy_host);

		curl_easy_setopt(c, CURLOPT_PROXY, v6);
		free(v6);
	} else
		curl_easy_setopt(c, CURLOPT_PROXY, h->proxy_host);
	curl_easy_setopt(c, CURLOPT_PROXYPORT, (long)(h->proxy_port ?
	    h->proxy_port : 1080));
	if (h->proxy_user) {
		curl_easy_setopt(c, CURLOPT_PROXYUSERNAME, h->proxy_user);
		curl_easy_setopt(c, CURLOPT_PROXYPASSWORD,
		    h->proxy_password ? h->proxy_password : "");
	}
}

int
oauth_http_post(const struct oauth_http *h, const char *url,
    const struct buf *form, long *status, struct buf *body, int *exitcode,
    char *err, size_t errlen)
{
	char cerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	CURL *c;
	CURLcode rc;

	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "cannot set up libcurl");
		*exitcode = 70;
		return -1;
	}
	hdr = curl_slist_append(hdr, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (h->trust_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->trust_file);
	if (h->proxy_host)
		set_proxy(c, h);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)h->timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)h->timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "outbox/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, buf_cstr(form));
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)form->len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	else {
		*exitcode = class_of(rc);
		snprintf(err, errlen, "%s: %s", url, *cerr ? cerr :
		    curl_easy_strerror(rc));
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}
