/* server_fault.c - names and arguments of the --fault switches. */
#include "server/server_fault.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum arg_kind { ARG_NONE, ARG_COUNT, ARG_H2_CODE, ARG_SIZE, ARG_MS };

static const struct {
    const char *name;
    server_fault fault;
    enum arg_kind arg;
} faults[] = {
    {"rst-after-accept", FAULT_RST_AFTER_ACCEPT, ARG_NONE},
    {"rst-after-clienthello", FAULT_RST_AFTER_CLIENTHELLO, ARG_NONE},
    {"close-after-clienthello", FAULT_CLOSE_AFTER_CLIENTHELLO, ARG_NONE},
    {"garbage-serverhello", FAULT_GARBAGE_SERVERHELLO, ARG_NONE},
    {"no-settings", FAULT_NO_SETTINGS, ARG_NONE},
    {"goaway-after", FAULT_GOAWAY_AFTER, ARG_COUNT},
    {"rst-stream", FAULT_RST_STREAM, ARG_H2_CODE},
    {"stall-response", FAULT_STALL_RESPONSE, ARG_NONE},
    {"huge-headers", FAULT_HUGE_HEADERS, ARG_SIZE},
    {"flow-stall", FAULT_FLOW_STALL, ARG_NONE},
    {"idle-close", FAULT_IDLE_CLOSE, ARG_MS},
    {"no-alpn", FAULT_NO_ALPN, ARG_NONE},
    {"short-body", FAULT_SHORT_BODY, ARG_SIZE},
    {"no-status", FAULT_NO_STATUS, ARG_NONE},
};

/* RFC 9113 section 7, in code order. */
static const char *const h2_codes[] = {
    "NO_ERROR",
    "PROTOCOL_ERROR",
    "INTERNAL_ERROR",
    "FLOW_CONTROL_ERROR",
    "SETTINGS_TIMEOUT",
    "STREAM_CLOSED",
    "FRAME_SIZE_ERROR",
    "REFUSED_STREAM",
    "CANCEL",
    "COMPRESSION_ERROR",
    "CONNECT_ERROR",
    "ENHANCE_YOUR_CALM",
    "INADEQUATE_SECURITY",
    "HTTP_1_1_REQUIRED",
};

const char *server_fault_name(server_fault f)
{
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        if (faults[i].fault == f) return faults[i].name;
    return "none";
}

const char *server_h2_code_name(uint32_t code)
{
    return code < sizeof h2_codes / sizeof h2_codes[0] ? h2_codes[code] : "UNKNOWN";
}

int server_h2_code_parse(const char *s, uint32_t *out)
{
    for (size_t i = 0; i < sizeof h2_codes / sizeof h2_codes[0]; i++) {
        if (!strcasecmp(s, h2_codes[i])) {
            *out = (uint32_t)i;
            return 0;
        }
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (!*s || *end || errno || v > UINT32_MAX || *s == '-') return -1;
    *out = (uint32_t)v;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || *s == '-' || *s == '+') return -1;
    *out = v;
    return 0;
}

int server_fault_parse(const char *spec, server_fault *fault, uint64_t *arg, char *err,
                       size_t errlen)
{
    const char *colon = strchr(spec, ':');
    size_t namelen = colon ? (size_t)(colon - spec) : strlen(spec);
    const char *value = colon ? colon + 1 : NULL;

    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        if (strlen(faults[i].name) != namelen || strncmp(faults[i].name, spec, namelen)) continue;
        enum arg_kind kind = faults[i].arg;
        if (kind == ARG_NONE) {
            if (value) {
                snprintf(err, errlen, "--fault %s: '%s' takes no argument", spec, faults[i].name);
                return -1;
            }
            *fault = faults[i].fault;
            *arg = 0;
            return 0;
        }
        if (!value || !*value) {
            snprintf(err, errlen, "--fault %s: '%s' needs an argument, e.g. %s:%s", spec,
                     faults[i].name, faults[i].name,
                     kind == ARG_H2_CODE ? "REFUSED_STREAM"
                     : kind == ARG_SIZE  ? "64KiB"
                     : kind == ARG_MS    ? "500"
                                         : "10");
            return -1;
        }
        uint64_t v = 0;
        int bad = 0;
        switch (kind) {
        case ARG_COUNT:
            bad = parse_u64(value, &v) || v == 0 || v > UINT32_MAX;
            break;
        case ARG_MS:
            bad = parse_u64(value, &v) || v == 0 || v > 24ull * 3600 * 1000;
            break;
        case ARG_SIZE:
            /* nghttp2 refuses header blocks it cannot buffer; 16 MiB is plenty
             * to break any client's header limits. */
            bad = server_parse_size(value, &v) || v == 0 || v > 16u << 20;
            break;
        case ARG_H2_CODE: {
            uint32_t code;
            bad = server_h2_code_parse(value, &code);
            v = code;
            break;
        }
        case ARG_NONE:
            break;
        }
        if (bad) {
            snprintf(err, errlen, "--fault %s: bad argument '%s' (%s)", spec, value,
                     kind == ARG_H2_CODE ? "an HTTP/2 error code name such as CANCEL, or a number"
                     : kind == ARG_SIZE  ? "a size from 1 byte to 16MiB"
                     : kind == ARG_MS    ? "milliseconds, 1 to 86400000"
                                         : "a count from 1 to 4294967295");
            return -1;
        }
        *fault = faults[i].fault;
        *arg = v;
        return 0;
    }
    snprintf(err, errlen,
             "--fault '%s': unknown fault (known: rst-after-accept, rst-after-clienthello, "
             "close-after-clienthello, garbage-serverhello, no-settings, goaway-after:N, "
             "rst-stream:CODE, stall-response, huge-headers:BYTES, flow-stall, idle-close:MS, "
             "no-alpn, short-body:BYTES, no-status)",
             spec);
    return -1;
}
