#!/usr/bin/env bash
# valgrind.sh - memcheck over real runs: no leak, no invalid access.
#
#   scripts/valgrind.sh [--bin PATH] [--out DIR] [-n REQUESTS]
#
# Runs tlsprof under valgrind's memcheck, each program to its normal end:
#   1. `tlsprof demo -n N` (default 200): the embedded server in-process, a
#      fresh run then a pooled run against it;
#   2. `tlsprof serve` in its own process under memcheck, stopped by SIGTERM
#      after a fresh run (-t 2, tickets resumed) and a pooled run, both also
#      under memcheck and writing --json reports;
#   3. `tlsprof compare` and `tlsprof merge` on those two reports.
# Every run must end with exit 0, "ERROR SUMMARY: 0 errors" (no invalid read
# or write, no use of uninitialised memory, no definitely or indirectly lost
# block) and have done its work (the reports count N requests). Narrow
# suppressions of one-time library allocations live in tests/valgrind.supp.
# Logs go to DIR (default build/valgrind), one per process.
#
# --bin defaults to build/tlsprof (built first if missing). Exits 0 when
# everything passed, 1 on any failure (the offending log is printed), 77 when
# valgrind is not installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

bin=
out=
requests=200
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin) bin=$2; shift ;;
    --out) out=$2; shift ;;
    -n) requests=$2; shift ;;
    -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--bin PATH] [--out DIR] [-n REQUESTS]" >&2; exit 2 ;;
  esac
  shift
done
if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind.sh: skipped: valgrind not installed (scripts/install-deps.sh installs it)"
  exit 77
fi
if [[ -z $bin ]]; then
  bin=$root/build/tlsprof
  if [[ ! -x $bin ]]; then
    cmake -S . -B build -DTLSPROF_TESTS=OFF >/dev/null
    cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target tlsprof
  fi
fi
out=${out:-$root/build/valgrind}
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/tlsprof-valgrind-XXXXXX")
server_pid=
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

memcheck=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect
  --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --num-callers=30
  --track-origins=yes --gen-suppressions=all --suppressions="$root/tests/valgrind.supp")
# Under memcheck a handshake takes ~100x longer: generous timeouts so a slow
# machine shows up as slow, not as a failure.
slow=(--connect-timeout 60s --handshake-timeout 60s --request-timeout 120s)

failures=0
fail() {
  echo "valgrind.sh: FAIL: $*"
  failures=$((failures + 1))
}

# check_log NAME LOG: memcheck's verdict, leak totals included.
check_log() {
  local name=$1 log=$2
  if ! grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
    fail "$name: memcheck reported errors ($log):"
    grep -v '^==[0-9]*== *$' "$log" | sed -n '/Command:/,$p' | head -n 200
    return
  fi
  # "no leaks are possible", or both totals zero (suppressed ones aside).
  if ! grep -q 'no leaks are possible' "$log"; then
    local d i
    d=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d ,)
    i=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d ,)
    if [[ ${d:-x} != 0 || ${i:-x} != 0 ]]; then
      fail "$name: leaks (definitely ${d:-?}, indirectly ${i:-?} bytes), see $log"
      return
    fi
  fi
  echo "valgrind.sh: $name: $(grep -o 'ERROR SUMMARY: [0-9]* errors' "$log"), $(grep -o 'in use at exit: [0-9,]* bytes' "$log" || true)"
}

# run_checked NAME EXPECTED_EXIT CMD...: one program under memcheck.
run_checked() {
  local name=$1 expect=$2 rc=0
  shift 2
  echo "==== valgrind: $name: $*"
  "${memcheck[@]}" --log-file="$out/$name.log" "$@" >"$out/$name.out" 2>&1 || rc=$?
  if [[ $rc -ne $expect ]]; then
    fail "$name: exit $rc, expected $expect (99 = memcheck errors); its output:"
    tail -n 30 "$out/$name.out"
  fi
  check_log "$name" "$out/$name.log"
}

# json_num FILE PATH: a number from a report (jq is one of the test deps).
json_num() { jq -r "$2 // \"missing\"" "$1" 2>/dev/null || echo missing; }

# 1. demo: in-process server, fresh and pooled.
run_checked demo 0 "$bin" demo -n "$requests"
grep -c '^requests: ok '"$requests"',' "$out/demo.out" | grep -qx 2 ||
  fail "demo: expected two runs with 'requests: ok $requests' in $out/demo.out"

# 2. serve in its own process, the clients in theirs.
echo "==== valgrind: serve (background)"
"${memcheck[@]}" --log-file="$out/serve.log" "$bin" serve --listen 127.0.0.1:0 \
  --write-cert "$work/cert.pem" >"$out/serve.out" 2>&1 &
server_pid=$!
url=
for _ in $(seq 1 600); do # 60 s: memcheck start-up and key generation
  url=$(sed -n 's/.*listening on \(https:\/\/[^ ]*\).*/\1/p' "$out/serve.out" | head -n 1)
  [[ -n $url ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $url ]]; then
  fail "serve did not print 'listening on' within 60 s:"
  cat "$out/serve.out"
else
  run_checked run-fresh 0 "$bin" run "$url/" --mode fresh -c 4 -t 2 -n "$requests" \
    --cacert "$work/cert.pem" "${slow[@]}" -q --json "$out/fresh.json"
  run_checked run-pooled 0 "$bin" run "$url/" --mode pooled -c 2 -m 8 -n "$requests" \
    --cacert "$work/cert.pem" "${slow[@]}" -q --json "$out/pooled.json"
  for mode in fresh pooled; do
    ok=$(json_num "$out/$mode.json" .summary.requests_ok)
    [[ $ok == "$requests" ]] || fail "run-$mode: summary.requests_ok is $ok, expected $requests"
  done
  resumed=$(json_num "$out/fresh.json" .tls.resumption.accepted)
  [[ $resumed =~ ^[0-9]+$ && $resumed -gt 0 ]] ||
    fail "run-fresh: no resumed handshake (tls.resumption.accepted $resumed): the ticket path went unchecked"

  # 3. the report readers on real reports.
  run_checked compare 0 "$bin" compare "$out/fresh.json" "$out/pooled.json" \
    --json "$out/compare.json" --html "$out/compare.html"
  run_checked merge 0 "$bin" merge "$out/fresh.json" "$out/pooled.json" -o "$out/merged.json"
  merged=$(json_num "$out/merged.json" .summary.requests_ok)
  [[ $merged == $((2 * requests)) ]] || fail "merge: summary.requests_ok is $merged, expected $((2 * requests))"
fi

# Stop the server the way a user does; it must exit 0 and free everything.
if [[ -n $server_pid ]]; then
  kill -TERM "$server_pid" 2>/dev/null || true
  rc=0
  for _ in $(seq 1 300); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    fail "serve did not stop within 30 s of SIGTERM"
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  wait "$server_pid" || rc=$?
  server_pid=
  [[ $rc -eq 0 ]] || fail "serve: exit $rc after SIGTERM, expected 0 (99 = memcheck errors)"
  check_log serve "$out/serve.log"
fi

if [[ $failures -eq 0 ]]; then
  echo "valgrind.sh: all runs clean (logs in $out)"
  exit 0
fi
echo "valgrind.sh: $failures failure(s) (logs in $out)"
exit 1
