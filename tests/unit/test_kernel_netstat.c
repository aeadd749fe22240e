/* test_kernel_netstat.c - /proc/net/snmp and /proc/net/netstat parsing on real
 * copies (tests/data/proc/), the system_deltas JSON, malformed input, and a
 * live check that connects move Tcp ActiveOpens by exactly their number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_kernel_net.h"

#include "measure/netstat.h"

#define FIXTURES TLSPROF_SOURCE_DIR "/tests/data/proc"

/* Deltas between the namespace copies, see tests/data/proc/README.md. */
#define EXPECT_RETRANS_SEGS 5
#define EXPECT_SYN_RETRANS 5
#define EXPECT_TIMEOUTS 5
#define EXPECT_OVERFLOWS 6
#define EXPECT_DROPS 6
#define EXPECT_ABORT_ON_DATA 3
#define EXPECT_TW 8

/* ~70 KiB each: static rather than on the test's stack. */
static netstat_snapshot_t snap_a, snap_b;

static uint64_t get(const netstat_snapshot_t *s, const char *group, const char *name)
{
    uint64_t v = 0;
    if (netstat_get(s, group, name, &v) != 0) fail_msg("counter %s %s missing", group, name);
    return v;
}

/* A copy of this development machine's files (kernel 6.18). */
static void test_parse_host_copy(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(netstat_read_files(&snap_a, FIXTURES "/snmp_host", FIXTURES "/netstat_host",
                                        err, sizeof err),
                     0);
    assert_int_equal(get(&snap_a, "Tcp", "ActiveOpens"), 1926);
    assert_int_equal(get(&snap_a, "Tcp", "PassiveOpens"), 1828);
    assert_int_equal(get(&snap_a, "Tcp", "RetransSegs"), 1);
    assert_int_equal(get(&snap_a, "Tcp", "OutRsts"), 164);
    assert_true(get(&snap_a, "Tcp", "MaxConn") == UINT64_MAX); /* printed as -1 */
    assert_int_equal(get(&snap_a, "Ip", "Forwarding"), 2);
    assert_int_equal(get(&snap_a, "TcpExt", "TW"), 1762);
    assert_int_equal(get(&snap_a, "TcpExt", "TCPAbortOnData"), 64);
    assert_int_equal(get(&snap_a, "TcpExt", "TCPTimeouts"), 2);
    assert_int_equal(get(&snap_a, "IpExt", "InOctets"), 212006888);
    /* Same name, different group: kept apart. */
    assert_int_equal(get(&snap_a, "Udp", "InErrors"), 0);
    assert_int_equal(get(&snap_a, "Tcp", "InErrs"), 0);
    uint64_t v;
    assert_int_equal(netstat_get(&snap_a, "TcpExt", "RetransSegs", &v), -1);
    assert_int_equal(netstat_get(&snap_a, "Tcp", "NoSuchCounter", &v), -1);
    /* Every counter of both files: 312 on this kernel. */
    assert_int_equal(snap_a.count, 312);
}

/* Copies taken in a private namespace before and after provoking each event
 * (see tests/data/proc/README.md): 2 dropped SYNs, a listen queue overflow,
 * 3 resets for data after shutdown, and 8 TIME_WAITs left to expire. */
static void test_delta_of_namespace_copies(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(netstat_read_files(&snap_a, FIXTURES "/snmp_before",
                                        FIXTURES "/netstat_before", err, sizeof err),
                     0);
    assert_int_equal(netstat_read_files(&snap_b, FIXTURES "/snmp_after", FIXTURES "/netstat_after",
                                        err, sizeof err),
                     0);
    netstat_delta_t d;
    netstat_delta(&snap_a, &snap_b, &d);
    assert_int_equal(d.valid, (1u << NETSTAT_KEY_COUNT) - 1);
    json_t *j = netstat_delta_to_json(&d);
    assert_non_null(j);
    /* Exactly the seven keys of the report contract. */
    assert_int_equal(json_object_size(j), 7);
    const char *keys[] = {"TcpRetransSegs", "TCPSynRetrans",  "TCPTimeouts", "ListenOverflows",
                          "ListenDrops",    "TCPAbortOnData", "TW"};
    for (size_t i = 0; i < 7; i++) {
        json_t *v = json_object_get(j, keys[i]);
        assert_non_null(v);
        assert_true(json_is_integer(v));
        assert_string_equal(netstat_key_name((netstat_key)i), keys[i]);
        const char *group, *name;
        netstat_key_source((netstat_key)i, &group, &name);
        uint64_t expect = get(&snap_b, group, name) - get(&snap_a, group, name);
        assert_int_equal(json_integer_value(v), expect);
    }
    /* The values the generator provoked. */
    assert_int_equal(json_integer_value(json_object_get(j, "TCPSynRetrans")), EXPECT_SYN_RETRANS);
    assert_int_equal(json_integer_value(json_object_get(j, "TcpRetransSegs")), EXPECT_RETRANS_SEGS);
    assert_int_equal(json_integer_value(json_object_get(j, "TCPTimeouts")), EXPECT_TIMEOUTS);
    assert_int_equal(json_integer_value(json_object_get(j, "ListenOverflows")), EXPECT_OVERFLOWS);
    assert_int_equal(json_integer_value(json_object_get(j, "ListenDrops")), EXPECT_DROPS);
    assert_int_equal(json_integer_value(json_object_get(j, "TCPAbortOnData")),
                     EXPECT_ABORT_ON_DATA);
    assert_int_equal(json_integer_value(json_object_get(j, "TW")), EXPECT_TW);
    json_decref(j);
    /* Reversed, every counter went backwards: each one is null, never a
     * wrapped-around huge number. */
    netstat_delta(&snap_b, &snap_a, &d);
    j = netstat_delta_to_json(&d);
    assert_int_equal(json_object_size(j), 7);
    assert_true(json_is_null(json_object_get(j, "TW")));
    json_decref(j);
}

/* Each reported key must come from its own counter: distinct values, and
 * decoys with the same names in other groups or similar names. */
static void test_key_mapping(void **state)
{
    (void)state;
    char err[256];
    static const char before[] = "Tcp: ActiveOpens RetransSegs\nTcp: 0 0\n"
                                 "TcpExt: TW TWRecycled TCPSynRetrans TCPTimeouts ListenOverflows "
                                 "ListenDrops TCPAbortOnData TCPAbortOnClose\n"
                                 "TcpExt: 0 0 0 0 0 0 0 0\n"
                                 "MPTcpExt: RetransSegs TW\nMPTcpExt: 0 0\n";
    static const char after[] = "Tcp: ActiveOpens RetransSegs\nTcp: 100 1\n"
                                "TcpExt: TW TWRecycled TCPSynRetrans TCPTimeouts ListenOverflows "
                                "ListenDrops TCPAbortOnData TCPAbortOnClose\n"
                                "TcpExt: 7 200 2 3 4 5 6 300\n"
                                "MPTcpExt: RetransSegs TW\nMPTcpExt: 400 500\n";
    netstat_snapshot_init(&snap_a);
    netstat_snapshot_init(&snap_b);
    assert_int_equal(netstat_parse(&snap_a, before, "before", err, sizeof err), 0);
    assert_int_equal(netstat_parse(&snap_b, after, "after", err, sizeof err), 0);
    netstat_delta_t d;
    netstat_delta(&snap_a, &snap_b, &d);
    json_t *j = netstat_delta_to_json(&d);
    const char *keys[] = {"TcpRetransSegs", "TCPSynRetrans",  "TCPTimeouts", "ListenOverflows",
                          "ListenDrops",    "TCPAbortOnData", "TW"};
    for (int i = 0; i < 7; i++)
        assert_int_equal(json_integer_value(json_object_get(j, keys[i])), i + 1);
    assert_int_equal(d.value[NETSTAT_TCP_RETRANS_SEGS], 1);
    assert_int_equal(d.value[NETSTAT_TW], 7);
    json_decref(j);
}

static void test_missing_counter_is_null(void **state)
{
    (void)state;
    char err[256];
    netstat_snapshot_init(&snap_a);
    netstat_snapshot_init(&snap_b);
    assert_int_equal(netstat_parse(&snap_a,
                                   "Tcp: RetransSegs\nTcp: 5\nTcpExt: TW ListenDrops\n"
                                   "TcpExt: 10 1\n",
                                   "a", err, sizeof err),
                     0);
    assert_int_equal(netstat_parse(&snap_b, "Tcp: RetransSegs\nTcp: 9\nTcpExt: TW\nTcpExt: 13\n",
                                   "b", err, sizeof err),
                     0);
    netstat_delta_t d;
    netstat_delta(&snap_a, &snap_b, &d);
    json_t *j = netstat_delta_to_json(&d);
    assert_int_equal(json_object_size(j), 7);
    assert_int_equal(json_integer_value(json_object_get(j, "TcpRetransSegs")), 4);
    assert_int_equal(json_integer_value(json_object_get(j, "TW")), 3);
    assert_true(json_is_null(json_object_get(j, "ListenDrops")));   /* only in a */
    assert_true(json_is_null(json_object_get(j, "TCPSynRetrans"))); /* in neither */
    json_decref(j);
}

static void expect_parse_error(const char *text, const char *needle)
{
    char err[256] = "";
    netstat_snapshot_init(&snap_a);
    assert_int_equal(netstat_parse(&snap_a, text, "fixture.txt", err, sizeof err), -1);
    if (!strstr(err, needle)) fail_msg("error '%s' does not mention '%s'", err, needle);
    assert_non_null(strstr(err, "fixture.txt"));
}

static void test_malformed(void **state)
{
    (void)state;
    expect_parse_error("Tcp: A B C\nTcp: 1 2\n", "more names than values");
    expect_parse_error("Tcp: A B\nTcp: 1 2 3\n", "fewer names than values");
    expect_parse_error("Tcp: A B\n", "no values line");
    expect_parse_error("Tcp: A B\nUdp: 1 2\n", "line 2");
    expect_parse_error("Tcp: A B\nTcp: 1 x2\n", "'x2'");
    expect_parse_error("Tcp: A\nTcp: 99999999999999999999999\n", "not a number");
    expect_parse_error("Ip: 1\nIp: 1\nnonsense here\n", "line 3");
    /* Blank lines and CRLF endings are fine. */
    char err[256];
    netstat_snapshot_init(&snap_a);
    assert_int_equal(netstat_parse(&snap_a, "\nTcp: A B\r\nTcp: 1 2\r\n\n", "ok", err, sizeof err),
                     0);
    assert_int_equal(get(&snap_a, "Tcp", "B"), 2);
    /* A missing file names itself. */
    assert_int_equal(netstat_read_files(&snap_a, "/nonexistent/snmp", NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/snmp"));
}

/* ---- live ------------------------------------------------------------------ */

enum { N_CONNECTS = 25 };

/* In a fresh namespace only our connects exist, so the count is exact. */
static void connects_body(kn_report_t *r, void *arg)
{
    (void)arg;
    char err[256];
    if (netstat_read(&snap_a, err, sizeof err) != 0) KN_BAIL(r, err);
    int port;
    int lfd = kn_listen(AF_INET, &port);
    if (lfd < 0) KN_BAIL(r, "listen");
    for (int i = 0; i < N_CONNECTS; i++) {
        int c = kn_connect(AF_INET, port);
        if (c < 0) KN_BAIL(r, "connect");
        int s = kn_accept(lfd);
        if (s < 0) KN_BAIL(r, "accept");
        close(c);
        close(s);
    }
    close(lfd);
    if (netstat_read(&snap_b, err, sizeof err) != 0) KN_BAIL(r, err);
    r->v[0] = get(&snap_a, "Tcp", "ActiveOpens");
    netstat_counter_delta(&snap_a, &snap_b, "Tcp", "ActiveOpens", &r->v[1]);
    netstat_counter_delta(&snap_a, &snap_b, "Tcp", "PassiveOpens", &r->v[2]);
}

static void test_active_opens_exact_in_netns(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        print_message("skipped: needs root for a private network namespace\n");
        skip();
    }
    kn_report_t r;
    kn_run_in_netns(connects_body, NULL, 0, 20, &r);
    if (r.status == KN_SKIP) {
        print_message("skipped: %s\n", r.msg);
        skip();
    }
    if (r.status != KN_OK) fail_msg("%s", r.msg);
    /* A new namespace starts from zero: proof that we read its counters,
     * not the host's. */
    assert_int_equal(r.v[0], 0);
    assert_int_equal(r.v[1], N_CONNECTS);
    assert_int_equal(r.v[2], N_CONNECTS);
}

/* In the shared namespace other processes connect too: at least ours. */
static void test_active_opens_host(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(netstat_read(&snap_a, err, sizeof err), 0);
    int port;
    int lfd = kn_listen(AF_INET, &port);
    assert_true(lfd >= 0);
    for (int i = 0; i < N_CONNECTS; i++) {
        int c = kn_connect(AF_INET, port);
        assert_true(c >= 0);
        int s = kn_accept(lfd);
        assert_true(s >= 0);
        close(c);
        close(s);
    }
    close(lfd);
    assert_int_equal(netstat_read(&snap_b, err, sizeof err), 0);
    uint64_t d = 0;
    assert_int_equal(netstat_counter_delta(&snap_a, &snap_b, "Tcp", "ActiveOpens", &d), 0);
    assert_true(d >= N_CONNECTS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_host_copy),
        cmocka_unit_test(test_delta_of_namespace_copies),
        cmocka_unit_test(test_key_mapping),
        cmocka_unit_test(test_missing_counter_is_null),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_active_opens_exact_in_netns),
        cmocka_unit_test(test_active_opens_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
