#!/usr/bin/env bash
# tcp_info.sh - tlsprof's TCP_INFO aggregates (`tcp` in the JSON report)
# against what the lab injects (see docs/netlab.md, docs/kernel.md).
#
#   1. RTT: with a one-way delay D on every packet (the lab's injector), the
#      round trip is 2D, so each connection's smoothed RTT (tcpi_rtt, read
#      when the connection closes) is 2D + the D=0 baseline, and so is the
#      median of the `tcp.rtt_us` histogram: within max(1 ms, 5%), for
#      D = 10 ms (RTT 20 ms) and D = 20 ms (RTT 40 ms).
#   2. Retransmits: `iptables -m statistic --mode random` drops a fraction of
#      the client's data segments (to the server port, with payload, no FIN; raw
#      PREROUTING, which every packet entering the namespace passes before the
#      injector's INPUT rule), while dumpcap captures lo. Truth: the segments
#      the client sent again, counted on the wire (netlab_util.py
#      retransmissions: a repeated SYN, or a segment overlapping bytes already
#      sent). Not the rule's drop counter: Linux may retransmit two small lost
#      segments as one (tcp_retrans_try_collapse; seen: 23 dropped, 22
#      retransmitted, 22 on the wire) and a tail loss probe may resend a
#      segment that was not lost. Checks:
#        the rule dropped >= 1 segment,
#        tcp.retransmits_total = retransmissions on the wire (exact),
#        system_deltas.TcpRetransSegs >= retransmits_total (the namespace
#          counts both sides; nothing else runs in it),
#        the retransmits_per_connection histogram holds one value per
#          connection and sums to retransmits_total,
#        1 <= connections_with_retransmits <= connections,
#        all requests ok (loss delays, it does not fail).
#   3. No loss at all: retransmits_total = 0 and TcpRetransSegs = 0.
#
# Exit 0 all passed, 1 a check failed, 77 skipped (not root, no netns or
# iptables, no injector, no tlsprof, no tshark/dumpcap). Environment: TLSPROF, NFQ_DELAY,
# NETLAB_OUT, TI_DELAYS (default "10 20"), TI_LOSS (default 0.1).
set -u -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab.sh
source "$HERE/lab.sh"
UTIL="$HERE/netlab_util.py"
TLSPROF=${TLSPROF:-}
read -r -a DELAYS <<<"${TI_DELAYS:-10 20}"
LOSS=${TI_LOSS:-0.1}
SPIN=(--spin-us "${LAB_SPIN_US:-200}")
PORT=8443

lab_check || exit $?
for tool in python3 dumpcap tshark; do
    command -v "$tool" >/dev/null || {
        echo "tcp_info: skipped: $tool not installed (apt-get install -y tshark python3)"
        exit 77
    }
done
[[ -n $TLSPROF && -x $TLSPROF ]] || {
    echo "tcp_info: skipped: tlsprof binary not found (TLSPROF='$TLSPROF')"
    exit 77
}

NAME=$$
WORK=$(mktemp -d /tmp/tlsprof-netlab-tcpinfo.XXXXXX)
FAILED=0
CAP_PID=""
cleanup() {
    [[ -n $CAP_PID ]] && kill -TERM "$CAP_PID" 2>/dev/null
    lab_down "$NAME" >/dev/null
    if [[ -n ${NETLAB_OUT:-} ]]; then
        mkdir -p "$NETLAB_OUT/tcp_info" && cp "$WORK"/*.json "$WORK"/*.log "$NETLAB_OUT/tcp_info/" 2>/dev/null
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

get() { "$UTIL" get "$@"; }
check() { "$UTIL" "$@" || FAILED=1; }
ipt() { lab_exec "$NAME" "$(cat "$LAB_STATE_DIR/$NAME/iptables")" -w 5 "$@"; }

run() { # TAG OPTIONS... -> $WORK/TAG.json
    local tag=$1 rc
    shift
    lab_exec "$NAME" timeout 120 "$TLSPROF" run "https://127.0.0.1:$PORT/" --cacert "$WORK/cert.pem" \
        --json "$WORK/$tag.json" -q "$@" >"$WORK/$tag.log" 2>&1 </dev/null
    rc=$?
    if [[ ! -s $WORK/$tag.json ]]; then
        echo "FAIL tlsprof run $tag: no report (exit $rc): $*"
        tail -n 5 "$WORK/$tag.log"
        FAILED=1
        return 1
    fi
}
rtt_ms() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tcp"]["rtt_us"]["p50_us"] / 1000)' "$1"; }

lab_up "$NAME" 0 -- "${SPIN[@]}" || exit 1
lab_exec "$NAME" timeout 900 "$TLSPROF" serve --listen "127.0.0.1:$PORT" --write-cert "$WORK/cert.pem" \
    >"$WORK/serve.log" 2>&1 </dev/null &
for ((i = 0; i < 100; i++)); do
    grep -q "listening on" "$WORK/serve.log" 2>/dev/null && break
    sleep 0.1
done
grep -q "listening on" "$WORK/serve.log" || {
    echo "FAIL tlsprof serve did not start: $(cat "$WORK/serve.log")"
    exit 1
}

# 1. RTT against the injected delay; 3. no loss, no retransmission.
FRESH=(--mode fresh -n 11 -c 1 --resume off)
run rtt-D0 "${FRESH[@]}" || exit 1
base=$(rtt_ms "$WORK/rtt-D0.json")
echo "D=0: tcp.rtt_us p50 = $base ms (the lab's own round trip)"
for d in "${DELAYS[@]}"; do
    lab_set "$NAME" "$d" -- "${SPIN[@]}" || exit 1
    run "rtt-D$d" "${FRESH[@]}" || continue
    json=$WORK/rtt-D$d.json
    check near "tcp.rtt_us p50, D=$d ms (RTT = 2D + base)" "$(rtt_ms "$json")" \
        "$(python3 -c "print(2 * $d + $base)")"
    check equal "tcp.rtt_us count = connections (D=$d)" "$(get "$json" tcp.rtt_us.count)" \
        "$(get "$json" summary.connections_established)"
    check equal "no loss: tcp.retransmits_total (D=$d)" "$(get "$json" tcp.retransmits_total)" 0
    check equal "no loss: TcpRetransSegs (D=$d)" "$(get "$json" tcp.system_deltas.TcpRetransSegs)" 0
done

# 2. Retransmits, with -m statistic loss of the client's data segments.
# An IPv4+TCP header with timestamps is 52 bytes: longer means payload.
# Segments carrying a FIN are spared: the client's last flight (GOAWAY,
# close_notify, FIN) can be lost after the server already closed on the
# GOAWAY, and then its retransmission comes after the connection ended for
# tlsprof (TCP_INFO is read when it ends), so it would not be counted. Any
# other lost client segment blocks everything after it, so the server cannot
# close before it was retransmitted.
lab_set "$NAME" 2 -- "${SPIN[@]}" || exit 1
RULE=(PREROUTING -p tcp --dport "$PORT" ! --tcp-flags FIN FIN -m length --length 53:65535
    -m statistic --mode random --probability "$LOSS" -j DROP)
ipt -t raw -A "${RULE[@]}" || {
    echo "FAIL cannot add the -m statistic rule: iptables -t raw -A ${RULE[*]}"
    exit 1
}
# A plain command, not the lab_exec function: see validate_lab.sh start_capture.
ip netns exec "$(lab_ns "$NAME")" timeout 120 dumpcap -q -i lo -w "$WORK/loss.pcapng" 2>"$WORK/dumpcap.log" &
CAP_PID=$!
for ((i = 0; i < 100; i++)); do
    grep -q "Capturing on" "$WORK/dumpcap.log" 2>/dev/null && break
    sleep 0.05
done
grep -q "Capturing on" "$WORK/dumpcap.log" || {
    echo "FAIL dumpcap did not start: $(cat "$WORK/dumpcap.log")"
    exit 1
}
N=40
run loss --mode fresh -n "$N" -c 4 --resume off --close client
sleep 0.2 # the last packets reach the capture
kill -TERM "$CAP_PID" 2>/dev/null
wait "$CAP_PID" 2>/dev/null
CAP_PID=""
dropped=$(ipt -t raw -L PREROUTING -v -x -n | awk '/DROP/ {print $1; exit}')
ipt -t raw -D "${RULE[@]}"
json=$WORK/loss.json
if [[ -s $json ]] && wire=$("$UTIL" retransmissions "$WORK/loss.pcapng" "$PORT"); then
    retrans=$(get "$json" tcp.retransmits_total -1)
    echo "loss ${LOSS} of the client's data segments: the rule dropped $dropped; on the wire the client" \
        "retransmitted $wire; tlsprof: retransmits_total $retrans," \
        "connections_with_retransmits $(get "$json" tcp.connections_with_retransmits -1)," \
        "TcpRetransSegs $(get "$json" tcp.system_deltas.TcpRetransSegs -1)"
    check atleast "client data segments dropped" "$dropped" 1
    check equal "tcp.retransmits_total = retransmissions on the wire" "$retrans" \
        "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["total"])' "$wire")"
    check atleast "TcpRetransSegs >= retransmits_total" "$(get "$json" tcp.system_deltas.TcpRetransSegs -1)" "$retrans"
    check equal "requests ok despite loss" "$(get "$json" summary.requests_ok -1)" "$N"
    check atleast "connections_with_retransmits >= 1" "$(get "$json" tcp.connections_with_retransmits -1)" 1
    check atleast "connections >= connections_with_retransmits" \
        "$(get "$json" summary.connections_established -1)" "$(get "$json" tcp.connections_with_retransmits -1)"
    check equal "retransmits_per_connection count = connections" \
        "$(get "$json" tcp.retransmits_per_connection.count -1)" "$(get "$json" summary.connections_established -1)"
    check equal "retransmits_per_connection sum = retransmits_total" \
        "$(get "$json" tcp.retransmits_per_connection.histogram.sum -1)" "$retrans"
else
    FAILED=1
fi

if ((FAILED)); then
    echo "tcp_info: FAILED"
    exit 1
fi
echo "tcp_info: all checks passed"
