/*
 * config.h -- msmtprc-syntax configuration: accounts and their settings.
 *
 * config_load() finds and reads the files (SPEC §4); every error names the
 * file and line.  Settings are kept per account, already inherited from
 * `defaults` and parent accounts; derived values (port, TLS mode, auth)
 * are computed by config_finish() once command-line overrides are in.
 */
#ifndef OUTBOX_CONFIG_H
#define OUTBOX_CONFIG_H

#include <stddef.h>
#include <sys/types.h>

enum tls_mode {
	TLSM_OFF = 0,
	TLSM_STARTTLS,
	TLSM_IMPLICIT
};

enum hdr_mode {
	HDR_OFF = 0,
	HDR_AUTO,	/* add when missing */
	HDR_ON		/* always set (replace) */
};

struct account {
	char	*name;
	char	*file;		/* where it was defined */
	int	 line;

	char	**hosts;	/* "host" may list several, tried in order */
	size_t	 nhosts;
	int	 port;		/* 0: derived from the TLS mode */
	char	*from;
	char	*user;
	char	*password;
	char	*passwordeval;
	char	*passwordenv;
	char	*auth;		/* "on", "off", a mechanism, or NULL */
	int	 tls;		/* on by default */
	int	 tls_starttls;	/* -1: derived from port */
	char	*tls_trust_file;
	char	*tls_crl_file;
	char	*tls_host_override;	/* name the certificate must have */
	char	*tls_fingerprint;
	char	*tls_cert_file;
	char	*tls_key_file;
	char	*tls_priorities;
	int	 tls_certcheck;
	char	*domain;
	int	 timeout;	/* seconds; 0 = none */
	char	*dsn_notify;
	char	*dsn_return;
	int	 set_from_header;	/* enum hdr_mode */
	int	 set_date_header;
	int	 set_msgid_header;
	int	 remove_bcc_headers;
	int	 undisclosed_recipients;
	char	*aliases;
	char	*logfile;
	char	*syslog;
	char	*source_ip;
	char	*proxy_host;
	int	 proxy_port;
	char	*proxy_user;		/* SOCKS5 user/password (RFC 1929) */
	char	*proxy_password;
	char	*from_full_name;
	int	 allow_from_override;
	int	 queue;
	char	*queue_dir;
	long	 queue_max_age;	/* seconds */
	int	 rewrite_local_names;
	/* provider limits (ratelimit.h) */
	int	 max_messages_per_connection;	/* 0: no limit */
	char	*rate_limit;	/* "N/PERIOD", "off" or NULL (no limit) */
	/* OAuth2 (oauth.h) */
	char	*oauth_provider;	/* google|microsoft|generic or NULL */
	char	*oauth_tenant;
	char	*oauth_client_id;
	char	*oauth_client_secret;
	char	*oauth_client_secret_eval;
	char	*oauth_scope;
	char	*oauth_auth_url;
	char	*oauth_device_url;
	char	*oauth_token_url;
	char	*oauth_token_file;

	/* derived by config_finish() */
	enum tls_mode tls_mode;
	int	 auth_on;

	unsigned long long set;	/* bit per keyword: set in this account */
};

struct config {
	struct account	**acct;
	size_t		  nacct;
	struct account	 *defaults;	/* what `defaults` lines set */
	char		 *default_alias; /* `account default : NAME` */
	char		 *path;		/* the file read, or NULL */
	char		 *looked;	/* every file looked for, in order,
					   ", "-joined, or NULL */
	int		  msmtp;	/* read from an msmtp file */
	int		  sealed;	/* setgid: the system file's secrets
					   stay with its own accounts */
	long		  group;	/* setgid: the system file may be
					   0640 root:group; else -1 */
};

/* The system configuration. */
#define CONFIG_SYSTEM_FILE	"/etc/outbox.conf"

struct config_error {
	char	 msg[1024];
};

/* Set err to "where: " (when where is not NULL) and the message. */
void	config_error_set(struct config_error *, const char *where,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void	config_init(struct config *);
void	config_free(struct config *);

/*
 * Load the configuration: path if given (-C), else the system file then
 * the first user file found, else msmtp's files.  Missing files are not
 * an error (config-less use); returns 0, or -1 with err set (exit 78).
 */
int	config_load(struct config *, const char *path, struct config_error *);
/*
 * config_load() in two steps, for a setgid outbox that reads the system
 * file with its group and the rest without: the system file (0 read, 1
 * missing, 2 not readable, -1 err set), then the user's files (sys: what
 * the first step returned).  With c->sealed, user accounts can take no
 * secret of the system file (through `defaults` or inheritance).
 */
int	config_load_system(struct config *, struct config_error *);
int	config_load_user(struct config *, int sys, struct config_error *);
/* Take the secrets out of `defaults` (config_load_user() does, sealed). */
void	config_seal_defaults(struct config *);
/* Does the real user have a configuration file of their own? */
int	config_user_exists(void);

/*
 * Parse one file's text.  name is used in messages; msmtp selects the
 * lenient rules for unknown keywords; perm_ok is false when the file is
 * readable by group or others (then `password` is an error).
 */
int	config_parse(struct config *, const char *text, size_t len,
	    const char *name, int msmtp, int perm_ok, struct config_error *);

/* Account by name ("default" follows `account default : NAME`). */
struct account *config_account(struct config *, const char *name);
/* First account whose `from` equals addr (case-insensitive), or NULL. */
struct account *config_account_by_from(struct config *, const char *addr);
/* A fresh account with the built-in defaults (for config-less use). */
struct account *config_account_new(const char *name);
/* A deep copy (settings, derived values, origin). */
struct account *config_account_copy(const struct account *);
void	config_account_free(struct account *);

/*
 * Set one keyword on an account as if read from a file (command-line
 * overrides use this).  Returns 0 or -1 with err set.
 */
int	config_set(struct account *, const char *key, const char *value,
	    const char *where, struct config_error *);

/*
 * rate_limit's value "N/PERIOD": N from 1 to CONFIG_RATE_MAX messages,
 * PERIOD a duration as queue_max_age takes it (60s, 1m, 1h, 1d; a bare
 * number is seconds), not zero.  0, or -1 when it is not that.
 */
#define CONFIG_RATE_MAX	10000
int	config_rate_parse(const char *, unsigned *n, long *period);

/* Compute derived settings; -1 with err on contradictions. */
int	config_finish(struct account *, struct config_error *);

/*
 * The password: `password`, else `passwordeval` (first line of its
 * output), else `passwordenv`, else $OUTBOX_PASSWORD.  *out is NULL when
 * none is configured.  Returns 0, or -1 with err set (exit 78).
 */
int	config_password(const struct account *, char **out,
	    struct config_error *);

/*
 * Is the account ready to log in with password (what config_password()
 * gave, or NULL)?  A user and authentication by any mechanism but
 * EXTERNAL need one (XOAUTH2 and OAUTHBEARER take their token as the
 * password).  0, or -1 with err saying what to set (exit 78).
 */
int	config_password_check(const struct account *, const char *password,
	    struct config_error *);

/*
 * Run cmd (a passwordeval-like keyword, named by what in messages) with
 * /bin/sh -c under the account's timeout: the first line of its output
 * in *out.  0, or -1 with err set (exit 78).
 */
int	config_eval(const struct account *, const char *what,
	    const char *cmd, char **out, struct config_error *);

/*
 * Run passwordeval with `sh -p`, for a process whose effective group
 * must reach what the command reads (the setgid helper, which has
 * already emptied its environment).
 */
void	config_password_sealed(int on);

/* What --print-config shows for values outbox derives elsewhere. */
struct config_shown {
	const char	*from;		/* the sender when `from` is unset */
	const char	*queue_dir;	/* the queue when `queue_dir` is */
};

/*
 * Print the settings outbox will use, each keyword with its effective
 * value ("# default" when no file or option set it), secrets masked.
 */
void	config_print(const struct account *, const char *source,
	    const struct config_shown *, void *fp);

#endif
