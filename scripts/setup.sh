#!/usr/bin/env bash
# Installs what building and testing Medal Hall needs. Safe to run twice; quick when all is there.
#   scripts/setup.sh          build tools (wasm target or Debian's wasm toolchain, wasm-bindgen-cli, wasm-opt)
#   scripts/setup.sh --test   also what the browser tests need (Chromium, playwright-core)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS="$ROOT/.tools"
mkdir -p "$TOOLS"
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} = 0 ] && return 0
  if [ $apt_updated = 0 ]; then log "apt-get update"; $SUDO apt-get update -qq; apt_updated=1; fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

# 1. The wasm32 half. Prefer rustup's target; where rustup cannot download it, use Debian's
#    rustc-web with its std sources (-Zbuild-std). scripts/build.sh reads the choice from .tools/wasm-mode.
mode=""
if [ "${MEDALS_WASM_TOOLCHAIN:-}" != "debian" ]; then
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    mode=rustup
  elif timeout 120 rustup target add wasm32-unknown-unknown >/dev/null 2>&1 \
       && rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    mode=rustup
  fi
fi
if [ -z "$mode" ]; then
  log "no rustup wasm32 target: using Debian's rustc-web with -Zbuild-std"
  apt_install rustc-web cargo-web rust-web-src rust-web-llvm
  lld_pkg=$(dpkg -S "$(readlink -f /usr/bin/rust-lld)" 2>/dev/null | cut -d: -f1 | head -n1 || true)
  if [ -z "$lld_pkg" ]; then
    lld_pkg=$(basename "$(readlink -f /usr/bin/rust-lld)" | sed -E 's/^(lld-[0-9]+).*/\1/')
    [ -n "$lld_pkg" ] && [ "$lld_pkg" != "rust-lld" ] || lld_pkg=$(apt-cache depends rust-web-llvm 2>/dev/null | grep -oE 'lld-[0-9]+' | head -n1)
  fi
  [ -n "$lld_pkg" ] && apt_install "$lld_pkg"
  mode=debian
fi
echo "$mode" > "$TOOLS/wasm-mode"

# 2. wasm-bindgen-cli at exactly the version Cargo.lock has.
wb_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
if ! "$TOOLS/bin/wasm-bindgen" --version 2>/dev/null | grep -q " $wb_version\$"; then
  log "cargo install wasm-bindgen-cli $wb_version (about 2.5 minutes)"
  cargo install -q wasm-bindgen-cli --version "$wb_version" --root "$TOOLS"
fi

# 3. wasm-opt from npm's binaryen (Debian's binaryen 108 breaks hydration).
if [ ! -x "$TOOLS/node_modules/.bin/wasm-opt" ]; then
  log "npm install binaryen"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" binaryen@132 >/dev/null
fi

# 4. Browser tests: Debian's Chromium and playwright-core (no browser download).
if [ $want_test = 1 ]; then
  apt_install chromium fonts-noto-cjk
  if [ ! -d end2end/node_modules/playwright-core ]; then
    log "npm ci in end2end/"
    (cd end2end && npm ci --silent --no-audit --no-fund >/dev/null)
  fi
fi
log "ready (wasm toolchain: $mode)"
