/* hints.h - plain-language explanations for a slow or failed connection.
 *
 * A hint is only attached when the connection's own evidence supports it
 * (TCP_INFO counters, which handshake happened, the phase that took the
 * time), and every hint carries that evidence next to it, so a reader can
 * check the reasoning instead of trusting it. */
#ifndef TLSPROF_HINTS_H
#define TLSPROF_HINTS_H

#include <jansson.h>
#include <stdint.h>

#include "engine/story.h"

/* Run-wide medians the hints compare one connection against (ns, 0 = none). */
typedef struct hint_baseline {
    uint64_t tcp_connect_p50;
    uint64_t tls_full_p50;
    uint64_t tls_resumed_p50;
    uint64_t ttfb_p50;
    uint32_t syn_initial_rto_ms;
} hint_baseline_t;

/* Append {hint, evidence} objects to arr. */
void story_hints(const conn_story_t *s, const hint_baseline_t *b, json_t *arr);

#endif
