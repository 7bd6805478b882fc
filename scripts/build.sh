#!/usr/bin/env bash
# Builds Medal Hall: the `medals` server binary and the hydrate (wasm) bundle in target/site.
#   scripts/build.sh            release server (target/release/medals)
#   scripts/build.sh --debug    debug server (target/debug/medals), as the tests use
# The wasm half is always built with the small `wasm-release` profile.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
[ "${1:-}" = "--debug" ] && profile=debug
log() { printf '\033[1;34m[build]\033[0m %s\n' "$*" >&2; }

bash scripts/setup.sh
TOOLS="$PWD/.tools"
mode=$(cat "$TOOLS/wasm-mode")
SITE=target/site
mkdir -p "$SITE/pkg"

log "wasm32 (hydrate) with the $mode toolchain"
if [ "$mode" = rustup ]; then
  cargo build -q --lib -p medal-server --target wasm32-unknown-unknown --no-default-features \
    --features hydrate --profile wasm-release --target-dir target/front
else
  RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 /usr/bin/cargo build -q --lib \
    -p medal-server --target wasm32-unknown-unknown --no-default-features --features hydrate \
    -Zbuild-std=std,panic_abort --profile wasm-release --target-dir target/front-debian
fi
front=target/front
[ "$mode" = rustup ] || front=target/front-debian
wasm="$front/wasm32-unknown-unknown/wasm-release/medal_server.wasm"
if [ ! -f "$SITE/pkg/medals_bg.wasm" ] || [ "$wasm" -nt "$SITE/pkg/medals_bg.wasm" ]; then
  log "wasm-bindgen"
  "$TOOLS/bin/wasm-bindgen" --target web --no-typescript --out-dir "$SITE/pkg" --out-name medals "$wasm"
  if [ -x "$TOOLS/node_modules/.bin/wasm-opt" ]; then
    log "wasm-opt -Oz"
    "$TOOLS/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types \
      "$SITE/pkg/medals_bg.wasm" -o "$SITE/pkg/medals_bg.opt.wasm"
    mv "$SITE/pkg/medals_bg.opt.wasm" "$SITE/pkg/medals_bg.wasm"
  fi
fi
cp style/main.css "$SITE/pkg/medals.css"
cp -r public/. "$SITE/"

log "server ($profile)"
if [ $profile = release ]; then
  cargo build -q --release -p medal-server --bin medals --features ssr
else
  cargo build -q -p medal-server --bin medals --features ssr
fi
log "done: target/$profile/medals, $SITE/"
