#!/usr/bin/env python3
"""Regenerate the sample reports in this directory.

The histograms here are encoded by this script's own implementation of
docs/report-format.md ("Histogram encoding", percentiles as bucket midpoints
clamped to [min, max]), written independently of src/measure/hist.c, so
tests/unit/test_merge_compare.c can check that the C reader accepts them and
that the C statistics agree with them.

valid_merged.json is not made here: it is `tlsprof merge valid_small.json
valid_small_b.json -o valid_merged.json` (rerun that after regenerating).

Usage: python3 generate.py   (deterministic: fixed seeds)
"""
import copy
import json
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def bucket_of(v):
    if v < 256:
        return v
    k = v.bit_length() - 1
    shift = k - 7
    return 256 + (k - 8) * 128 + ((v >> shift) - 128)


def bucket_mid(index):
    if index < 256:
        return index
    i = index - 256
    k = 8 + i // 128
    shift = k - 7
    lo = (128 + i % 128) << shift
    hi = lo + (1 << shift) - 1
    return lo + (hi - lo) // 2


def percentile(sorted_values, p_milli):
    """Nearest rank, p given in thousandths of a percent (99.9 -> 99900)."""
    n = len(sorted_values)
    rank = max(1, (p_milli * n + 99999) // 100000)
    if rank == 1:
        return sorted_values[0]
    if rank == n:
        return sorted_values[-1]
    mid = bucket_mid(bucket_of(sorted_values[rank - 1]))
    return min(max(mid, sorted_values[0]), sorted_values[-1])


def phase(values, divisor=1000.0):
    values = sorted(values)
    n = len(values)
    counts = {}
    for v in values:
        counts[bucket_of(v)] = counts.get(bucket_of(v), 0) + 1
    total = sum(values)
    sumsq = sum(v * v for v in values)
    hist = {
        "encoding": "loglinear-v1", "unit": "ns", "sub_bucket_bits": 8, "max_bits": 42,
        "count": n, "min": values[0] if n else 0, "max": values[-1] if n else 0,
        "clamped": 0, "sum": total, "sumsq": sumsq if sumsq < 2**63 else float(sumsq),
        "buckets": [[i, counts[i]] for i in sorted(counts)],
    }
    if n == 0:
        zero = {k: 0.0 for k in ("min_us", "mean_us", "stddev_us", "p50_us", "p90_us",
                                 "p99_us", "p999_us", "max_us")}
        return dict(count=0, **zero, histogram=hist)
    mean = total / n
    var = max(0.0, sumsq / n - mean * mean)
    return {
        "count": n, "min_us": values[0] / divisor, "mean_us": mean / divisor,
        "stddev_us": math.sqrt(var) / divisor,
        "p50_us": percentile(values, 50000) / divisor,
        "p90_us": percentile(values, 90000) / divisor,
        "p99_us": percentile(values, 99000) / divisor,
        "p999_us": percentile(values, 99900) / divisor,
        "max_us": values[-1] / divisor, "histogram": hist,
    }


def lognormal(rng, n, median_ns, sigma):
    return [int(math.exp(math.log(median_ns) + sigma * rng.gauss(0, 1))) for _ in range(n)]


def report(seed, n, host):
    rng = random.Random(seed)
    tcp = lognormal(rng, n, 45000, 0.3)
    tls = lognormal(rng, n, 900000, 0.2)
    ttfb = lognormal(rng, n, 250000, 0.5)
    conn = [a + b + c + 20000 for a, b, c in zip(tcp, tls, ttfb)]
    rtt = lognormal(rng, n, 30000, 0.2)
    retrans = [1 if i % 40 == 0 else 0 for i in range(n)]
    return {
        "report_version": 1,
        "tool": {"name": "tlsprof", "version": "0.1.0"},
        "config": {"url": "https://%s:8443/" % host, "mode": "fresh", "connections": 8,
                   "requests": n, "duration_s": 0, "warmup_s": 0, "streams": 1, "threads": 1,
                   "rate": 0, "close": "client", "resume": "off", "early_data": False,
                   "insecure": True, "sni": None, "connect_to": None,
                   "address": "%s:8443" % host,
                   "timeouts_ms": {"connect": 5000, "handshake": 5000, "request": 10000},
                   "headers": [], "tls": {"min": None, "max": None, "tls13_ciphers": None,
                                          "ciphers": None, "groups": None, "sigalgs": None,
                                          "alpn": "h2", "profile": None}},
        "platform": {"arch": "x86_64", "cpu_model": "Sample CPU @ 2.0GHz", "cores": 2,
                     "openssl_version": "OpenSSL 3.0.11 19 Sep 2023", "kernel": "6.1.0",
                     "crypto_caps": {"aes_ni": True, "pclmulqdq": True, "avx2": True,
                                     "sha_ni": False}},
        "summary": {"connections_opened": n + 2, "connections_established": n,
                    "connections_failed": 2, "reconnects": 0, "requests_ok": n,
                    "requests_failed": 0, "requests_retried": 0, "status": {"200": n},
                    "bytes_received": 3 * n, "duration_s": 2.0, "requests_per_s": n / 2.0,
                    "connections_per_s": n / 2.0, "interrupted": False, "exit_code": 1},
        "phases": {"tcp_connect": phase(tcp), "tls_handshake": phase(tls),
                   "tls_handshake_full": phase(tls), "tls_handshake_resumed": phase([]),
                   "ttfb": phase(ttfb), "stream": phase(ttfb), "connection": phase(conn)},
        "tls": {"versions": {"TLSv1.3": n}, "ciphers": {"TLS_AES_256_GCM_SHA384": n},
                "groups": {"x25519": n}, "sigalgs": {"ecdsa_secp256r1_sha256": n},
                "alpn": {"h2": n},
                "resumption": {"attempted": 0, "accepted": 0, "rejected": 0, "rate": 0.0,
                               "tickets_received": 2 * n, "tickets_per_connection": 2.0,
                               "ticket_lifetime_hint_s": {"min": 7200, "max": 7200},
                               "ticket_size_bytes": {"min": 200, "max": 250},
                               "psk_ke_modes": {}, "max_early_data": {"min": None, "max": None},
                               "per_address": {}},
                "early_data": {"attempted": 0, "accepted": 0, "rejected": 0, "replayed": 0},
                "certificate": {"verify": "skipped (-k)"}},
        "tcp": {"retransmits_total": sum(retrans), "connections_with_retransmits": sum(retrans),
                "syn_retransmits": 0, "syn_retransmits_inferred": 0,
                "rtt_us": phase(rtt), "retransmits_per_connection": phase(retrans, 1.0),
                "time_wait": {"before": 0, "peak": n, "after": n, "server_side": None,
                              "holder": "client"},
                "ephemeral_ports": {"range": [32768, 60999], "tw_reuse": 2,
                                    "planned_rate": 0, "warning": None},
                "system_deltas": {"TcpRetransSegs": sum(retrans), "TW": n}},
        "errors": {"tcp_connect": {"ECONNREFUSED": 2}},
        "warnings": [],
        "timeseries": [
            {"t_s": 1.0, "connections_opened": n // 2, "requests_ok": n // 2, "errors": 1,
             "retransmits": 1, "time_wait": n // 2,
             "phases": {"tcp_connect": {"count": n // 2, "p50_us": 45.0, "p99_us": 90.0,
                                        "max_us": 99.0}}},
            {"t_s": 2.0, "connections_opened": n - n // 2 + 2, "requests_ok": n - n // 2,
             "errors": 1, "retransmits": 1, "time_wait": n,
             "phases": {"tcp_connect": {"count": n - n // 2, "p50_us": 44.0, "p99_us": 88.0,
                                        "max_us": 97.0}}}],
        "slowest": [{"type": "connection", "id": i, "outcome": "ok",
                     "phases_us": {"tcp_connect": tcp[i] / 1000.0, "connection": conn[i] / 1000.0},
                     "hints": []} for i in sorted(range(n), key=lambda i: -conn[i])[:3]],
        "client": {"cpu_user_s": 0.12, "cpu_sys_s": 0.08,
                   "threads": [{"cpu_s": 0.2, "utilisation": 0.1}],
                   "busiest_thread_utilisation": 0.1},
    }


def write(name, obj):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def main():
    small = report(1, 200, "127.0.0.1")
    write("valid_small.json", small)
    write("valid_small_b.json", report(2, 150, "127.0.0.1"))

    bad = copy.deepcopy(small)
    bad["report_version"] = 2
    write("bad_version.json", bad)

    bad = copy.deepcopy(small)
    bad["phases"]["tcp_connect"]["histogram"]["encoding"] = "hdr"
    write("bad_encoding.json", bad)

    bad = copy.deepcopy(small)
    bad["phases"]["ttfb"]["histogram"]["buckets"][1][0] = 99999
    write("bad_bucket_index.json", bad)

    bad = copy.deepcopy(small)
    b = bad["phases"]["ttfb"]["histogram"]["buckets"]
    b[0], b[1] = b[1], b[0]
    write("bad_unsorted.json", bad)

    bad = copy.deepcopy(small)
    bad["phases"]["ttfb"]["histogram"]["buckets"][0][1] += 1
    write("bad_counts.json", bad)

    bad = copy.deepcopy(small)
    del bad["tls"]
    write("bad_missing_tls.json", bad)

    text = json.dumps(small, indent=1)
    with open(os.path.join(HERE, "truncated.json"), "w") as f:
        f.write(text[: len(text) * 6 // 10])


if __name__ == "__main__":
    main()
