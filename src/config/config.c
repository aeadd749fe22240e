/* config.c - `tlsprof run` options: parsing, defaults, validation, --help.
 *
 * Long option names are the contract (README, man page, docs/usage.md); they
 * follow h2load and curl where those have one. */
#include "config/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "config/parse.h"
#include "config/profile.h"

const char *mode_name(run_mode m)
{
    return m == MODE_FRESH ? "fresh" : "pooled";
}

const char *close_mode_name(close_mode m)
{
    return m == CLOSE_CLIENT ? "client" : m == CLOSE_SERVER ? "server" : "rst";
}

void config_defaults(run_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->mode = MODE_FRESH;
    c->connections = 1;
    c->streams = 1;
    c->threads = 1;
    c->method = "GET";
    c->connect_timeout_ms = 10000;
    c->handshake_timeout_ms = 10000;
    c->request_timeout_ms = 30000;
    c->grace_ms = 5000;
    c->resume = RESUME_TICKET;
    c->close = CLOSE_CLIENT;
    c->events_sample = 1.0;
    c->interval_s = 1.0;
    c->slowest = 10;
    c->ramp = 100;
    c->tls.alpn = "h2";
}

enum {
    OPT_MODE = 1000,
    OPT_WARMUP,
    OPT_CACERT,
    OPT_SNI,
    OPT_CONNECT_TO,
    OPT_CONNECT_TIMEOUT,
    OPT_HANDSHAKE_TIMEOUT,
    OPT_REQUEST_TIMEOUT,
    OPT_GRACE,
    OPT_JSON,
    OPT_TLS_MIN,
    OPT_TLS_MAX,
    OPT_TLS13_CIPHERS,
    OPT_CIPHERS,
    OPT_GROUPS,
    OPT_SIGALGS,
    OPT_ALPN,
    OPT_PROFILE,
    OPT_CERT,
    OPT_KEY,
    OPT_KEYLOG,
    OPT_RESUME,
    OPT_REUSE_TICKET,
    OPT_EARLY_DATA,
    OPT_CLOSE,
    OPT_EVENTS,
    OPT_EVENTS_SAMPLE,
    OPT_HTML,
    OPT_INTERVAL,
    OPT_SLOWEST,
    OPT_RATE,
    OPT_BIND,
    OPT_CRYPTO_BENCH,
    OPT_TICKET_SCOPE,
    OPT_RAMP,
    OPT_STRICT_H2,
    OPT_H1,
};

static const struct option long_opts[] = {
    {"connections", required_argument, 0, 'c'},
    {"requests", required_argument, 0, 'n'},
    {"duration", required_argument, 0, 'D'},
    {"warmup", required_argument, 0, OPT_WARMUP},
    {"streams", required_argument, 0, 'm'},
    {"threads", required_argument, 0, 't'},
    {"mode", required_argument, 0, OPT_MODE},
    {"close", required_argument, 0, OPT_CLOSE},
    {"method", required_argument, 0, 'X'},
    {"header", required_argument, 0, 'H'},
    {"insecure", no_argument, 0, 'k'},
    {"cacert", required_argument, 0, OPT_CACERT},
    {"sni", required_argument, 0, OPT_SNI},
    {"connect-to", required_argument, 0, OPT_CONNECT_TO},
    {"tls-min", required_argument, 0, OPT_TLS_MIN},
    {"tls-max", required_argument, 0, OPT_TLS_MAX},
    {"tls13-ciphers", required_argument, 0, OPT_TLS13_CIPHERS},
    {"ciphers", required_argument, 0, OPT_CIPHERS},
    {"groups", required_argument, 0, OPT_GROUPS},
    {"sigalgs", required_argument, 0, OPT_SIGALGS},
    {"alpn", required_argument, 0, OPT_ALPN},
    {"profile", required_argument, 0, OPT_PROFILE},
    {"cert", required_argument, 0, OPT_CERT},
    {"key", required_argument, 0, OPT_KEY},
    {"keylog", required_argument, 0, OPT_KEYLOG},
    {"resume", required_argument, 0, OPT_RESUME},
    {"reuse-ticket", no_argument, 0, OPT_REUSE_TICKET},
    {"early-data", no_argument, 0, OPT_EARLY_DATA},
    {"connect-timeout", required_argument, 0, OPT_CONNECT_TIMEOUT},
    {"handshake-timeout", required_argument, 0, OPT_HANDSHAKE_TIMEOUT},
    {"request-timeout", required_argument, 0, OPT_REQUEST_TIMEOUT},
    {"grace", required_argument, 0, OPT_GRACE},
    {"json", required_argument, 0, OPT_JSON},
    {"events", required_argument, 0, OPT_EVENTS},
    {"events-sample", required_argument, 0, OPT_EVENTS_SAMPLE},
    {"html", required_argument, 0, OPT_HTML},
    {"interval", required_argument, 0, OPT_INTERVAL},
    {"slowest", required_argument, 0, OPT_SLOWEST},
    {"rate", required_argument, 0, OPT_RATE},
    {"bind", required_argument, 0, OPT_BIND},
    {"crypto-bench", no_argument, 0, OPT_CRYPTO_BENCH},
    {"ticket-scope", required_argument, 0, OPT_TICKET_SCOPE},
    {"ramp", required_argument, 0, OPT_RAMP},
    {"strict-h2", no_argument, 0, OPT_STRICT_H2},
    {"h1", no_argument, 0, OPT_H1},
    {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

static int parse_header(run_config_t *c, const char *s, char *err, size_t errlen)
{
    if (c->n_headers >= CONFIG_MAX_HEADERS) {
        snprintf(err, errlen, "--header: at most %d headers", CONFIG_MAX_HEADERS);
        return -1;
    }
    const char *colon = strchr(s, ':');
    if (!colon || colon == s) {
        snprintf(err, errlen, "--header '%s': expected 'Name: value'", s);
        return -1;
    }
    header_kv *h = &c->headers[c->n_headers];
    size_t nl = (size_t)(colon - s);
    if (nl >= sizeof h->name) {
        snprintf(err, errlen, "--header: name longer than %zu characters", sizeof h->name - 1);
        return -1;
    }
    for (size_t i = 0; i < nl; i++) {
        unsigned char ch = (unsigned char)s[i];
        /* RFC 9110 token characters only. */
        if (!(isalnum(ch) || strchr("!#$%&'*+-.^_`|~", ch))) {
            snprintf(err, errlen, "--header '%s': invalid character in header name at offset %zu",
                     s, i);
            return -1;
        }
        h->name[i] = (char)tolower(ch);
    }
    h->name[nl] = 0;
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    if (strlen(v) >= sizeof h->value) {
        snprintf(err, errlen, "--header %s: value longer than %zu characters", h->name,
                 sizeof h->value - 1);
        return -1;
    }
    for (const char *p = v; *p; p++) {
        if ((unsigned char)*p < 0x20 && *p != '\t') {
            snprintf(err, errlen, "--header %s: control character in value", h->name);
            return -1;
        }
    }
    static const char *forbidden[] = {"connection",        "keep-alive", "proxy-connection",
                                      "transfer-encoding", "upgrade",    "host"};
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++) {
        if (!strcmp(h->name, forbidden[i])) {
            snprintf(err, errlen,
                     "--header %s: not allowed (HTTP/2 forbids connection-specific headers; "
                     "tlsprof sets the "
                     "host from the URL and the connection's framing itself)",
                     h->name);
            return -1;
        }
    }
    strcpy(h->value, v);
    c->n_headers++;
    return 0;
}

/* --bind 127.0.0.2,127.0.0.3,::1 : numeric source addresses, port 0. */
static int parse_bind_list(run_config_t *c, const char *list, char *err, size_t errlen)
{
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char addr[INET6_ADDRSTRLEN + 2];
        if (len == 0 || len >= sizeof addr) {
            snprintf(err, errlen, "--bind '%s': empty or overlong address at offset %zu", list,
                     (size_t)(p - list));
            return -1;
        }
        if (c->n_bind >= CONFIG_MAX_BIND) {
            snprintf(err, errlen, "--bind: at most %d addresses", CONFIG_MAX_BIND);
            return -1;
        }
        memcpy(addr, p, len);
        addr[len] = 0;
        struct sockaddr_storage *ss = &c->bind_addrs[c->n_bind];
        memset(ss, 0, sizeof *ss);
        struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
            v4->sin_family = AF_INET;
            c->bind_lens[c->n_bind] = sizeof *v4;
        } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
            v6->sin6_family = AF_INET6;
            c->bind_lens[c->n_bind] = sizeof *v6;
        } else {
            snprintf(err, errlen, "--bind: '%s' is not a numeric IPv4 or IPv6 address", addr);
            return -1;
        }
        c->n_bind++;
        if (!comma) break;
        p = comma + 1;
        if (!*p) {
            snprintf(err, errlen, "--bind '%s': trailing comma", list);
            return -1;
        }
    }
    if (c->n_bind == 0) {
        snprintf(err, errlen, "--bind: expected ADDR[,ADDR...]");
        return -1;
    }
    return 0;
}

static int parse_ms(const char *what, const char *s, uint32_t *out, char *err, size_t errlen)
{
    double v;
    if (parse_duration(what, s, 0.001, 3600, &v, err, errlen) < 0) return -1;
    *out = (uint32_t)(v * 1000 + 0.5);
    return 0;
}

static int parse_version(const char *what, const char *s, int *out, char *err, size_t errlen)
{
    *out = tls_version_from_string(s);
    if (!*out) {
        snprintf(err, errlen, "%s: expected 1.2 or 1.3, got '%s'", what, s);
        return -1;
    }
    return 0;
}

static int check_readable(const char *what, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s %s: cannot open: %m", what, path);
        return -1;
    }
    fclose(f);
    return 0;
}

/* Bad cipher lists, groups, signature algorithms, CA files or client
 * certificates are usage errors: find them now, with the same code the
 * workers use, instead of as failed connections once the run has started. */
static int check_tls_settings(const run_config_t *c, char *err, size_t errlen)
{
    SSL_CTX *scratch = SSL_CTX_new(TLS_client_method());
    if (!scratch) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = tls_opts_apply(scratch, &c->tls, err, errlen);
    if (rc == 0 && c->cacert && SSL_CTX_load_verify_locations(scratch, c->cacert, NULL) != 1) {
        snprintf(err, errlen, "--cacert %s: no PEM certificate could be loaded from it", c->cacert);
        rc = -1;
    }
    if (rc == 0 && c->client_cert && c->client_key)
        rc = tls_opts_load_identity(scratch, c->client_cert, c->client_key, err, errlen);
    ERR_clear_error();
    SSL_CTX_free(scratch);
    return rc < 0 ? -1 : 0;
}

int config_parse(run_config_t *c, int argc, char **argv, char *err, size_t errlen)
{
    config_defaults(c);
    bool n_set = false, mode_set = false, resume_set = false;
    tls_opts_t cli = {0}; /* explicit TLS options win over a profile */
    uint64_t u;
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":c:n:D:m:t:X:H:kqh", long_opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            if (parse_uint("--connections", optarg, 1, 1000000, &u, err, errlen)) return -1;
            c->connections = (uint32_t)u;
            break;
        case 'n':
            if (parse_uint("--requests", optarg, 1, UINT64_MAX / 2, &u, err, errlen)) return -1;
            c->requests = u;
            n_set = true;
            break;
        case 'D':
            if (parse_duration("--duration", optarg, 0.001, 7 * 86400, &c->duration_s, err, errlen))
                return -1;
            break;
        case OPT_WARMUP:
            if (parse_duration("--warmup", optarg, 0, 86400, &c->warmup_s, err, errlen)) return -1;
            break;
        case 'm':
            if (parse_uint("--streams", optarg, 1, 1000, &u, err, errlen)) return -1;
            c->streams = (uint32_t)u;
            break;
        case 't':
            if (parse_uint("--threads", optarg, 1, 256, &u, err, errlen)) return -1;
            c->threads = (uint32_t)u;
            break;
        case OPT_MODE:
            if (!strcmp(optarg, "fresh"))
                c->mode = MODE_FRESH;
            else if (!strcmp(optarg, "pooled"))
                c->mode = MODE_POOLED;
            else {
                snprintf(err, errlen, "--mode: expected fresh or pooled, got '%s'", optarg);
                return -1;
            }
            mode_set = true;
            break;
        case OPT_CLOSE:
            if (!strcmp(optarg, "client"))
                c->close = CLOSE_CLIENT;
            else if (!strcmp(optarg, "server"))
                c->close = CLOSE_SERVER;
            else if (!strcmp(optarg, "rst"))
                c->close = CLOSE_RST;
            else {
                snprintf(err, errlen, "--close: expected client, server or rst, got '%s'", optarg);
                return -1;
            }
            break;
        case 'X':
            if (!*optarg || strlen(optarg) > 32 ||
                strspn(optarg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(optarg)) {
                snprintf(err, errlen,
                         "--method: expected an upper-case method such as GET or HEAD, got '%s'",
                         optarg);
                return -1;
            }
            c->method = optarg;
            c->head = !strcmp(optarg, "HEAD");
            break;
        case 'H':
            if (parse_header(c, optarg, err, errlen)) return -1;
            break;
        case 'k':
            c->insecure = true;
            break;
        case OPT_CACERT:
            if (check_readable("--cacert", optarg, err, errlen)) return -1;
            c->cacert = optarg;
            break;
        case OPT_SNI:
            if (!*optarg || strlen(optarg) >= sizeof c->sni) {
                snprintf(err, errlen, "--sni: expected a host name of 1 to %zu characters",
                         sizeof c->sni - 1);
                return -1;
            }
            strcpy(c->sni, optarg);
            c->sni_set = true;
            break;
        case OPT_CONNECT_TO: {
            if (c->n_connect_to >= CONFIG_MAX_TARGETS) {
                snprintf(err, errlen, "--connect-to: at most %d targets", CONFIG_MAX_TARGETS);
                return -1;
            }
            struct connect_to *ct = &c->connect_to[c->n_connect_to];
            if (hostport_parse(optarg, ct->host, sizeof ct->host, &ct->port, 0, err, errlen)) {
                char tmp[512];
                snprintf(tmp, sizeof tmp, "--connect-to %s", err);
                snprintf(err, errlen, "%s", tmp);
                return -1;
            }
            c->n_connect_to++;
            break;
        }
        case OPT_TLS_MIN:
            if (parse_version("--tls-min", optarg, &cli.min_version, err, errlen)) return -1;
            break;
        case OPT_TLS_MAX:
            if (parse_version("--tls-max", optarg, &cli.max_version, err, errlen)) return -1;
            break;
        case OPT_TLS13_CIPHERS:
            cli.tls13_ciphers = optarg;
            break;
        case OPT_CIPHERS:
            cli.ciphers = optarg;
            break;
        case OPT_GROUPS:
            cli.groups = optarg;
            break;
        case OPT_SIGALGS:
            cli.sigalgs = optarg;
            break;
        case OPT_ALPN:
            cli.alpn = optarg;
            break;
        case OPT_PROFILE:
            c->profile_name = optarg;
            break;
        case OPT_CERT:
            if (check_readable("--cert", optarg, err, errlen)) return -1;
            c->client_cert = optarg;
            break;
        case OPT_KEY:
            if (check_readable("--key", optarg, err, errlen)) return -1;
            c->client_key = optarg;
            break;
        case OPT_KEYLOG:
            c->keylog_path = optarg;
            break;
        case OPT_RESUME:
            if (!strcmp(optarg, "off"))
                c->resume = RESUME_OFF;
            else if (!strcmp(optarg, "ticket"))
                c->resume = RESUME_TICKET;
            else {
                snprintf(err, errlen, "--resume: expected off or ticket, got '%s'", optarg);
                return -1;
            }
            resume_set = true;
            break;
        case OPT_REUSE_TICKET:
            c->reuse_ticket = true;
            break;
        case OPT_TICKET_SCOPE:
            if (!strcmp(optarg, "address"))
                c->ticket_scope_host = false;
            else if (!strcmp(optarg, "host"))
                c->ticket_scope_host = true;
            else {
                snprintf(err, errlen, "--ticket-scope: expected address or host, got '%s'", optarg);
                return -1;
            }
            break;
        case OPT_EARLY_DATA:
            c->early_data = true;
            break;
        case OPT_STRICT_H2:
            c->strict_h2 = true;
            break;
        case OPT_H1:
            c->h1 = true;
            break;
        case OPT_CONNECT_TIMEOUT:
            if (parse_ms("--connect-timeout", optarg, &c->connect_timeout_ms, err, errlen))
                return -1;
            break;
        case OPT_HANDSHAKE_TIMEOUT:
            if (parse_ms("--handshake-timeout", optarg, &c->handshake_timeout_ms, err, errlen))
                return -1;
            break;
        case OPT_REQUEST_TIMEOUT:
            if (parse_ms("--request-timeout", optarg, &c->request_timeout_ms, err, errlen))
                return -1;
            break;
        case OPT_GRACE: {
            double g;
            if (parse_duration("--grace", optarg, 0, 3600, &g, err, errlen)) return -1;
            c->grace_ms = (uint32_t)(g * 1000 + 0.5);
            break;
        }
        case OPT_JSON:
            if (!*optarg) {
                snprintf(err, errlen, "--json: expected a file name or '-'");
                return -1;
            }
            c->json_path = optarg;
            break;
        case OPT_EVENTS:
            if (!*optarg) {
                snprintf(err, errlen, "--events: expected a file name");
                return -1;
            }
            c->events_path = optarg;
            break;
        case OPT_EVENTS_SAMPLE:
            if (parse_double("--events-sample", optarg, 1e-6, 1.0, &c->events_sample, err, errlen))
                return -1;
            break;
        case OPT_HTML:
            if (!*optarg) {
                snprintf(err, errlen, "--html: expected a file name");
                return -1;
            }
            c->html_path = optarg;
            break;
        case OPT_INTERVAL:
            if (parse_duration("--interval", optarg, 0.01, 3600, &c->interval_s, err, errlen))
                return -1;
            break;
        case OPT_SLOWEST:
            if (parse_uint("--slowest", optarg, 0, 10000, &u, err, errlen)) return -1;
            c->slowest = (uint32_t)u;
            break;
        case OPT_RATE:
            if (parse_double("--rate", optarg, 0.001, 10000000, &c->rate, err, errlen)) return -1;
            break;
        case OPT_RAMP:
            if (parse_uint("--ramp", optarg, 0, 1000000, &u, err, errlen)) return -1;
            c->ramp = (uint32_t)u;
            break;
        case OPT_BIND:
            if (parse_bind_list(c, optarg, err, errlen)) return -1;
            break;
        case OPT_CRYPTO_BENCH:
            c->crypto_bench = true;
            break;
        case 'q':
            c->quiet = true;
            break;
        case 'h':
            config_usage(stdout);
            return 1;
        case ':':
            snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
            return -1;
        default:
            snprintf(err, errlen, "unknown option '%s' (see tlsprof --help)", argv[optind - 1]);
            return -1;
        }
    }
    if (optind >= argc) {
        snprintf(err, errlen,
                 "missing URL (usage: tlsprof [run] https://HOST[:PORT][/PATH] [options])");
        return -1;
    }
    if (optind + 1 < argc) {
        snprintf(err, errlen, "unexpected argument '%s' after the URL", argv[optind + 1]);
        return -1;
    }
    if (url_parse(argv[optind], &c->url, err, errlen)) return -1;

    if (c->profile_name) {
        static cipher_profile_t profile; /* lives as long as the parsed config */
        if (profile_load(c->profile_name, profile_default_dir(), &profile, err, errlen)) return -1;
        c->tls = profile.tls;
        if (!c->tls.alpn) c->tls.alpn = "h2";
    }
    if (cli.min_version) c->tls.min_version = cli.min_version;
    if (cli.max_version) c->tls.max_version = cli.max_version;
    if (cli.tls13_ciphers) c->tls.tls13_ciphers = cli.tls13_ciphers;
    if (cli.ciphers) c->tls.ciphers = cli.ciphers;
    if (cli.groups) c->tls.groups = cli.groups;
    if (cli.sigalgs) c->tls.sigalgs = cli.sigalgs;
    if (cli.alpn)
        c->tls.alpn = cli.alpn;
    else if (c->h1)
        c->tls.alpn = "http/1.1"; /* whatever a profile offers: --h1 speaks only this */
    unsigned char alpn_wire[256];
    if (tls_alpn_encode(c->tls.alpn, alpn_wire, sizeof alpn_wire) < 0) {
        snprintf(err, errlen, "--alpn: expected a comma-separated list of protocol names, got '%s'",
                 c->tls.alpn);
        return -1;
    }
    if (check_tls_settings(c, err, errlen) < 0) return -1;
    if (c->tls.min_version && c->tls.max_version && c->tls.min_version > c->tls.max_version) {
        snprintf(err, errlen, "--tls-min %s is above --tls-max %s",
                 tls_version_to_string(c->tls.min_version),
                 tls_version_to_string(c->tls.max_version));
        return -1;
    }

    if (!c->sni_set && !c->url.host_is_ip) snprintf(c->sni, sizeof c->sni, "%s", c->url.host);
    if (!c->keylog_path) {
        const char *env = getenv("SSLKEYLOGFILE");
        if (env && *env) c->keylog_path = env;
    }
    if ((c->client_cert != NULL) != (c->client_key != NULL)) {
        snprintf(err, errlen, "--cert and --key go together");
        return -1;
    }
    if (c->reuse_ticket && c->resume == RESUME_OFF) {
        snprintf(err, errlen, "--reuse-ticket needs --resume ticket");
        return -1;
    }
    if (!resume_set && c->mode == MODE_POOLED) c->resume = RESUME_TICKET;
    if (!n_set && c->duration_s == 0) c->requests = 1;
    if (c->h1 && c->streams > 1) {
        snprintf(err, errlen,
                 "--streams %u: --h1 sends one request at a time per connection (no pipelining); "
                 "use more connections (-c)",
                 c->streams);
        return -1;
    }
    if (c->h1 && c->strict_h2) {
        snprintf(err, errlen, "--strict-h2 checks HTTP/2 responses; it does not go with --h1");
        return -1;
    }
    if (c->mode == MODE_FRESH && c->streams > 1) {
        snprintf(err, errlen,
                 "--streams %u: fresh mode sends one request per connection; use --mode pooled",
                 c->streams);
        return -1;
    }
    if (c->connections > 0 && c->threads > c->connections) c->threads = c->connections;
    if (c->warmup_s > 0 && c->duration_s == 0 && !n_set) {
        snprintf(err, errlen, "--warmup needs -D or -n");
        return -1;
    }
    if (c->rate > 0 && c->duration_s == 0 && !n_set) {
        snprintf(err, errlen, "--rate needs -D or -n");
        return -1;
    }
    (void)mode_set;
    return 0;
}
