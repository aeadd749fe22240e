/* server_config.c - `tlsprof serve` options: defaults, parsing, --help. */
#include "server/server.h"
#include "server/server_fault.h"

#include "config/parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void server_config_defaults(server_config_t *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->host, sizeof c->host, "127.0.0.1");
    c->port = 8443;
    c->threads = 1;
    c->tls.alpn = "h2";
    c->tickets = 2;
    c->max_streams = 100;
    c->fault = FAULT_NONE;
    c->fault_every = 1;
}

void server_usage(FILE *out)
{
    fputs("usage: tlsprof serve [options]\n"
          "\n"
          "A TLS 1.3 + HTTP/2 server that answers every request with 200 and --body-size bytes.\n"
          "Prints 'listening on https://ADDR:PORT' once ready; stops on SIGINT/SIGTERM.\n"
          "\n"
          "  --listen ADDR:PORT      address to bind (default 127.0.0.1:8443; [::1]:PORT for\n"
          "                          IPv6; port 0 picks a free port)\n"
          "  --cert FILE --key FILE  certificate chain and key (PEM); without them an ECDSA\n"
          "                          P-256 self-signed certificate for localhost, 127.0.0.1 and\n"
          "                          ::1 is generated in memory at start\n"
          "  --write-cert FILE       write the certificate clients should trust (PEM)\n"
          "  --body-size BYTES       response body size (default 0); k/M/G = 1000^n,\n"
          "                          Ki/Mi/Gi = 1024^n, optional trailing B: 16KiB, 1M\n"
          "  --threads N             accept loops sharing the port via SO_REUSEPORT (default 1)\n"
          "  --tls-min 1.2|1.3       lowest TLS version (default 1.2)\n"
          "  --tls-max 1.2|1.3       highest TLS version (default 1.3)\n"
          "  --tls13-ciphers LIST    TLS 1.3 suites, e.g. TLS_AES_128_GCM_SHA256\n"
          "  --ciphers LIST          TLS 1.2 cipher list (OpenSSL syntax)\n"
          "  --groups LIST           key exchange groups, e.g. X25519:P-256\n"
          "  --sigalgs LIST          signature algorithms, e.g. ecdsa_secp256r1_sha256\n"
          "  --alpn LIST             protocols the server selects, in preference order\n"
          "                          (default h2; 'http/1.1' makes an HTTP/1.1-only server\n"
          "                          that answers 505 and closes)\n"
          "  --tickets N             TLS 1.3 session tickets sent per handshake (default 2)\n"
          "  --no-tickets            send no tickets and resume nothing\n"
          "  --ticket-key-file FILE  48 or 80 bytes of ticket key material, so servers can\n"
          "                          share (or not share) tickets; default random per process\n"
          "  --no-resume             issue tickets but never accept one (misconfiguration)\n"
          "  --early-data BYTES      accept up to BYTES of TLS 1.3 0-RTT data and serve the\n"
          "                          requests in it; tickets become single-use (anti-replay)\n"
          "  --allow-replay          with --early-data: tickets stay reusable for 0-RTT\n"
          "  --max-streams N         SETTINGS_MAX_CONCURRENT_STREAMS (default 100)\n"
          "  --idle-timeout MS       GOAWAY and close connections idle that long (default 0 =\n"
          "                          never)\n"
          "  --fault NAME[:ARG]      misbehave on purpose: rst-after-accept,\n"
          "                          rst-after-clienthello, close-after-clienthello,\n"
          "                          garbage-serverhello, no-settings, goaway-after:N,\n"
          "                          rst-stream:CODE, stall-response, huge-headers:BYTES,\n"
          "                          flow-stall, idle-close:MS, no-alpn, short-body:BYTES,\n"
          "                          no-status (see docs/server.md)\n"
          "  --fault-every N         apply the fault to every Nth connection only (default 1)\n"
          "  -v, --verbose           log every failed connection to stderr\n"
          "  -h, --help              this text\n",
          out);
}

/* The same size syntax as tlsprof run's options: one parser for both. The
 * callers word their own messages (they name the option and its limit). */
int server_parse_size(const char *s, uint64_t *out)
{
    char ignored[128];
    return parse_size("size", s, UINT64_MAX, out, ignored, sizeof ignored);
}

static int parse_int(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)*s)) return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max) return -1;
    *out = v;
    return 0;
}

/* "127.0.0.1:8443", "[::1]:0", "localhost:8443". */
static int parse_listen(server_config_t *c, const char *s, char *err, size_t errlen)
{
    char host[sizeof c->host];
    const char *port;
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof host) goto bad;
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = 0;
        port = close + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (!colon || colon == s || (size_t)(colon - s) >= sizeof host ||
            memchr(s, ':', (size_t)(colon - s)))
            goto bad;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = 0;
        port = colon + 1;
    }
    if (!strcmp(host, "localhost")) snprintf(host, sizeof host, "127.0.0.1");
    unsigned char addr[16];
    if (inet_pton(strchr(host, ':') ? AF_INET6 : AF_INET, host, addr) != 1) goto bad;
    uint64_t p;
    if (parse_int(port, 0, 65535, &p)) goto bad;
    snprintf(c->host, sizeof c->host, "%s", host);
    c->port = (int)p;
    return 0;
bad:
    snprintf(err, errlen,
             "--listen '%s': expected a numeric ADDR:PORT such as 127.0.0.1:8443 or [::1]:0", s);
    return -1;
}

static int parse_version(const char *opt, const char *v, int *out, char *err, size_t errlen)
{
    *out = tls_version_from_string(v);
    if (*out) return 0;
    snprintf(err, errlen, "%s '%s': expected 1.2 or 1.3", opt, v);
    return -1;
}

static int check_alpn(const char *v, char *err, size_t errlen)
{
    unsigned char wire[256];
    if (tls_alpn_encode(v, wire, sizeof wire) > 0) return 0;
    snprintf(err, errlen, "--alpn '%s': expected a comma-separated list such as h2,http/1.1", v);
    return -1;
}

/* Cross-option checks, after every option is known. */
static int check_config(const server_config_t *c, char *err, size_t errlen)
{
    if (!c->cert_file != !c->key_file) {
        snprintf(err, errlen, "%s given without %s", c->cert_file ? "--cert" : "--key",
                 c->cert_file ? "--key" : "--cert");
        return -1;
    }
    if (c->no_resume && c->early_data) {
        snprintf(err, errlen, "--no-resume and --early-data %u contradict: 0-RTT needs resumption",
                 c->early_data);
        return -1;
    }
    if (c->no_tickets && (c->no_resume || c->ticket_key_file || c->early_data)) {
        snprintf(err, errlen, "--no-tickets contradicts %s",
                 c->no_resume         ? "--no-resume"
                 : c->ticket_key_file ? "--ticket-key-file"
                                      : "--early-data");
        return -1;
    }
    if (c->allow_replay && !c->early_data) {
        snprintf(err, errlen, "--allow-replay needs --early-data BYTES");
        return -1;
    }
    if (c->early_data && c->ticket_key_file && !c->allow_replay) {
        /* Single-use (anti-replay) tickets live in this process's session
         * cache, so a shared key file could not make them portable. */
        snprintf(err, errlen,
                 "--ticket-key-file with --early-data needs --allow-replay: anti-replay tickets "
                 "are stateful and never shared between servers");
        return -1;
    }
    return 0;
}

int server_config_parse(server_config_t *c, int argc, char **argv, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            server_usage(stdout);
            return 1;
        }
        if (!strcmp(arg, "-v") || !strcmp(arg, "--verbose")) {
            c->verbose = 1;
            continue;
        }
        if (!strcmp(arg, "--no-tickets")) {
            c->no_tickets = 1;
            continue;
        }
        if (!strcmp(arg, "--no-resume")) {
            c->no_resume = 1;
            continue;
        }
        if (!strcmp(arg, "--allow-replay")) {
            c->allow_replay = 1;
            continue;
        }
        if (strncmp(arg, "--", 2)) {
            snprintf(err, errlen, "unexpected argument '%s' (serve takes only options; see --help)",
                     arg);
            return -1;
        }

        /* Every other option takes a value: "--opt VALUE" or "--opt=VALUE". */
        char name[32];
        const char *val;
        const char *eq = strchr(arg, '=');
        if (eq) {
            size_t n = (size_t)(eq - arg);
            if (n >= sizeof name) n = sizeof name - 1;
            memcpy(name, arg, n);
            name[n] = 0;
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", arg);
            if (i + 1 >= argc) {
                snprintf(err, errlen, "%s needs a value (see --help)", arg);
                return -1;
            }
            val = argv[++i];
        }
        uint64_t n;
#define IS(s) (!strcmp(name, s))
#define BAD(what)                                                                                  \
    do {                                                                                           \
        snprintf(err, errlen, "%s '%s': expected %s", name, val, what);                            \
        return -1;                                                                                 \
    } while (0)
        if (IS("--listen")) {
            if (parse_listen(c, val, err, errlen)) return -1;
        } else if (IS("--cert")) {
            c->cert_file = val;
        } else if (IS("--key")) {
            c->key_file = val;
        } else if (IS("--write-cert")) {
            c->write_cert_file = val;
        } else if (IS("--body-size")) {
            if (server_parse_size(val, &n) || n > (1ull << 40))
                BAD("a size up to 1TiB such as 0, 1024, 16KiB or 1M");
            c->body_size = n;
        } else if (IS("--threads")) {
            if (parse_int(val, 1, 256, &n)) BAD("a thread count from 1 to 256");
            c->threads = (int)n;
        } else if (IS("--tls-min")) {
            if (parse_version(name, val, &c->tls.min_version, err, errlen)) return -1;
        } else if (IS("--tls-max")) {
            if (parse_version(name, val, &c->tls.max_version, err, errlen)) return -1;
        } else if (IS("--tls13-ciphers")) {
            c->tls.tls13_ciphers = val;
        } else if (IS("--ciphers")) {
            c->tls.ciphers = val;
        } else if (IS("--groups")) {
            c->tls.groups = val;
        } else if (IS("--sigalgs")) {
            c->tls.sigalgs = val;
        } else if (IS("--alpn")) {
            if (check_alpn(val, err, errlen)) return -1;
            c->tls.alpn = val;
        } else if (IS("--tickets")) {
            if (parse_int(val, 0, 16, &n)) BAD("a ticket count from 0 to 16");
            c->tickets = (int)n;
        } else if (IS("--ticket-key-file")) {
            c->ticket_key_file = val;
        } else if (IS("--early-data")) {
            if (server_parse_size(val, &n) || n > UINT32_MAX)
                BAD("a byte count such as 16384 or 16KiB (0 = off)");
            c->early_data = (uint32_t)n;
        } else if (IS("--max-streams")) {
            if (parse_int(val, 1, INT32_MAX, &n)) BAD("a stream count from 1 to 2147483647");
            c->max_streams = (uint32_t)n;
        } else if (IS("--idle-timeout")) {
            if (parse_int(val, 0, 24ull * 3600 * 1000, &n))
                BAD("milliseconds from 0 (never) to 86400000");
            c->idle_timeout_ms = (uint32_t)n;
        } else if (IS("--fault")) {
            if (c->fault != FAULT_NONE) {
                snprintf(err, errlen, "--fault '%s': only one --fault may be given (already %s)",
                         val, server_fault_name(c->fault));
                return -1;
            }
            if (server_fault_parse(val, &c->fault, &c->fault_arg, err, errlen)) return -1;
        } else if (IS("--fault-every")) {
            if (parse_int(val, 1, UINT32_MAX, &n)) BAD("a count from 1 to 4294967295");
            c->fault_every = n;
        } else {
            snprintf(err, errlen, "unknown option '%s' (see tlsprof serve --help)", name);
            return -1;
        }
#undef IS
#undef BAD
    }
    if (c->tls.min_version && c->tls.max_version && c->tls.min_version > c->tls.max_version) {
        snprintf(err, errlen, "--tls-min %s is above --tls-max %s",
                 tls_version_to_string(c->tls.min_version),
                 tls_version_to_string(c->tls.max_version));
        return -1;
    }
    return check_config(c, err, errlen);
}
