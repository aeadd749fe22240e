/* http_fields.h - header rules HTTP/1.1 (h1_client.c, h1_parse.c) and
 * HTTP/2 (h2_client.c) share, so that both protocols send the same request
 * and judge responses alike. */
#ifndef TLSPROF_HTTP_FIELDS_H
#define TLSPROF_HTTP_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config/config.h"

/* Sent unless -H gives a user-agent of its own. */
#define HTTP_USER_AGENT "tlsprof/" TLSPROF_VERSION

static inline bool http_user_agent_given(const run_config_t *cfg)
{
    for (size_t h = 0; h < cfg->n_headers; h++)
        if (!strcmp(cfg->headers[h].name, "user-agent")) return true;
    return false;
}

/* A content-length value: 1 to 18 decimal digits (no sign, no space; the
 * caller trims), or -1 when it is not one. */
static inline int64_t http_content_length(const char *v, size_t n)
{
    if (n == 0 || n > 18) return -1;
    int64_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return -1;
        len = len * 10 + (v[i] - '0');
    }
    return len;
}

#endif
