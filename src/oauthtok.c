/*
 * oauthtok.c -- the OAuth2 token file and the helper's answers.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "oauthtok.h"
#include "xmalloc.h"

#define MAGIC		"outbox-oauth-token"
#define TEN_YEARS	(10LL * 366 * 86400)

static void
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
oauthtok_free(struct oauth_token *t)
{
	xfree_secret(t->access_token);
	xfree_secret(t->refresh_token);
	free(t->provider);
	memset(t, 0, sizeof(*t));
}

long long
oauthtok_expiry(long long now, long long expires_in)
{
	if (expires_in <= 0)
		return now;
	if (expires_in > TEN_YEARS)
		expires_in = TEN_YEARS;
	if (now > INT64_MAX - expires_in)
		return INT64_MAX;
	return now + expires_in;
}

int
oauthtok_fresh(const struct oauth_token *t, long long now)
{
	if (t->access_token == NULL || *t->access_token == '\0' ||
	    t->expires_at <= 0)
		return 0;
	return t->expires_at - now >= OAUTHTOK_MARGIN_S;
}

/* A decimal number without sign or junk, at most 18 digits. */
static int
parse_num(const char *v, long long *out)
{
	long long n = 0;
	size_t i;

	if (*v == '\0' || strlen(v) > 18)
		return -1;
	for (i = 0; v[i]; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	*out = n;
	return 0;
}

/*
 * Call fn for each "key: value" line of text; a line without ": " or an
 * empty key is an error.  Values are NUL-terminated copies, wiped after.
 */
static int
each_line(const char *text, size_t len,
    int (*fn)(void *, const char *, const char *, char *, size_t), void *ctx,
    char *err, size_t errlen)
{
	size_t i = 0, n;
	int lineno = 0, rc = 0;
	char *line, *sep;

	while (i < len && rc == 0) {
		const char *nl = memchr(text + i, '\n', len - i);

		n = nl ? (size_t)(nl - (text + i)) : len - i;
		lineno++;
		if (n == 0) {
			i += 1;
			continue;
		}
		line = xmalloc(n + 1);
		memcpy(line, text + i, n);
		line[n] = '\0';
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		sep = strstr(line, ": ");
		if (memchr(text + i, '\0', n) || sep == NULL || sep == line) {
			fail(err, errlen, "line %d is not 'key: value'",
			    lineno);
			rc = -1;
		} else {
			*sep = '\0';
			rc = fn(ctx, line, sep + 2, err, errlen);
		}
		compat_bzero(line, n);
		free(line);
		i += n + 1;
	}
	return rc;
}

/* Set *slot to a copy of v unless it is already set (a duplicate). */
static int
take(char **slot, const char *key, const char *v, char *err, size_t errlen)
{
	if (*slot) {
		fail(err, errlen, "'%s' twice", key);
		return -1;
	}
	*slot = xstrdup(v);
	return 0;
}

static int
file_line(void *ctx, const char *key, const char *v, char *err,
    size_t errlen)
{
	struct oauth_token *t = ctx;

	if (strcmp(key, "access_token") == 0)
		return take(&t->access_token, key, v, err, errlen);
	if (strcmp(key, "refresh_token") == 0)
		return take(&t->refresh_token, key, v, err, errlen);
	if (strcmp(key, "provider") == 0)
		return take(&t->provider, key, v, err, errlen);
	if (strcmp(key, "expires_at") == 0) {
		if (t->expires_at || parse_num(v, &t->expires_at) == -1 ||
		    t->expires_at == 0) {
			fail(err, errlen, "bad expires_at");
			return -1;
		}
	}
	return 0;
}

int
oauthtok_parse(const char *text, size_t len, struct oauth_token *t,
    char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (len < sizeof(MAGIC ": ") - 1 ||
	    memcmp(text, MAGIC ": ", sizeof(MAGIC ": ") - 1) != 0) {
		fail(err, errlen, "not an outbox token file");
		return -1;
	}
	if (each_line(text, len, file_line, t, err, errlen) == -1)
		goto bad;
	if (t->access_token == NULL && t->refresh_token == NULL) {
		fail(err, errlen, "no token in it");
		goto bad;
	}
	return 0;
bad:
	oauthtok_free(t);
	return -1;
}

char *
oauthtok_format(const struct oauth_token *t)
{
	return xasprintf("%s: 1\nprovider: %s\naccess_token: %s\n"
	    "expires_at: %lld\n%s%s%s", MAGIC,
	    t->provider ? t->provider : "generic",
	    t->access_token ? t->access_token : "",
	    t->expires_at > 0 ? t->expires_at : 1,
	    t->refresh_token ? "refresh_token: " : "",
	    t->refresh_token ? t->refresh_token : "",
	    t->refresh_token ? "\n" : "");
}

struct answer {
	char		*access_token;
	char		*refresh_token;
	long long	 expires_in;
	int		 have_expiry;
};

static int
answer_line(void *ctx, const char *key, const char *v, char *err,
    size_t errlen)
{
	struct answer *a = ctx;

	if (strcmp(key, "access_token") == 0)
		return take(&a->access_token, key, v, err, errlen);
	if (strcmp(key, "refresh_token") == 0)
		return take(&a->refresh_token, key, v, err, errlen);
	if (strcmp(key, "expires_in") == 0) {
		if (a->have_expiry || parse_num(v, &a->expires_in) == -1) {
			fail(err, errlen, "bad expires_in");
			return -1;
		}
		a->have_expiry = 1;
	}
	return 0;
}

int
oauthtok_merge(struct oauth_token *t, const char *text, size_t len,
    long long now, char *err, size_t errlen)
{
	struct answer a;
	int rc = -1;

	memset(&a, 0, sizeof(a));
	if (each_line(text, len, answer_line, &a, err, errlen) == -1)
		goto done;
	if (a.access_token == NULL || *a.access_token == '\0' ||
	    !a.have_expiry) {
		fail(err, errlen, "no access token and expiry in the answer");
		goto done;
	}
	xfree_secret(t->access_token);
	t->access_token = a.access_token;
	a.access_token = NULL;
	t->expires_at = oauthtok_expiry(now, a.expires_in);
	if (a.refresh_token && *a.refresh_token) {
		xfree_secret(t->refresh_token);
		t->refresh_token = a.refresh_token;
		a.refresh_token = NULL;
	}
	rc = 0;
done:
	xfree_secret(a.access_token);
	xfree_secret(a.refresh_token);
	return rc;
}

int
oauthtok_read(const char *path, struct oauth_token *t, char *err,
    size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, rc = -1;
	struct stat st;

	memset(t, 0, sizeof(*t));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT)
		return 1;
	if (fd == -1) {
		fail(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > OAUTHTOK_FILE_MAX) {
		fail(err, errlen, "%s: not a regular file of at most %d bytes",
		    path, OAUTHTOK_FILE_MAX);
		goto done;
	}
	text = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size &&
	    (n = read(fd, text + len, (size_t)st.st_size - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fail(err, errlen, "%s: %s", path, strerror(errno));
			goto done;
		}
		len += (size_t)n;
	}
	if (oauthtok_parse(text, len, t, err, errlen) == 0)
		rc = 0;
	else {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		fail(err, errlen, "%s: %s", path, why);
	}
done:
	if (text) {
		compat_bzero(text, len);
		free(text);
	}
	close(fd);
	return rc;
}

/* mkdir -p dir's parents and dir itself, 0700. */
static int
make_dir(const char *file, char *err, size_t errlen)
{
	char *dir = xstrdup(file), *p;
	int rc = 0;

	if ((p = strrchr(dir, '/')) == NULL || p == dir) {
		free(dir);
		return 0;
	}
	*p = '\0';
	for (p = dir + 1; rc == 0; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			fail(err, errlen, "cannot create %s: %s", dir,
			    strerror(errno));
			rc = -1;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(dir);
	return rc;
}

int
oauthtok_write(const char *path, const struct oauth_token *t, char *err,
    size_t errlen)
{
	char *tmp, *text;
	int fd, rc = -1;

	if (make_dir(path, err, errlen) == -1)
		return -1;
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		fail(err, errlen, "cannot create %s: %s", tmp,
		    strerror(errno));
		free(tmp);
		return -1;
	}
	text = oauthtok_format(t);
	if (compat_write_all(fd, text, strlen(text)) == -1 ||
	    fsync(fd) == -1) {
		fail(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		(void)unlink(tmp);
	} else if (close(fd) == -1 || rename(tmp, path) == -1) {
		fail(err, errlen, "cannot write %s: %s", path,
		    strerror(errno));
		(void)unlink(tmp);
	} else
		rc = 0;
	xfree_secret(text);
	free(tmp);
	return rc;
}

int
oauthtok_lock(const char *path, int wait_s, char *err, size_t errlen)
{
	char *lock = xasprintf("%s.lock", path);
	long long deadline = compat_now_ms() + (long long)wait_s * 1000;
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int fd = -1;

	if (make_dir(path, err, errlen) == -1)
		goto done;
	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		fail(err, errlen, "cannot open %s: %s", lock, strerror(errno));
		goto done;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			fail(err, errlen, "cannot lock %s: %s", lock,
			    strerror(errno));
		} else if (compat_now_ms() >= deadline) {
			fail(err, errlen, "%s is still locked after %d s",
			    lock, wait_s);
		} else {
			nanosleep(&ts, NULL);
			continue;
		}
		close(fd);
		fd = -1;
		if (compat_now_ms() >= deadline)
			errno = EWOULDBLOCK;
		break;
	}
done:
	free(lock);
	return fd;
}
