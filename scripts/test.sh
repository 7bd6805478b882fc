#!/usr/bin/env bash
# Runs every test: unit, integration (SQLite and PostgreSQL), and browser tests (Chromium, JS on/off).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\033[1;34m[test]\033[0m %s\n' "$*" >&2; }

bash scripts/setup.sh --test

# PostgreSQL on 127.0.0.1:5432 (trust auth): start it when it is not running; fail loudly if we can't.
export MEDALS_TEST_PG="${MEDALS_TEST_PG:-postgres://postgres@127.0.0.1:5432}"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  log "starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "FATAL: PostgreSQL is not reachable on 127.0.0.1:5432 and could not be started." >&2
  exit 1
fi
# Databases left by earlier, interrupted runs.
psql -q -h 127.0.0.1 -U postgres -d postgres -At -c \
  "SELECT 'DROP DATABASE IF EXISTS \"' || datname || '\";' FROM pg_database WHERE datname LIKE 'medals_t_%'" \
  | psql -q -h 127.0.0.1 -U postgres -d postgres >/dev/null || true

# One build of everything: incremental caches would only take disk (a run builds each crate once).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# The site (wasm, JS, CSS); the server binary is the one `cargo test` builds for the integration
# tests (built apart, without the dev-dependencies' features, it would compile the server twice).
bash scripts/build.sh --site

log "unit and integration tests"
cargo test -q -p medal-core
cargo test -q -p dingtalk --all-features
cargo test -q -p medal-server

log "browser tests"
export MEDALS_BIN="$PWD/target/debug/medals" MEDALS_SITE_ROOT="$PWD/target/site"
(cd end2end && node --test --test-concurrency=1 tests/)
