/* phase.c - phase names, the keys of "phases" in the JSON report. */
#include "measure/phase.h"

#include <string.h>

static const char *const phase_names[PHASE_COUNT] = {
    [PHASE_DNS] = "dns",
    [PHASE_TCP_CONNECT] = "tcp_connect",
    [PHASE_TLS_HANDSHAKE] = "tls_handshake",
    [PHASE_TLS_HANDSHAKE_FULL] = "tls_handshake_full",
    [PHASE_TLS_HANDSHAKE_RESUMED] = "tls_handshake_resumed",
    [PHASE_TLS_SERVER_HELLO] = "tls_server_hello",
    [PHASE_TLS_SERVER_FINISHED] = "tls_server_finished",
    [PHASE_TLS_CLIENT_CPU] = "tls_client_cpu",
    [PHASE_H2_SETTINGS] = "h2_settings",
    [PHASE_TTFB] = "ttfb",
    [PHASE_TTFB_0RTT] = "ttfb_0rtt",
    [PHASE_STREAM] = "stream",
    [PHASE_CONNECTION] = "connection",
    [PHASE_TTFB_UNCORRECTED] = "ttfb_uncorrected",
};

const char *phase_name(phase_id p)
{
    return ((unsigned)p < PHASE_COUNT) ? phase_names[p] : "unknown";
}

int phase_from_name(const char *name)
{
    if (!name) return -1;
    for (int i = 0; i < PHASE_COUNT; i++) {
        if (strcmp(phase_names[i], name) == 0) return i;
    }
    return -1;
}
