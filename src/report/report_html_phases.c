/* report_html_phases.c - what the pages call each phase of
 * docs/report-format.md, what it measures, and the pipeline order pages
 * list phases in (see report_html_parts.h). */
#include <stddef.h>
#include <string.h>

#include "report/report_html_parts.h"

static const struct {
    const char *key, *title, *meaning;
} phase_info[] = {
    {"dns", "DNS", "name resolution of the target host"},
    {"tcp_connect", "TCP connect", "connect() until the socket is writable: SYN, SYN-ACK"},
    {"tls_handshake", "TLS handshake", "first ClientHello written until the handshake is done"},
    {"tls_handshake_full", "TLS handshake, full", "the same, full handshakes only"},
    {"tls_handshake_resumed", "TLS handshake, resumed", "the same, PSK-resumed handshakes only"},
    {"tls_server_hello", "ServerHello received", "ClientHello sent until ServerHello received"},
    {"tls_server_finished", "server Finished received",
     "ClientHello sent until the server's Finished received"},
    {"tls_client_cpu", "TLS client CPU", "CPU time the client thread spent in handshake calls"},
    {"h2_settings", "HTTP/2 SETTINGS", "handshake done until the server's SETTINGS frame"},
    {"ttfb", "Time to first byte", "request written until response HEADERS, per stream"},
    {"ttfb_0rtt", "TTFB, 0-RTT", "time to first byte of requests accepted as early data"},
    {"stream", "Stream", "request written until END_STREAM, per stream"},
    {"connection", "Connection", "connect() until the last stream finished"},
    {"ttfb_uncorrected", "TTFB, uncorrected",
     "rate mode: time to first byte from the actual, not the intended, send time"},
};

const char *const html_phase_order[] = {"dns",
                                        "tcp_connect",
                                        "tls_handshake",
                                        "tls_handshake_full",
                                        "tls_handshake_resumed",
                                        "tls_server_hello",
                                        "tls_server_finished",
                                        "tls_client_cpu",
                                        "h2_settings",
                                        "ttfb",
                                        "ttfb_0rtt",
                                        "stream",
                                        "connection",
                                        "ttfb_uncorrected",
                                        NULL};

const char *html_phase_title(const char *phase)
{
    for (size_t i = 0; i < sizeof phase_info / sizeof phase_info[0]; i++)
        if (strcmp(phase_info[i].key, phase) == 0) return phase_info[i].title;
    return phase;
}

const char *html_phase_meaning(const char *phase)
{
    for (size_t i = 0; i < sizeof phase_info / sizeof phase_info[0]; i++)
        if (strcmp(phase_info[i].key, phase) == 0) return phase_info[i].meaning;
    return phase;
}
