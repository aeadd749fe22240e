/* test_kernel_ports.c - ephemeral port budget: sysctl parsing (fixtures), the
 * exhaustion arithmetic, and the real thing in a private namespace with a
 * 10-port range: connect() fails with EADDRNOTAVAIL exactly where the model
 * says, and tcp_tw_reuse=2 lets loopback connects take TIME_WAIT ports over. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_kernel_net.h"

#include "measure/netstat.h"
#include "measure/ports.h"

#define FIXTURES TLSPROF_SOURCE_DIR "/tests/data/proc"

static void test_read_fixture_default(void **state)
{
    (void)state;
    ports_info_t pi;
    char err[256];
    assert_int_equal(ports_info_read_dir(&pi, FIXTURES "/sys_default", err, sizeof err), 0);
    assert_int_equal(pi.lo, 32768);
    assert_int_equal(pi.hi, 60999);
    assert_int_equal(pi.reserved, 0);
    assert_int_equal(pi.tw_reuse, 2);
    assert_int_equal(pi.tw_reuse_delay_ms, 1000);
    assert_int_equal(pi.timestamps, 1);
    assert_int_equal(ports_usable(&pi), 28232);
}

static void test_read_fixture_narrow(void **state)
{
    (void)state;
    ports_info_t pi;
    char err[256];
    assert_int_equal(ports_info_read_dir(&pi, FIXTURES "/sys_narrow", err, sizeof err), 0);
    assert_int_equal(pi.lo, 40000);
    assert_int_equal(pi.hi, 40999);
    /* 39000-40099 overlaps the range in 40000-40099 (100 ports), 40500 is
     * inside, 50000-50010 is outside. */
    assert_int_equal(pi.reserved, 101);
    assert_int_equal(ports_usable(&pi), 899);
    assert_int_equal(pi.tw_reuse, 0);
    assert_int_equal(pi.tw_reuse_delay_ms, -1); /* file absent: older kernel */
}

static void test_read_errors(void **state)
{
    (void)state;
    ports_info_t pi;
    char err[256];
    assert_int_equal(ports_info_read_dir(&pi, FIXTURES "/sys_bad", err, sizeof err), -1);
    assert_non_null(strstr(err, "ip_local_port_range"));
    assert_non_null(strstr(err, "70000 1000"));
    assert_int_equal(ports_info_read_dir(&pi, FIXTURES "/no_such_dir", err, sizeof err), -1);
    assert_non_null(strstr(err, "no_such_dir/ip_local_port_range"));
}

static void test_live_matches_proc(void **state)
{
    (void)state;
    ports_info_t pi;
    char err[256];
    assert_int_equal(ports_info_read(&pi, err, sizeof err), 0);
    unsigned lo = 0, hi = 0;
    int reuse = -1;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%u %u", &lo, &hi), 2);
    fclose(f);
    f = fopen("/proc/sys/net/ipv4/tcp_tw_reuse", "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%d", &reuse), 1);
    fclose(f);
    assert_int_equal(pi.lo, lo);
    assert_int_equal(pi.hi, hi);
    assert_int_equal(pi.tw_reuse, reuse);
}

static ports_info_t default_info(void)
{
    ports_info_t pi = {
        .lo = 32768, .hi = 60999, .tw_reuse = 2, .tw_reuse_delay_ms = 1000, .timestamps = 1};
    return pi;
}

static void test_exhaustion_math(void **state)
{
    (void)state;
    ports_info_t pi = default_info();
    char w[1024];
    ports_plan_t plan = {.new_conns_per_s = 400,
                         .duration_s = 120,
                         .n_source_addrs = 1,
                         .target_is_loopback = 0,
                         .client_closes_first = 1};
    /* 400/s x 60 s = 24000 <= 28232: fits. */
    assert_true(ports_needed(&pi, &plan) == 24000.0);
    assert_int_equal(ports_exhaustion_assess(&pi, &plan, w, sizeof w), 0);
    assert_string_equal(w, "");
    /* 500/s x 60 s = 30000 > 28232: warns, and says when it breaks. */
    plan.new_conns_per_s = 500;
    assert_int_equal(ports_exhaustion_assess(&pi, &plan, w, sizeof w), 1);
    assert_non_null(strstr(w, "30000"));
    assert_non_null(strstr(w, "32768-60999"));
    assert_non_null(strstr(w, "EADDRNOTAVAIL"));
    assert_non_null(strstr(w, "~56.5 s")); /* 28232 / 500 */
    assert_non_null(strstr(w, "2 = loopback only"));
    /* A run shorter than TIME_WAIT holds only rate x duration ports. */
    plan.duration_s = 30; /* 15000 */
    assert_int_equal(ports_exhaustion_assess(&pi, &plan, w, sizeof w), 0);
    plan.duration_s = 120;
    /* Two source addresses double the budget. */
    plan.n_source_addrs = 2;
    assert_int_equal(ports_exhaustion_assess(&pi, &plan, w, sizeof w), 0);
    plan.n_source_addrs = 1;
    /* Server closes first: TIME_WAIT is the server's, our ports come back. */
    plan.client_closes_first = 0;
    assert_true(ports_hold_seconds(&pi, &plan) == 0.0);
    assert_int_equal(ports_exhaustion_assess(&pi, &plan, w, sizeof w), 0);
    plan.client_closes_first = 1;
    /* tw_reuse=2 covers a loopback target: ports come back after 1 s. */
    plan.target_is_loopback = 1;
    assert_true(ports_hold_seconds(&pi, &plan) == 1.0);
    plan.new_conns_per_s = 20000;
    assert_int_equal(ports_exhaustion_assess(&pi, &plan, w, sizeof w), 0);
    plan.new_conns_per_s = 30000;
    assert_int_equal(ports_exhaustion_assess(&pi, &plan, w, sizeof w), 1);
    /* ...but not without timestamps, and not a remote target. */
    plan.new_conns_per_s = 500;
    pi.timestamps = 0;
    assert_true(ports_hold_seconds(&pi, &plan) == PORTS_TIME_WAIT_S);
    pi.timestamps = 1;
    plan.target_is_loopback = 0;
    assert_int_equal(ports_exhaustion_assess(&pi, &plan, w, sizeof w), 1);
    pi.tw_reuse = 1; /* 1 covers every destination */
    assert_int_equal(ports_exhaustion_assess(&pi, &plan, w, sizeof w), 0);
    /* Reserved ports shrink the budget. */
    pi = default_info();
    pi.reserved = 28232 - 23999;
    plan.new_conns_per_s = 400; /* 24000 > 23999 */
    assert_int_equal(ports_exhaustion_assess(&pi, &plan, w, sizeof w), 1);
    /* An open-ended run (duration <= 0) is judged at steady state. */
    pi = default_info();
    plan.duration_s = 0;
    assert_true(ports_needed(&pi, &plan) == 24000.0);
}

static void test_brief_form_and_json(void **state)
{
    (void)state;
    char w[1024];
    /* The worst-case form on this machine's range: 0 conns/s always fits,
     * 10^6/s never does. */
    assert_int_equal(ports_exhaustion_check(0, 60, 1, w, sizeof w), 0);
    assert_int_equal(ports_exhaustion_check(1e6, 60, 1, w, sizeof w), 1);
    assert_non_null(strstr(w, "ip_local_port_range"));

    ports_info_t pi = default_info();
    json_t *j = ports_to_json(&pi, 500, "a warning");
    assert_non_null(j);
    json_t *range = json_object_get(j, "range");
    assert_int_equal(json_array_size(range), 2);
    assert_int_equal(json_integer_value(json_array_get(range, 0)), 32768);
    assert_int_equal(json_integer_value(json_array_get(range, 1)), 60999);
    assert_int_equal(json_integer_value(json_object_get(j, "tw_reuse")), 2);
    assert_true(json_number_value(json_object_get(j, "planned_rate")) == 500.0);
    assert_string_equal(json_string_value(json_object_get(j, "warning")), "a warning");
    json_decref(j);
    j = ports_to_json(&pi, 0, "");
    assert_true(json_is_null(json_object_get(j, "warning")));
    json_decref(j);

    assert_string_equal(ports_errno_reason(EADDRNOTAVAIL), "ephemeral ports exhausted");
    assert_null(ports_errno_reason(ECONNREFUSED));
    assert_null(ports_errno_reason(0));
}

/* ---- the real limit, in a private namespace ------------------------------ */

static int write_sysctl(const char *name, const char *value)
{
    char path[256];
    snprintf(path, sizeof path, "/proc/sys/net/ipv4/%s", name);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    int ok = fputs(value, f) >= 0;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* Client-closes-first connections until connect() fails. v[0] = successful
 * connects, v[1] = errno of the failure, v[2] = whether the model warned for
 * (successes + 1) connections in 1 s, v[3] = whether it stayed quiet for
 * exactly the usable count. With arg != NULL, tcp_tw_reuse=2 is set and the
 * body then waits for a connect that takes a TIME_WAIT port over: v[4] = 1
 * when it succeeded within 3 s, v[5] = TcpExt TWRecycled delta. */
static void exhaust_body(kn_report_t *r, void *arg)
{
    int reuse = arg != NULL;
    int port;
    /* Listen first: bind(0) takes its port from the range too, and must not
     * take one of the ten. */
    int lfd = kn_listen(AF_INET, &port);
    if (lfd < 0) KN_BAIL(r, "listen");
    if (write_sysctl("ip_local_port_range", "40000 40009") != 0 ||
        write_sysctl("tcp_tw_reuse", reuse ? "2" : "0") != 0)
        KN_BAIL(r, "setting the namespace's ip_local_port_range / tcp_tw_reuse");
    int ok = 0, err = 0;
    for (int i = 0; i < 50; i++) {
        int c = kn_connect(AF_INET, port);
        if (c < 0) {
            err = errno;
            break;
        }
        int s = kn_accept(lfd);
        if (s < 0) KN_BAIL(r, "accept");
        close(c);
        if (kn_wait_eof(s) != 0) KN_BAIL(r, "waiting for the client's FIN");
        close(s);
        ok++;
    }
    r->v[0] = (uint64_t)ok;
    r->v[1] = (uint64_t)err;

    ports_info_t pi;
    char msg[512];
    if (ports_info_read(&pi, msg, sizeof msg) != 0) KN_BAIL(r, msg);
    ports_plan_t plan = {.new_conns_per_s = ok + 1,
                         .duration_s = 1,
                         .n_source_addrs = 1,
                         .target_is_loopback = 0,
                         .client_closes_first = 1};
    r->v[2] = (uint64_t)ports_exhaustion_assess(&pi, &plan, msg, sizeof msg);
    plan.new_conns_per_s = ok;
    r->v[3] = (uint64_t)ports_exhaustion_assess(&pi, &plan, msg, sizeof msg);

    if (reuse) {
        static netstat_snapshot_t before, after;
        char e[256];
        if (netstat_read(&before, e, sizeof e) != 0) KN_BAIL(r, "netstat_read");
        int c = -1;
        for (int i = 0; i < 30 && c < 0; i++) {
            usleep(100000);
            c = kn_connect(AF_INET, port);
        }
        r->v[4] = c >= 0;
        if (c >= 0) close(c);
        if (netstat_read(&after, e, sizeof e) != 0) KN_BAIL(r, "netstat_read");
        uint64_t d = 0;
        netstat_counter_delta(&before, &after, "TcpExt", "TWRecycled", &d);
        r->v[5] = d;
    }
    close(lfd);
}

static void run_exhaust(void *arg, kn_report_t *r)
{
    if (geteuid() != 0) {
        print_message("skipped: needs root for a private network namespace\n");
        skip();
    }
    kn_run_in_netns(exhaust_body, arg, 0, 30, r);
    if (r->status == KN_SKIP) {
        print_message("skipped: %s\n", r->msg);
        skip();
    }
    if (r->status != KN_OK) fail_msg("%s", r->msg);
}

static void test_real_exhaustion_in_netns(void **state)
{
    (void)state;
    kn_report_t r;
    run_exhaust(NULL, &r);
    print_message("range 40000-40009, tw_reuse 0: %llu connects, then %s\n",
                  (unsigned long long)r.v[0], strerror((int)r.v[1]));
    /* Ten ports, each held by TIME_WAIT: the eleventh connect fails... */
    assert_int_equal(r.v[0], 10);
    assert_int_equal(r.v[1], EADDRNOTAVAIL);
    assert_string_equal(ports_errno_reason((int)r.v[1]), "ephemeral ports exhausted");
    /* ...exactly where the model draws the line. */
    assert_int_equal(r.v[2], 1);
    assert_int_equal(r.v[3], 0);
}

static void test_tw_reuse_loopback_in_netns(void **state)
{
    (void)state;
    kn_report_t r;
    run_exhaust((void *)1, &r);
    print_message("range 40000-40009, tw_reuse 2: %llu connects, then %s; "
                  "after waiting: connect %s, TWRecycled +%llu\n",
                  (unsigned long long)r.v[0], strerror((int)r.v[1]), r.v[4] ? "ok" : "failed",
                  (unsigned long long)r.v[5]);
    /* Within the first second nothing may be reused... */
    assert_int_equal(r.v[0], 10);
    assert_int_equal(r.v[1], EADDRNOTAVAIL);
    /* ...then tw_reuse=2 hands a loopback connect a TIME_WAIT port. */
    assert_int_equal(r.v[4], 1);
    assert_int_equal(r.v[5], 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_fixture_default),
        cmocka_unit_test(test_read_fixture_narrow),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_live_matches_proc),
        cmocka_unit_test(test_exhaustion_math),
        cmocka_unit_test(test_brief_form_and_json),
        cmocka_unit_test(test_real_exhaustion_in_netns),
        cmocka_unit_test(test_tw_reuse_loopback_in_netns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
