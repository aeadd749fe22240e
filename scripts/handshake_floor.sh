#!/bin/sh
# Build scripts/handshake_floor.c (only libssl/libcrypto) and run it.
# Usage: scripts/handshake_floor.sh [-n N] [--insecure] [--group G] [--json]
# The binary goes to $HANDSHAKE_FLOOR_BIN, default build/handshake_floor.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${HANDSHAKE_FLOOR_BIN:-$here/../build/handshake_floor}
mkdir -p "$(dirname "$out")"
flags=$(pkg-config --cflags --libs openssl 2>/dev/null || echo "-lssl -lcrypto")
# shellcheck disable=SC2086 # flags is a word list
${CC:-cc} -std=c11 -O2 -Wall -Wextra -Wshadow -o "$out" "$here/handshake_floor.c" $flags
exec "$out" "$@"
