/* test_server_tls.c - the embedded server's TLS side, checked with an
 * independent blocking OpenSSL client: version, ALPN, certificate, session
 * tickets and resumption (--tickets, --no-tickets, --no-resume,
 * --ticket-key-file), 0-RTT (--early-data), TLS knobs, --alpn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/x509v3.h>

#include <signal.h>

#include "server/server.h"
#include "test_server_client.h"

/* Start a server on a free loopback port with the given serve options. */
static server_t *start(const char *opts)
{
    char buf[512], *argv[32];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", opts ? opts : "");
    argv[argc++] = "serve";
    for (char *tok = strtok(buf, " "); tok && argc < 31; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    argv[argc] = NULL;
    server_config_t cfg;
    char err[512] = "";
    server_config_defaults(&cfg);
    cfg.port = 0;
    int rc = server_config_parse(&cfg, argc, argv, err, sizeof err);
    if (rc) fprintf(stderr, "parse '%s': %s\n", opts, err);
    assert_int_equal(rc, 0);
    server_t *s = server_start(&cfg, err, sizeof err);
    if (!s) fprintf(stderr, "server_start '%s': %s\n", opts, err);
    assert_non_null(s);
    return s;
}

static server_stats_t stats(server_t *s)
{
    server_stats_t st;
    server_stats(s, &st);
    return st;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void test_handshake_basics(void **state)
{
    server_t *s = start(NULL);
    char want[64];
    snprintf(want, sizeof want, "https://127.0.0.1:%d", server_port(s));
    assert_true(server_port(s) > 0);
    assert_string_equal(server_url(s), want);

    tc_tls_t t;
    tc_conn_t c;
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    assert_int_equal(tc_connect(&c, &t, server_port(s), NULL), 1);
    /* The client verified the chain against server_cert_pem and the IP. */
    assert_int_equal(SSL_get_verify_result(c.ssl), X509_V_OK);
    assert_int_equal(SSL_version(c.ssl), TLS1_3_VERSION);
    const unsigned char *alpn;
    unsigned alpn_len;
    SSL_get0_alpn_selected(c.ssl, &alpn, &alpn_len);
    assert_int_equal(alpn_len, 2);
    assert_memory_equal(alpn, "h2", 2);

    X509 *cert = SSL_get1_peer_certificate(c.ssl);
    assert_non_null(cert);
    EVP_PKEY *key = X509_get0_pubkey(cert);
    assert_int_equal(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
    char group[32] = "";
    size_t glen = 0;
    assert_true(EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &glen));
    assert_string_equal(group, "prime256v1");
    /* SAN covers localhost and both loopback addresses. */
    assert_int_equal(X509_check_host(cert, "localhost", 0, 0, NULL), 1);
    assert_int_equal(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
    assert_int_equal(X509_check_ip_asc(cert, "::1", 0), 1);
    /* Valid from about an hour ago for about 30 days. */
    time_t now = time(NULL);
    int days, secs;
    assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert), NULL), 1);
    long before = days * 86400L + secs;
    assert_true(before >= 3590 && before <= 3700);
    assert_int_equal(ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)), 1);
    assert_true(days == 29 || days == 30);
    (void)now;
    X509_free(cert);
    tc_close(&c);
    tc_tls_free(&t);

    /* A client trusting another certificate must fail verification. */
    server_t *other = start(NULL);
    assert_int_equal(tc_tls_init(&t, server_cert_pem(other), "h2", 0), 0);
    assert_int_equal(tc_connect(&c, &t, server_port(s), NULL), 0);
    assert_int_equal(c.ssl_error, SSL_ERROR_SSL);
    tc_close(&c);
    tc_tls_free(&t);
    server_stop(other);
    server_stop(s);
}

static void test_resumption(void **state)
{
    server_t *s = start("--tickets 3");
    tc_tls_t t;
    tc_stream_t r;
    int reused = -1;
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    assert_int_equal(tc_get_once(&t, server_port(s), NULL, &r, &reused), 0);
    assert_int_equal(reused, 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(t.tickets, 3); /* --tickets 3 */
    assert_non_null(t.last_ticket);
    assert_true(SSL_SESSION_is_resumable(t.last_ticket));

    SSL_SESSION *ticket = t.last_ticket;
    SSL_SESSION_up_ref(ticket);
    assert_int_equal(tc_get_once(&t, server_port(s), ticket, &r, &reused), 0);
    assert_int_equal(reused, 1);
    assert_int_equal(r.status, 200);
    SSL_SESSION_free(ticket);

    server_stats_t st = stats(s);
    assert_int_equal(st.handshakes_full, 1);
    assert_int_equal(st.handshakes_resumed, 1);
    assert_int_equal(st.requests, 2);
    tc_tls_free(&t);
    server_stop(s);
}

static void test_no_tickets(void **state)
{
    server_t *s = start("--no-tickets");
    tc_tls_t t;
    tc_stream_t r;
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    assert_int_equal(tc_get_once(&t, server_port(s), NULL, &r, NULL), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(t.tickets, 0);
    assert_null(t.last_ticket);
    tc_tls_free(&t);
    server_stop(s);

    /* --tickets 0 sends none either (but would accept one). */
    s = start("--tickets 0");
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    assert_int_equal(tc_get_once(&t, server_port(s), NULL, &r, NULL), 0);
    assert_int_equal(t.tickets, 0);
    tc_tls_free(&t);
    server_stop(s);
    s = start("--no-tickets");

    /* TLS 1.2 neither: no ticket, and the session id is not resumable. */
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", TLS1_2_VERSION), 0);
    tc_conn_t c;
    assert_int_equal(tc_connect(&c, &t, server_port(s), NULL), 1);
    assert_int_equal(SSL_version(c.ssl), TLS1_2_VERSION);
    SSL_SESSION *sess = SSL_get1_session(c.ssl);
    SSL_shutdown(c.ssl);
    tc_close(&c);
    assert_int_equal(tc_connect(&c, &t, server_port(s), sess), 1);
    assert_int_equal(SSL_session_reused(c.ssl), 0);
    tc_close(&c);
    SSL_SESSION_free(sess);
    assert_int_equal(stats(s).handshakes_resumed, 0);
    tc_tls_free(&t);
    server_stop(s);
}

static void test_no_resume(void **state)
{
    server_t *s = start("--no-resume");
    tc_tls_t t;
    tc_stream_t r;
    int reused = -1;
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    assert_int_equal(tc_get_once(&t, server_port(s), NULL, &r, NULL), 0);
    assert_int_equal(t.tickets, 2); /* tickets are issued... */
    SSL_SESSION *ticket = t.last_ticket;
    SSL_SESSION_up_ref(ticket);
    assert_int_equal(tc_get_once(&t, server_port(s), ticket, &r, &reused), 0);
    assert_int_equal(reused, 0); /* ...but never accepted */
    assert_int_equal(r.status, 200);
    assert_int_equal(t.tickets, 4); /* and fresh ones come with the full handshake */
    SSL_SESSION_free(ticket);
    server_stats_t st = stats(s);
    assert_int_equal(st.handshakes_full, 2);
    assert_int_equal(st.handshakes_resumed, 0);
    tc_tls_free(&t);

    /* TLS 1.2 tickets are refused the same way. */
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", TLS1_2_VERSION), 0);
    assert_int_equal(tc_get_once(&t, server_port(s), NULL, &r, NULL), 0);
    assert_int_equal(t.tickets, 1);
    ticket = t.last_ticket;
    SSL_SESSION_up_ref(ticket);
    assert_int_equal(tc_get_once(&t, server_port(s), ticket, &r, &reused), 0);
    assert_int_equal(reused, 0);
    SSL_SESSION_free(ticket);
    tc_tls_free(&t);
    assert_int_equal(stats(s).handshakes_resumed, 0);
    server_stop(s);

    /* Control: the same TLS 1.2 sequence resumes on a normal server. */
    s = start(NULL);
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", TLS1_2_VERSION), 0);
    assert_int_equal(tc_get_once(&t, server_port(s), NULL, &r, NULL), 0);
    ticket = t.last_ticket;
    SSL_SESSION_up_ref(ticket);
    assert_int_equal(tc_get_once(&t, server_port(s), ticket, &r, &reused), 0);
    assert_int_equal(reused, 1);
    SSL_SESSION_free(ticket);
    tc_tls_free(&t);
    server_stop(s);
}

/* Resume on server b with a ticket issued by server a. */
static int cross_resumed(server_t *a, server_t *b)
{
    tc_tls_t t;
    tc_stream_t r;
    int reused = -1;
    assert_int_equal(tc_tls_init(&t, server_cert_pem(a), "h2", 0), 0);
    assert_int_equal(tc_get_once(&t, server_port(a), NULL, &r, NULL), 0);
    SSL_SESSION *ticket = t.last_ticket;
    SSL_SESSION_up_ref(ticket);
    tc_tls_free(&t);
    /* Both servers have their own certificate: trust b's for the second. */
    assert_int_equal(tc_tls_init(&t, server_cert_pem(b), "h2", 0), 0);
    assert_int_equal(tc_get_once(&t, server_port(b), ticket, &r, &reused), 0);
    assert_int_equal(r.status, 200);
    SSL_SESSION_free(ticket);
    tc_tls_free(&t);
    return reused;
}

static void test_ticket_key_files(void **state)
{
    char dir[] = "/tmp/tlsprof-ticketkeys-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char k1[128], k2[128], k48[128], bad[128];
    snprintf(k1, sizeof k1, "%s/k1", dir);
    snprintf(k2, sizeof k2, "%s/k2", dir);
    snprintf(k48, sizeof k48, "%s/k48", dir);
    snprintf(bad, sizeof bad, "%s/bad", dir);
    unsigned char key[80];
    for (int i = 0; i < 80; i++)
        key[i] = (unsigned char)(i * 7 + 1);
    write_file(k1, key, 80);
    key[0] ^= 0xff; /* another key name */
    key[40] ^= 0xff;
    write_file(k2, key, 80);
    write_file(k48, key, 48);
    write_file(bad, key, 50);

    char opts[256];
    snprintf(opts, sizeof opts, "--ticket-key-file %s", k1);
    server_t *a = start(opts), *b = start(opts);
    snprintf(opts, sizeof opts, "--ticket-key-file %s", k2);
    server_t *c = start(opts);
    server_t *plain1 = start(NULL), *plain2 = start(NULL);

    assert_int_equal(cross_resumed(a, b), 1); /* same key file: shared tickets */
    assert_int_equal(cross_resumed(b, a), 1);
    assert_int_equal(cross_resumed(a, c), 0);           /* different key: full handshake */
    assert_int_equal(cross_resumed(plain1, plain2), 0); /* random keys per server */
    assert_int_equal(cross_resumed(a, a), 1);
    assert_int_equal(stats(c).handshakes_full, 1);
    assert_int_equal(stats(c).handshake_failures, 0);

    snprintf(opts, sizeof opts, "--ticket-key-file %s", k48);
    server_t *d = start(opts), *e = start(opts);
    assert_int_equal(cross_resumed(d, e), 1); /* the 48-byte AES-128 layout */
    server_stop(d);
    server_stop(e);

    server_config_t cfg;
    char err[512] = "";
    server_config_defaults(&cfg);
    cfg.port = 0;
    cfg.ticket_key_file = bad;
    assert_null(server_start(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "--ticket-key-file"));
    assert_non_null(strstr(err, "50 bytes"));

    server_stop(a);
    server_stop(b);
    server_stop(c);
    server_stop(plain1);
    server_stop(plain2);
    unlink(k1);
    unlink(k2);
    unlink(k48);
    unlink(bad);
    rmdir(dir);
}

/* Send one GET as 0-RTT on a resumed connection; returns the early data
 * status and fills *r with the response. */
static int early_get(tc_tls_t *t, int port, SSL_SESSION *ticket, tc_stream_t *r, int *reused)
{
    tc_h2_t h;
    tc_conn_t c;
    uint8_t early[4096];
    tc_h2_init(&h);
    tc_h2_request(&h, "GET", "/early", 0);
    size_t n = tc_h2_take(&h, early, sizeof early);
    assert_true(n > 24);
    SSL_SESSION *copy = tc_session_copy(ticket);
    assert_non_null(copy);
    assert_int_equal(tc_connect_early(&c, t, port, copy, early, n), 1);
    SSL_SESSION_free(copy);
    int status = SSL_get_early_data_status(c.ssl);
    *reused = SSL_session_reused(c.ssl);
    if (status != SSL_EARLY_DATA_ACCEPTED) {
        /* Rejected 0-RTT must be sent again after the handshake. */
        assert_int_equal(tc_write_all(&c, early, n), 0);
    }
    assert_int_equal(tc_h2_run(&h, &c, 3000), 1);
    *r = h.st[0];
    tc_h2_free(&h);
    SSL_shutdown(c.ssl);
    tc_close(&c);
    return status;
}

static void test_early_data(void **state)
{
    server_t *s = start("--early-data 16KiB");
    tc_tls_t t;
    tc_stream_t r;
    int reused;
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    assert_int_equal(tc_get_once(&t, server_port(s), NULL, &r, NULL), 0);
    assert_non_null(t.last_ticket);
    assert_int_equal(SSL_SESSION_get_max_early_data(t.last_ticket), 16384);
    SSL_SESSION *ticket = t.last_ticket;
    SSL_SESSION_up_ref(ticket);

    assert_int_equal(early_get(&t, server_port(s), ticket, &r, &reused), SSL_EARLY_DATA_ACCEPTED);
    assert_int_equal(reused, 1);
    assert_int_equal(r.status, 200);
    server_stats_t st = stats(s);
    assert_int_equal(st.early_data_accepted, 1);
    assert_int_equal(st.early_requests, 1);
    assert_int_equal(st.requests, 2);

    /* Anti-replay: the same ticket is single-use, a replay gets a full
     * handshake and its 0-RTT data is rejected (and sent again). */
    assert_int_equal(early_get(&t, server_port(s), ticket, &r, &reused), SSL_EARLY_DATA_REJECTED);
    assert_int_equal(reused, 0);
    assert_int_equal(r.status, 200);
    st = stats(s);
    assert_int_equal(st.early_data_accepted, 1);
    assert_int_equal(st.early_data_rejected, 1);
    assert_int_equal(st.early_requests, 1);
    SSL_SESSION_free(ticket);
    tc_tls_free(&t);
    server_stop(s);

    /* --allow-replay: the ticket keeps working for 0-RTT. */
    s = start("--early-data 16384 --allow-replay");
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    assert_int_equal(tc_get_once(&t, server_port(s), NULL, &r, NULL), 0);
    ticket = t.last_ticket;
    SSL_SESSION_up_ref(ticket);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(early_get(&t, server_port(s), ticket, &r, &reused),
                         SSL_EARLY_DATA_ACCEPTED);
        assert_int_equal(r.status, 200);
    }
    assert_int_equal(stats(s).early_requests, 2);
    SSL_SESSION_free(ticket);
    tc_tls_free(&t);
    server_stop(s);

    /* Without --early-data tickets allow no 0-RTT. */
    s = start(NULL);
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    assert_int_equal(tc_get_once(&t, server_port(s), NULL, &r, NULL), 0);
    assert_int_equal(SSL_SESSION_get_max_early_data(t.last_ticket), 0);
    tc_tls_free(&t);
    server_stop(s);
}

static void test_tls_options(void **state)
{
    tc_tls_t t;
    tc_conn_t c;
    server_t *s = start("--tls-max 1.2");
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    assert_int_equal(tc_connect(&c, &t, server_port(s), NULL), 1);
    assert_int_equal(SSL_version(c.ssl), TLS1_2_VERSION);
    tc_close(&c);
    tc_tls_free(&t);
    server_stop(s);

    s = start("--tls-min 1.3");
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", TLS1_2_VERSION), 0);
    assert_int_equal(tc_connect(&c, &t, server_port(s), NULL), 0);
    tc_close(&c);
    tc_tls_free(&t);
    assert_int_equal(stats(s).handshake_failures, 1);
    server_stop(s);

    s = start("--tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 --groups P-256");
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    assert_int_equal(tc_connect(&c, &t, server_port(s), NULL), 1);
    assert_string_equal(SSL_get_cipher_name(c.ssl), "TLS_CHACHA20_POLY1305_SHA256");
    assert_int_equal(SSL_get_negotiated_group(c.ssl), NID_X9_62_prime256v1);
    tc_close(&c);
    tc_tls_free(&t);
    server_stop(s);

    /* A bad value is refused at start with the option named. */
    server_config_t cfg;
    char err[512] = "";
    server_config_defaults(&cfg);
    cfg.port = 0;
    cfg.tls.tls13_ciphers = "TLS_NOT_A_SUITE";
    assert_null(server_start(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "--tls13-ciphers"));
}

static void test_alpn(void **state)
{
    tc_tls_t t;
    tc_conn_t c;
    server_t *s = start("--alpn http/1.1");
    /* A client that offers only h2 gets no_application_protocol. */
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    assert_int_equal(tc_connect(&c, &t, server_port(s), NULL), 0);
    assert_int_equal(ERR_GET_REASON(c.err), SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL);
    tc_close(&c);
    tc_tls_free(&t);

    /* Offering both: http/1.1 is chosen and a request gets 505, then close. */
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2,http/1.1", 0), 0);
    assert_int_equal(tc_connect(&c, &t, server_port(s), NULL), 1);
    const unsigned char *p;
    unsigned len;
    SSL_get0_alpn_selected(c.ssl, &p, &len);
    assert_int_equal(len, 8);
    assert_memory_equal(p, "http/1.1", 8);
    const char req[] = "GET / HTTP/1.1\r\nhost: localhost\r\n\r\n";
    assert_int_equal(tc_write_all(&c, (const uint8_t *)req, sizeof req - 1), 0);
    char resp[512] = "";
    size_t got = 0;
    for (int i = 0; i < 10 && got < sizeof resp - 1; i++) {
        int r = SSL_read(c.ssl, resp + got, (int)(sizeof resp - 1 - got));
        if (r <= 0) break;
        got += (size_t)r;
    }
    resp[got] = 0;
    assert_true(!strncmp(resp, "HTTP/1.1 505 ", 13));
    assert_int_equal(SSL_get_error(c.ssl, 0) == SSL_ERROR_ZERO_RETURN ||
                         (SSL_get_shutdown(c.ssl) & SSL_RECEIVED_SHUTDOWN),
                     1);
    tc_close(&c);
    tc_tls_free(&t);
    server_stop(s);

    /* The server's order decides, not the client's. */
    s = start("--alpn http/1.1,h2");
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2,http/1.1", 0), 0);
    assert_int_equal(tc_connect(&c, &t, server_port(s), NULL), 1);
    SSL_get0_alpn_selected(c.ssl, &p, &len);
    assert_int_equal(len, 8);
    tc_close(&c);
    tc_tls_free(&t);
    server_stop(s);
}

static void test_cert_files(void **state)
{
    char dir[] = "/tmp/tlsprof-certs-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[1024], cert[160], key[160], other_key[160];
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(other_key, sizeof other_key, "%s/other.pem", dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 2 "
             "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s "
             ">/dev/null 2>&1 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
             "-out %s >/dev/null 2>&1",
             key, cert, other_key);
    if (system(cmd) != 0) {
        rmdir(dir);
        skip(); /* no openssl command line tool */
    }
    char opts[512];
    snprintf(opts, sizeof opts, "--cert %s --key %s", cert, key);
    server_t *s = start(opts);
    /* server_cert_pem is the file's certificate, and the server presents it. */
    FILE *f = fopen(cert, "r");
    char file_pem[4096] = "";
    size_t n = fread(file_pem, 1, sizeof file_pem - 1, f);
    fclose(f);
    file_pem[n] = 0;
    assert_string_equal(server_cert_pem(s), file_pem);
    tc_tls_t t;
    tc_conn_t c;
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    assert_int_equal(tc_connect(&c, &t, server_port(s), NULL), 1);
    X509 *peer = SSL_get1_peer_certificate(c.ssl);
    assert_int_equal(EVP_PKEY_get_bits(X509_get0_pubkey(peer)), 384);
    X509_free(peer);
    tc_close(&c);
    tc_tls_free(&t);
    server_stop(s);

    server_config_t cfg;
    char err[512] = "";
    server_config_defaults(&cfg);
    cfg.port = 0;
    cfg.cert_file = cert;
    cfg.key_file = other_key;
    assert_null(server_start(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "does not match"));
    cfg.cert_file = "/nonexistent/cert.pem";
    assert_null(server_start(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "--cert /nonexistent/cert.pem"));
    unlink(cert);
    unlink(key);
    unlink(other_key);
    rmdir(dir);
}

int main(void)
{
    /* The client writes to connections the server may have closed. */
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_basics), cmocka_unit_test(test_resumption),
        cmocka_unit_test(test_no_tickets),       cmocka_unit_test(test_no_resume),
        cmocka_unit_test(test_ticket_key_files), cmocka_unit_test(test_early_data),
        cmocka_unit_test(test_tls_options),      cmocka_unit_test(test_alpn),
        cmocka_unit_test(test_cert_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
