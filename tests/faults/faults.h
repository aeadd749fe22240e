/* faults.h - what the fault-matrix tests (tests/faults/test_faults_*.c) share:
 * a private network namespace, the embedded server run in-process (so its
 * own counters are an independent truth), certificates with chosen validity,
 * a listener that drops SYNs, kernel counters, and assertions on the errors
 * object of a tlsprof report.
 *
 * Header-only because tests/CMakeLists.txt builds every test_*.c as its own
 * program from that one file (plus tests/support). The client is always the
 * real tlsprof binary, run through run_tlsprof(). */
#ifndef TLSPROF_TEST_FAULTS_H
#define TLSPROF_TEST_FAULTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "harness.h"
#include "server/server.h"

#define FAULTS_UNUSED __attribute__((unused))

/* ---- a private network namespace ----------------------------------------- */

/* 1 once the program runs in its own network namespace. */
static int faults_isolated;

/* Move this program (and every child it starts later: tlsprof, ss, iptables)
 * into a fresh network namespace with only loopback up. Kernel counters
 * (/proc/net/netstat), TIME_WAIT lists and iptables rules are then this
 * test's alone, whatever else runs on the machine. Needs root (or
 * CAP_SYS_ADMIN); without it the tests run on the shared loopback and those
 * that need isolation skip. Call first in main(), before any thread exists. */
static FAULTS_UNUSED void faults_enter_netns(void)
{
    if (unshare(CLONE_NEWNET) != 0) {
        fprintf(stderr, "faults: no private network namespace (%s); sharing the host's loopback\n",
                strerror(errno));
        return;
    }
    /* A new namespace has lo down; bringing it up assigns 127.0.0.1/8 and ::1. */
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) != 0 ||
        (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)) {
        fprintf(stderr, "faults: cannot bring up lo in the new namespace: %s\n", strerror(errno));
        exit(1);
    }
    close(fd);
    faults_isolated = 1;
}

#define SKIP_UNLESS_ISOLATED()                                                                     \
    do {                                                                                           \
        if (!faults_isolated) {                                                                    \
            print_message("SKIPPED: needs a private network namespace (run as root)\n");           \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* ---- kernel counters ------------------------------------------------------ */

/* A TcpExt counter of /proc/net/netstat (this namespace), or -1. */
static FAULTS_UNUSED long long netstat_counter(const char *name)
{
    char *text = slurp_file("/proc/net/netstat", NULL);
    if (!text) return -1;
    long long value = -1;
    /* Pairs of lines: "TcpExt: Name Name ..." then "TcpExt: 1 2 ...". */
    char *names = strstr(text, "TcpExt:");
    char *values = names ? strstr(names + 7, "TcpExt:") : NULL;
    if (values) {
        char *nl = strchr(names, '\n');
        if (nl) *nl = '\0';
        char *save1, *save2;
        char *n = strtok_r(names + 7, " \n", &save1);
        char *v = strtok_r(values + 7, " \n", &save2);
        for (; n && v; n = strtok_r(NULL, " \n", &save1), v = strtok_r(NULL, " \n", &save2)) {
            if (!strcmp(n, name)) {
                value = atoll(v);
                break;
            }
        }
    }
    free(text);
    return value;
}

/* Lines of `ss -Htan state STATE FILTER` (e.g. "src 127.0.0.1:443"), or -1. */
static FAULTS_UNUSED int ss_count(const char *state, const char *filter)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ss -Htan state %s %s 2>/dev/null", state, filter);
    FILE *f = popen(cmd, "r");
    if (!f) return -1;
    int lines = 0, c, at_start = 1;
    while ((c = fgetc(f)) != EOF) {
        if (at_start && c != '\n') lines++;
        at_start = c == '\n';
    }
    return pclose(f) == 0 ? lines : -1;
}

/* ---- certificates ---------------------------------------------------------- */

static int faults_add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext) return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static int faults_write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    int ok =
        cert ? PEM_write_X509(f, cert) : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* An ECDSA P-256 certificate valid from `from_days` to `to_days` relative to
 * now (negative = in the past) and its key, as PEM files. Without a CA
 * (ca_cert NULL) it is a self-signed server certificate for localhost and
 * 127.0.0.1; with `is_ca` it is a CA that can sign such certificates; with
 * ca_cert/ca_key it is a server certificate issued by that CA. 0 or -1. */
static FAULTS_UNUSED int write_cert(const char *cert_path, const char *key_path, long from_days,
                                    long to_days, int is_ca, const char *ca_cert,
                                    const char *ca_key)
{
    int rc = -1;
    EVP_PKEY *key = EVP_EC_gen("P-256"), *issuer_key = key;
    X509 *cert = X509_new(), *issuer = NULL;
    BIGNUM *serial = BN_new();
    if (!key || !cert || !serial) goto out;
    if (ca_cert) {
        FILE *f = fopen(ca_cert, "r");
        issuer = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
        if (f) fclose(f);
        f = fopen(ca_key, "r");
        issuer_key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
        if (f) fclose(f);
        if (!issuer || !issuer_key) goto out;
    }
    if (!BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
        !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)))
        goto out;
    X509_set_version(cert, 2);
    X509_gmtime_adj(X509_getm_notBefore(cert), from_days * 86400L);
    X509_gmtime_adj(X509_getm_notAfter(cert), to_days * 86400L);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)(is_ca ? "tlsprof faults CA" : "localhost"),
                               -1, -1, 0);
    X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
    if (is_ca ? faults_add_ext(cert, NID_basic_constraints, "critical,CA:TRUE") ||
                    faults_add_ext(cert, NID_key_usage, "critical,keyCertSign")
              : faults_add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") ||
                    faults_add_ext(cert, NID_ext_key_usage, "serverAuth") ||
                    faults_add_ext(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"))
        goto out;
    if (!X509_sign(cert, issuer_key, EVP_sha256())) goto out;
    if (faults_write_pem(key_path, NULL, key) == 0 && faults_write_pem(cert_path, cert, NULL) == 0)
        rc = 0;
out:
    if (rc) ERR_print_errors_fp(stderr);
    if (issuer_key != key) EVP_PKEY_free(issuer_key);
    X509_free(issuer);
    BN_free(serial);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

/* ---- the embedded server, in-process --------------------------------------- */

typedef struct fsrv {
    server_t *s;
    int port;
    char url[128];  /* "https://127.0.0.1:PORT/" */
    char cert[600]; /* the certificate clients should trust (PEM file) */
    char *dir;
} fsrv_t;

/* Start the embedded server with `tlsprof serve` options (e.g. "--fault
 * rst-stream:CANCEL --fault-every 2") on 127.0.0.1, a kernel-chosen port. */
static FAULTS_UNUSED void fsrv_start(fsrv_t *f, const char *options)
{
    memset(f, 0, sizeof *f);
    char line[512];
    snprintf(line, sizeof line, "serve --listen 127.0.0.1:0 %s", options ? options : "");
    char **argv = NULL;
    int argc = split_args(line, &argv);
    assert_true(argc > 0);
    server_config_t cfg;
    char err[1024] = "";
    server_config_defaults(&cfg);
    if (server_config_parse(&cfg, argc, argv, err, sizeof err) != 0)
        fail_msg("server options '%s': %s", options, err);
    f->s = server_start(&cfg, err, sizeof err);
    free_args(argv); /* the server copied what it keeps */
    if (!f->s) fail_msg("server did not start (%s): %s", options, err);
    f->port = server_port(f->s);
    snprintf(f->url, sizeof f->url, "https://127.0.0.1:%d/", f->port);
    f->dir = make_temp_dir("faults");
    assert_non_null(f->dir);
    snprintf(f->cert, sizeof f->cert, "%s/cert.pem", f->dir);
    const char *pem = server_cert_pem(f->s);
    assert_int_equal(write_file(f->cert, pem, strlen(pem)), 0);
}

static FAULTS_UNUSED server_stats_t fsrv_stats(const fsrv_t *f)
{
    server_stats_t st;
    server_stats(f->s, &st);
    return st;
}

static FAULTS_UNUSED void fsrv_stop(fsrv_t *f)
{
    server_stop(f->s);
    f->s = NULL;
    if (f->dir) {
        rm_rf(f->dir);
        free(f->dir);
        f->dir = NULL;
    }
}

/* ---- a TCP listener that drops every SYN ----------------------------------- */

typedef struct blackhole {
    int listen_fd, filler_fd, port;
} blackhole_t;

/* A listener whose accept queue is full and never drained: the kernel drops
 * further SYNs without an answer (ListenOverflows), so connecting to it looks
 * exactly like a black-holed SYN. No root, no iptables, loopback only. */
static FAULTS_UNUSED void blackhole_open(blackhole_t *b)
{
    b->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(b->listen_fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    assert_int_equal(bind(b->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    /* Backlog 0: the queue holds one connection, which the filler takes. */
    assert_int_equal(listen(b->listen_fd, 0), 0);
    assert_int_equal(getsockname(b->listen_fd, (struct sockaddr *)&a, &alen), 0);
    b->port = ntohs(a.sin_port);
    b->filler_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_int_equal(connect(b->filler_fd, (struct sockaddr *)&a, sizeof a), 0);
    /* The filler is queued once the server side saw our final ACK; wait
     * until a second connect attempt really gets no answer. */
    usleep(50 * 1000);
}

static FAULTS_UNUSED void blackhole_close(blackhole_t *b)
{
    close(b->filler_fd);
    close(b->listen_fd);
}

/* ---- running tlsprof and checking its report -------------------------------- */

/* How a failing check explains itself: the command, its stderr and the
 * report's summary and errors. */
static FAULTS_UNUSED void explain(const run_result_t *r)
{
    print_message("command: %s\nexit %d after %.2f s\nstderr: %s\n", r->cmdline, r->exit_code,
                  r->wall_s, r->err);
    if (!r->report) return;
    char *s = json_dumps(jget(r->report, "summary"), JSON_COMPACT);
    char *e = json_dumps(jget(r->report, "errors"), JSON_COMPACT);
    print_message("summary: %s\nerrors: %s\n", s ? s : "-", e ? e : "-");
    free(s);
    free(e);
}

#define CHECK(r, cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            explain(r);                                                                            \
            fail_msg("%s", #cond);                                                                 \
        }                                                                                          \
    } while (0)

/* Run tlsprof with a deadline; it must finish on its own (its timeouts
 * fire) and write a report. */
#define RUN(r, timeout_s, ...)                                                                     \
    do {                                                                                           \
        if (run_tlsprof_timeout((r), (timeout_s), __VA_ARGS__) != 0)                               \
            fail_msg("tlsprof did not finish within %d s", (timeout_s));                           \
        CHECK((r), (r)->report != NULL);                                                           \
        CHECK((r), jnum((r)->report, "summary.exit_code") == (r)->exit_code);                      \
    } while (0)

/* A summary number, exactly. */
static FAULTS_UNUSED double sum_of(const run_result_t *r, const char *key)
{
    char path[96];
    snprintf(path, sizeof path, "summary.%s", key);
    return jnum(r->report, path);
}

static FAULTS_UNUSED double phase_count(const run_result_t *r, const char *phase)
{
    char path[96];
    snprintf(path, sizeof path, "phases.%s.count", phase);
    return jnum(r->report, path);
}

/* The report's errors object must be exactly these (phase, reason, count)
 * triples, NULL-terminated: the right phase, the right reason, the right
 * count, and nothing else. Reasons are looked up as whole keys (they
 * contain dots and colons). */
static FAULTS_UNUSED void expect_errors(const run_result_t *r, ...)
{
    json_t *errors = jget(r->report, "errors");
    CHECK(r, json_is_object(errors));
    va_list ap;
    va_start(ap, r);
    size_t expected = 0;
    for (;;) {
        const char *phase = va_arg(ap, const char *);
        if (!phase) break;
        const char *reason = va_arg(ap, const char *);
        int count = va_arg(ap, int);
        expected++;
        json_t *n = json_object_get(json_object_get(errors, phase), reason);
        if (!json_is_integer(n) || json_integer_value(n) != count) {
            explain(r);
            fail_msg("errors.%s[\"%s\"] should be %d", phase, reason, count);
        }
    }
    va_end(ap);
    size_t have = 0;
    const char *phase;
    json_t *reasons;
    json_object_foreach(errors, phase, reasons) have += json_object_size(reasons);
    if (have != expected) {
        explain(r);
        fail_msg("the report has %zu error reasons, expected exactly %zu", have, expected);
    }
}

/* The count of `reason` under `phase`, 0 when absent. */
static FAULTS_UNUSED long long error_count(const run_result_t *r, const char *phase,
                                           const char *reason)
{
    json_t *n = json_object_get(json_object_get(jget(r->report, "errors"), phase), reason);
    return json_is_integer(n) ? json_integer_value(n) : 0;
}

#endif
