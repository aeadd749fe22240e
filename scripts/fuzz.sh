#!/usr/bin/env bash
# fuzz.sh - build the libFuzzer targets with clang and run each for a while.
#
#   scripts/fuzz.sh [SECONDS] [TARGET ...]
#
# SECONDS per target (default 60); TARGETs among url numbers profile report
# hist (default all). Builds in build-fuzz-clang/ (TLSPROF_FUZZ_BUILD_DIR to
# change) with CC=clang -DTLSPROF_FUZZ=ON. Each target starts from its seed
# corpus tests/fuzz/NAME/corpus (read only) and keeps what it learns in
# BUILD/fuzz-work/NAME/corpus, so a later run goes on from there. A crash, a
# failed FUZZ_CHECK, a leak, a timeout (10 s for one input) or running out of
# memory (2 GiB) fails the target; the input is saved as
# BUILD/fuzz-work/NAME/crash-* (or leak-, timeout-, oom-) and the command to
# reproduce it is printed. After fixing the parser, copy the input into
# tests/fuzz/NAME/corpus/ so it stays a regression test (tests/fuzz/README.md).
#
# Ends with "fuzz: N passed, N failed" and exits 1 when any target failed,
# 2 when the build failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

all_targets=(url numbers profile report hist)
seconds=${1:-60}
if [[ $# -gt 0 ]]; then shift; fi
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
if ! [[ $seconds =~ ^[0-9]+$ ]] || [[ $seconds -lt 1 ]]; then
  echo "usage: $0 [SECONDS] [TARGET ...]   (targets: ${all_targets[*]})" >&2
  exit 2
fi
for t in "${targets[@]}"; do
  if [[ ! -f tests/fuzz/$t/fuzz_$t.c ]]; then
    echo "fuzz.sh: unknown target '$t' (targets: ${all_targets[*]})" >&2
    exit 2
  fi
done

build=${TLSPROF_FUZZ_BUILD_DIR:-build-fuzz-clang}
jobs=$(nproc 2>/dev/null || echo 2)
echo "==== fuzz: building ${targets[*]} with clang in $build ===="
mkdir -p "$build"
if ! CC=clang cmake -S . -B "$build" -DTLSPROF_TESTS=ON -DTLSPROF_FUZZ=ON >"$build/fuzz-cmake.log" 2>&1; then
  cat "$build/fuzz-cmake.log"
  echo "fuzz.sh: cmake failed (is clang installed? scripts/install-deps.sh installs it)"
  exit 2
fi
if ! cmake --build "$build" -j"$jobs" --target "${targets[@]/#/fuzz_}"; then
  echo "fuzz.sh: build failed"
  exit 2
fi

# Leaks are failures too; symbolized reports name the line.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
for t in "${targets[@]}"; do
  work=$build/fuzz-work/$t
  mkdir -p "$work/corpus"
  dict=()
  [[ -f tests/fuzz/$t/$t.dict ]] && dict=(-dict="tests/fuzz/$t/$t.dict")
  echo "==== fuzz: $t for ${seconds}s ===="
  log=$work/fuzz.log
  rc=0
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a parser
  # allocating gigabytes for a small input is a bug too.
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/" "${dict[@]}" \
    "$work/corpus" "tests/fuzz/$t/corpus" >"$log" 2>&1 || rc=$?
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
  if [[ $rc -eq 0 ]]; then
    echo "fuzz: $t: passed"
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "fuzz: $t: FAILED (exit $rc); the end of $log:"
    tail -n 60 "$log"
    for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* "$work"/slow-unit-*; do
      [[ -e $a ]] || continue
      echo "fuzz: $t: failing input $a; reproduce with"
      echo "  $build/tests/fuzz/fuzz_$t $a"
      echo "  and after the fix: cp $a tests/fuzz/$t/corpus/"
    done
  fi
done

echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
