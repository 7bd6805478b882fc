#!/usr/bin/env bash
# Installs what building and testing Medal Hall needs. Safe to run twice; quick when all is there.
#   scripts/setup.sh          build tools (wasm target or Debian's wasm toolchain, wasm-bindgen-cli, wasm-opt, brotli)
#   scripts/setup.sh --test   also what the browser tests need (Chromium, playwright-core)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS="$ROOT/.tools"
mkdir -p "$TOOLS"
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[setup]\033[0m %s\n' "$*" >&2; exit 1; }
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do
    # `dpkg -s` also succeeds for removed packages whose config files remain
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  [ ${#missing[@]} = 0 ] && return 0
  if [ $apt_updated = 0 ]; then log "apt-get update"; $SUDO apt-get update -qq; apt_updated=1; fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

# 1. The wasm32 half. Prefer rustup's target; where rustup cannot download it, use Debian's
#    rustc-web with its std sources (-Zbuild-std). scripts/build.sh reads the choice from .tools/wasm-mode.
#    MEDALS_WASM_TOOLCHAIN=rustup|debian forces one. A failed `rustup target add` is remembered in
#    .tools/no-rustup-wasm so that later runs stay quick; delete that file to try again.
want=${MEDALS_WASM_TOOLCHAIN:-auto}
case "$want" in auto|rustup|debian) ;; *) die "MEDALS_WASM_TOOLCHAIN must be rustup, debian or unset, not '$want'" ;; esac
rustup_has_wasm() {
  command -v rustup >/dev/null 2>&1 \
    && rustup target list --installed 2>/dev/null | grep -x wasm32-unknown-unknown >/dev/null
}
mode=""
if [ "$want" != debian ]; then
  if rustup_has_wasm; then
    mode=rustup
  elif [ "$want" = rustup ] || [ ! -e "$TOOLS/no-rustup-wasm" ]; then
    log "rustup target add wasm32-unknown-unknown"
    if command -v rustup >/dev/null 2>&1 \
       && timeout 120 rustup target add wasm32-unknown-unknown >/dev/null 2>&1 && rustup_has_wasm; then
      mode=rustup
    else
      [ "$want" = rustup ] && die "rustup cannot install wasm32-unknown-unknown (MEDALS_WASM_TOOLCHAIN=rustup)"
      touch "$TOOLS/no-rustup-wasm"
    fi
  fi
fi
if [ "$mode" = rustup ]; then rm -f "$TOOLS/no-rustup-wasm"; fi
if [ -z "$mode" ]; then
  mode=debian
  apt_install rustc-web cargo-web rust-web-src rust-web-llvm
  # rustc-web does not pull in the linker: /usr/bin/rust-lld (from rust-web-llvm, so only there
  # after the line above) links to lld-NN, and that lld-NN package must be installed by name.
  if [ ! -x "$(readlink -f /usr/bin/rust-lld 2>/dev/null)" ]; then
    # the link chain is dangling here: rust-lld -> lld-22 (-> ../lib/llvm-22/bin/lld)
    lld_pkg=$( { readlink /usr/bin/rust-lld; readlink -f /usr/bin/rust-lld; } 2>/dev/null \
               | grep -oE '(lld|llvm)-[0-9]+' | head -n1 | sed 's/^llvm-/lld-/' || true)
    # else rust-web-llvm depends on llvm-NN; lld-NN comes from the same LLVM
    [ -n "$lld_pkg" ] || lld_pkg=$(apt-cache depends rust-web-llvm 2>/dev/null \
               | grep -oE '(lld|llvm)-[0-9]+' | head -n1 | sed 's/^llvm-/lld-/' || true)
    [ -n "$lld_pkg" ] || die "cannot tell which lld-NN package /usr/bin/rust-lld needs"
    apt_install "$lld_pkg"
    [ -x "$(readlink -f /usr/bin/rust-lld 2>/dev/null)" ] \
      || die "/usr/bin/rust-lld still points nowhere after installing $lld_pkg"
  fi
  [ -f "$(/usr/bin/rustc --print sysroot)/lib/rustlib/src/rust/library/std/Cargo.toml" ] \
    || die "Debian's rustc has no std sources (rust-web-src) for -Zbuild-std"
fi
echo "$mode" > "$TOOLS/wasm-mode"

# 2. wasm-bindgen-cli at exactly the version Cargo.lock has.
wb_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
if ! "$TOOLS/bin/wasm-bindgen" --version 2>/dev/null | grep -q " $wb_version\$"; then
  log "cargo install wasm-bindgen-cli $wb_version (about 2.5 minutes)"
  cargo install -q wasm-bindgen-cli --version "$wb_version" --root "$TOOLS"
fi

# 3. wasm-opt from npm's binaryen (Debian's binaryen 108 breaks hydration).
#    Optional: without npm, build.sh skips wasm-opt (a bigger but working bundle).
if [ ! -x "$TOOLS/node_modules/.bin/wasm-opt" ]; then
  if command -v npm >/dev/null 2>&1; then
    log "npm install binaryen"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS" binaryen@132 >/dev/null
  else
    log "no npm: skipping wasm-opt (install nodejs and npm, then run this again, for a smaller bundle)"
  fi
fi

# 4. brotli for the precompressed site (gzip is always there).
command -v brotli >/dev/null 2>&1 || apt_install brotli

# 5. Browser tests: Debian's Chromium and playwright-core (no browser download).
if [ $want_test = 1 ]; then
  apt_install chromium fonts-noto-cjk
  if [ ! -d end2end/node_modules/playwright-core ]; then
    command -v npm >/dev/null 2>&1 || die "the browser tests need npm (apt-get install npm)"
    log "npm ci in end2end/"
    (cd end2end && npm ci --silent --no-audit --no-fund >/dev/null)
  fi
fi
log "ready (wasm toolchain: $mode)"
