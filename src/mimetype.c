/*
 * mimetype.c -- a file's media type from its name.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "limits.h"
#include "mimetype.h"
#include "xmalloc.h"

/* Used when the system table is missing or does not know the name. */
static const struct {
	const char	*ext;
	const char	*type;
} builtin[] = {
	{ "7z", "application/x-7z-compressed" },
	{ "bz2", "application/x-bzip2" },
	{ "css", "text/css" },
	{ "csv", "text/csv" },
	{ "doc", "application/msword" },
	{ "docx", "application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document" },
	{ "eml", "message/rfc822" },
	{ "gif", "image/gif" },
	{ "gz", "application/gzip" },
	{ "htm", "text/html" },
	{ "html", "text/html" },
	{ "ics", "text/calendar" },
	{ "jpeg", "image/jpeg" },
	{ "jpg", "image/jpeg" },
	{ "js", "text/javascript" },
	{ "json", "application/json" },
	{ "log", "text/plain" },
	{ "md", "text/markdown" },
	{ "mp3", "audio/mpeg" },
	{ "mp4", "video/mp4" },
	{ "odp", "application/vnd.oasis.opendocument.presentation" },
	{ "ods", "application/vnd.oasis.opendocument.spreadsheet" },
	{ "odt", "application/vnd.oasis.opendocument.text" },
	{ "pdf", "application/pdf" },
	{ "png", "image/png" },
	{ "ppt", "application/vnd.ms-powerpoint" },
	{ "pptx", "application/vnd.openxmlformats-officedocument."
	    "presentationml.presentation" },
	{ "svg", "image/svg+xml" },
	{ "tar", "application/x-tar" },
	{ "tgz", "application/gzip" },
	{ "tif", "image/tiff" },
	{ "tiff", "image/tiff" },
	{ "txt", "text/plain" },
	{ "wav", "audio/wav" },
	{ "webp", "image/webp" },
	{ "xls", "application/vnd.ms-excel" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument."
	    "spreadsheetml.sheet" },
	{ "xml", "application/xml" },
	{ "xz", "application/x-xz" },
	{ "zip", "application/zip" },
	{ "zst", "application/zstd" },
};

#define WS	" \t\r\n"

/* A plausible type/subtype token: no spaces, one '/', printable. */
static int
valid_type(const char *t, size_t n)
{
	size_t i, slash = 0;

	if (n == 0 || n > 255)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c <= 0x20 || c >= 0x7f || strchr("\"(),:;<>@[\\]?=", c))
			return 0;
		slash += c == '/';
	}
	return slash == 1 && t[0] != '/' && t[n - 1] != '/';
}

/* Look ext up in one "type ext ext ..." line; the type, or NULL. */
static char *
match_line(char *line, const char *ext)
{
	char *type, *p;
	size_t tn, n;

	p = line + strspn(line, WS);
	if (*p == '#' || *p == '\0')
		return NULL;
	type = p;
	tn = strcspn(p, WS);
	for (p += tn; *(p += strspn(p, WS)) != '\0'; p += n) {
		n = strcspn(p, WS);
		if (n == strlen(ext) && strncasecmp(p, ext, n) == 0)
			return valid_type(type, tn) ? xstrndup(type, tn) :
			    NULL;
	}
	return NULL;
}

static char *
from_file(const char *path, const char *ext)
{
	char line[CONFIG_LINE_MAX], *type = NULL;
	FILE *fp;

	if (path == NULL || (fp = fopen(path, "re")) == NULL)
		return NULL;
	while (type == NULL && fgets(line, sizeof(line), fp) != NULL) {
		/* A line too long for the buffer is skipped whole. */
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			int c;

			while ((c = getc(fp)) != EOF && c != '\n')
				;
			continue;
		}
		type = match_line(line, ext);
	}
	fclose(fp);
	return type;
}

char *
mimetype_lookup(const char *path, const char *filename)
{
	const char *base = strrchr(filename, '/'), *dot;
	char *type;
	size_t i;

	base = base ? base + 1 : filename;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base || dot[1] == '\0')
		return xstrdup("application/octet-stream");
	if ((type = from_file(path, dot + 1)) != NULL)
		return type;
	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (strcasecmp(builtin[i].ext, dot + 1) == 0)
			return xstrdup(builtin[i].type);
	return xstrdup("application/octet-stream");
}
