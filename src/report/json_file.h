/* json_file.h - write a JSON document to a file atomically, or to stdout.
 *
 * Readers (dashboards, a later `tlsprof compare`) must never see half a file,
 * so the document goes to a temporary file in the same directory that is
 * renamed over the target only once it is complete and flushed. */
#ifndef TLSPROF_JSON_FILE_H
#define TLSPROF_JSON_FILE_H

#include <stddef.h>
#include <jansson.h>

/* path "-" writes to stdout. flags are jansson's json_dumpf flags. On
 * failure returns -1 with "PATH: what failed" in err; the target is left as
 * it was. */
int json_file_write(const json_t *j, const char *path, size_t flags, char *err, size_t errlen);

#endif
