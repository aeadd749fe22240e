/* run_options.c - the options of `tlsprof run`: one table row each, which
 * is also the `tlsprof --help` text (opt_table.h). README.md, docs/usage.md
 * and docs/tlsprof.1 must say the same thing.
 *
 * Long option names are the contract; they follow h2load and curl where
 * those have one. Values that need more than a number or a word (headers,
 * --bind lists, HOST:PORT, files that must exist) have their functions here;
 * what depends on several options is config.c's config_validate. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/opt_table.h"

#define RUN(member) OPT_FIELD(run_config_t, member)

/* -H 'Name: value': HTTP/2 wants names lower-case; connection-specific
 * headers and host are tlsprof's own business. */
static int set_header(const opt_value_t *v, char *err, size_t errlen)
{
    run_config_t *c = v->target;
    const char *s = v->arg;
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
    const char *val = colon + 1;
    while (*val == ' ' || *val == '\t')
        val++;
    if (strlen(val) >= sizeof h->value) {
        snprintf(err, errlen, "--header %s: value longer than %zu characters", h->name,
                 sizeof h->value - 1);
        return -1;
    }
    for (const char *p = val; *p; p++) {
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
    strcpy(h->value, val);
    c->n_headers++;
    return 0;
}

/* --bind 127.0.0.2,127.0.0.3,::1 : numeric source addresses, port 0. */
static int set_bind(const opt_value_t *v, char *err, size_t errlen)
{
    run_config_t *c = v->target;
    const char *list = v->arg, *p = list;
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

static int set_connect_to(const opt_value_t *v, char *err, size_t errlen)
{
    run_config_t *c = v->target;
    if (c->n_connect_to >= CONFIG_MAX_TARGETS) {
        snprintf(err, errlen, "--connect-to: at most %d targets", CONFIG_MAX_TARGETS);
        return -1;
    }
    struct connect_to *ct = &c->connect_to[c->n_connect_to];
    if (hostport_parse(v->arg, ct->host, sizeof ct->host, &ct->port, 0, err, errlen)) {
        char tmp[512];
        snprintf(tmp, sizeof tmp, "--connect-to %s", err);
        snprintf(err, errlen, "%s", tmp);
        return -1;
    }
    c->n_connect_to++;
    return 0;
}

static int set_sni(const opt_value_t *v, char *err, size_t errlen)
{
    run_config_t *c = v->target;
    if (!*v->arg || strlen(v->arg) >= sizeof c->sni) {
        snprintf(err, errlen, "--sni: expected a host name of 1 to %zu characters",
                 sizeof c->sni - 1);
        return -1;
    }
    strcpy(c->sni, v->arg);
    c->sni_set = true;
    return 0;
}

/* --tls-min, --tls-max: into the int the row points at. */
static int set_tls_version(const opt_value_t *v, char *err, size_t errlen)
{
    int version = tls_version_from_string(v->arg);
    if (!version) {
        snprintf(err, errlen, "%s: expected 1.2 or 1.3, got '%s'", v->opt, v->arg);
        return -1;
    }
    memcpy(v->field, &version, sizeof version);
    return 0;
}

static int check_method(const opt_value_t *v, char *err, size_t errlen)
{
    const char *m = v->arg;
    if (!*m || strlen(m) > 32 || strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(m)) {
        snprintf(err, errlen,
                 "--method: expected an upper-case method such as GET or HEAD, got '%s'", m);
        return -1;
    }
    return 0;
}

/* Files tlsprof reads: refused now, not as failed connections later. */
static int check_readable(const opt_value_t *v, char *err, size_t errlen)
{
    FILE *f = fopen(v->arg, "rb");
    if (!f) {
        snprintf(err, errlen, "%s %s: cannot open: %m", v->opt, v->arg);
        return -1;
    }
    fclose(f);
    return 0;
}

static const opt_row_t run_rows[] = {
    {.kind = OPT_SECTION, .help = "Workload:"},
    {"connections", 'c', OPT_UINT, "N", RUN(connections), .umin = 1, .umax = 1000000,
     .help = "concurrent connections (default 1)", .example = "8"},
    {"requests", 'n', OPT_UINT, "N", RUN(requests), .umin = 1, .umax = UINT64_MAX / 2,
     .help = "total requests (default 1 unless -D is given)", .example = "100"},
    {"duration", 'D', OPT_DURATION, "TIME", RUN(duration_s), .dmin = 0.001, .dmax = 7 * 86400,
     .help = "run for TIME (e.g. 10s, 2m); with -n, stop at whichever comes first",
     .example = "10s"},
    {"warmup", 0, OPT_DURATION, "TIME", RUN(warmup_s), .dmin = 0, .dmax = 86400,
     .help = "run TIME before measuring; requests in it are not counted, but\n"
             "the phase samples of connections opened in it are kept",
     .example = "2s"},
    {"streams", 'm', OPT_UINT, "N", RUN(streams), .umin = 1, .umax = 1000,
     .help = "max concurrent streams per connection (default 1)", .example = "10"},
    {"threads", 't', OPT_UINT, "N", RUN(threads), .umin = 1, .umax = 256,
     .help = "worker threads, one event loop each (default 1)", .example = "2"},
    /* Enum words are in the order of run_mode, close_mode and resume_mode. */
    {"mode", 0, OPT_ENUM, "fresh|pooled", RUN(mode),
     .help = "fresh: a new TCP+TLS+HTTP connection per request, closed\n"
             "after the response (default); pooled: -c long-lived connections\n"
             "carry all requests, reconnecting when the server closes one",
     .example = "pooled"},
    {"close", 0, OPT_ENUM, "client|server|rst", RUN(close),
     .help = "who closes a fresh connection: client (GOAWAY over\n"
             "HTTP/2, close_notify, close; default), server (wait for\n"
             "the server to close; --h1 asks with \"connection: close\"),\n"
             "rst (abortive close, SO_LINGER 0: no TIME_WAIT)",
     .example = "server"},
    {"rate", 0, OPT_NUMBER, "R", RUN(rate), .dmin = 0.001, .dmax = 10000000,
     .help = "open loop: start R requests/s (pooled) or R new connections/s\n"
             "(fresh) on a fixed schedule; latency counts from the intended\n"
             "start, so a slow server cannot hide queueing (no coordinated\n"
             "omission); ttfb_uncorrected shows the figure from the real send",
     .example = "250"},
    {"ramp", 0, OPT_UINT, "N", RUN(ramp), .umin = 0, .umax = 1000000,
     .help = "pooled: set up at most N connections at once per thread, the\n"
             "next as each one is ready (default 100; 0 = all at once):\n"
             "a thundering herd measures the herd, not the server",
     .example = "10"},
    {"bind", 0, OPT_CUSTOM, "ADDR[,ADDR]", .set = set_bind,
     .help = "source addresses, used round-robin (more ephemeral ports)",
     .example = "127.0.0.2,::1"},
    {"method", 'X', OPT_STRING, "METHOD", RUN(method), .check = check_method,
     .help = "request method (default GET)", .example = "HEAD"},
    {"header", 'H', OPT_CUSTOM, "'Name: value'", .set = set_header,
     .help = "add a request header (repeatable)", .example = "X-Test: a b"},
    {"h1", 0, OPT_FLAG, NULL, RUN(h1),
     .help = "HTTP/1.1 instead of HTTP/2 (ALPN http/1.1): one request at a\n"
             "time per connection, no pipelining (-m 1)"},
    {"strict-h2", 0, OPT_FLAG, NULL, RUN(strict_h2),
     .help = "check every response header against RFC 9113 (nghttp2's\n"
             "validation; costs CPU per request). Without it tlsprof checks\n"
             "that each response has a final :status and a body as long as\n"
             "its content-length"},

    {.kind = OPT_SECTION, .help = "TLS:"},
    {"insecure", 'k', OPT_FLAG, NULL, RUN(insecure),
     .help = "do not verify the server certificate"},
    {"cacert", 0, OPT_STRING, "FILE", RUN(cacert), .check = check_readable,
     .help = "trust the CA certificates in FILE (PEM) instead of the system store",
     .example = "ca.pem"},
    {"sni", 0, OPT_CUSTOM, "NAME", .set = set_sni,
     .help = "server name to send (default: the URL's host unless it is an IP)",
     .example = "example.com"},
    {"connect-to", 0, OPT_CUSTOM, "HOST:PORT", .set = set_connect_to,
     .help = "connect there, keep the URL's host for SNI and :authority;\n"
             "repeat it for several backends: connections go round-robin,\n"
             "each backend has its own tickets and resumption figures",
     .example = "127.0.0.1:8443"},
    {"tls-min", 0, OPT_CUSTOM, "1.2|1.3", RUN(tls.min_version), .set = set_tls_version,
     .help = "lowest TLS version to offer", .example = "1.3"},
    {"tls-max", 0, OPT_CUSTOM, "1.2|1.3", RUN(tls.max_version), .set = set_tls_version,
     .help = "highest TLS version to offer", .example = "1.2"},
    {"tls13-ciphers", 0, OPT_STRING, "LIST", RUN(tls.tls13_ciphers),
     .help = "TLS 1.3 suites, e.g. TLS_CHACHA20_POLY1305_SHA256",
     .example = "TLS_CHACHA20_POLY1305_SHA256"},
    {"ciphers", 0, OPT_STRING, "LIST", RUN(tls.ciphers),
     .help = "TLS 1.2 cipher list (OpenSSL syntax)", .example = "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"groups", 0, OPT_STRING, "LIST", RUN(tls.groups),
     .help = "key exchange groups, e.g. X25519:P-256", .example = "X25519:P-256"},
    {"sigalgs", 0, OPT_STRING, "LIST", RUN(tls.sigalgs),
     .help = "signature algorithms, e.g. ecdsa_secp256r1_sha256",
     .example = "ecdsa_secp256r1_sha256"},
    {"alpn", 0, OPT_STRING, "LIST", RUN(tls.alpn),
     .help = "ALPN protocols to offer (default h2, or http/1.1 with --h1;\n"
             "the server must pick that protocol)",
     .example = "h2,http/1.1"},
    {"profile", 0, OPT_STRING, "NAME|PATH", RUN(profile_name),
     .help = "apply a cipher profile from ciphers/ (see `tlsprof ciphers --list`)",
     .example = "chacha20-poly1305"},
    {"cert", 0, OPT_STRING, "FILE", RUN(client_cert), .check = check_readable,
     .label = "--cert FILE --key FILE", .help = "client certificate and key (mTLS)",
     .example = "client.pem"},
    {"key", 0, OPT_STRING, "FILE", RUN(client_key), .check = check_readable,
     .example = "client.key"},
    {"keylog", 0, OPT_STRING, "FILE", RUN(keylog_path),
     .help = "write TLS secrets in NSS key log format (mode 0600); the\n"
             "SSLKEYLOGFILE environment variable does the same",
     .example = "keys.log"},
    {"resume", 0, OPT_ENUM, "off|ticket", RUN(resume),
     .help = "offer session tickets from earlier connections (default ticket)", .example = "off"},
    {"reuse-ticket", 0, OPT_FLAG, NULL, RUN(reuse_ticket),
     .help = "offer the same ticket again and again (tests anti-replay)"},
    {"ticket-scope", 0, OPT_ENUM, "address|host", RUN(ticket_scope_host),
     .help = "keep tickets per backend address (default) or per\n"
             "host name, as browsers do: with several --connect-to\n"
             "backends, 'host' offers one backend's tickets to the others\n"
             "and shows whether they share ticket keys",
     .example = "host"},
    {"early-data", 0, OPT_FLAG, NULL, RUN(early_data),
     .help = "send the first request as TLS 1.3 0-RTT early data when allowed"},

    {.kind = OPT_SECTION,
     .help = "Timeouts (every phase has one; nothing waits forever):",
     .col = 32},
    {"connect-timeout", 0, OPT_MSEC, "TIME", RUN(connect_timeout_ms), .dmin = 0.001, .dmax = 3600,
     .help = "TCP connect (default 10s)", .example = "2s"},
    {"handshake-timeout", 0, OPT_MSEC, "TIME", RUN(handshake_timeout_ms), .dmin = 0.001,
     .dmax = 3600, .help = "TLS handshake, and HTTP/2 server SETTINGS (default 10s)",
     .example = "5s"},
    {"request-timeout", 0, OPT_MSEC, "TIME", RUN(request_timeout_ms), .dmin = 0.001, .dmax = 3600,
     .help = "each request, sent to the end of its response (default 30s)", .example = "250ms"},
    {"grace", 0, OPT_MSEC, "TIME", RUN(grace_ms), .dmin = 0, .dmax = 3600, .col = 27,
     .help = "after -D or Ctrl-C, how long in-flight requests may finish (default 5s)",
     .example = "1s"},

    {.kind = OPT_SECTION, .help = "Output:"},
    {"json", 0, OPT_STRING, "FILE", RUN(json_path), .expect = "a file name or '-'",
     .help = "write the JSON report (docs/report-format.md); '-' for stdout",
     .example = "report.json"},
    {"html", 0, OPT_STRING, "FILE", RUN(html_path), .expect = "a file name",
     .help = "write a self-contained HTML report with charts", .example = "report.html"},
    {"events", 0, OPT_STRING, "FILE", RUN(events_path), .expect = "a file name",
     .help = "one JSON line per connection and per stream (every phase\n"
             "timestamp, TLS facts, TCP_INFO, outcome)",
     .example = "events.jsonl"},
    {"events-sample", 0, OPT_NUMBER, "F", RUN(events_sample), .dmin = 1e-6, .dmax = 1.0,
     .help = "log only a fraction F (0..1] of connections (default 1)", .example = "0.25"},
    {"interval", 0, OPT_DURATION, "TIME", RUN(interval_s), .dmin = 0.01, .dmax = 3600,
     .help = "time-series bucket width (default 1s)", .example = "250ms"},
    {"slowest", 0, OPT_UINT, "N", RUN(slowest), .umin = 0, .umax = 10000,
     .help = "keep the N slowest connections, explained (default 10; 0 = off)", .example = "20"},
    {"crypto-bench", 0, OPT_FLAG, NULL, RUN(crypto_bench),
     .help = "also measure this machine's AEAD and key-exchange speed"},
    {"quiet", 'q', OPT_FLAG, NULL, RUN(quiet), .help = "no progress line"},
    {"help", 'h', OPT_HELP, .help = "this help"},
};

const opt_table_t config_run_options = {
    .usage = "usage: tlsprof [run] https://HOST[:PORT][/PATH] [options]\n"
             "\n"
             "Opens TLS 1.3 + HTTP/2 (or HTTP/1.1) connections and times every phase of every\n"
             "connection and stream: dns, tcp_connect, tls_handshake, h2_settings (HTTP/2), ttfb,\n"
             "stream, connection.\n",
    .footer = "\n"
              "Exit codes: 0 every request succeeded; 1 some requests or connections failed;\n"
              "2 usage error or bad input; 3 no request succeeded; 4 interrupted (report "
              "written);\n"
              "5 internal error (e.g. an output file could not be written).\n"
              "\n"
              "Other commands: tlsprof serve | demo | ciphers | bench-crypto | compare | merge  "
              "(each takes --help)\n",
    .see = "tlsprof --help",
    .col = 27,
    .letter_column = true,
    .target_size = sizeof(run_config_t),
    OPT_ROWS(run_rows),
};
