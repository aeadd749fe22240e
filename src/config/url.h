/* url.h - the target URL: https://host[:port][/path]. */
#ifndef TLSPROF_URL_H
#define TLSPROF_URL_H

#include <stddef.h>

typedef struct url {
    char host[256];      /* without brackets for IPv6 literals */
    int port;            /* 443 when absent */
    char path[2048];     /* "/" when absent; includes any ?query */
    char authority[300]; /* host[:port] as it goes into :authority and Host */
    int host_is_ip;      /* 1 for IPv4/IPv6 literals (no SNI is sent for them by default) */
} url_t;

/* Returns 0, or -1 with a message naming what is wrong in err. */
int url_parse(const char *s, url_t *out, char *err, size_t errlen);

/* HOST:PORT or [V6]:PORT, as --connect-to and --listen take it.
 * Port 0 is accepted only when allow_port0 is set. */
int hostport_parse(const char *s, char *host, size_t hostlen, int *port, int allow_port0, char *err,
                   size_t errlen);

#endif
