#!/usr/bin/env bash
# Installs the system packages and npm dependencies the build and tests need. Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for bin in llvm-mc-19 llvm-objdump-19 clang-19 bpftool; do command -v "$bin" >/dev/null || need+=("$bin"); done
[ -f /usr/include/bpf/bpf_helper_defs.h ] || need+=(libbpf)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    llvm-19 clang-19 libbpf-dev bpftool >/dev/null
fi
npm ci --no-audit --no-fund
