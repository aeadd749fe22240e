/* h2_mem.h - nghttp2's allocator for long-lived (pooled) sessions.
 *
 * Every nghttp2 session owns a 16 KiB frame buffer from its creation to its
 * end, of which an idle connection only ever writes the first few hundred
 * bytes (SETTINGS, HEADERS, WINDOW_UPDATE). From malloc that buffer often
 * comes out of memory a finished handshake already touched, so it costs 16
 * KiB of resident memory per idle connection. Mapped on its own, only the
 * pages actually written become resident: about 4 KiB. Small allocations
 * go to malloc as usual. */
#ifndef TLSPROF_H2_MEM_H
#define TLSPROF_H2_MEM_H

#include <nghttp2/nghttp2.h>

/* Allocations of at least this size are mapped separately. */
#define H2_MEM_MAP_MIN (12 * 1024)

nghttp2_mem *h2_mem_lazy(void);

#endif
