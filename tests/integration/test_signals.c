/* test_signals.c - Ctrl-C never loses what was measured: the first SIGINT
 * stops new work, lets in-flight requests finish and writes the report;
 * a second one stops at once and still writes it. Also: a run that cannot
 * start at all still writes its JSON report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Start tlsprof with argv (NULL-terminated, without the program), output to /dev/null. */
static pid_t spawn(char *const args[])
{
    char *argv[40];
    int n = 0;
    argv[n++] = TLSPROF_BIN;
    for (int i = 0; args[i] && n < 39; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        FILE *null = freopen("/dev/null", "w", stdout);
        (void)null;
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* Wait at most limit_s for pid; returns its exit code, or -1 (then it is killed). */
static int wait_exit(pid_t pid, double limit_s, double *took)
{
    double t0 = now_s();
    int st;
    while (now_s() - t0 < limit_s) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            *took = now_s() - t0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

static json_t *load(const char *path)
{
    char *text = slurp_file(path, NULL);
    if (!text) return NULL;
    json_t *j = json_loads(text, 0, NULL);
    free(text);
    return j;
}

static void first_sigint_finishes_in_flight_and_reports(void **state)
{
    (void)state;
    peer_t p;
    assert_int_equal(peer_start_embedded(&p, NULL), PEER_OK);
    char *dir = make_temp_dir("sigint");
    char json[600];
    snprintf(json, sizeof json, "%s/r.json", dir);
    char *args[] = {p.url, "--cacert", p.cert_path, "--mode", "pooled", "-c", "2", "-m",
                    "4",   "-D",       "60",        "-q",     "--json", json, NULL};
    pid_t pid = spawn(args);
    sleep(1);
    kill(pid, SIGINT);
    double took;
    int rc = wait_exit(pid, 10, &took);
    assert_int_equal(rc, 4); /* interrupted, report written */
    json_t *r = load(json);
    assert_non_null(r);
    assert_true(jnum(r, "summary.interrupted") == 1);
    assert_true(jnum(r, "summary.requests_ok") > 0);
    /* Graceful: in-flight requests were allowed to finish, none failed. */
    assert_true(jnum(r, "summary.requests_failed") == 0);
    assert_true(jnum(r, "phases.ttfb.count") == jnum(r, "summary.requests_ok"));
    json_decref(r);
    rm_rf(dir);
    free(dir);
    peer_stop(&p);
}

/* The server stalls every response: a graceful stop would wait the whole
 * 60 s grace; the second SIGINT must end it at once, with the report. */
static void second_sigint_stops_at_once(void **state)
{
    (void)state;
    peer_t p;
    assert_int_equal(peer_start_embedded(&p, "--fault stall-response"), PEER_OK);
    char *dir = make_temp_dir("sigint2");
    char json[600];
    snprintf(json, sizeof json, "%s/r.json", dir);
    char *args[] = {p.url, "--cacert", p.cert_path, "--mode",  "pooled", "-c",
                    "2",   "-D",       "60",        "--grace", "60s",    "--request-timeout",
                    "60s", "-q",       "--json",    json,      NULL};
    pid_t pid = spawn(args);
    sleep(1);
    kill(pid, SIGINT);
    usleep(300000);
    kill(pid, SIGINT);
    double took;
    int rc = wait_exit(pid, 10, &took);
    assert_int_equal(rc, 4);
    if (took > 5) fail_msg("the second SIGINT took %.1f s to stop the run", took);
    json_t *r = load(json);
    assert_non_null(r);
    assert_true(jnum(r, "summary.interrupted") == 1);
    assert_true(jnum(r, "summary.requests_aborted") >= 2); /* the stalled ones */
    assert_true(jnum(r, "summary.connections_established") == 2);
    json_decref(r);
    rm_rf(dir);
    free(dir);
    peer_stop(&p);
}

static void unresolvable_host_still_writes_report(void **state)
{
    (void)state;
    run_result_t r;
    assert_int_equal(run_tlsprof(&r, "run https://no-such-host.invalid/ -q"), 0);
    assert_int_equal(r.exit_code, 3);
    assert_non_null(r.report);
    assert_true(jnum(r.report, "summary.exit_code") == 3);
    json_t *dns = jget(r.report, "errors.dns");
    assert_true(json_is_object(dns) && json_object_size(dns) == 1);
    run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_sigint_finishes_in_flight_and_reports),
        cmocka_unit_test(second_sigint_stops_at_once),
        cmocka_unit_test(unresolvable_host_still_writes_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
