#!/usr/bin/env bash
# install-deps.sh - install the Debian 12 packages tlsprof needs to build, test
# and demo, if any is missing. Idempotent and quick when all are present.
#
#   scripts/install-deps.sh            install what is missing (root, or via sudo)
#   scripts/install-deps.sh --check    only list what is missing (exit 1 if any)
set -euo pipefail

# One package per line; keep it sorted by purpose. Add new needs here.
PACKAGES="
  build-essential cmake pkg-config clang-format
  libssl-dev libnghttp2-dev libev-dev libjansson-dev libpcap-dev libnetfilter-queue-dev
  libcmocka-dev valgrind clang libclang-rt-14-dev
  nghttp2-client nginx-light libnginx-mod-http-echo time
  iproute2 iptables procps
  tshark chromium jq
"

check_only=0
case "${1:-}" in
  --check) check_only=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

missing=()
for pkg in $PACKAGES; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all packages present"
  exit 0
fi
echo "install-deps: missing: ${missing[*]}"
[[ $check_only -eq 1 ]] && exit 1

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: not root and no sudo; install these packages as root:" >&2
  echo "  apt-get install ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
  "${as_root[@]}" debconf-set-selections

# Package scripts must not start services (nginx would take port 80): on a
# machine without a policy-rc.d, install a temporary one that forbids it.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod 755 "$policy"
  trap '"${as_root[@]}" rm -f "$policy"' EXIT
fi

"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
