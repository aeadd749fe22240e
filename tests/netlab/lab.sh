#!/usr/bin/env bash
# lab.sh - tlsprof's network lab: a private network namespace in which every
# packet entering (iptables INPUT) is held by nfq_delay for DELAY_MS and
# optionally dropped with probability LOSS. Stands in for netem, which these
# kernels lack. See docs/netlab.md.
#
# As a command:
#   lab.sh check                        exit 0 if the lab can run here, else say why, exit 77
#   lab.sh up   NAME DELAY_MS [LOSS] [-- nfq_delay options...]
#   lab.sh set  NAME DELAY_MS [LOSS] [-- nfq_delay options...]   change delay/loss in place
#   lab.sh exec NAME CMD [ARGS...]      run CMD inside the lab's namespace
#   lab.sh stats NAME                   print the injector's counters so far
#   lab.sh down NAME                    stop everything in the lab, delete the namespace
# As a library: `source lab.sh`, then lab_check, lab_up, lab_set, lab_exec,
# lab_stats, lab_down, lab_ns (all return non-zero on failure; none exits).
#
# The namespace is tlsprof-lab-NAME. A NAME that is a number is taken to be the
# PID of the process owning the lab (tests use $$): `up` deletes such labs whose
# owner is gone, so a test killed without running its trap leaves nothing for long.
#
# Environment: NFQ_DELAY   path of the nfq_delay binary (default: nfq_delay in PATH)
#              LAB_MAX_SECONDS  the injector's lifetime bound (default 900)
#              LAB_STATE_DIR    where per-lab state lives (default /tmp/tlsprof-lab)

LAB_STATE_DIR=${LAB_STATE_DIR:-/tmp/tlsprof-lab}
LAB_MAX_SECONDS=${LAB_MAX_SECONDS:-900}

lab_ns() { printf 'tlsprof-lab-%s\n' "$1"; }

_lab_say() { printf 'lab: %s\n' "$*" >&2; }

_lab_injector_bin() {
    local bin=${NFQ_DELAY:-}
    if [[ -z $bin ]]; then bin=$(command -v nfq_delay 2>/dev/null) || bin=""; fi
    if [[ -z $bin || ! -x $bin ]]; then
        _lab_say "nfq_delay not found (set NFQ_DELAY to the built tests/netlab/nfq_delay)"
        return 1
    fi
    printf '%s\n' "$bin"
}

_lab_valid_name() {
    if [[ ! $1 =~ ^[A-Za-z0-9_.-]{1,40}$ ]]; then
        _lab_say "bad lab name '$1' (letters, digits, _ . - ; at most 40)"
        return 1
    fi
}

_lab_valid_number() { # what value
    if [[ ! $2 =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
        _lab_say "bad $1 '$2' (expected a non-negative number)"
        return 1
    fi
}

# Which iptables front end can install an NFQUEUE rule in namespace $1.
# Tries iptables, then iptables-nft, then iptables-legacy.
_lab_pick_iptables() {
    local ns=$1 cmd
    for cmd in iptables iptables-nft iptables-legacy; do
        command -v "$cmd" >/dev/null 2>&1 || continue
        if timeout 10 ip netns exec "$ns" "$cmd" -w 5 -A INPUT -p tcp --dport 9 \
            -j NFQUEUE --queue-num 65000 --queue-bypass >/dev/null 2>&1; then
            timeout 10 ip netns exec "$ns" "$cmd" -w 5 -F INPUT >/dev/null 2>&1
            printf '%s\n' "$cmd"
            return 0
        fi
    done
    return 1
}

# The IPv6 front end of the same family, if it works (loopback ::1 traffic).
_lab_pick_ip6tables() {
    local ns=$1 cmd=${2/iptables/ip6tables}
    command -v "$cmd" >/dev/null 2>&1 || return 1
    timeout 10 ip netns exec "$ns" "$cmd" -w 5 -L INPUT -n >/dev/null 2>&1 || return 1
    printf '%s\n' "$cmd"
}

lab_check() {
    if [[ $(id -u) != 0 ]]; then
        _lab_say "skipped: needs root (network namespaces, iptables)"
        return 77
    fi
    _lab_injector_bin >/dev/null || return 77
    local probe
    probe=$(lab_ns "check-$$")
    if ! timeout 10 ip netns add "$probe" 2>/dev/null; then
        _lab_say "skipped: 'ip netns add' does not work here"
        return 77
    fi
    local ipt rc=0
    if ! ipt=$(_lab_pick_iptables "$probe"); then
        _lab_say "skipped: no iptables front end (iptables, iptables-nft, iptables-legacy) can add an NFQUEUE rule in a namespace"
        rc=77
    fi
    timeout 10 ip netns del "$probe" 2>/dev/null
    return $rc
}

# Delete labs named after a PID that no longer exists (their owner died
# without cleaning up, e.g. killed by a test timeout).
_lab_sweep_stale() {
    local ns owner
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
        [[ $ns =~ ^tlsprof-lab-([0-9]+)$ ]] || continue
        owner=${BASH_REMATCH[1]}
        if ! kill -0 "$owner" 2>/dev/null; then
            _lab_say "removing stale lab $ns (owner PID $owner is gone)"
            lab_down "$owner" >/dev/null
        fi
    done
}

# Start an injector for lab $1 on queue $2; remaining args go to nfq_delay.
# Waits until it has bound the queue (before that, queued packets would be
# dropped, since the rule has no --queue-bypass).
_lab_start_injector() {
    local name=$1 queue=$2
    shift 2
    local ns dir bin gen ready i
    ns=$(lab_ns "$name")
    dir=$LAB_STATE_DIR/$name
    bin=$(_lab_injector_bin) || return 1
    gen=$(($(cat "$dir/generation" 2>/dev/null || echo 0) + 1))
    ready=$dir/ready.$gen
    rm -f "$ready"
    # timeout(1) bounds the injector's life even if nobody runs `down`.
    ip netns exec "$ns" timeout -s TERM -k 5 "$LAB_MAX_SECONDS" \
        "$bin" -q "$queue" --ready-file "$ready" --realtime "$@" \
        </dev/null >>"$dir/injector.$gen.log" 2>&1 &
    local wrapper=$!
    for ((i = 0; i < 100; i++)); do
        [[ -s $ready ]] && break
        if ! kill -0 "$wrapper" 2>/dev/null; then break; fi
        sleep 0.05
    done
    if [[ ! -s $ready ]]; then
        _lab_say "injector did not start on queue $queue:"
        cat "$dir/injector.$gen.log" >&2
        kill -TERM "$wrapper" 2>/dev/null
        return 1
    fi
    echo "$gen" >"$dir/generation"
    echo "$wrapper" >"$dir/wrapper.$gen"
    cat "$ready" >"$dir/injector.$gen" # nfq_delay's own PID, for SIGUSR1
    echo "$queue" >"$dir/queue"
}

# True when PID $1 still runs program $2 (a recorded PID may have been
# reused by an unrelated process once ours exited).
_lab_pid_is() {
    [[ $1 =~ ^[0-9]+$ ]] && { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | grep -q -- "$2"
}

# Stop injector generation $2 of lab $1 and print its final counters line.
_lab_stop_injector() {
    local dir=$LAB_STATE_DIR/$1 gen=$2 pid wrapper i
    pid=$(cat "$dir/injector.$gen" 2>/dev/null) || return 0
    wrapper=$(cat "$dir/wrapper.$gen" 2>/dev/null)
    if ! _lab_pid_is "$pid" nfq_delay; then
        rm -f "$dir/injector.$gen" "$dir/wrapper.$gen"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        _lab_say "injector $pid ignored SIGTERM; killing it"
        kill -KILL "$pid" 2>/dev/null
    fi
    _lab_pid_is "$wrapper" timeout && kill -TERM "$wrapper" 2>/dev/null
    rm -f "$dir/injector.$gen" "$dir/wrapper.$gen"
    grep '^nfq_delay:' "$dir/injector.$gen.log" 2>/dev/null | tail -n 1
}

# Build the nfq_delay arguments for DELAY_MS [LOSS] [-- extra...] into LAB_ARGS.
_lab_injector_args() {
    local delay=$1 loss=0
    shift
    if [[ $# -gt 0 && $1 != -- ]]; then
        loss=$1
        shift
    fi
    [[ ${1:-} == -- ]] && shift
    _lab_valid_number "delay (ms)" "$delay" || return 1
    _lab_valid_number "loss" "$loss" || return 1
    LAB_ARGS=(-d "$delay" -l "$loss" "$@")
}

lab_up() {
    if [[ $# -lt 2 ]]; then
        _lab_say "usage: lab_up NAME DELAY_MS [LOSS] [-- nfq_delay options]"
        return 1
    fi
    local name=$1
    shift
    _lab_valid_name "$name" || return 1
    _lab_injector_args "$@" || return 1
    local ns dir ipt ip6t
    ns=$(lab_ns "$name")
    dir=$LAB_STATE_DIR/$name
    _lab_sweep_stale
    if ip netns list 2>/dev/null | awk '{print $1}' | grep -qx -- "$ns"; then
        _lab_say "lab $name is already up (namespace $ns); run 'lab.sh down $name' first"
        return 1
    fi
    rm -rf "$dir" && mkdir -p "$dir" || return 1
    if ! timeout 10 ip netns add "$ns"; then
        _lab_say "cannot create namespace $ns"
        rm -rf "$dir"
        return 1
    fi
    timeout 10 ip -n "$ns" link set lo up || {
        lab_down "$name" >/dev/null
        return 1
    }
    if ! ipt=$(_lab_pick_iptables "$ns"); then
        _lab_say "no iptables front end can add an NFQUEUE rule in $ns"
        lab_down "$name" >/dev/null
        return 1
    fi
    echo "$ipt" >"$dir/iptables"
    ip6t=$(_lab_pick_ip6tables "$ns" "$ipt") && echo "$ip6t" >"$dir/ip6tables"
    if ! _lab_start_injector "$name" 1 "${LAB_ARGS[@]}"; then
        lab_down "$name" >/dev/null
        return 1
    fi
    # No --queue-bypass: if the injector dies, traffic stops (tests fail
    # loudly) instead of silently flowing undelayed (tests measure nonsense).
    if ! _lab_rule "$name" -A 1 ||
        { [[ -n ${ip6t:-} ]] && ! _lab_rule6 "$name" -A 1; }; then
        _lab_say "cannot install the NFQUEUE rule in $ns"
        lab_down "$name" >/dev/null
        return 1
    fi
    _lab_say "up: namespace $ns, $ipt${ip6t:+ + $ip6t}, injector ${LAB_ARGS[*]}"
}

# Install (-A) or replace (-R, rule 1) the INPUT rule sending to queue $3.
_lab_rule() {
    local dir=$LAB_STATE_DIR/$1 op=$2 q=$3 ipt pos=()
    ipt=$(cat "$dir/iptables") || return 1
    [[ $op == -R ]] && pos=(1)
    timeout 10 ip netns exec "$(lab_ns "$1")" "$ipt" -w 5 "$op" INPUT "${pos[@]}" -j NFQUEUE --queue-num "$q"
}

_lab_rule6() {
    local dir=$LAB_STATE_DIR/$1 op=$2 q=$3 ipt pos=()
    ipt=$(cat "$dir/ip6tables" 2>/dev/null) || return 0
    [[ $op == -R ]] && pos=(1)
    timeout 10 ip netns exec "$(lab_ns "$1")" "$ipt" -w 5 "$op" INPUT "${pos[@]}" -j NFQUEUE --queue-num "$q"
}

# Change delay/loss without a gap: start a second injector on the other queue,
# atomically point the rule at it, then stop the first (which releases what it
# still holds). Call it between measurements, not during one.
lab_set() {
    if [[ $# -lt 2 ]]; then
        _lab_say "usage: lab_set NAME DELAY_MS [LOSS] [-- nfq_delay options]"
        return 1
    fi
    local name=$1
    shift
    _lab_injector_args "$@" || return 1
    local dir=$LAB_STATE_DIR/$name old_gen old_q new_q
    old_gen=$(cat "$dir/generation" 2>/dev/null) || {
        _lab_say "lab $name is not up"
        return 1
    }
    old_q=$(cat "$dir/queue")
    new_q=$((old_q == 1 ? 2 : 1))
    _lab_start_injector "$name" "$new_q" "${LAB_ARGS[@]}" || return 1
    if ! _lab_rule "$name" -R "$new_q" || ! _lab_rule6 "$name" -R "$new_q"; then
        _lab_say "cannot switch the rule to queue $new_q"
        return 1
    fi
    _lab_stop_injector "$name" "$old_gen" >/dev/null
}

lab_exec() {
    if [[ $# -lt 2 ]]; then
        _lab_say "usage: lab_exec NAME CMD [ARGS...]"
        return 1
    fi
    local ns
    ns=$(lab_ns "$1")
    shift
    ip netns exec "$ns" "$@"
}

# Print the current injector's counters (nfq_delay prints them on SIGUSR1).
lab_stats() {
    local dir=$LAB_STATE_DIR/$1 gen pid log before i
    gen=$(cat "$dir/generation" 2>/dev/null) || {
        _lab_say "lab $1 is not up"
        return 1
    }
    pid=$(cat "$dir/injector.$gen") || return 1
    log=$dir/injector.$gen.log
    before=$(grep -c '^nfq_delay:' "$log" 2>/dev/null)
    kill -USR1 "$pid" || return 1
    for ((i = 0; i < 100; i++)); do
        (($(grep -c '^nfq_delay:' "$log" 2>/dev/null) > before)) && break
        sleep 0.02
    done
    grep '^nfq_delay:' "$log" | tail -n 1
}

# Stop the injector (printing its final counters), every process still in the
# namespace, and delete the namespace. Safe to call on a half-built lab.
lab_down() {
    local name=$1 ns dir f pids i rc=0
    ns=$(lab_ns "$name")
    dir=$LAB_STATE_DIR/$name
    if ip netns list 2>/dev/null | awk '{print $1}' | grep -qx -- "$ns"; then
        # Let traffic flow while the injector stops.
        for f in iptables ip6tables; do
            [[ -s $dir/$f ]] && timeout 10 ip netns exec "$ns" "$(cat "$dir/$f")" -w 5 -F INPUT 2>/dev/null
        done
    fi
    for f in "$dir"/injector.*; do
        [[ $f =~ /injector\.([0-9]+)$ ]] && _lab_stop_injector "$name" "${BASH_REMATCH[1]}"
    done
    if ip netns list 2>/dev/null | awk '{print $1}' | grep -qx -- "$ns"; then
        # Whatever the lab's users left running in it (servers), by PID.
        mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null)
        if ((${#pids[@]})); then
            kill -TERM "${pids[@]}" 2>/dev/null
            for ((i = 0; i < 60; i++)); do
                mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null)
                ((${#pids[@]})) || break
                sleep 0.05
            done
            ((${#pids[@]})) && kill -KILL "${pids[@]}" 2>/dev/null
        fi
        timeout 10 ip netns del "$ns" || rc=1
    fi
    rm -rf "$dir"
    return $rc
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -u -o pipefail
    cmd=${1:-}
    shift || true
    case $cmd in
    check) lab_check ;;
    up) lab_up "$@" ;;
    set) lab_set "$@" ;;
    exec) lab_exec "$@" ;;
    stats) lab_stats "$@" ;;
    down) lab_down "$@" ;;
    *)
        sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
        exit 2
        ;;
    esac
fi
