/* story_json.h - one connection's story and one stream as JSON text: the
 * lines of the event log (docs/report-format.md) and the `slowest` entries.
 * Formatted with snprintf into a caller's buffer: no allocation, so a worker
 * can write a line per stream cheaply. */
#ifndef TLSPROF_STORY_JSON_H
#define TLSPROF_STORY_JSON_H

#include <stddef.h>

#include "engine/conn.h"
#include "engine/story.h"

/* Returns the length written (without NUL), or 0 when buf was too small. */
size_t story_format(char *buf, size_t len, const conn_story_t *s, const char *remote);
size_t stream_format(char *buf, size_t len, const conn_t *c, const stream_t *st,
                     const char *err_phase, const char *err);

#endif
