/*
 * mimetype.h -- a file's media type from its name.
 *
 * The extension (after the last '.', compared without regard to case) is
 * looked up in a mime.types file ("type ext ext ..." lines, '#'
 * comments), then in a built-in table of common types; anything else is
 * application/octet-stream.
 */
#ifndef OUTBOX_MIMETYPE_H
#define OUTBOX_MIMETYPE_H

/* The system's table. */
#define MIMETYPE_SYSTEM_FILE	"/etc/mime.types"

/*
 * The media type for filename (a path or a base name), xmalloc'd.  path
 * names the mime.types file to read (NULL: none); a missing or
 * unreadable file is not an error, the built-in table answers then.
 */
char	*mimetype_lookup(const char *path, const char *filename);

#endif
