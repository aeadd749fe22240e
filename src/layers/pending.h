/* pending.h - bytes a connection could not hand on yet (OpenSSL did not
 * take them, or the socket did not): kept in order, offered again first.
 * Allocated only when something is actually kept, so an idle connection
 * holds nothing. */
#ifndef TLSPROF_PENDING_H
#define TLSPROF_PENDING_H

#include <stddef.h>
#include <stdint.h>

typedef struct pending {
    uint8_t *p;
    size_t len, off; /* bytes p[off..len) are still to go */
} pending_t;

/* Keep len more bytes behind what is kept. 0, or -1 when out of memory. */
int pending_add(pending_t *b, const uint8_t *data, size_t len);
/* Bytes still kept. */
static inline size_t pending_size(const pending_t *b)
{
    return b->len - b->off;
}
/* Forget everything kept and free it. */
void pending_clear(pending_t *b);

#endif
