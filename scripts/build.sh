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
case "$mode" in
  rustup)
    front=target/front
    cargo build -q --lib -p medal-server --target wasm32-unknown-unknown --no-default-features \
      --features hydrate --profile wasm-release --target-dir "$front"
    ;;
  debian)
    # Debian's compiler with its own std sources. RUSTC/RUSTDOC must be set: /usr/bin/cargo would
    # otherwise run the rustup `rustc` proxy from PATH, which cannot build the 1.96 std sources.
    # Its own target dir: its artifacts do not mix with rustup's.
    front=target/front-debian
    RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 /usr/bin/cargo build -q --lib \
      -p medal-server --target wasm32-unknown-unknown --no-default-features --features hydrate \
      -Zbuild-std=std,panic_abort --profile wasm-release --target-dir "$front"
    ;;
  *) echo "unknown wasm mode '$mode' in $TOOLS/wasm-mode" >&2; exit 1 ;;
esac
wasm="$front/wasm32-unknown-unknown/wasm-release/medal_server.wasm"
# The stamp names the wasm $SITE/pkg was made from (kept out of the served site); a switch of
# toolchain remakes the bundle too, and an interrupted bindgen/wasm-opt is redone.
stamp=target/.site-pkg-source
if [ ! -f "$SITE/pkg/medals_bg.wasm" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wasm" ] \
   || [ "$wasm" -nt "$stamp" ]; then
  rm -f "$stamp"
  log "wasm-bindgen ($wasm)"
  "$TOOLS/bin/wasm-bindgen" --target web --no-typescript --out-dir "$SITE/pkg" --out-name medals "$wasm"
  if [ -x "$TOOLS/node_modules/.bin/wasm-opt" ]; then
    log "wasm-opt -Oz"
    "$TOOLS/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types \
      "$SITE/pkg/medals_bg.wasm" -o "$SITE/pkg/medals_bg.opt.wasm"
    mv "$SITE/pkg/medals_bg.opt.wasm" "$SITE/pkg/medals_bg.wasm"
  fi
  echo "$wasm" > "$stamp"
fi
wasm_gz=$(gzip -9c "$SITE/pkg/medals_bg.wasm" | wc -c)
js_gz=$(gzip -9c "$SITE/pkg/medals.js" | wc -c)
log "hydrate bundle: $(( (wasm_gz + js_gz) / 1024 )) KB gzipped (wasm $(( wasm_gz / 1024 )) KB + js $(( js_gz / 1024 )) KB; target < 500 KB)"
cp style/main.css "$SITE/pkg/medals.css"
cp -r public/. "$SITE/"

log "server ($profile)"
if [ $profile = release ]; then
  cargo build -q --release -p medal-server --bin medals --features ssr
else
  cargo build -q -p medal-server --bin medals --features ssr
fi
log "done: target/$profile/medals, $SITE/"
