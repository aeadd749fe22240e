/* fuzz_url.c - the target URL and HOST:PORT parsers (src/config/url.c).
 *
 * Beyond not crashing, what is accepted must be usable as is: host, port and
 * path in range and free of characters that would corrupt a request line or
 * the :authority, the authority rebuilt from them parsing back to the same
 * URL, and every rejection carrying a printable message. */
#include <arpa/inet.h>

#include "config/url.h"
#include "fuzz_check.h"

static void check_host(const char *host, size_t cap)
{
    size_t n = strnlen(host, cap);
    FUZZ_CHECK(n > 0 && n < cap, "host length %zu", n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)host[i];
        FUZZ_CHECK(c > ' ' && c < 0x7f && !strchr("/?#@", c), "byte 0x%02x in host '%s'", c, host);
    }
}

static void check_url(const char *s)
{
    url_t u;
    char err[512];
    memset(err, 0x55, sizeof(err));
    if (url_parse(s, &u, err, sizeof(err)) != 0) {
        fuzz_check_message(err, sizeof(err), "URL");
        return;
    }
    check_host(u.host, sizeof(u.host));
    FUZZ_CHECK(u.port >= 1 && u.port <= 65535, "port %d", u.port);
    size_t plen = strnlen(u.path, sizeof(u.path));
    FUZZ_CHECK(plen > 0 && plen < sizeof(u.path) && u.path[0] == '/', "path '%s'", u.path);
    for (size_t i = 0; i < plen; i++)
        FUZZ_CHECK((unsigned char)u.path[i] > ' ' && u.path[i] != 0x7f && u.path[i] != '#',
                   "byte 0x%02x in path", (unsigned char)u.path[i]);
    unsigned char a[16];
    int is_ip = inet_pton(AF_INET, u.host, a) == 1 || inet_pton(AF_INET6, u.host, a) == 1;
    FUZZ_CHECK(u.host_is_ip == is_ip, "host_is_ip %d for '%s'", u.host_is_ip, u.host);
    FUZZ_CHECK(strnlen(u.authority, sizeof(u.authority)) < sizeof(u.authority),
               "authority unterminated");

    /* The authority and path as sent must describe the same target. */
    size_t cap = strlen(u.authority) + strlen(u.path) + 16;
    char *again = malloc(cap);
    snprintf(again, cap, "https://%s%s", u.authority, u.path);
    url_t v;
    int rc = url_parse(again, &v, err, sizeof(err));
    FUZZ_CHECK(rc == 0, "'%s' (rebuilt from '%s') does not parse: %s", again, s, err);
    FUZZ_CHECK(strcmp(u.host, v.host) == 0 && u.port == v.port && strcmp(u.path, v.path) == 0 &&
                   strcmp(u.authority, v.authority) == 0,
               "'%s' parses differently from '%s'", again, s);
    free(again);
}

static void check_hostport(const char *s, int allow0)
{
    char host[256], err[512];
    int port = -1;
    memset(err, 0x55, sizeof(err));
    if (hostport_parse(s, host, sizeof(host), &port, allow0, err, sizeof(err)) != 0) {
        fuzz_check_message(err, sizeof(err), NULL);
        return;
    }
    check_host(host, sizeof(host));
    FUZZ_CHECK(port >= (allow0 ? 0 : 1) && port <= 65535, "port %d", port);
    char again[300], host2[256];
    int port2 = -1;
    snprintf(again, sizeof(again), strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
    FUZZ_CHECK(hostport_parse(again, host2, sizeof(host2), &port2, allow0, err, sizeof(err)) == 0,
               "'%s' (rebuilt from '%s') does not parse: %s", again, s, err);
    FUZZ_CHECK(strcmp(host, host2) == 0 && port == port2, "'%s' parses differently from '%s'",
               again, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstring(data, size);
    check_url(s);
    check_hostport(s, 0);
    check_hostport(s, 1);
    /* Most inputs lack the scheme; give the authority parser a fair chance. */
    if (strncmp(s, "https://", 8) != 0) {
        size_t n = strlen(s) + 9;
        char *u = malloc(n);
        snprintf(u, n, "https://%s", s);
        check_url(u);
        free(u);
    }
    free(s);
    return 0;
}
