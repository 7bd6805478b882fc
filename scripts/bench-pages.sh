#!/usr/bin/env bash
# Server-side page render latency of Medal Hall, as a signed-in admin sees it.
#
# Starts `BIN serve --demo` on a free 127.0.0.1 port with a fresh SQLite database and secret key
# in a temp dir (the demo seeds medals, staff, awards and groups), signs in as the demo `admin`
# through the login server function, then for each page below does 5 warm-up GETs and N (default
# 200) sequential GETs on one keep-alive HTTP/1.1 connection (python3 http.client). Each sample is
# the time from sending the request to having read the whole body: routing, session lookup,
# database queries and Leptos SSR, plus loopback HTTP. Every answer must be 200, else it fails,
# printing the page. Prints one line per page: path, median ms, p95 ms. Logging is set to `warn`
# (MEDALS_LOG) so per-request logs do not count. No wasm or CSS is needed: SITE_ROOT may be an
# empty dir with a pkg/ subfolder.
#
# Usage: scripts/bench-pages.sh BIN SITE_ROOT [N]
# Works with the server of 3274ebb (old layout) and of later versions: same demo admin, login path
# (/sfn/auth/login) and env vars. Old versions set no public URL from the listen address, so
# MEDALS_PUBLIC_URL is given too (the demo's simulator is reached through it).
set -euo pipefail

BIN=${1:?usage: $0 BIN SITE_ROOT [N]}
SITE_ROOT=${2:?usage: $0 BIN SITE_ROOT [N]}
N=${3:-200}
BIN=$(realpath "$BIN")
SITE_ROOT=$(realpath "$SITE_ROOT")
[ -x "$BIN" ] || { echo "not an executable: $BIN" >&2; exit 2; }
mkdir -p "$SITE_ROOT/pkg"

TMP=$(mktemp -d)
PID=
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill "$PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
PASSWORD="bench-$(python3 -c 'import secrets; print(secrets.token_hex(10))')"

# Run in the temp dir: no medals.toml or data/ of the caller's is picked up.
(cd "$TMP" && exec env MEDALS_LISTEN="127.0.0.1:$PORT" MEDALS_PUBLIC_URL="$BASE" \
  MEDALS_DATABASE_URL="sqlite:$TMP/bench.db" MEDALS_SECRET_KEY_FILE="$TMP/secret.key" \
  MEDALS_SITE_ROOT="$SITE_ROOT" MEDALS_DEMO_PASSWORD="$PASSWORD" MEDALS_LOG=warn \
  "$BIN" serve --demo >"$TMP/server.log" 2>&1) &
PID=$!

for i in $(seq 600); do
  curl -sf -o /dev/null "$BASE/readyz" && break
  kill -0 "$PID" 2>/dev/null || { echo "server exited:" >&2; cat "$TMP/server.log" >&2; exit 1; }
  [ "$i" = 600 ] && { echo "not ready after 60 s:" >&2; cat "$TMP/server.log" >&2; exit 1; }
  sleep 0.1
done

JAR="$TMP/cookies"
code=$(curl -s -o "$TMP/login.out" -w '%{http_code}' -c "$JAR" -b "$JAR" \
  -H "Origin: $BASE" -H 'Sec-Fetch-Site: same-origin' \
  --data-urlencode username=admin --data-urlencode "password=$PASSWORD" "$BASE/sfn/auth/login")
check=$(curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$BASE/")
if [ "$check" != 200 ]; then
  echo "sign-in failed (login answered $code, / answered $check):" >&2
  cat "$TMP/login.out" >&2; echo >&2; tail -20 "$TMP/server.log" >&2; exit 1
fi

TOKEN=$(sqlite3 "$TMP/bench.db" 'SELECT public_token FROM awards ORDER BY id LIMIT 1')
[ -n "$TOKEN" ] || { echo "no award token in the database" >&2; exit 1; }

PAGES=(/ /medals /medals/1 /staff /staff/1 /awards /awards/new /awards/1 /shares
  "/shares/new?awards=1" /groups /settings /staff/userids "/a/$TOKEN")

echo "# $BIN  N=$N  $(date -u +%FT%TZ)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$PORT" "$JAR" "$N" "${PAGES[@]}" <<'PY'
import http.client, math, statistics, sys, time
port, jar, n, pages = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4:]
cookies = []
for line in open(jar):
    line = line.strip()
    if line.startswith("#HttpOnly_"):
        line = line[len("#HttpOnly_"):]
    elif not line or line.startswith("#"):
        continue
    f = line.split("\t")
    if len(f) == 7:
        cookies.append(f"{f[5]}={f[6]}")
headers = {"Cookie": "; ".join(cookies), "Accept": "text/html"}
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
def get(path):
    t0 = time.perf_counter()
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    dt = (time.perf_counter() - t0) * 1000
    if r.status != 200:
        print(f"FAIL {path}: HTTP {r.status} {r.getheader('Location') or ''}\n"
              f"{body[:2000].decode('utf-8', 'replace')}", file=sys.stderr)
        sys.exit(1)
    return dt, len(body)
print(f"{'path':<28} {'median_ms':>9} {'p95_ms':>8} {'bytes':>7}")
for p in pages:
    for _ in range(5):
        get(p)
    samples = [get(p) for _ in range(n)]
    t = sorted(s[0] for s in samples)
    p95 = t[max(0, math.ceil(0.95 * len(t)) - 1)]
    shown = "/a/{token}" if p.startswith("/a/") else p
    print(f"{shown:<28} {statistics.median(t):>9.2f} {p95:>8.2f} {samples[-1][1]:>7}", flush=True)
PY
