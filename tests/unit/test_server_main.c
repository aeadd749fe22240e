/* test_server_main.c - `tlsprof serve` as a process: the one "listening on"
 * line, --write-cert, --help, exit codes, SIGTERM/SIGINT handling and the
 * counters printed on exit. Runs the built binary (TLSPROF_BIN). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "test_server_client.h"

typedef struct proc {
    pid_t pid;
    int out, err; /* read ends of the child's stdout and stderr */
} proc_t;

static void spawn(proc_t *p, const char *const *args)
{
    char *argv[32];
    int n = 0;
    argv[n++] = TLSPROF_BIN;
    for (; args[n - 1] && n < 31; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    int out[2], err[2];
    assert_int_equal(pipe(out), 0);
    assert_int_equal(pipe(err), 0);
    p->pid = fork();
    assert_true(p->pid >= 0);
    if (p->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a killed test */
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(out[0]);
        close(err[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    p->out = out[0];
    p->err = err[0];
}

/* Read fd until EOF, a newline count or the deadline; returns length. */
static size_t read_until(int fd, char *buf, size_t cap, int lines, int timeout_ms)
{
    size_t n = 0;
    long long deadline = tc_now_ms() + timeout_ms;
    while (n + 1 < cap && tc_now_ms() < deadline) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, 50) <= 0) continue;
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0) break;
        n += (size_t)r;
        buf[n] = 0;
        int seen = 0;
        for (size_t i = 0; i < n; i++)
            seen += buf[i] == '\n';
        if (lines && seen >= lines) break;
    }
    buf[n] = 0;
    return n;
}

/* Wait (bounded) for the child; returns its exit code, or -1 after SIGKILL. */
static int finish(proc_t *p, int timeout_ms)
{
    int status;
    long long deadline = tc_now_ms() + timeout_ms;
    while (waitpid(p->pid, &status, WNOHANG) == 0) {
        if (tc_now_ms() > deadline) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &status, 0);
            close(p->out);
            close(p->err);
            return -1;
        }
        tc_sleep_ms(10);
    }
    close(p->out);
    close(p->err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

static void test_serve_lifecycle(void **state)
{
    char cert_path[] = "/tmp/tlsprof-serve-cert-XXXXXX";
    int fd = mkstemp(cert_path);
    assert_true(fd >= 0);
    close(fd);
    const char *args[] = {"serve", "--listen",     "127.0.0.1:0", "--body-size",
                          "1KiB",  "--write-cert", cert_path,     NULL};
    proc_t p;
    spawn(&p, args);
    char out[256];
    read_until(p.out, out, sizeof out, 1, 5000);
    int port = 0;
    char rest = 0;
    /* Exactly one line, exactly this form. */
    assert_int_equal(sscanf(out, "listening on https://127.0.0.1:%d\n%c", &port, &rest), 1);
    assert_true(port > 0 && port < 65536);

    /* The written certificate is the one clients can verify against. */
    char *pem = slurp(cert_path);
    assert_non_null(pem);
    assert_non_null(strstr(pem, "-----BEGIN CERTIFICATE-----"));
    tc_tls_t t;
    assert_int_equal(tc_tls_init(&t, pem, "h2", 0), 0);
    for (int i = 0; i < 3; i++) {
        tc_stream_t r;
        assert_int_equal(tc_get_once(&t, port, NULL, &r, NULL), 0);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.body, 1024);
    }
    tc_tls_free(&t);

    kill(p.pid, SIGTERM);
    char err[4096];
    read_until(p.err, err, sizeof err, 0, 5000);
    assert_int_equal(finish(&p, 5000), 0);
    /* Counters on stderr: 3 connections, 3 full handshakes, 3 requests. */
    assert_non_null(strstr(err, "SIGTERM"));
    assert_non_null(strstr(err, "connections 3,"));
    assert_non_null(strstr(err, "handshakes 3 full / 0 resumed"));
    assert_non_null(strstr(err, "requests 3 "));
    assert_non_null(strstr(err, "errors 0 "));
    unlink(cert_path);
}

static void test_serve_sigint_threads(void **state)
{
    const char *args[] = {"serve", "--listen", "127.0.0.1:0", "--threads", "3", NULL};
    proc_t p;
    spawn(&p, args);
    char out[256];
    read_until(p.out, out, sizeof out, 1, 5000);
    assert_non_null(strstr(out, "listening on https://127.0.0.1:"));
    kill(p.pid, SIGINT);
    char err[4096];
    read_until(p.err, err, sizeof err, 0, 5000);
    assert_int_equal(finish(&p, 5000), 0);
    assert_non_null(strstr(err, "SIGINT"));
    for (int i = 0; i < 3; i++) {
        char label[32];
        snprintf(label, sizeof label, "thread %d: connections 0", i);
        assert_non_null(strstr(err, label));
    }
    assert_non_null(strstr(err, "total: connections 0"));
}

static void test_serve_ipv6(void **state)
{
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int have_v6 = probe >= 0 && bind(probe, (struct sockaddr *)&a, sizeof a) == 0;
    if (probe >= 0) close(probe);
    if (!have_v6) skip();
    const char *args[] = {"serve", "--listen", "[::1]:0", NULL};
    proc_t p;
    spawn(&p, args);
    char out[256];
    read_until(p.out, out, sizeof out, 1, 5000);
    assert_non_null(strstr(out, "listening on https://[::1]:"));
    kill(p.pid, SIGTERM);
    char err[4096];
    read_until(p.err, err, sizeof err, 0, 5000);
    assert_int_equal(finish(&p, 5000), 0);
}

static void test_serve_help_and_errors(void **state)
{
    const char *help[] = {"serve", "--help", NULL};
    proc_t p;
    spawn(&p, help);
    char out[8192];
    read_until(p.out, out, sizeof out, 0, 5000);
    assert_int_equal(finish(&p, 5000), 0);
    const char *options[] = {
        "--listen",          "--cert",      "--key",         "--write-cert",    "--body-size",
        "--threads",         "--tls-min",   "--tls-max",     "--tls13-ciphers", "--ciphers",
        "--groups",          "--sigalgs",   "--alpn",        "--tickets",       "--no-tickets",
        "--ticket-key-file", "--no-resume", "--early-data",  "--allow-replay",  "--max-streams",
        "--idle-timeout",    "--fault",     "--fault-every", "--verbose",       "rst-after-accept",
        "flow-stall"};
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        if (!strstr(out, options[i])) fail_msg("--help does not mention %s", options[i]);

    const char *bad[] = {"serve", "--body-size", "lots", NULL};
    spawn(&p, bad);
    char err[1024];
    read_until(p.err, err, sizeof err, 0, 5000);
    assert_int_equal(finish(&p, 5000), 2);
    assert_non_null(strstr(err, "--body-size 'lots'"));

    /* A port that is taken: a clear bind error, exit 2. */
    int taken = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(taken, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(taken, 1), 0);
    getsockname(taken, (struct sockaddr *)&a, &len);
    char listen_arg[64];
    snprintf(listen_arg, sizeof listen_arg, "127.0.0.1:%d", ntohs(a.sin_port));
    const char *busy[] = {"serve", "--listen", listen_arg, NULL};
    spawn(&p, busy);
    read_until(p.err, err, sizeof err, 0, 5000);
    assert_int_equal(finish(&p, 5000), 2);
    assert_non_null(strstr(err, "bind"));
    assert_non_null(strstr(err, listen_arg));
    close(taken);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve_lifecycle),
        cmocka_unit_test(test_serve_sigint_threads),
        cmocka_unit_test(test_serve_ipv6),
        cmocka_unit_test(test_serve_help_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
