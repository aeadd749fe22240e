/* handshake_floor.c - the least client CPU a TLS 1.3 handshake can cost with
 * this OpenSSL on this machine.
 *
 * Runs N TLS 1.3 handshakes between a client and a server in one thread,
 * connected by an in-memory BIO pair: no sockets, no event loop, no HTTP/2,
 * nothing but OpenSSL. Thread CPU time is read around every
 * SSL_do_handshake call and charged to the side that made it, so client and
 * server costs are separate even though they share the thread. No TLS client
 * on this OpenSSL can spend less per handshake than the client figure; tlsprof's
 * `tls_client_cpu` phase (scripts/bench.sh) is compared with it.
 *
 * Setup: server certificate ECDSA P-256 (self-signed, generated in memory),
 * key exchange X25519 (or --group), OpenSSL's default TLS 1.3 suites. The
 * client verifies the certificate against it as a trust anchor and checks the
 * host name, as tlsprof does without -k (--insecure skips both).
 * Full handshakes, then resumed ones: each resumed handshake uses the ticket
 * the previous connection received, as a client with a ticket store does.
 *
 * Build and run: scripts/handshake_floor.sh [-n N] [--insecure] [--group G] [--json]
 * Standalone on purpose (only libssl/libcrypto): it measures OpenSSL, not us. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define WARMUP 20
#define MAX_N 1000000
#define MAX_ROUNDS 20 /* handshake flights; a TLS 1.3 handshake needs 3 */

typedef struct costs {
    double *client_hs;      /* per handshake, ns: client SSL_do_handshake calls */
    double *server_hs;      /* server SSL_do_handshake calls */
    double *client_tickets; /* client SSL_read that takes in NewSessionTickets */
    double *client_setup;   /* SSL_new + SSL_set_bio (+ SSL_set_session) */
} costs_t;

static double thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "handshake_floor: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static X509 *self_signed(EVP_PKEY *key)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    if (!x || !name) die("out of memory");
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
                               0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, name);
    X509_set_pubkey(x, key);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *san = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "DNS:localhost");
    if (!san || !X509_add_ext(x, san, -1)) die("cannot add subjectAltName");
    X509_EXTENSION_free(san);
    if (!X509_sign(x, key, EVP_sha256())) die("cannot sign the certificate");
    X509_NAME_free(name);
    return x;
}

/* One handshake; adds CPU time to *client_ns / *server_ns. */
static void handshake(SSL *c, SSL *s, double *client_ns, double *server_ns)
{
    int cdone = 0, sdone = 0;
    for (int round = 0; round < MAX_ROUNDS && !(cdone && sdone); round++) {
        if (!cdone) {
            double t0 = thread_cpu_ns();
            int r = SSL_do_handshake(c);
            *client_ns += thread_cpu_ns() - t0;
            if (r == 1)
                cdone = 1;
            else if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ)
                die("client handshake failed");
        }
        if (!sdone) {
            double t0 = thread_cpu_ns();
            int r = SSL_do_handshake(s);
            *server_ns += thread_cpu_ns() - t0;
            if (r == 1)
                sdone = 1;
            else if (SSL_get_error(s, r) != SSL_ERROR_WANT_READ)
                die("server handshake failed");
        }
    }
    if (!(cdone && sdone)) die("handshake did not finish");
}

/* The client reads the server's NewSessionTicket messages (TLS 1.3 sends
 * them after the handshake) and keeps the newest session for the next
 * connection. Returns the CPU time it took. */
static double take_tickets(SSL *c, SSL_SESSION **session)
{
    unsigned char buf[16];
    double t0 = thread_cpu_ns();
    int r = SSL_read(c, buf, sizeof buf);
    double spent = thread_cpu_ns() - t0;
    if (r > 0 || SSL_get_error(c, r) != SSL_ERROR_WANT_READ) die("unexpected data after handshake");
    SSL_SESSION *s = SSL_get1_session(c);
    if (!s || !SSL_SESSION_is_resumable(s)) die("no resumable session after the tickets");
    SSL_SESSION_free(*session);
    *session = s;
    return spent;
}

typedef struct config {
    long n;
    int verify;
    int json_only;
    const char *group;
} config_t;

static void run(SSL_CTX *cctx, SSL_CTX *sctx, const config_t *cfg, int resumed, costs_t *out,
                SSL_SESSION **session, char *suite, size_t suitelen, char *group, size_t grouplen)
{
    for (long i = -WARMUP; i < cfg->n; i++) {
        double client = 0, server = 0;
        BIO *cb, *sb;
        double t0 = thread_cpu_ns();
        SSL *c = SSL_new(cctx);
        if (!c || !BIO_new_bio_pair(&cb, 0, &sb, 0)) die("SSL_new/BIO pair failed");
        SSL_set_bio(c, cb, cb);
        SSL_set_connect_state(c);
        if (cfg->verify && !SSL_set1_host(c, "localhost")) die("SSL_set1_host failed");
        if (resumed && !SSL_set_session(c, *session)) die("SSL_set_session failed");
        double setup = thread_cpu_ns() - t0;
        SSL *s = SSL_new(sctx);
        if (!s) die("SSL_new failed");
        SSL_set_bio(s, sb, sb);
        SSL_set_accept_state(s);

        handshake(c, s, &client, &server);
        if (SSL_session_reused(c) != resumed)
            die(resumed ? "server did not resume the session" : "unexpected resumption");
        if (cfg->verify && SSL_get_verify_result(c) != X509_V_OK) die("certificate did not verify");
        double tickets = take_tickets(c, session);
        if (i == 0) {
            snprintf(suite, suitelen, "%s", SSL_CIPHER_standard_name(SSL_get_current_cipher(c)));
            const char *g = SSL_group_to_name(c, SSL_get_negotiated_group(c));
            snprintf(group, grouplen, "%s", g ? g : "?");
        }
        if (i >= 0) {
            out->client_hs[i] = client;
            out->server_hs[i] = server;
            out->client_tickets[i] = tickets;
            out->client_setup[i] = setup;
        }
        /* Without a (quiet) shutdown, SSL_free treats the connection as
         * failed and marks its session, and so our ticket, not resumable. */
        SSL_set_shutdown(c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(c);
        SSL_free(s);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct summary {
    double mean, p50, min;
} summary_t;

/* Values in microseconds. Sorts v. */
static summary_t summarize(double *v, long n)
{
    double sum = 0;
    for (long i = 0; i < n; i++)
        sum += v[i];
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    summary_t s = {sum / n / 1e3, v[(n - 1) / 2] / 1e3, v[0] / 1e3};
    return s;
}

typedef struct kind_summary {
    summary_t client, server, tickets, setup;
} kind_summary_t;

static kind_summary_t summarize_costs(costs_t *c, long n)
{
    kind_summary_t k = {summarize(c->client_hs, n), summarize(c->server_hs, n),
                        summarize(c->client_tickets, n), summarize(c->client_setup, n)};
    return k;
}

static void print_human(const char *kind, const kind_summary_t *k)
{
    printf("%-8s client %8.1f us (p50 %8.1f, min %8.1f)   server %8.1f us (p50 %8.1f)\n", kind,
           k->client.mean, k->client.p50, k->client.min, k->server.mean, k->server.p50);
    printf("%-8s not in the client figure: SSL_new %.1f us, reading tickets %.1f us\n", "",
           k->setup.mean, k->tickets.mean);
}

static void print_json_summary(const char *key, summary_t s, const char *after)
{
    printf("\"%s\":{\"mean\":%.2f,\"p50\":%.2f,\"min\":%.2f}%s", key, s.mean, s.p50, s.min, after);
}

static void print_json(const char *kind, const kind_summary_t *k, const char *after)
{
    printf("\"%s\":{", kind);
    print_json_summary("client_cpu_us", k->client, ",");
    print_json_summary("server_cpu_us", k->server, ",");
    print_json_summary("client_tickets_cpu_us", k->tickets, ",");
    print_json_summary("client_setup_cpu_us", k->setup, "");
    printf("}%s", after);
}

static costs_t costs_new(long n)
{
    costs_t c = {calloc(n, sizeof(double)), calloc(n, sizeof(double)), calloc(n, sizeof(double)),
                 calloc(n, sizeof(double))};
    if (!c.client_hs || !c.server_hs || !c.client_tickets || !c.client_setup) die("out of memory");
    return c;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: handshake_floor [-n N] [--insecure|-k] [--group NAME] [--json]\n"
            "  -n N          handshakes of each kind (default 2000, at most %d)\n"
            "  -k, --insecure  client skips certificate and host name verification\n"
            "  --group NAME  key exchange group (default X25519)\n"
            "  --json        print only the JSON line\n",
            MAX_N);
}

static config_t parse_args(int argc, char **argv)
{
    config_t cfg = {2000, 1, 0, "X25519"};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc) {
            char *end;
            cfg.n = strtol(argv[++i], &end, 10);
            if (*end || cfg.n < 1 || cfg.n > MAX_N) {
                fprintf(stderr, "handshake_floor: -n: expected 1..%d, got '%s'\n", MAX_N, argv[i]);
                exit(2);
            }
        } else if (!strcmp(argv[i], "-k") || !strcmp(argv[i], "--insecure")) {
            cfg.verify = 0;
        } else if (!strcmp(argv[i], "--group") && i + 1 < argc) {
            cfg.group = argv[++i];
        } else if (!strcmp(argv[i], "--json")) {
            cfg.json_only = 1;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "handshake_floor: unknown or incomplete argument '%s'\n", argv[i]);
            usage(stderr);
            exit(2);
        }
    }
    return cfg;
}

int main(int argc, char **argv)
{
    config_t cfg = parse_args(argc, argv);
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!key) die("cannot generate the P-256 key");
    X509 *cert = self_signed(key);

    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    if (!sctx || !cctx) die("SSL_CTX_new failed");
    for (int i = 0; i < 2; i++) {
        SSL_CTX *ctx = i ? cctx : sctx;
        if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
            !SSL_CTX_set1_groups_list(ctx, cfg.group))
            die("cannot set TLS 1.3 / the group (unknown --group?)");
    }
    if (!SSL_CTX_use_certificate(sctx, cert) || !SSL_CTX_use_PrivateKey(sctx, key))
        die("cannot load the certificate");
    if (cfg.verify) {
        if (!X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx), cert)) die("cannot trust the cert");
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    }
    /* Clients keep sessions themselves (below); no internal cache lookups. */
    SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_OFF);

    costs_t full = costs_new(cfg.n), resumed = costs_new(cfg.n);
    SSL_SESSION *session = NULL;
    char suite[64] = "", group[64] = "", suite_r[64], group_r[64];
    run(cctx, sctx, &cfg, 0, &full, &session, suite, sizeof suite, group, sizeof group);
    run(cctx, sctx, &cfg, 1, &resumed, &session, suite_r, sizeof suite_r, group_r, sizeof group_r);

    kind_summary_t f = summarize_costs(&full, cfg.n), r = summarize_costs(&resumed, cfg.n);
    if (!cfg.json_only) {
        printf("handshake floor: %s, %ld TLS 1.3 handshakes of each kind, in memory, one thread\n",
               OpenSSL_version(OPENSSL_VERSION), cfg.n);
        printf("%s, %s, ECDSA P-256 certificate, client %s; thread CPU per handshake\n", suite,
               group, cfg.verify ? "verifies it" : "does not verify (--insecure)");
        print_human("full", &f);
        print_human("resumed", &r);
    }
    printf("{\"tool\":\"handshake_floor\",\"openssl\":\"%s\",\"n\":%ld,\"verify\":%s,"
           "\"cipher\":\"%s\",\"group\":\"%s\",\"cert\":\"ECDSA P-256\",",
           OpenSSL_version(OPENSSL_VERSION), cfg.n, cfg.verify ? "true" : "false", suite, group);
    print_json("full", &f, ",");
    print_json("resumed", &r, "");
    printf("}\n");
    for (int i = 0; i < 2; i++) {
        costs_t *c = i ? &resumed : &full;
        free(c->client_hs);
        free(c->server_hs);
        free(c->client_tickets);
        free(c->client_setup);
    }

    SSL_SESSION_free(session);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    X509_free(cert);
    EVP_PKEY_free(key);
    return 0;
}
