/*
 * priv.c -- outbox installed setgid: a helper that keeps the group.
 *
 * The channel is a stream socket pair.  A request is a header (op,
 * length) and that many bytes of NUL-separated fields; an answer is a
 * header (status, length), the bytes, and for OP_CREATE a descriptor
 * (SCM_RIGHTS) sent with the header.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "compat.h"
#include "envelope.h"
#include "limits.h"
#include "priv.h"
#include "xmalloc.h"

enum op {
	OP_SECRET = 1,
	OP_FILE,
	OP_LOG,
	OP_CREATE,
	OP_ENV,
	OP_REMOVE
};

struct frame {
	int32_t		 code;	/* op, or status (0 / -1) */
	uint32_t	 len;
};

/* A request or an answer is at most this long (an envelope with
   RCPT_MAX recipients fits). */
#define FRAME_MAX	(32U * 1024 * 1024)
/* A client certificate or key file is at most this long. */
#define PRIV_FILE_MAX	(1024 * 1024)

static gid_t	 start_gid = QUEUE_NO_GID;	/* the setgid group */
static int	 chan = -1;			/* caller's end */
static pid_t	 helper = -1;

int
priv_init(void)
{
	if (getegid() == getgid())
		return 0;
	start_gid = getegid();
	return 1;
}

int
priv_active(void)
{
	return start_gid != QUEUE_NO_GID;
}

int
priv_holding(void)
{
	return priv_active() && getegid() != getgid();
}

gid_t
priv_gid(void)
{
	return start_gid;
}

void
priv_drop(void)
{
	gid_t r, e, s, g = getgid();

	if (setresgid(g, g, g) == -1 || getresgid(&r, &e, &s) == -1 ||
	    r != g || e != g || s != g) {
		fprintf(stderr, "outbox: cannot drop group %lu: %s\n",
		    (unsigned long)start_gid, strerror(errno));
		_exit(71);
	}
}

int
priv_system(const struct account *a)
{
	return chan != -1 && a && a->file &&
	    strcmp(a->file, CONFIG_SYSTEM_FILE) == 0;
}

/* ---- the wire ------------------------------------------------------- */

static int
read_all(int fd, void *p, size_t n)
{
	char *c = p;
	ssize_t r;

	while (n) {
		r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Send a header (with fd when not -1) and the body. */
static int
send_frame(int s, int32_t code, const void *body, size_t len, int fd)
{
	struct frame f = { code, (uint32_t)len };
	struct iovec iov = { &f, sizeof(f) };
	union {
		struct cmsghdr	h;
		char		b[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr mh;
	ssize_t w;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (fd != -1) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.b;
		mh.msg_controllen = sizeof(u.b);
		u.h.cmsg_level = SOL_SOCKET;
		u.h.cmsg_type = SCM_RIGHTS;
		u.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&u.h), &fd, sizeof(int));
	}
	do
		w = sendmsg(s, &mh, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)sizeof(f))
		return -1;
	return len ? compat_write_all(s, body, len) : 0;
}

/* Read a header (and a descriptor into *fd if one came) and the body
   (NUL-terminated, xmalloc'd). */
static int
recv_frame(int s, int32_t *code, char **body, size_t *len, int *fd)
{
	struct frame f;
	struct iovec iov = { &f, sizeof(f) };
	union {
		struct cmsghdr	h;
		char		b[CMSG_SPACE(sizeof(int))];
	} u;
	struct cmsghdr *c;
	struct msghdr mh;
	ssize_t r;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.b;
	mh.msg_controllen = sizeof(u.b);
	if (fd)
		*fd = -1;
	do
		r = recvmsg(s, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof(f))
		return -1;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_RIGHTS) {
			int got;

			memcpy(&got, CMSG_DATA(c), sizeof(int));
			if (fd)
				*fd = got;
			else
				close(got);
		}
	if (f.len > FRAME_MAX)
		return -1;
	*body = xmalloc((size_t)f.len + 1);
	if (read_all(s, *body, f.len) == -1) {
		free(*body);
		return -1;
	}
	(*body)[f.len] = '\0';
	*code = f.code;
	*len = f.len;
	return 0;
}

/* Up to n NUL-separated fields of body into f[]; their count.  The
   last one takes the rest (body[len] is a NUL). */
static size_t
fields(char *body, size_t len, const char **f, size_t n)
{
	size_t k = 0, i = 0;

	for (;;) {
		f[k++] = body + i;
		if (k == n)
			break;
		i += strlen(body + i) + 1;
		if (i > len)
			break;
	}
	return k;
}

/* ---- the helper ----------------------------------------------------- */

struct made {
	char		*id;
	int		 fd;
	struct queue	 q;
	char		*account;
};

struct helper {
	const struct config *sys;
	struct made	*m;
	size_t		 n;
	char		 err[1024];
};

static struct account *
sys_account(struct helper *h, const char *name)
{
	struct account *a = config_account((struct config *)h->sys, name);

	if (a == NULL)
		snprintf(h->err, sizeof(h->err), "account %s is not in %s",
		    name, CONFIG_SYSTEM_FILE);
	return a;
}

static int
do_secret(struct helper *h, const char *name, char **out)
{
	struct config_error err;
	struct account *a = sys_account(h, name);

	if (a == NULL)
		return -1;
	if (config_password(a, out, &err) == -1) {
		snprintf(h->err, sizeof(h->err), "%s", err.msg);
		return -1;
	}
	if (*out == NULL)
		*out = xstrdup("");
	return 0;
}

static int
do_file(struct helper *h, const char *name, const char *kw, char **data,
    size_t *n)
{
	struct account *a = sys_account(h, name);
	const char *path;
	struct stat st;
	ssize_t r;
	int fd;

	if (a == NULL)
		return -1;
	path = strcmp(kw, "tls_key_file") == 0 ? a->tls_key_file :
	    strcmp(kw, "tls_cert_file") == 0 ? a->tls_cert_file : NULL;
	if (path == NULL) {
		snprintf(h->err, sizeof(h->err), "account %s has no %s", name,
		    kw);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 ||
	    fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > PRIV_FILE_MAX) {
		snprintf(h->err, sizeof(h->err), "%s %s: %s", kw, path,
		    fd == -1 ? strerror(errno) : "not a regular file of at "
		    "most 1 MB");
		if (fd != -1)
			close(fd);
		return -1;
	}
	*data = xmalloc((size_t)st.st_size + 1);
	r = read(fd, *data, (size_t)st.st_size);
	close(fd);
	if (r != st.st_size) {
		snprintf(h->err, sizeof(h->err), "%s %s: cannot read it", kw,
		    path);
		xfree_secret(*data);
		*data = NULL;
		return -1;
	}
	*n = (size_t)r;
	return 0;
}

static int
do_log(struct helper *h, const char *name, const char *line)
{
	struct account *a = sys_account(h, name);
	size_t n = strlen(line);
	int fd;

	if (a == NULL)
		return -1;
	if (a->logfile == NULL || n == 0 || strchr(line, '\n') !=
	    line + n - 1) {
		snprintf(h->err, sizeof(h->err), "no log line to write");
		return -1;
	}
	fd = open(a->logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOCTTY | O_NOFOLLOW, 0640);
	if (fd == -1 || compat_write_all(fd, line, n) == -1) {
		snprintf(h->err, sizeof(h->err), "cannot write log file %s: "
		    "%s", a->logfile, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void
result_err(struct helper *h, const struct result *r)
{
	char *line = result_line(r);

	snprintf(h->err, sizeof(h->err), "%s", line);
	free(line);
}

static int
do_create(struct helper *h, const char *name, char **id)
{
	struct account *a = sys_account(h, name);
	struct made *m;
	struct result r;
	int fd;

	if (a == NULL)
		return -1;
	h->m = xgrow(h->m, h->n, sizeof(*h->m));
	m = &h->m[h->n];
	memset(m, 0, sizeof(*m));
	result_init(&r);
	if (queue_open_shared(&m->q, a->queue_dir ? a->queue_dir :
	    QUEUE_SYSTEM_DIR, start_gid, &r) == -1 ||
	    (fd = queue_spool_create(&m->q, &m->id, &r)) == -1) {
		result_err(h, &r);
		/* The usual cause: a setgid outbox without its queue. */
		snprintf(h->err + strlen(h->err), sizeof(h->err) -
		    strlen(h->err), " (the system queue of a setgid outbox "
		    "is made by 'make install-system')");
		result_free(&r);
		queue_close(&m->q);
		return -1;
	}
	result_free(&r);
	if (flock(fd, LOCK_EX) == -1) {
		snprintf(h->err, sizeof(h->err), "cannot lock %s/tmp/%s: %s",
		    m->q.path, m->id, strerror(errno));
		queue_remove(&m->q, QD_TMP, m->id);
		close(fd);
		free(m->id);
		queue_close(&m->q);
		return -1;
	}
	m->fd = fd;
	m->account = xstrdup(name);
	h->n++;
	*id = m->id;
	return fd;
}

static struct made *
made_find(struct helper *h, const char *id)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->m[i].id && strcmp(h->m[i].id, id) == 0)
			return &h->m[i];
	snprintf(h->err, sizeof(h->err), "no entry %s of this run", id);
	return NULL;
}

/*
 * The caller's envelope, checked and made the system's: its account is
 * the entry's, the uid the caller's real one, no -C file.
 */
static int
do_env(struct helper *h, const char *id, const char *to, const char *text,
    size_t n)
{
	struct made *m = made_find(h, id);
	struct envelope e;
	struct envelope_meta meta;
	struct result r;
	const char *why;
	int d = to[0] - '0', rc = -1;

	if (m == NULL)
		return -1;
	envelope_init(&e);
	memset(&meta, 0, sizeof(meta));
	result_init(&r);
	if (envelope_parse(text, n, &e, &meta, &why) == -1) {
		snprintf(h->err, sizeof(h->err), "bad envelope: %s", why);
		goto done;
	}
	if (meta.account == NULL || strcmp(meta.account, m->account) != 0) {
		snprintf(h->err, sizeof(h->err), "the envelope names another "
		    "account");
		goto done;
	}
	free(meta.config);
	meta.config = NULL;
	meta.has_uid = 1;
	meta.uid = (unsigned long)getuid();
	if (d == QD_TMP)
		rc = queue_write_env(&m->q, QD_TMP, id, &e, &meta, 0, &r);
	else if (d == QD_QUEUE || d == QD_FAILED)
		rc = queue_move(&m->q, QD_TMP, (enum queue_dir)d, id, m->fd,
		    &e, &meta, &r);
	else
		snprintf(h->err, sizeof(h->err), "no such folder");
	if (rc == -1 && r.cls != RES_OK)
		result_err(h, &r);
	if (rc == 0 && d != QD_TMP) {
		/* moved: no longer this run's to touch */
		free(m->id);
		m->id = NULL;
	}
done:
	result_free(&r);
	envelope_free(&e);
	envelope_meta_free(&meta);
	return rc;
}

static int
do_remove(struct helper *h, const char *id)
{
	struct made *m = made_find(h, id);

	if (m == NULL)
		return -1;
	queue_remove(&m->q, QD_TMP, id);
	free(m->id);
	m->id = NULL;
	return 0;
}

/* Answer one request; -1 when the channel is gone. */
static int
serve(struct helper *h, int s)
{
	const char *f[4] = { "", "", "", "" };
	char *body, *out = NULL, *id;
	size_t len, n = 0, nf;
	int32_t op;
	int rc = -1, fd = -1, sent;

	if (recv_frame(s, &op, &body, &len, NULL) == -1)
		return -1;
	nf = fields(body, len, f, op == OP_ENV ? 3 : 2);
	h->err[0] = '\0';
	switch (op) {
	case OP_SECRET:
		if ((rc = do_secret(h, f[0], &out)) == 0)
			n = strlen(out);
		break;
	case OP_FILE:
		rc = nf == 2 ? do_file(h, f[0], f[1], &out, &n) : -1;
		break;
	case OP_LOG:
		rc = nf == 2 ? do_log(h, f[0], f[1]) : -1;
		break;
	case OP_CREATE:
		if ((fd = do_create(h, f[0], &id)) != -1) {
			/* "ID\0DIR" */
			out = xasprintf("%s/%s", id, h->m[h->n - 1].q.path);
			n = strlen(out);
			out[strlen(id)] = '\0';
			rc = 0;
		}
		break;
	case OP_ENV:
		rc = nf == 3 ? do_env(h, f[0], f[1], f[2],
		    len - (size_t)(f[2] - body)) : -1;
		break;
	case OP_REMOVE:
		rc = do_remove(h, f[0]);
		break;
	}
	if (rc == -1 && h->err[0] == '\0')
		snprintf(h->err, sizeof(h->err), "bad request");
	sent = rc == 0 ? send_frame(s, 0, out, n, fd) :
	    send_frame(s, -1, h->err, strlen(h->err), -1);
	if (out)
		compat_bzero(out, n);
	free(out);
	compat_bzero(body, len);
	free(body);
	return sent;
}

static void __attribute__((noreturn))
helper_main(const struct config *sys, int s)
{
	struct helper h;
	size_t i;
	int fd;

	memset(&h, 0, sizeof(h));
	h.sys = sys;
	/* Holds neither the caller's input nor its output open. */
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
		if (fd > 2)
			close(fd);
	}
	/* What passwordeval runs sees no environment of the user's. */
	clearenv();
	(void)setenv("PATH", "/usr/bin:/bin", 1);
	config_password_sealed(1);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	while (serve(&h, s) == 0)
		;
	/* Entries the caller left in tmp/ stay for the next -q. */
	for (i = 0; i < h.n; i++) {
		if (h.m[i].id)
			close(h.m[i].fd);
		queue_close(&h.m[i].q);
	}
	_exit(0);
}

int
priv_split(const struct config *sys)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		priv_drop();
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		close(sv[0]);
		close(sv[1]);
		priv_drop();
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		helper_main(sys, sv[1]);
	}
	close(sv[1]);
	chan = sv[0];
	helper = pid;
	priv_drop();
	return 0;
}

void
priv_end(void)
{
	int status;

	if (chan == -1)
		return;
	close(chan);
	chan = -1;
	while (waitpid(helper, &status, 0) == -1 && errno == EINTR)
		;
	helper = -1;
}

/* ---- the caller's side ---------------------------------------------- */

/* One request and its answer: 0 with *out (xmalloc'd), or -1 with err. */
static int
ask(enum op op, const char *a, size_t alen, const char *b, size_t blen,
    const char *c, size_t clen, char **out, size_t *n, int *fd, char *err,
    size_t errlen)
{
	struct buf req;
	char *body;
	size_t len;
	int32_t status;

	if (chan == -1) {
		snprintf(err, errlen, "the system queue is not available");
		return -1;
	}
	buf_init(&req, FRAME_MAX);
	if (buf_add(&req, a, alen) == -1 || (b && (buf_addc(&req, '\0') ==
	    -1 || buf_add(&req, b, blen) == -1)) || (c &&
	    (buf_addc(&req, '\0') == -1 || buf_add(&req, c, clen) == -1))) {
		buf_free(&req);
		snprintf(err, errlen, "request too large");
		return -1;
	}
	if (send_frame(chan, op, req.data, req.len, -1) == -1 ||
	    recv_frame(chan, &status, &body, &len, fd) == -1) {
		buf_free(&req);
		snprintf(err, errlen, "the setgid helper is gone");
		return -1;
	}
	buf_free(&req);
	if (status != 0) {
		snprintf(err, errlen, "%s", body);
		free(body);
		return -1;
	}
	if (out) {
		*out = body;
		if (n)
			*n = len;
	} else
		free(body);
	return 0;
}

int
priv_secret(const char *account, char **out, char *err, size_t len)
{
	return ask(OP_SECRET, account, strlen(account), NULL, 0, NULL, 0,
	    out, NULL, NULL, err, len);
}

int
priv_file(const char *account, const char *keyword, char **data,
    size_t *n, char *err, size_t len)
{
	return ask(OP_FILE, account, strlen(account), keyword,
	    strlen(keyword), NULL, 0, data, n, NULL, err, len);
}

int
priv_log(const char *account, const char *line, char *err, size_t len)
{
	return ask(OP_LOG, account, strlen(account), line, strlen(line),
	    NULL, 0, NULL, NULL, NULL, err, len);
}

int
priv_create(const char *account, char **id, char **dir, char *err,
    size_t len)
{
	char *body;
	size_t n;
	int fd;

	if (ask(OP_CREATE, account, strlen(account), NULL, 0, NULL, 0, &body,
	    &n, &fd, err, len) == -1)
		return -1;
	if (fd == -1 || strlen(body) + 1 >= n) {
		if (fd != -1)
			close(fd);
		free(body);
		snprintf(err, len, "no entry from the setgid helper");
		return -1;
	}
	*id = xstrdup(body);
	*dir = xstrdup(body + strlen(body) + 1);
	free(body);
	return fd;
}

int
priv_env(const char *id, enum queue_dir to, int move, const char *text,
    size_t n, char *err, size_t len)
{
	char d[2] = { (char)('0' + (move ? (int)to : (int)QD_TMP)), '\0' };

	return ask(OP_ENV, id, strlen(id), d, 1, text, n, NULL, NULL, NULL,
	    err, len);
}

int
priv_remove(const char *id, char *err, size_t len)
{
	return ask(OP_REMOVE, id, strlen(id), NULL, 0, NULL, 0, NULL, NULL,
	    NULL, err, len);
}
