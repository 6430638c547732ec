/*
 * config_files.c -- which configuration files are read, in which order,
 * and whether a file may hold a password (SPEC section 4).
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "limits.h"
#include "xmalloc.h"

/*
 * May the file hold a password?  If no one but its owner can read it;
 * the system file of a setgid outbox also if it is root's and only the
 * outbox group reads it besides.
 */
static int
private_enough(const struct config *c, const char *path,
    const struct stat *st)
{
	if ((st->st_mode & 077) == 0)
		return 1;
	return c->group >= 0 && strcmp(path, CONFIG_SYSTEM_FILE) == 0 &&
	    st->st_uid == 0 && (long)st->st_gid == c->group &&
	    (st->st_mode & 037) == 0;
}

/* Remember that path was looked for (a message names them all). */
static void
looked_for(struct config *c, const char *path)
{
	char *l;

	if (c->looked == NULL) {
		c->looked = xstrdup(path);
		return;
	}
	l = xasprintf("%s, %s", c->looked, path);
	free(c->looked);
	c->looked = l;
}

/* Read and parse one file; 1 if it does not exist. */
static int
load_file(struct config *c, const char *path, int msmtp,
    struct config_error *err)
{
	struct buf b;
	struct stat st;
	char chunk[IO_CHUNK];
	ssize_t n;
	int fd, rc;

	looked_for(c, path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		if (errno == ENOENT)
			return 1;
		config_error_set(err, NULL, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* Checks are made on the opened file, not on the name. */
	/* A character device (-C /dev/null) reads as an empty file. */
	if (fstat(fd, &st) == -1 || !(S_ISREG(st.st_mode) ||
	    S_ISCHR(st.st_mode))) {
		config_error_set(err, NULL, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	buf_init(&b, CONFIG_SIZE_MAX);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (buf_add(&b, chunk, (size_t)n) == -1) {
			config_error_set(err, NULL, "%s: file too large", path);
			close(fd);
			buf_free(&b);
			return -1;
		}
	}
	close(fd);
	if (n < 0) {
		config_error_set(err, NULL, "%s: %s", path, strerror(errno));
		buf_free(&b);
		return -1;
	}
	rc = config_parse(c, b.data ? b.data : "", b.len, path, msmtp,
	    private_enough(c, path, &st), err);
	buf_free(&b);
	if (rc == 0) {
		free(c->path);
		c->path = xstrdup(path);
	}
	return rc;
}

static char *
xdg_path(const char *var, const char *fallback, const char *rest)
{
	const char *x = getenv(var), *home = getenv("HOME");

	if (x && *x == '/')
		return xasprintf("%s/%s", x, rest);
	if (home == NULL) {
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : "/";
	}
	return xasprintf("%s/%s/%s", home, fallback, rest);
}

int
config_load_system(struct config *c, struct config_error *err)
{
	int rc = load_file(c, CONFIG_SYSTEM_FILE, 0, err);

	if (rc == -1 && errno == EACCES)
		return 2;
	return rc;
}

int
config_user_exists(void)
{
	char *f[3];
	size_t i;
	int found = 0;

	f[0] = xdg_path("XDG_CONFIG_HOME", ".config", "outbox/config");
	f[1] = xdg_path("HOME", ".", ".msmtprc");
	f[2] = xdg_path("XDG_CONFIG_HOME", ".config", "msmtp/config");
	for (i = 0; i < 3; i++) {
		/* access(): with the real ids, as the user */
		if (access(f[i], F_OK) == 0)
			found = 1;
		free(f[i]);
	}
	return found;
}

int
config_load_user(struct config *c, int sys, struct config_error *err)
{
	char *user[2];
	int rc, found = 0;
	size_t i;

	if (c->sealed)
		config_seal_defaults(c);
	user[0] = xdg_path("XDG_CONFIG_HOME", ".config", "outbox/config");
	rc = load_file(c, user[0], 0, err);
	free(user[0]);
	if (rc == -1)
		return -1;
	if (rc == 0 || sys == 0)
		return 0;
	/* No outbox file at all: read msmtp's, as msmtp does: the system
	   file, then the first user file found. */
	if (load_file(c, "/etc/msmtprc", 1, err) == -1)
		return -1;
	user[0] = xdg_path("HOME", ".", ".msmtprc");
	user[1] = xdg_path("XDG_CONFIG_HOME", ".config", "msmtp/config");
	for (i = 0, rc = 1; i < 2; i++) {
		if (!found && (rc = load_file(c, user[i], 1, err)) != 1)
			found = 1;
		free(user[i]);
	}
	return rc == -1 ? -1 : 0;
}

int
config_load(struct config *c, const char *path, struct config_error *err)
{
	int rc, sys;

	if (path) {
		rc = load_file(c, path, 0, err);
		if (rc == 1)
			config_error_set(err, NULL,
			    "%s: %s", path, strerror(ENOENT));
		return rc ? -1 : 0;
	}
	sys = load_file(c, CONFIG_SYSTEM_FILE, 0, err);
	if (sys == -1)
		return -1;
	return config_load_user(c, sys, err);
}
