#!/usr/bin/env bash
# validate_lab.sh - checks the lab itself before anything is measured with it:
# plain sockets (netlab_probe.py) and a packet capture (dumpcap/tshark on lo in
# the lab's namespace) must see exactly the delay and loss the injector claims.
#
#   1. D=0: the lab's own overhead (baseline for everything below).
#   2. D (default 20 ms), captured: SYN->SYN/ACK and SYN/ACK->ACK on the wire
#      are D each, connect() is 2D, every message of a back-to-back burst
#      arrives D after it was sent (no head-of-line build-up), a ping is 2D, and
#      the capture holds exactly the packets the injector received.
#   3. The first SYN dropped: connect() takes the initial RTO (1 s) + 2D, and
#      the capture shows the two SYNs 1 s apart.
#   4. 5% loss of data segments: every transfer completes, the drop rate is
#      5% within 4 sigma, and the kernel retransmitted at least every drop.
#
# Exit 0 all passed, 1 a check failed, 77 the lab cannot run here (skipped).
# Environment: NFQ_DELAY (injector), VALIDATE_DELAY_MS, VALIDATE_ATTEMPTS (3),
# NETLAB_OUT (results dir).
set -u -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab.sh
source "$HERE/lab.sh"
UTIL="$HERE/netlab_util.py"
PROBE="$HERE/netlab_probe.py"
D=${VALIDATE_DELAY_MS:-20}
SPIN=(-- --spin-us "${LAB_SPIN_US:-200}")

lab_check || exit $?
for tool in dumpcap tshark python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "validate_lab: skipped: $tool not installed (apt-get install -y tshark python3)"
        exit 77
    fi
done

NAME=$$
WORK=$(mktemp -d /tmp/tlsprof-netlab-validate.XXXXXX)
CAP_PID=""
cleanup() {
    [[ -n $CAP_PID ]] && kill -TERM "$CAP_PID" 2>/dev/null
    lab_down "$NAME" >/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FAILED=0
check() { "$UTIL" "$@" | tee -a "$WORK/results.txt" || FAILED=1; }
calc() { python3 -c "print($1)"; }
note() { echo "$*" | tee -a "$WORK/results.txt"; }
probe() { # OUT MODE ARGS...
    local out=$1
    shift
    if ! lab_exec "$NAME" timeout 120 python3 "$PROBE" "$@" >"$out"; then
        note "FAIL probe $* did not complete: $(cat "$out")"
        FAILED=1
        return 1
    fi
}
retrans_segs() { # the namespace's Tcp RetransSegs counter
    lab_exec "$NAME" cat /proc/net/snmp |
        awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 } else print $col["RetransSegs"] }'
}
start_capture() { # PCAP: capture lo in the namespace until stop_capture
    # Not through the lab_exec function: a backgrounded function is a subshell,
    # and SIGTERM to it would not reach dumpcap (which then goes on writing
    # the file tshark reads). A plain command runs as ip -> timeout, one PID,
    # and timeout passes SIGTERM on to dumpcap and waits for it.
    ip netns exec "$(lab_ns "$NAME")" timeout 120 dumpcap -q -i lo -w "$1" 2>"$WORK/dumpcap.log" &
    CAP_PID=$!
    for ((i = 0; i < 100; i++)); do
        grep -q "Capturing on" "$WORK/dumpcap.log" && return 0
        sleep 0.05
    done
    note "FAIL dumpcap did not start: $(cat "$WORK/dumpcap.log")"
    exit 1
}
stop_capture() {
    sleep 0.2 # the last ACKs are still in the injector
    kill -TERM "$CAP_PID" 2>/dev/null
    wait "$CAP_PID" 2>/dev/null
    CAP_PID=""
}

# 1 and 2 are timings on a shared machine: an attempt whose checks miss is
# measured again (baseline included), up to VALIDATE_ATTEMPTS (3) times, and
# passes if one attempt meets them all; every attempt's lines are printed. A
# real error of the lab (wrong delay, queue build-up) is systematic and fails
# every attempt; a scheduling hiccup (seen: a ping median +0.54 ms over a
# 0.5 ms tolerance) does not repeat.
measure_delay() { # ATTEMPT; sets FAILED when a check missed
    local a=$1
    # 1. Baseline: the lab with no delay (the NFQUEUE round trip through user space).
    lab_set "$NAME" 0 "${SPIN[@]}" || exit 1
    probe "$WORK/base.json" connect 10 || exit 1
    base_connect=$("$UTIL" median "$WORK/base.json" connect_ms)
    base_oneway=$("$UTIL" median "$WORK/base.json" oneway_ms)
    base_rtt=$("$UTIL" median "$WORK/base.json" rtt_ms)
    note "[attempt $a] baseline D=0: connect $base_connect ms, one-way $base_oneway ms, ping $base_rtt ms"

    # 2. Fixed delay D, against the capture.
    lab_set "$NAME" "$D" "${SPIN[@]}" || exit 1
    start_capture "$WORK/delay.pcap"
    probe "$WORK/delay.json" connect 10
    stop_capture
    stats=$(lab_stats "$NAME")
    note "[attempt $a] injector: $stats"
    "$UTIL" handshakes "$WORK/delay.pcap" >"$WORK/delay-cap.json" || exit 1
    check near "capture SYN -> SYN/ACK = D" "$("$UTIL" median "$WORK/delay-cap.json" syn_synack_ms)" "$D" 0.5 0
    check near "capture SYN/ACK -> ACK = D" "$("$UTIL" median "$WORK/delay-cap.json" synack_ack_ms)" "$D" 0.5 0
    check near "connect() = 2D + baseline" "$("$UTIL" median "$WORK/delay.json" connect_ms)" \
        "$(calc "2 * $D + $base_connect")" 0.5 0
    check near "burst one-way delay = D + baseline" "$("$UTIL" median "$WORK/delay.json" oneway_ms)" \
        "$(calc "$D + $base_oneway")" 0.5 0
    # The last message of each burst: would show any build-up behind earlier
    # ones. Build-up is systematic (each queued segment waiting for the one
    # before adds up to D), so it shows in the median of the last messages;
    # the worst one only has to stay below 1.5 D, because a single late
    # wake-up of the probe can add a few ms to one sample (seen: +4.2 ms).
    check near "median last-of-burst one-way delay = D" "$(last_of_burst median)" "$D" 1 0
    check within "worst last-of-burst one-way delay < 1.5 D" "$(last_of_burst max)" "$D" "$(calc "1.5 * $D")"
    check near "ping RTT = 2D + baseline" "$("$UTIL" median "$WORK/delay.json" rtt_ms)" \
        "$(calc "2 * $D + $base_rtt")" 0.5 0
    received=$(sed -n 's/.* received=\([0-9]*\).*/\1/p' <<<"$stats")
    check equal "packets captured = packets the injector saw" \
        "$("$UTIL" get "$WORK/delay-cap.json" packets)" "$received"
}
last_of_burst() { python3 -c 'import json, statistics, sys; d = json.load(open(sys.argv[1]))["oneway_ms"][7::8]; print(statistics.median(d) if sys.argv[2] == "median" else max(d))' "$WORK/delay.json" "$1"; }

lab_up "$NAME" 0 "${SPIN[@]}" || exit 1
note "# netlab validation, $(date -u +%Y-%m-%dT%H:%M:%SZ), kernel $(uname -r), D=$D ms"
ATTEMPTS=${VALIDATE_ATTEMPTS:-3}
for ((a = 1; a <= ATTEMPTS; a++)); do
    FAILED=0
    measure_delay "$a"
    ((FAILED == 0)) && break
    ((a < ATTEMPTS)) && note "[attempt $a] a timing missed: measuring again"
done

# 3. Drop the first SYN: the kernel retransmits it after the initial RTO (1 s).
lab_set "$NAME" "$D" 0 -- --spin-us "${LAB_SPIN_US:-200}" --match syn --drop-first 1 || exit 1
start_capture "$WORK/syn.pcap"
probe "$WORK/syn.json" connect 1
stop_capture
"$UTIL" handshakes "$WORK/syn.pcap" >"$WORK/syn-cap.json" || exit 1
# The retransmit timer is a kernel timer-wheel timer: it may fire up to 8/63
# (~13%) of its timeout late (32 ms for 1 s at HZ=250), never early.
expect=$(calc "1000 + 2 * $D + $base_connect")
check within "connect() with first SYN lost = 1 s + 2D" "$("$UTIL" median "$WORK/syn.json" connect_ms)" \
    "$(calc "$expect - 0.5")" "$(calc "$expect + 130")"
check within "capture: SYN retransmitted after 1 s" \
    "$("$UTIL" median "$WORK/syn-cap.json" syn_retransmit_gap_ms)" 999.5 1130

# 4. 5% loss of data segments (seeded): transfers complete, the kernel
# retransmits at least once per dropped segment.
lab_set "$NAME" 2 0.05 -- --spin-us "${LAB_SPIN_US:-200}" --match payload --seed 7 || exit 1
# A realistic MTU, so the transfers are hundreds of segments, not a few 64 KB ones.
lab_exec "$NAME" ip link set lo mtu 1500 || exit 1
before=$(retrans_segs)
probe "$WORK/loss.json" bulk 5 300000
after=$(retrans_segs)
stats=$(lab_stats "$NAME")
note "injector: $stats"
dropped=$(sed -n 's/.* dropped=\([0-9]*\).*/\1/p' <<<"$stats")
check atleast "TcpRetransSegs delta >= data segments dropped" "$((after - before))" "$dropped"
check atleast "some data segments were dropped" "$dropped" 1
matched=$(sed -n 's/.* matched=\([0-9]*\).*/\1/p' <<<"$stats")
# Binomial: dropped/matched = 0.05 within 4 sigma (seeded, so reproducible).
check near "data segments dropped / matched = 5%" "$(calc "100.0 * $dropped / $matched")" 5 \
    "$(calc "400 * (0.05 * 0.95 / $matched) ** 0.5")" 0 %
check equal "bulk transfers completed" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["transfer_ms"]))' "$WORK/loss.json")" 5

if [[ -n ${NETLAB_OUT:-} ]]; then
    mkdir -p "$NETLAB_OUT" && cp "$WORK/results.txt" "$NETLAB_OUT/validate-results.txt"
fi
if ((FAILED)); then
    echo "validate_lab: FAILED"
    exit 1
fi
echo "validate_lab: all checks passed"
