#!/usr/bin/env bash
# Builds what is missing and starts Medal Hall in demo mode on http://127.0.0.1:3000 with an
# embedded SQLite database in ./data/ and the DingTalk simulator at /sim.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
mkdir -p data
export MEDALS_DATABASE_URL="${MEDALS_DATABASE_URL:-sqlite:data/medals.db}"
exec target/release/medals serve --demo
