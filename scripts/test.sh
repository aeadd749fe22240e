#!/usr/bin/env bash
# test.sh - install dependencies, build, run the test suite, print one
# closing line "N passed, N failed" and exit non-zero if anything failed.
#
#   scripts/test.sh                  the whole suite in build/
#   scripts/test.sh --sanitize       the suite built with ASan+UBSan, in build-asan/
#   scripts/test.sh --quick          skip tests labelled slow, netlab or fuzz
#   scripts/test.sh -L unit          any other arguments go to ctest (-L, -R, -E, -V ...)
#
# With CI=true (as .ci/run is run) and no --sanitize, both suites run: the
# whole suite, then the sanitizer build without the netlab and slow tests
# (network-behaviour tests whose memory safety the other suites already
# cover). Each suite is capped at TLSPROF_SUITE_TIMEOUT seconds (default 1200).
# TLSPROF_BUILD_DIR / TLSPROF_ASAN_BUILD_DIR change the build directories.
# Under CI=true each libFuzzer target then runs for TLSPROF_FUZZ_SECONDS
# (default 20; 0 skips) through scripts/fuzz.sh, one test per target.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sanitize=0
quick=0
ctest_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sanitize) sanitize=1 ;;
    --quick) quick=1 ;;
    -h | --help)
      sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) ctest_args+=("$1") ;;
  esac
  shift
done

suite_timeout=${TLSPROF_SUITE_TIMEOUT:-1200}
build_dir=${TLSPROF_BUILD_DIR:-build}
asan_dir=${TLSPROF_ASAN_BUILD_DIR:-build-asan}
jobs=$(nproc 2>/dev/null || echo 2)

# Load tests open thousands of sockets.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || echo "test.sh: could not raise the open-file limit (now $(ulimit -n))"

scripts/install-deps.sh

total_passed=0
total_failed=0
status=0

# run_suite NAME BUILD_DIR SANITIZE CTEST_FILTER...
run_suite() {
  local name=$1 dir=$2 san=$3
  shift 3
  echo "==== $name suite: build in $dir ===="
  if ! cmake -S . -B "$dir" -DTLSPROF_TESTS=ON -DTLSPROF_SANITIZE="$san" ||
    ! cmake --build "$dir" -j"$jobs"; then
    echo "==== $name suite: BUILD FAILED, no test run ===="
    total_failed=$((total_failed + 1))
    status=1
    return 0
  fi

  echo "==== $name suite: ctest ===="
  local log rc=0
  log=$(mktemp)
  (cd "$dir" && timeout --kill-after=30 "$suite_timeout" \
    ctest --output-on-failure -j2 --no-tests=error "$@" "${ctest_args[@]}") 2>&1 | tee "$log" || rc=$?

  # "95% tests passed, 1 tests failed out of 20"
  local line passed failed total
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  rm -f "$log"
  if [[ -n $line ]]; then
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
    total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    passed=$((total - failed))
  else
    echo "test.sh: $name suite did not finish (ctest exit $rc; timeout is ${suite_timeout}s)"
    passed=0
    failed=1
  fi
  if [[ $rc -ne 0 && $failed -eq 0 ]]; then
    echo "test.sh: ctest exited $rc although it counted no failure"
    failed=1
  fi
  echo "==== $name suite: $passed passed, $failed failed ===="
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  [[ $failed -eq 0 ]] || status=1
}

# run_fuzz SECONDS: every libFuzzer target for SECONDS (scripts/fuzz.sh,
# clang); each target counts as one test.
run_fuzz() {
  echo "==== fuzz: each target for ${1}s ===="
  local log rc=0 line passed failed
  log=$(mktemp)
  scripts/fuzz.sh "$1" 2>&1 | tee "$log" || rc=$?
  # "fuzz: 5 passed, 0 failed"
  line=$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)
  rm -f "$log"
  if [[ -n $line ]]; then
    passed=$(sed -E 's/^fuzz: ([0-9]+) passed.*/\1/' <<<"$line")
    failed=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  else
    echo "test.sh: fuzzing did not run (fuzz.sh exit $rc)"
    passed=0
    failed=1
  fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  [[ $failed -eq 0 ]] || status=1
}

quick_filter=()
[[ $quick -eq 1 ]] && quick_filter=(-LE 'slow|netlab|fuzz')

if [[ $sanitize -eq 1 ]]; then
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  run_suite sanitize "$asan_dir" ON "${quick_filter[@]}"
else
  run_suite normal "$build_dir" OFF "${quick_filter[@]}"
  if [[ ${CI:-} == true && $quick -eq 0 ]]; then
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    run_suite sanitize "$asan_dir" ON -LE 'slow|netlab'
    fuzz_seconds=${TLSPROF_FUZZ_SECONDS:-20}
    if [[ $fuzz_seconds -gt 0 ]]; then run_fuzz "$fuzz_seconds"; fi
  fi
fi

echo "$total_passed passed, $total_failed failed"
exit $status
