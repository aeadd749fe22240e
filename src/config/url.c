/* url.c - strict parsing of the target URL and HOST:PORT pairs. */
#include "config/url.h"

#include "config/parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, size_t len, int allow0, int *port)
{
    if (len == 0 || len > 5) return -1;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v > 65535 || (v == 0 && !allow0)) return -1;
    *port = (int)v;
    return 0;
}

static int host_is_ip_literal(const char *h)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1;
}

/* Split "host[:port]" or "[v6][:port]" (len bytes at s). */
static int split_hostport(const char *s, size_t len, char *host, size_t hostlen, int *port,
                          int port_required, int allow0, char *err, size_t errlen, const char *what,
                          size_t base)
{
    char sb[72];
    const char *hs, *he, *ps = NULL;
    if (len && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close) {
            snprintf(err, errlen, "%s: missing ']' after IPv6 address", what);
            return -1;
        }
        hs = s + 1;
        he = close;
        if (close + 1 < s + len) {
            if (close[1] != ':') {
                snprintf(err, errlen, "%s: expected ':' after ']'", what);
                return -1;
            }
            ps = close + 2;
        }
    } else {
        hs = s;
        const char *colon = memchr(s, ':', len);
        he = colon ? colon : s + len;
        if (colon) {
            if (memchr(colon + 1, ':', (size_t)(s + len - colon - 1))) {
                snprintf(err, errlen,
                         "%s: IPv6 addresses must be written in brackets, e.g. [::1]:443", what);
                return -1;
            }
            ps = colon + 1;
        }
    }
    size_t hl = (size_t)(he - hs);
    if (hl == 0) {
        snprintf(err, errlen, "%s: empty host", what);
        return -1;
    }
    if (hl >= hostlen) {
        snprintf(err, errlen, "%s: host is longer than %zu characters", what, hostlen - 1);
        return -1;
    }
    for (size_t i = 0; i < hl; i++) {
        unsigned char c = (unsigned char)hs[i];
        if (c <= ' ' || c >= 0x7f || strchr("/?#@%\\\"'<>", c)) {
            snprintf(err, errlen, "%s: invalid character '%c' in host at offset %zu", what,
                     c > ' ' && c < 0x7f ? c : '?', base + (size_t)(hs + i - s));
            return -1;
        }
    }
    memcpy(host, hs, hl);
    host[hl] = 0;
    if (s[0] == '[') {
        unsigned char buf[sizeof(struct in6_addr)];
        if (inet_pton(AF_INET6, host, buf) != 1) {
            snprintf(err, errlen, "%s: '%s' is not an IPv6 address", what, host);
            return -1;
        }
    }
    if (ps) {
        if (parse_port(ps, (size_t)(s + len - ps), allow0, port) < 0) {
            snprintf(err, errlen, "%s: invalid port '%s' at offset %zu (expected %d to 65535)",
                     what, parse_shown(ps, (size_t)(s + len - ps), sb, sizeof sb),
                     base + (size_t)(ps - s), allow0 ? 0 : 1);
            return -1;
        }
    } else if (port_required) {
        snprintf(err, errlen, "%s: missing port (expected HOST:PORT)", what);
        return -1;
    }
    return 0;
}

int hostport_parse(const char *s, char *host, size_t hostlen, int *port, int allow_port0, char *err,
                   size_t errlen)
{
    char what[72];
    size_t len = strlen(s);
    return split_hostport(s, len, host, hostlen, port, 1, allow_port0, err, errlen,
                          parse_shown(s, len, what, sizeof what), 0);
}

int url_parse(const char *s, url_t *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    if (!s || !*s) {
        snprintf(err, errlen, "URL: empty (expected https://host[:port][/path])");
        return -1;
    }
    static const char scheme[] = "https://";
    char sb[136];
    if (strncasecmp(s, scheme, sizeof scheme - 1) != 0) {
        if (strncasecmp(s, "http://", 7) == 0)
            snprintf(err, errlen,
                     "URL '%s': plain http:// is not supported; tlsprof profiles TLS, use https://",
                     parse_shown(s, strlen(s), sb, sizeof sb));
        else
            snprintf(err, errlen, "URL '%s': expected https://host[:port][/path]",
                     parse_shown(s, strlen(s), sb, sizeof sb));
        return -1;
    }
    const char *auth = s + sizeof scheme - 1;
    size_t alen = strcspn(auth, "/?#");
    if (memchr(auth, '@', alen)) {
        snprintf(err, errlen, "URL '%s': user information (user@host) is not supported",
                 parse_shown(s, strlen(s), sb, sizeof sb));
        return -1;
    }
    u->port = 443;
    if (split_hostport(auth, alen, u->host, sizeof u->host, &u->port, 0, 0, err, errlen, "URL host",
                       sizeof scheme - 1) < 0)
        return -1;
    const char *path = auth + alen;
    if (*path == '#') path = "";
    size_t plen = strcspn(path, "#");
    if (plen == 0) {
        strcpy(u->path, "/");
    } else {
        /* A bare query ("https://h?q") gets the "/" a request line needs. */
        size_t slash = path[0] == '?';
        if (slash + plen >= sizeof u->path) {
            snprintf(err, errlen, "URL: path is longer than %zu characters", sizeof u->path - 1);
            return -1;
        }
        for (size_t i = 0; i < plen; i++) {
            if ((unsigned char)path[i] <= ' ' || path[i] == 0x7f) {
                snprintf(err, errlen,
                         "URL: path contains a space or control character at offset %zu",
                         (size_t)(path - s) + i);
                return -1;
            }
        }
        u->path[0] = '/';
        memcpy(u->path + slash, path, plen);
        u->path[slash + plen] = '\0';
    }
    u->host_is_ip = host_is_ip_literal(u->host);
    int v6 = strchr(u->host, ':') != NULL;
    if (u->port == 443)
        snprintf(u->authority, sizeof u->authority, v6 ? "[%s]" : "%s", u->host);
    else
        snprintf(u->authority, sizeof u->authority, v6 ? "[%s]:%d" : "%s:%d", u->host, u->port);
    return 0;
}
