#!/usr/bin/env python3
"""netlab_util.py - the numeric side of the netlab shell scripts.

  get FILE.json PATH [DEFAULT]   print the value at a dotted PATH (e.g. phases.ttfb.p50_us)
  median FILE.json KEY           print the median of the list FILE[KEY]
  handshakes PCAP                TCP handshake timings from a capture (via tshark), as JSON
  retransmissions PCAP PORT      segments sent to PORT again, as the wire shows them (via tshark)
  near LABEL MEASURED EXPECTED [TOL_ABS] [TOL_FRAC] [UNIT]
                                 print PASS/FAIL comparing MEASURED with EXPECTED (in UNIT,
                                 default ms) under tolerance max(TOL_ABS, TOL_FRAC * EXPECTED)
                                 (defaults 1 and 0.05); exit 1 on FAIL
  atleast LABEL VALUE MINIMUM    PASS when VALUE >= MINIMUM
  within LABEL VALUE LO HI       PASS when LO <= VALUE <= HI (ms)
  equal LABEL A B                PASS when A == B (numbers)
  errors_check FILE.json [LABEL] every failure attributed to a known phase (see below)
  ka TSV SERVER SCENARIO PHASE D K BASE_MS MEASURED_MS [LATE_SLACK_MS]
                                 known answer: MEASURED = K*D + BASE within max(1 ms, 5%)
                                 (and up to LATE_SLACK_MS later, for kernel timers);
                                 prints PASS/FAIL, appends a row to TSV, exit 1 on FAIL
  ka_table TSV                   the known-answer rows as a Markdown table
  curl_report SAMPLES OUT.json   curl -w samples (connect appconnect starttransfer total, in
                                 seconds, one line per connection) as a report-shaped JSON
"""
import json
import statistics
import subprocess
import sys

# Phase keys errors may be filed under (docs/report-format.md, `errors`).
ERROR_PHASES = {"dns", "tcp_connect", "tls_handshake", "tls_handshake_full",
                "tls_handshake_resumed", "tls_server_hello", "tls_server_finished",
                "h2_settings", "ttfb", "ttfb_0rtt", "stream", "connection", "request", "setup"}


def load(path):
    with open(path) as f:
        return json.load(f)


def dig(obj, dotted):
    """obj at a dotted path; a key may itself contain dots (tls.versions.TLSv1.2)."""
    parts = dotted.split(".")
    i = 0
    while i < len(parts):
        for j in range(len(parts), i, -1):
            key = ".".join(parts[i:j])
            if isinstance(obj, dict) and key in obj:
                obj, i = obj[key], j
                break
        else:
            raise KeyError(dotted)
    return obj


def cmd_get(args):
    try:
        value = dig(load(args[0]), args[1])
    except KeyError:
        if len(args) > 2:
            value = args[2]
        else:
            print("netlab_util: %s has no key %s" % (args[0], args[1]), file=sys.stderr)
            return 1
    print(json.dumps(value) if isinstance(value, (dict, list)) else value)
    return 0


def cmd_median(args):
    values = load(args[0])[args[1]]
    if not values:
        print("netlab_util: %s: %s is empty" % (args[0], args[1]), file=sys.stderr)
        return 1
    print("%.3f" % statistics.median(values))
    return 0


def cmd_handshakes(args):
    """Per TCP stream: SYN -> SYN/ACK and SYN/ACK -> first client ACK, in ms.

    The capture point on lo is the sender's transmit, before the receiver's
    INPUT hook, so each gap is one one-way delay plus the peer's reaction."""
    out = subprocess.run(
        ["tshark", "-r", args[0], "-T", "fields", "-E", "separator=,",
         "-e", "frame.time_epoch", "-e", "tcp.stream", "-e", "tcp.flags.syn",
         "-e", "tcp.flags.ack", "-e", "tcp.len"],
        check=True, capture_output=True, text=True, timeout=60).stdout
    streams = {}
    packets = 0
    for line in out.splitlines():
        fields = line.split(",")
        if len(fields) < 5 or not fields[1]:
            continue
        packets += 1
        t, stream = float(fields[0]), int(fields[1])
        syn, ack = fields[2] in ("1", "True"), fields[3] in ("1", "True")
        length = int(fields[4] or 0)
        s = streams.setdefault(stream, {"syn": [], "synack": None, "ack": None})
        if syn and not ack:
            s["syn"].append(t)
        elif syn and ack and s["synack"] is None:
            s["synack"] = t
        elif ack and not syn and length == 0 and s["synack"] is not None and s["ack"] is None:
            s["ack"] = t
    result = {"packets": packets, "streams": len(streams), "syn_synack_ms": [],
              "synack_ack_ms": [], "syn_retransmit_gap_ms": []}
    for s in streams.values():
        if s["syn"] and s["synack"] is not None:
            result["syn_synack_ms"].append((s["synack"] - s["syn"][-1]) * 1e3)
        if s["synack"] is not None and s["ack"] is not None:
            result["synack_ack_ms"].append((s["ack"] - s["synack"]) * 1e3)
        for a, b in zip(s["syn"], s["syn"][1:]):
            result["syn_retransmit_gap_ms"].append((b - a) * 1e3)
    print(json.dumps(result))
    return 0


def cmd_retransmissions(args):
    """Retransmitted segments towards PORT in a capture, counted the way the
    sender's kernel counts them (Tcp RetransSegs, tcpi_total_retrans): a SYN
    sent again, or a segment whose bytes overlap bytes already sent on that
    connection. Counting overlaps, not repeated (seq, len) pairs, matters:
    Linux may collapse two small lost segments into one retransmission
    (tcp_retrans_try_collapse), and a tail loss probe resends the last segment
    whether it was lost or not. The capture on lo sees every packet as it is
    sent, before the receiving side's PREROUTING/INPUT rules drop it."""
    port = args[1]
    out = subprocess.run(
        ["tshark", "-r", args[0], "-Y", "tcp.dstport==%s" % port, "-T", "fields",
         "-E", "separator=,", "-e", "tcp.stream", "-e", "tcp.seq", "-e", "tcp.len",
         "-e", "tcp.flags.syn", "-e", "tcp.flags.fin"],
        check=True, capture_output=True, text=True, timeout=120).stdout
    sent = {}  # stream -> [highest sequence end sent, SYNs seen]
    syn_again = data_again = 0
    for line in out.splitlines():
        f = line.split(",")
        if len(f) < 5 or not f[0]:
            continue
        st, seq, length = f[0], int(f[1]), int(f[2] or 0)
        syn, fin = f[3] in ("1", "True"), f[4] in ("1", "True")
        s = sent.setdefault(st, [0, 0])
        if syn:
            s[1] += 1
            syn_again += s[1] > 1
            s[0] = max(s[0], 1)  # relative sequence numbers: the SYN takes 0
            continue
        end = seq + length + (1 if fin else 0)
        if end == seq:
            continue  # pure ACK: never retransmitted
        if seq < s[0]:
            data_again += 1
        s[0] = max(s[0], end)
    print(json.dumps({"syn": syn_again, "data": data_again, "total": syn_again + data_again,
                      "connections": len(sent)}))
    return 0


def cmd_near(args):
    label, measured, expected = args[0], float(args[1]), float(args[2])
    tol_ms = float(args[3]) if len(args) > 3 else 1.0
    tol_frac = float(args[4]) if len(args) > 4 else 0.05
    unit = args[5] if len(args) > 5 else "ms"
    tol = max(tol_ms, tol_frac * abs(expected))
    err = measured - expected
    ok = abs(err) <= tol
    print("%s %-44s measured %9.3f %s  expected %9.3f %s  error %+8.3f %s  (tolerance %.3f)"
          % ("PASS" if ok else "FAIL", label, measured, unit, expected, unit, err, unit, tol))
    return 0 if ok else 1


def cmd_atleast(args):
    label, value, minimum = args[0], float(args[1]), float(args[2])
    ok = value >= minimum
    print("%s %-44s %g >= %g" % ("PASS" if ok else "FAIL", label, value, minimum))
    return 0 if ok else 1


def cmd_within(args):
    label, value, lo, hi = args[0], float(args[1]), float(args[2]), float(args[3])
    ok = lo <= value <= hi
    print("%s %-44s measured %9.3f ms  expected in [%.3f, %.3f] ms"
          % ("PASS" if ok else "FAIL", label, value, lo, hi))
    return 0 if ok else 1


def cmd_equal(args):
    label, a, b = args[0], float(args[1]), float(args[2])
    ok = a == b
    print("%s %-44s %g == %g" % ("PASS" if ok else "FAIL", label, a, b))
    return 0 if ok else 1


def cmd_errors_check(args):
    """Every failed request is counted in `errors` under a phase the report
    format knows: sum of error counts >= requests_failed, no unknown phase."""
    report = load(args[0])
    errors = report.get("errors", {})
    failed = dig(report, "summary.requests_failed")
    unknown = sorted(p for p in errors if p not in ERROR_PHASES)
    total = sum(sum(reasons.values()) for reasons in errors.values())
    ok = not unknown and total >= failed
    label = (args[1] + " " if len(args) > 1 else "") + "failures attributed to a phase"
    print("%s %-44s %d failed requests, %d errors filed under %s%s"
          % ("PASS" if ok else "FAIL", label, failed, total,
             sorted(errors) or "no phase",
             (", unknown phases %s" % unknown) if unknown else ""))
    return 0 if ok else 1


def cmd_ka(args):
    tsv, server, scenario, phase = args[0], args[1], args[2], args[3]
    delay, k, base, measured = float(args[4]), float(args[5]), float(args[6]), float(args[7])
    # LATE_SLACK: how much later than expected a kernel timer may legitimately fire.
    slack = float(args[8]) if len(args) > 8 else 0.0
    expected = k * delay + base
    tol = max(1.0, 0.05 * expected)
    err = measured - expected
    verdict = "PASS" if -tol <= err <= tol + slack else "FAIL"
    print("%s %-8s %-8s %-22s D=%-5g %gD + %.3f = %9.3f ms, measured %9.3f ms, error %+7.3f ms"
          " (tolerance %.3f%s)" % (verdict, server, scenario, phase, delay, k, base, expected,
                                   measured, err, tol,
                                   " + %.0f late" % slack if slack else ""))
    with open(tsv, "a") as f:
        f.write("\t".join([server, scenario, phase, "%g" % delay, "%g" % k, "%.3f" % base,
                           "%.3f" % expected, "%.3f" % measured, "%+.3f" % err,
                           "%.3f" % tol + (" (+%.0f late)" % slack if slack else ""),
                           verdict]) + "\n")
    return 0 if verdict == "PASS" else 1


def cmd_ka_table(args):
    print("| client/server | scenario | phase | D ms | expected | baseline (D=0) ms | expected ms"
          " | measured p50 ms | error ms | tolerance ms | verdict |")
    print("|---|---|---|---:|---|---:|---:|---:|---:|---:|---|")
    with open(args[0]) as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            if len(c) != 11:
                continue
            if c[10].startswith("SKIP"):
                print("| %s | %s | %s | | | | | | | | %s |" % (c[0], c[1], c[2], c[10]))
                continue
            print("| %s | %s | %s | %s | %sD + base | %s | %s | %s | %s | %s | %s |"
                  % (c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]))
    return 0


def phase_stats(samples_us):
    samples_us = sorted(samples_us)
    n = len(samples_us)
    if not n:
        return {"count": 0, "p50_us": 0, "min_us": 0, "max_us": 0}
    # nearest rank, as tlsprof reports
    return {"count": n, "p50_us": samples_us[max(0, -(-n // 2) - 1)],
            "min_us": samples_us[0], "max_us": samples_us[-1]}


def cmd_curl_report(args):
    phases = {"tcp_connect": [], "tls_handshake": [], "ttfb": [], "connection": []}
    with open(args[0]) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 4:
                continue
            connect, app, first, total = (float(x) * 1e6 for x in parts)
            phases["tcp_connect"].append(connect)
            phases["tls_handshake"].append(app - connect)
            phases["ttfb"].append(first - app)
            phases["connection"].append(total)
    report = {"phases": {k: phase_stats(v) for k, v in phases.items()},
              "summary": {"requests_ok": len(phases["connection"])}}
    with open(args[1], "w") as f:
        json.dump(report, f)
    return 0


COMMANDS = {"ka": (cmd_ka, 8), "ka_table": (cmd_ka_table, 1), "curl_report": (cmd_curl_report, 2),
            "get": (cmd_get, 2), "retransmissions": (cmd_retransmissions, 2), "median": (cmd_median, 2), "handshakes": (cmd_handshakes, 1),
            "near": (cmd_near, 3), "atleast": (cmd_atleast, 3), "equal": (cmd_equal, 3), "within": (cmd_within, 4),
            "errors_check": (cmd_errors_check, 1)}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS or len(argv) - 2 < COMMANDS[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    return COMMANDS[argv[1]][0](argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
