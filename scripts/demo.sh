#!/usr/bin/env bash
# demo.sh - build tlsprof (Release) and run `tlsprof demo`: it starts the
# embedded server on a free loopback port and profiles it with fresh and
# pooled connections. Arguments are passed to `tlsprof demo`
# (TLSPROF_BUILD_DIR changes the build directory, default build/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir=${TLSPROF_BUILD_DIR:-build}

scripts/install-deps.sh >&2
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >&2
cmake --build "$build_dir" -j"$(nproc 2>/dev/null || echo 2)" --target tlsprof >&2
exec "$build_dir/tlsprof" demo "$@"
