/*
 * config_kw.h -- the keyword table, shared by config.c (which parses
 * with it) and config_print.c (which prints with it); private to them.
 */
#ifndef OUTBOX_CONFIG_KW_H
#define OUTBOX_CONFIG_KW_H

#include <stddef.h>

enum kw_type {
	KW_STR,		/* any string */
	KW_PATH,	/* string, ~/ expanded */
	KW_BOOL,	/* on|off, empty = on */
	KW_INT,		/* non-negative number */
	KW_PORT,	/* 1..65535 */
	KW_TIMEOUT,	/* off|seconds */
	KW_DURATION,	/* N[smhdw] */
	KW_HOSTS,	/* list of host names */
	KW_HDR3,	/* auto|on|off */
	KW_HDR2,	/* auto|off */
	KW_TRI,		/* on|off, unset = -1 */
	KW_ENUM,	/* string from a list */
	KW_RATE		/* N/DURATION or off (a string, checked) */
};

struct keyword {
	const char	*name;
	enum kw_type	 type;
	size_t		 off;
	const char	*choices;	/* KW_ENUM: '|'-separated */
	int		 secret;
};

/* Is the value a string (char *) in struct account? */
static inline int
is_string_type(enum kw_type t)
{
	return t == KW_STR || t == KW_PATH || t == KW_ENUM || t == KW_RATE;
}

/* Every keyword outbox's own files take, in --print-config's order. */
extern const struct keyword config_keywords[];
extern const size_t config_nkeywords;

#endif
