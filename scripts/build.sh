#!/usr/bin/env bash
# Builds Medal Hall: the `medals` server binary and the hydrate (wasm) bundle in target/site.
#   scripts/build.sh            release server (target/release/medals)
#   scripts/build.sh --debug    debug server (target/debug/medals), as the tests use
#   scripts/build.sh --site     only the site (wasm, JS, CSS in target/site; the tests build the server)
# The wasm half is always built with the small `wasm-release` profile.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
[ "${1:-}" = "--debug" ] && profile=debug
[ "${1:-}" = "--site" ] && profile=none
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
# wasm-bindgen and wasm-opt write to $out; the stamp names the wasm that $out was made from, so a
# switch of toolchain remakes the bundle too, and an interrupted bindgen/wasm-opt is redone.
out=target/front-pkg
stamp=$out/.source
if [ ! -f "$out/medals_bg.wasm" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wasm" ] \
   || [ "$wasm" -nt "$stamp" ]; then
  rm -rf "$out"; mkdir -p "$out"
  log "wasm-bindgen ($wasm)"
  "$TOOLS/bin/wasm-bindgen" --target web --no-typescript --out-dir "$out" --out-name medals "$wasm"
  if [ -x "$TOOLS/node_modules/.bin/wasm-opt" ]; then
    log "wasm-opt -Oz"
    "$TOOLS/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types \
      "$out/medals_bg.wasm" -o "$out/medals_bg.opt.wasm"
    mv "$out/medals_bg.opt.wasm" "$out/medals_bg.wasm"
  fi
  echo "$wasm" > "$stamp"
fi

# The site: content-hashed names under pkg/ (served as immutable), precompressed (.br, .gz), and
# assets.txt telling the server the names. A new build replaces the old files.
log "site ($SITE)"
hash() { cat "$@" | sha256sum | cut -c1-16; }
name="medals.$(hash "$out/medals.js" "$out/medals_bg.wasm")"
css="medals.$(hash style/main.css).css"
rm -rf "$SITE"; mkdir -p "$SITE/pkg"
cp -r public/. "$SITE/"
cp "$out/medals_bg.wasm" "$SITE/pkg/${name}_bg.wasm"
# the glue's own fallback URL of the wasm (the page passes the URL; this keeps the two in step)
sed "s/medals_bg\.wasm/${name}_bg.wasm/g" "$out/medals.js" > "$SITE/pkg/$name.js"
cp style/main.css "$SITE/pkg/$css"
printf 'name: %s\ncss: %s\n' "$name" "$css" > "$SITE/assets.txt"
find "$SITE" -type f \( -name '*.js' -o -name '*.wasm' -o -name '*.css' -o -name '*.svg' \) \
  -size +1k | while read -r f; do
  gzip -9 -k -f -n "$f"
  brotli -q 11 -k -f "$f"
done

# First load: what a cold browser fetches before a page reacts (JS glue, wasm, CSS).
size() { wc -c < "$1"; }
first=("$SITE/pkg/$name.js" "$SITE/pkg/${name}_bg.wasm" "$SITE/pkg/$css")
raw=0 gz=0 br=0
for f in "${first[@]}"; do
  raw=$((raw + $(size "$f"))); gz=$((gz + $(size "$f.gz"))); br=$((br + $(size "$f.br")))
done
code_gz=$(( $(size "$SITE/pkg/$name.js.gz") + $(size "$SITE/pkg/${name}_bg.wasm.gz") ))
code_br=$(( $(size "$SITE/pkg/$name.js.br") + $(size "$SITE/pkg/${name}_bg.wasm.br") ))
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
log "first load: $(kb $raw) raw, $(kb $gz) gzip, $(kb $br) brotli (JS+wasm $(kb $code_gz) gzip, $(kb $code_br) brotli; CSS $(kb $(size "$SITE/pkg/$css.gz")) gzip)"
budget=${MEDALS_BUNDLE_BUDGET_KB:-200}
if [ "$code_gz" -gt $((budget * 1024)) ]; then
  echo "FAIL: JS+wasm is $(kb $code_gz) gzipped, over the budget of $budget KB" >&2
  exit 1
fi

if [ $profile = none ]; then log "done: $SITE/"; exit 0; fi
log "server ($profile)"
if [ $profile = release ]; then
  cargo build -q --release -p medal-server --bin medals --features ssr
else
  cargo build -q -p medal-server --bin medals --features ssr
fi
log "done: target/$profile/medals, $SITE/"
