#!/usr/bin/env bash
# bench.sh - tlsprof's own cost, measured against h2load on the same work.
#
# Builds tlsprof (Release, into build-bench/), starts a private nginx on a
# loopback port (1 worker, TLS 1.3 only, HTTP/2, ECDSA P-256 certificate made
# with openssl in a temp dir, a small static file), then runs tlsprof and
# h2load alternately (A B A B ...) and prints medians and tlsprof/h2load
# ratios:
#   1. pooled    -c 50 -m 10 -n N: requests/s, client CPU s per 10,000 requests
#   2. fresh     one TLS 1.3 connection per request, 64 at a time, tlsprof
#                over HTTP/2 and over HTTP/1.1 (--h1 --close server: the same
#                work as h2load --h1): connections/s, client CPU per
#                connection, and that CPU against the bare OpenSSL handshake
#                floor (scripts/handshake_floor.c)
#   3. memory    peak RSS with IDLE pooled connections open at once, per connection
#   4. overhead  the pooled run with --events FILE --html FILE vs without
#   5. allocs    malloc calls per request (scripts/malloc_count.c, LD_PRELOAD)
#   6. scaling   the pooled run with -t 2 against -t 1, for both tools: rate,
#                client CPU per request, and how the work split between threads
# and ends with the targets, each "met" or "MISSED".
# Client CPU is user+sys of the whole client process (GNU time), peak RSS is
# its max resident set; both tools use one thread except in step 6.
#
# Usage: scripts/bench.sh [--quick] [--rounds R] [--requests N] [--fresh N]
#          [--idle N] [--idle-sleep S] [--alloc N] [--port P] [--pin]
#          [--perf DIR] [--only STEPS] [--no-build] [--keep]
#   --quick        2 rounds and smaller runs (about a minute)
#   --rounds R     A/B rounds per comparison (default 5)
#   --requests N   pooled requests per run (default 200000)
#   --fresh N      fresh connections per run (default 10000)
#   --idle N       idle pooled connections for the memory step (default 10000)
#   --idle-sleep S how long the server holds each idle request (default 15)
#   --alloc N      requests of the smaller allocation run (default 20000)
#   --pin          nginx on CPU 1, the client on CPU 0 (taskset)
#   --perf DIR     also `perf record -g` tlsprof's pooled and fresh runs into
#                  DIR and print the top symbols
#   --only STEPS   comma list of pooled,fresh,memory,overhead,allocs,scaling
#   --no-build     use the existing build-bench/ binaries
#   --keep         keep the temp dir (nginx config, JSON reports, timings)
# Environment: BENCH_BUILD_DIR (default build-bench), H2LOAD, NGINX.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

rounds=5 requests=200000 fresh_n=10000 idle_n=10000 idle_sleep=15 alloc_n=20000
port="" pin=0 perf_dir="" only="pooled,fresh,memory,overhead,allocs,scaling" build=1 keep=0
usage() { sed -n '/^# Usage/,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) rounds=2 requests=50000 fresh_n=3000 idle_n=2000 idle_sleep=6 alloc_n=5000 ;;
    --rounds) rounds=$2; shift ;;
    --requests) requests=$2; shift ;;
    --fresh) fresh_n=$2; shift ;;
    --idle) idle_n=$2; shift ;;
    --idle-sleep) idle_sleep=$2; shift ;;
    --alloc) alloc_n=$2; shift ;;
    --port) port=$2; shift ;;
    --pin) pin=1 ;;
    --perf) perf_dir=$2; shift ;;
    --only) only=$2; shift ;;
    --no-build) build=0 ;;
    --keep) keep=1 ;;
    -h | --help) usage ;;
    *) echo "bench.sh: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done
for v in rounds requests fresh_n idle_n idle_sleep alloc_n; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: $v must be a positive integer" >&2; exit 2; }
done
want() { [[ ",$only," == *",$1,"* ]]; }

build_dir=${BENCH_BUILD_DIR:-build-bench}
h2load=${H2LOAD:-h2load}
nginx=${NGINX:-nginx}
for tool in "$h2load" "$nginx" openssl jq ss cc cmake /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench.sh: '$tool' not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

# ---- build -----------------------------------------------------------------
if [[ $build -eq 1 ]]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DTLSPROF_TESTS=OFF >/dev/null
  cmake --build "$build_dir" -j2 --target tlsprof handshake_floor >/dev/null
fi
[[ $build_dir == /* ]] || build_dir=$root/$build_dir
tlsprof=$build_dir/tlsprof
floor=$build_dir/handshake_floor
[[ -x $tlsprof && -x $floor ]] || { echo "bench.sh: $tlsprof or $floor missing (run without --no-build)" >&2; exit 1; }

# ---- temp dir, certificate, nginx -------------------------------------------
tmp=$(mktemp -d /tmp/tlsprof-bench.XXXXXX)
chmod 755 "$tmp" # nginx workers run as nobody when started by root
nginx_pid=""
cleanup() {
  if [[ -n $nginx_pid ]]; then
    kill -TERM "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  if [[ $keep -eq 1 ]]; then echo "bench.sh: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Descriptors: the memory step needs one per idle connection on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)
if [[ $nofile != unlimited && $((idle_n + 200)) -gt $nofile ]]; then
  echo "bench.sh: only $nofile descriptors allowed; memory step uses $((nofile - 200)) connections" >&2
  idle_n=$((nofile - 200))
fi

if [[ -z $port ]]; then
  for port in $(seq 18443 18499); do
    [[ -z $(ss -Htln "sport = :$port") ]] && break
  done
fi
url=https://127.0.0.1:$port/

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 2>/dev/null
mkdir -p "$tmp/www" "$tmp/logs"
head -c 600 /dev/zero | tr '\0' 'x' >"$tmp/www/index.html" # 600 B static file
chmod -R a+rX "$tmp/www"

# The idle step needs requests that stay open without traffic: the echo
# module's echo_sleep holds each response for idle_sleep seconds.
echo_mod=""
for m in /usr/lib/nginx/modules/ngx_http_echo_module.so /usr/share/nginx/modules/ngx_http_echo_module.so; do
  [[ -f $m ]] && echo_mod=$m && break
done
rlimit=$nofile
[[ $rlimit == unlimited ]] && rlimit=65536
cat >"$tmp/nginx.conf" <<EOF
${echo_mod:+load_module $echo_mod;}
worker_processes 1;
worker_rlimit_nofile $rlimit;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log warn;
events { worker_connections $((idle_n + 1000)); }
http {
  access_log off;
  # Pooled connections must never be closed by the server during a run.
  keepalive_requests 1000000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$port ssl http2 backlog=4096;
    ssl_certificate $tmp/cert.pem;
    ssl_certificate_key $tmp/key.pem;
    ssl_protocols TLSv1.3;
    # The floor's suite and group, whatever each client prefers.
    ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384;
    ssl_ecdh_curve X25519;
    root $tmp/www;
    ${echo_mod:+location = /idle { echo_sleep $idle_sleep; echo ok; \}}
  }
}
EOF
server_cpu=()
client_cpu=()
pinned=""
if [[ $pin -eq 1 ]]; then server_cpu=(taskset -c 1) client_cpu=(taskset -c 0) pinned=", pinned"; fi
"${server_cpu[@]}" "$nginx" -p "$tmp" -c "$tmp/nginx.conf" -g 'daemon off;' 2>"$tmp/logs/stderr" &
nginx_pid=$!
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { cat "$tmp/logs/stderr" >&2; echo "bench.sh: nginx did not start" >&2; exit 1; }
nginx_worker=""
for _ in $(seq 50); do
  nginx_worker=$(pgrep -P "$nginx_pid" | head -n 1) && [[ -n $nginx_worker ]] && break
  sleep 0.1
done
[[ -n $nginx_worker ]] || { echo "bench.sh: no nginx worker process" >&2; exit 1; }

# ---- helpers -----------------------------------------------------------------
# timed NAME CMD...: stdout/stderr/GNU time of CMD into $tmp/NAME.{out,err,time}.
# The server's CPU over the same run goes to NAME.srv: when it is near the
# wall time, the server, not the client, limits the rate.
timed() {
  local name=$1
  shift
  local rc=0 s0
  s0=$(server_ticks)
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/$name.time" "${client_cpu[@]}" "$@" \
    >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
  echo $(($(server_ticks) - s0)) >"$tmp/$name.srv"
  return $rc
}
# utime+stime of the nginx worker, in clock ticks.
server_ticks() { awk '{print $14 + $15}' "/proc/$nginx_worker/stat"; }
# Share of one CPU the server used during NAME, in percent.
server_busy() { awk -v t="$(cat "$tmp/$1.srv")" -v hz="$(getconf CLK_TCK)" '{printf "%.0f", 100 * t / hz / $1}' <(tail -1 "$tmp/$1.time"); }
cpu_of() { tail -1 "$tmp/$1.time" | awk '{printf "%.3f", $2 + $3}'; } # user+sys s
rss_of() { tail -1 "$tmp/$1.time" | awk '{print $4}'; }              # max RSS KiB
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# paired A B: the median of the per-round ratios A[i] / B[i]. Each round runs
# the two back to back, so a drift of the shared machine's speed between
# rounds (other tenants) cancels out of the ratio; the ratio of two medians
# would not cancel it. Arguments: the name of array A, the name of array B,
# and optionally the decimal places (default 2).
paired() {
  local -n _a=$1 _b=$2
  local r=() i
  for i in "${!_a[@]}"; do r+=("$(calc "${_a[$i]} / ${_b[$i]}" 4)"); done
  calc "$(median "${r[@]}")" "${3:-2}"
}
calc() { awk "BEGIN {printf \"%.${2:-2}f\", $1}"; }
die_run() { echo "bench.sh: $1 failed; its output:" >&2; tail -5 "$tmp/$2.err" "$tmp/$2.out" >&2; exit 1; }

# tlsprof's own rate and success count from its JSON report.
tp_json() { jq -r "$2" "$tmp/$1.json"; }
tp_check() { # NAME EXPECTED_OK
  local ok
  ok=$(tp_json "$1" .summary.requests_ok)
  [[ $ok == "$2" ]] || die_run "tlsprof ($1: $ok of $2 requests ok)" "$1"
}
# h2load's rate from "finished in X, R req/s"; all requests must succeed.
h2_rate() { awk '/^finished in/ {gsub(",", "", $4); print $4}' "$tmp/$1.out"; }
h2_check() {
  grep -q "^requests: $2 total, $2 started, $2 done, $2 succeeded" "$tmp/$1.out" ||
    die_run "h2load ($1: not all $2 requests succeeded)" "$1"
  grep -q "TLS Protocol: TLSv1.3" "$tmp/$1.out" || die_run "h2load ($1: not TLS 1.3)" "$1"
}

results=()   # lines of the final table
verdicts=()  # lines of the target list
row() { results+=("$(printf '| %-38s | %12s | %12s | %8s | %-10s |' "$@")"); }
target() { # DESCRIPTION OK(1/0/"") DETAIL
  local v
  case "$2" in 1) v=met ;; 0) v=MISSED ;; *) v=skipped ;; esac
  verdicts+=("$(printf '%-7s %s (%s)' "$v" "$1" "$3")")
}
le() { awk "BEGIN {exit !($1 <= $2)}" && echo 1 || echo 0; }

echo "== tlsprof bench: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
echo "== $(openssl version), $("$h2load" --version | awk "NR == 1"), $("$nginx" -v 2>&1 | cut -d' ' -f3)"
echo "== server $url (nginx, 1 worker, TLS 1.3 TLS_AES_256_GCM_SHA384 x25519, ECDSA P-256, 600 B file); $rounds rounds${pinned}"

# ---- 1. pooled -------------------------------------------------------------
pooled_args=("$url" -k --mode pooled -c 50 -m 10 -n "$requests" -q)
pooled_h2=("$h2load" -c 50 -m 10 -n "$requests" "$url")
if want pooled; then
  echo "-- pooled: -c 50 -m 10 -n $requests"
  tp_rate=() tp_cpu=() h2_rates=() h2_cpu=()
  for r in $(seq "$rounds"); do
    timed "pool-tp-$r" "$tlsprof" "${pooled_args[@]}" --json "$tmp/pool-tp-$r.json" || die_run tlsprof "pool-tp-$r"
    tp_check "pool-tp-$r" "$requests"
    tp_rate+=("$(tp_json "pool-tp-$r" .summary.requests_per_s)") tp_cpu+=("$(cpu_of "pool-tp-$r")")
    timed "pool-h2-$r" "${pooled_h2[@]}" || die_run h2load "pool-h2-$r"
    h2_check "pool-h2-$r" "$requests"
    h2_rates+=("$(h2_rate "pool-h2-$r")") h2_cpu+=("$(cpu_of "pool-h2-$r")")
    printf '   round %d: tlsprof %8.0f req/s %6.2f s CPU (server %3s%% busy) | h2load %8.0f req/s %6.2f s CPU (server %3s%% busy)\n' \
      "$r" "${tp_rate[-1]}" "${tp_cpu[-1]}" "$(server_busy "pool-tp-$r")" "${h2_rates[-1]}" "${h2_cpu[-1]}" "$(server_busy "pool-h2-$r")"
  done
  a=$(median "${tp_rate[@]}") b=$(median "${h2_rates[@]}")
  ratio=$(paired tp_rate h2_rates)
  row "pooled requests/s" "$(calc "$a" 0)" "$(calc "$b" 0)" "$ratio" ">= 1.15"
  target "pooled req/s ≥ 1.15× h2load" "$(le 1.15 "$ratio")" "ratio $ratio"
  a=$(calc "$(median "${tp_cpu[@]}") / $requests * 10000" 4) b=$(calc "$(median "${h2_cpu[@]}") / $requests * 10000" 4)
  ratio=$(paired tp_cpu h2_cpu)
  row "pooled client CPU s / 10k requests" "$a" "$b" "$ratio" "<= 0.80"
  target "pooled CPU/request ≤ 0.8× h2load" "$(le "$ratio" 0.8)" "ratio $ratio"
fi

# ---- 2. fresh ----------------------------------------------------------------
# Three clients per round: tlsprof over HTTP/2 (its default: the client closes
# first), tlsprof over HTTP/1.1 with the server closing first, and h2load,
# which reconnects per request only over HTTP/1.1 with "Connection: close":
# the second is the same work as h2load's, protocol and close pattern alike.
fresh_args=("$url" -k --mode fresh -c 64 -n "$fresh_n" -q)
fresh_h1_args=("$url" -k --h1 --close server --mode fresh -c 64 -n "$fresh_n" -q)
fresh_h2=("$h2load" --h1 -H 'Connection: close' -c 64 -n "$fresh_n" "$url")
if want fresh; then
  echo "-- fresh: one connection per request, 64 at a time, $fresh_n connections; floor: handshake_floor -n 2000 --insecure"
  echo "   tlsprof h2: HTTP/2, client closes; tlsprof h1: --h1 --close server (as h2load --h1 -H 'Connection: close')"
  tp_rate=() tp_cpu=() t1_rate=() t1_cpu=() h2_rates=() h2_cpu=() fl_full=() fl_res=() tp_res=() t1_res=() tp_hs=()
  resumed_share() { tp_json "$1" '(.phases.tls_handshake_resumed.count // 0) / .phases.tls_handshake.count'; }
  for r in $(seq "$rounds"); do
    timed "fresh-tp-$r" "$tlsprof" "${fresh_args[@]}" --json "$tmp/fresh-tp-$r.json" || die_run tlsprof "fresh-tp-$r"
    tp_check "fresh-tp-$r" "$fresh_n"
    tp_rate+=("$(tp_json "fresh-tp-$r" .summary.connections_per_s)")
    tp_cpu+=("$(calc "$(cpu_of "fresh-tp-$r") / $fresh_n * 1e6" 1)")
    tp_res+=("$(resumed_share "fresh-tp-$r")")
    tp_hs+=("$(tp_json "fresh-tp-$r" .phases.tls_client_cpu.mean_us)")
    timed "fresh-t1-$r" "$tlsprof" "${fresh_h1_args[@]}" --json "$tmp/fresh-t1-$r.json" || die_run tlsprof "fresh-t1-$r"
    tp_check "fresh-t1-$r" "$fresh_n"
    t1_rate+=("$(tp_json "fresh-t1-$r" .summary.connections_per_s)")
    t1_cpu+=("$(calc "$(cpu_of "fresh-t1-$r") / $fresh_n * 1e6" 1)")
    t1_res+=("$(resumed_share "fresh-t1-$r")")
    timed "fresh-h2-$r" "${fresh_h2[@]}" || die_run h2load "fresh-h2-$r"
    h2_check "fresh-h2-$r" "$fresh_n"
    h2_rates+=("$(h2_rate "fresh-h2-$r")") h2_cpu+=("$(calc "$(cpu_of "fresh-h2-$r") / $fresh_n * 1e6" 1)")
    "${client_cpu[@]}" "$floor" -n 2000 --insecure --json >"$tmp/floor-$r.json"
    fl_full+=("$(jq .full.client_cpu_us.mean "$tmp/floor-$r.json")")
    fl_res+=("$(jq .resumed.client_cpu_us.mean "$tmp/floor-$r.json")")
    printf '   round %d: tlsprof h2 %5.0f conn/s %4.0f us (%2.0f%% resumed, handshake calls %3.0f us, server %3s%%) | tlsprof h1 %5.0f conn/s %4.0f us (server %3s%%) | h2load %5.0f conn/s %4.0f us (server %3s%%) | floor full %3.0f resumed %3.0f us\n' \
      "$r" "${tp_rate[-1]}" "${tp_cpu[-1]}" "$(calc "${tp_res[-1]} * 100" 0)" "${tp_hs[-1]}" "$(server_busy "fresh-tp-$r")" \
      "${t1_rate[-1]}" "${t1_cpu[-1]}" "$(server_busy "fresh-t1-$r")" \
      "${h2_rates[-1]}" "${h2_cpu[-1]}" "$(server_busy "fresh-h2-$r")" "${fl_full[-1]}" "${fl_res[-1]}"
  done
  b=$(median "${h2_rates[@]}")
  a1=$(median "${t1_rate[@]}") ratio1=$(paired t1_rate h2_rates)
  row "fresh conn/s, HTTP/1.1 (same work)" "$(calc "$a1" 0)" "$(calc "$b" 0)" "$ratio1" ">= 1.00"
  a=$(median "${tp_rate[@]}") ratio=$(paired tp_rate h2_rates)
  row "fresh conn/s, tlsprof over HTTP/2" "$(calc "$a" 0)" "$(calc "$b" 0)" "$ratio" "info"
  target "fresh conn/s ≥ h2load" "$(le 1 "$ratio1")" "ratio $ratio1 over HTTP/1.1 as h2load; $ratio with tlsprof over HTTP/2"
  b=$(median "${h2_cpu[@]}")
  a1=$(median "${t1_cpu[@]}")
  row "fresh client CPU us/conn, HTTP/1.1" "$a1" "$b" "$(paired t1_cpu h2_cpu)" "-"
  a=$(median "${tp_cpu[@]}")
  row "fresh client CPU us/conn, HTTP/2" "$a" "$b" "$(paired tp_cpu h2_cpu)" "-"
  # The floor of each run's own mix of full and resumed handshakes, per
  # round: the HTTP/2 run's share for it, the HTTP/1.1 run's for it and for
  # h2load, which does the same work against the same tickets (h2load does
  # not report its share). The floor column shows the median of the mixes.
  fl_mix2=() fl_mix1=()
  for i in "${!fl_res[@]}"; do
    fl_mix2+=("$(calc "${tp_res[$i]} * ${fl_res[$i]} + (1 - ${tp_res[$i]}) * ${fl_full[$i]}" 1)")
    fl_mix1+=("$(calc "${t1_res[$i]} * ${fl_res[$i]} + (1 - ${t1_res[$i]}) * ${fl_full[$i]}" 1)")
  done
  ff=$(median "${fl_full[@]}") fr=$(median "${fl_res[@]}")
  fmix1=$(median "${fl_mix1[@]}") fmix2=$(median "${fl_mix2[@]}")
  ratio=$(paired t1_cpu fl_mix1)
  row "fresh CPU/conn (HTTP/1.1) vs floor" "$a1" "floor $fmix1" "$ratio" "<= 1.15"
  target "fresh CPU/conn ≤ 1.15× floor" "$(le "$ratio" 1.15)" "ratio $ratio over HTTP/1.1 ($(calc "$(median "${t1_res[@]}") * 100" 0)% resumed), $(paired tp_cpu fl_mix2) over HTTP/2 ($(calc "$(median "${tp_res[@]}") * 100" 0)% resumed); floor full $ff us, resumed $fr us"
  hs=$(calc "$(median "${tp_hs[@]}")" 1)
  row "  handshake calls only (tls_client_cpu)" "$hs" "floor $fmix2" "$(paired tp_hs fl_mix2)" "info"
  row "  h2load vs floor" "$b" "floor $fmix1" "$(paired h2_cpu fl_mix1)" "info"
fi

# ---- 3. memory ---------------------------------------------------------------
# Peak number of established client connections, sampled while PID runs.
peak_conns() {
  local pid=$1 peak=0 n
  while kill -0 "$pid" 2>/dev/null; do
    n=$(ss -Htn state established "( dport = :$port )" | wc -l)
    ((n > peak)) && peak=$n
    sleep 0.5
  done
  echo "$peak"
}
mem_run() { # NAME CMD...: runs CMD in the background, prints peak connections
  local name=$1
  shift
  timed "$name" "$@" &
  local pid=$!
  local peak
  peak=$(peak_conns "$pid")
  wait "$pid" || die_run "$name" "$name"
  echo "$peak"
}
if want memory; then
  if [[ -z $echo_mod ]]; then
    echo "-- memory: skipped: nginx echo module missing (apt-get install libnginx-mod-http-echo)"
    target "≤ 20 KiB per idle pooled connection" "" "echo module missing"
  else
    echo "-- memory: $idle_n pooled connections, each with one request the server holds ${idle_sleep}s"
    idle_url=${url}idle
    timed mem-tp-base "$tlsprof" "$url" -k --mode pooled -c 1 -n 1 -m 1 -q --json "$tmp/mem-tp-base.json" || die_run tlsprof mem-tp-base
    tp_peak=$(mem_run mem-tp "$tlsprof" "$idle_url" -k --mode pooled -c "$idle_n" -n "$idle_n" -m 1 -q \
      --request-timeout "$((idle_sleep + 60))s" --handshake-timeout 60s --connect-timeout 60s --json "$tmp/mem-tp.json")
    tp_check mem-tp "$idle_n"
    timed mem-h2-base "$h2load" -c 1 -n 1 -m 1 "$url" || die_run h2load mem-h2-base
    h2_peak=$(mem_run mem-h2 "$h2load" -c "$idle_n" -n "$idle_n" -m 1 "$idle_url")
    h2_check mem-h2 "$idle_n"
    a=$(calc "($(rss_of mem-tp) - $(rss_of mem-tp-base)) / $tp_peak" 1)
    b=$(calc "($(rss_of mem-h2) - $(rss_of mem-h2-base)) / $h2_peak" 1)
    echo "   tlsprof: max RSS $(rss_of mem-tp) KiB, baseline (-c 1) $(rss_of mem-tp-base) KiB, peak $tp_peak connections established"
    echo "   h2load:  max RSS $(rss_of mem-h2) KiB, baseline (-c 1) $(rss_of mem-h2-base) KiB, peak $h2_peak connections established"
    [[ $tp_peak -lt $((idle_n * 95 / 100)) ]] && echo "   warning: tlsprof had only $tp_peak of $idle_n connections open at once (raise --idle-sleep)"
    row "KiB per idle pooled connection" "$a" "$b" "$(calc "$a / $b")" "<= 20 KiB"
    target "≤ 20 KiB per idle pooled connection" "$(le "$a" 20)" "$a KiB"
  fi
fi

# ---- 4. overhead of --events and --html --------------------------------------
if want overhead; then
  if ! "$tlsprof" --help 2>&1 | grep -q -- '--events' || ! "$tlsprof" --help 2>&1 | grep -q -- '--html'; then
    echo "-- overhead: skipped: option missing (tlsprof --help has no --events/--html)"
    target "events+html ≤ 3% throughput cost" "" "skipped: option missing"
  else
    echo "-- overhead: pooled run with --events FILE --html FILE vs without"
    off=() on=() off_cpu=() on_cpu=()
    for r in $(seq "$rounds"); do
      timed "ovh-off-$r" "$tlsprof" "${pooled_args[@]}" --json "$tmp/ovh-off-$r.json" || die_run tlsprof "ovh-off-$r"
      tp_check "ovh-off-$r" "$requests"
      off+=("$(tp_json "ovh-off-$r" .summary.requests_per_s)") off_cpu+=("$(cpu_of "ovh-off-$r")")
      timed "ovh-on-$r" "$tlsprof" "${pooled_args[@]}" --json "$tmp/ovh-on-$r.json" --events "$tmp/ovh-$r.events" --html "$tmp/ovh-$r.html" ||
        die_run tlsprof "ovh-on-$r"
      tp_check "ovh-on-$r" "$requests"
      on+=("$(tp_json "ovh-on-$r" .summary.requests_per_s)") on_cpu+=("$(cpu_of "ovh-on-$r")")
      printf '   round %d: off %8.0f req/s %5.2f s CPU | on %8.0f req/s %5.2f s CPU (events %s B, html %s B)\n' "$r" \
        "${off[-1]}" "${off_cpu[-1]}" "${on[-1]}" "${on_cpu[-1]}" "$(stat -c %s "$tmp/ovh-$r.events" 2>/dev/null || echo 0)" \
        "$(stat -c %s "$tmp/ovh-$r.html" 2>/dev/null || echo 0)"
    done
    # Two costs: the measured rate (server-bound here, so it hides client
    # work) and the client's capacity, requests per CPU second, which is
    # what a client-bound run would lose. Both must stay within 3%.
    a=$(median "${on[@]}") b=$(median "${off[@]}") ratio=$(paired on off 3)
    cost=$(calc "(1 - $ratio) * 100" 1)
    row "pooled req/s with --events --html" "$(calc "$a" 0)" "off $(calc "$b" 0)" "$ratio" "cost <= 3%"
    a=$(median "${on_cpu[@]}") b=$(median "${off_cpu[@]}") ratio=$(paired on_cpu off_cpu 3)
    cpu_cost=$(calc "(1 - 1 / $ratio) * 100" 1)
    row "  client CPU s with / without" "$a" "off $b" "$ratio" "cost <= 3%"
    ok=0
    [[ $(le "$cost" 3) == 1 && $(le "$cpu_cost" 3) == 1 ]] && ok=1
    target "events+html ≤ 3% throughput cost" "$ok" "rate cost $cost%, capacity (requests per CPU s) cost $cpu_cost%"
  fi
fi

# ---- 5. allocations per request ---------------------------------------------
if want allocs; then
  echo "-- allocations: malloc_count.so over pooled runs of $alloc_n and $((2 * alloc_n)) requests"
  cc -O2 -shared -fPIC -o "$tmp/malloc_count.so" scripts/malloc_count.c -ldl
  allocs() { # NAME CMD...: total allocation calls of CMD
    rm -f "$tmp/$1.count"
    MALLOC_COUNT_FILE=$tmp/$1.count LD_PRELOAD=$tmp/malloc_count.so "${@:2}" >"$tmp/$1.out" 2>"$tmp/$1.err" ||
      die_run "$1" "$1"
    [[ -s $tmp/$1.count ]] || die_run "$1 (no malloc_count line)" "$1"
    # One "malloc_count:" line per process (its last field is the total);
    # the "malloc_count_by:" lines split it and must not be added again.
    awk '$1 == "malloc_count:" {s += $NF} END {print s}' "$tmp/$1.count"
  }
  # Extra calls per request of each object between the N and the 2N run.
  by_object() { # FILE_N FILE_2N
    awk -v n="$alloc_n" '$1 == "malloc_count_by:" {for (i = 2; i < NF; i += 2) c[$i] += (FILENAME == ARGV[2] ? $(i + 1) : -$(i + 1))}
      END {for (o in c) printf " %s %.4f", o, c[o] / n; print ""}' "$1" "$2"
  }
  t1=$(allocs alloc-tp-1 "$tlsprof" "$url" -k --mode pooled -c 50 -m 10 -n "$alloc_n" -q)
  t2=$(allocs alloc-tp-2 "$tlsprof" "$url" -k --mode pooled -c 50 -m 10 -n "$((2 * alloc_n))" -q)
  h1=$(allocs alloc-h2-1 "$h2load" -c 50 -m 10 -n "$alloc_n" "$url")
  h2=$(allocs alloc-h2-2 "$h2load" -c 50 -m 10 -n "$((2 * alloc_n))" "$url")
  echo "   tlsprof: $t1 and $t2 allocation calls; h2load: $h1 and $h2"
  echo "   tlsprof, extra calls per request by the calling object:$(by_object "$tmp/alloc-tp-1.count" "$tmp/alloc-tp-2.count")"
  a=$(calc "($t2 - $t1) / $alloc_n") b=$(calc "($h2 - $h1) / $alloc_n")
  row "allocations per extra request" "$a" "$b" "$(calc "$a / $b")" "~0 (<= 0.1)"
  target "~0 allocations per request" "$(le "$a" 0.1)" "$a per request"
fi

# ---- 6. scaling: -t 2 against -t 1 ---------------------------------------------
# The same pooled work with two client threads. On a machine where one nginx
# worker already limits the -t 1 run, the rate cannot grow; what must hold is
# that the second thread costs nothing per request (no locks, no shared
# cache lines on the hot path) and takes its share of the work (the workers
# draw requests from one atomic counter).
if want scaling; then
  if [[ $pin -eq 1 ]]; then
    echo "-- scaling: skipped: --pin puts every client thread on one CPU"
  else
    echo "-- scaling: pooled -c 50 -m 10 -n $requests with -t 1 and -t 2"
    s_tp1=() s_tp2=() s_h1=() s_h2=() c_tp1=() c_tp2=() c_h1=() c_h2=() split=()
    for r in $(seq "$rounds"); do
      for t in 1 2; do
        timed "scale-tp$t-$r" "$tlsprof" "${pooled_args[@]}" -t "$t" --json "$tmp/scale-tp$t-$r.json" || die_run tlsprof "scale-tp$t-$r"
        tp_check "scale-tp$t-$r" "$requests"
        timed "scale-h2$t-$r" "$h2load" -t "$t" -c 50 -m 10 -n "$requests" "$url" || die_run h2load "scale-h2$t-$r"
        h2_check "scale-h2$t-$r" "$requests"
      done
      s_tp1+=("$(tp_json "scale-tp1-$r" .summary.requests_per_s)") c_tp1+=("$(cpu_of "scale-tp1-$r")")
      s_tp2+=("$(tp_json "scale-tp2-$r" .summary.requests_per_s)") c_tp2+=("$(cpu_of "scale-tp2-$r")")
      s_h1+=("$(h2_rate "scale-h21-$r")") c_h1+=("$(cpu_of "scale-h21-$r")")
      s_h2+=("$(h2_rate "scale-h22-$r")") c_h2+=("$(cpu_of "scale-h22-$r")")
      # Busy time of each tlsprof worker in the -t 2 run, as a share of their sum.
      split+=("$(tp_json "scale-tp2-$r" '[.client.threads[].cpu_s] | (.[0] / add * 100 | floor | tostring) + "/" + (.[1] / add * 100 | ceil | tostring)')")
      printf '   round %d: tlsprof -t 1 %6.0f req/s %5.2f s CPU, -t 2 %6.0f req/s %5.2f s CPU (threads %s%%, server %3s%%) | h2load -t 1 %6.0f req/s %5.2f s CPU, -t 2 %6.0f req/s %5.2f s CPU\n' \
        "$r" "${s_tp1[-1]}" "${c_tp1[-1]}" "${s_tp2[-1]}" "${c_tp2[-1]}" "${split[-1]}" "$(server_busy "scale-tp2-$r")" \
        "${s_h1[-1]}" "${c_h1[-1]}" "${s_h2[-1]}" "${c_h2[-1]}"
    done
    row "-t 2 / -t 1: requests/s" "$(paired s_tp2 s_tp1)" "$(paired s_h2 s_h1)" "-" "info"
    row "-t 2 / -t 1: client CPU per request" "$(paired c_tp2 c_tp1)" "$(paired c_h2 c_h1)" "-" "info"
  fi
fi

# ---- perf profiles -------------------------------------------------------------
if [[ -n $perf_dir ]]; then
  mkdir -p "$perf_dir"
  for kind in pooled fresh; do
    echo "-- perf: tlsprof $kind run, top of the self-time profile -> $perf_dir/$kind.*"
    if [[ $kind == pooled ]]; then args=("${pooled_args[@]}"); else args=("${fresh_args[@]}"); fi
    perf record -q -F 4999 -g -o "$perf_dir/$kind.data" -- "${client_cpu[@]}" "$tlsprof" "${args[@]}" \
      --json "$tmp/perf-$kind.json" >/dev/null 2>"$perf_dir/$kind.record.err" ||
      { echo "   perf record failed: $(tail -1 "$perf_dir/$kind.record.err")"; continue; }
    report() { perf report -i "$perf_dir/$kind.data" --comm tlsprof --stdio -g none "$@" 2>/dev/null | grep '%'; }
    report --no-children --sort dso >"$perf_dir/$kind.dso.txt"
    report --no-children --sort dso,sym >"$perf_dir/$kind.sym.txt"
    report --children --sort sym >"$perf_dir/$kind.children.txt"
    head -n 8 "$perf_dir/$kind.dso.txt" | sed 's/^/   /'
    head -n 25 "$perf_dir/$kind.sym.txt" | sed 's/^/   /'
  done
fi

# ---- summary -------------------------------------------------------------------
echo
echo "== results (medians of $rounds rounds; ratio = median of the per-round ratios tlsprof / h2load, or / the reference the h2load column names)"
printf '| %-38s | %12s | %12s | %8s | %-10s |\n' metric tlsprof h2load ratio target
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..40})" "$(printf -- '-%.0s' {1..14})" "$(printf -- '-%.0s' {1..14})" \
  "$(printf -- '-%.0s' {1..10})" "$(printf -- '-%.0s' {1..12})"
for line in "${results[@]}"; do echo "$line"; done
echo
echo "== targets"
for line in "${verdicts[@]}"; do echo "$line"; done
