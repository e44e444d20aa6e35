#!/usr/bin/env bash
# Serves one tree with python3 -m http.server and with pipehttp (static
# mode), asks both the same questions with curl, and prints a Markdown
# table: status, bytes and time of each answer. Loopback only; bounded.
#
#   bash bench/compare_python.sh            # from the repository root
#
# Needs go, python3 and curl. Ports 18080 (python) and 18081 (pipehttp).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/pipehttp" ./cmd/pipehttp
tree="$work/tree"
mkdir -p "$tree/files" "$tree/echo" "$tree/sub" "$tree/big"
echo '<!doctype html><p>home</p>' > "$tree/index.html"
echo "the site's report" > "$tree/files/report.txt"
echo '<p>echo page</p>' > "$tree/echo/index.html"
echo 'SECRET=1' > "$tree/.env"
echo 'in sub' > "$tree/sub/x.txt"
head -c 10485760 /dev/urandom > "$tree/big.bin"
for i in $(seq 1 17000); do echo "line $i: the quick brown fox jumps over the lazy dog"; done > "$tree/a.txt"
for i in $(seq 1 3000); do : > "$tree/big/f$i.txt"; done

(cd "$work" && exec python3 -m http.server 18080 --bind 127.0.0.1 --directory "$tree" >/dev/null 2>&1) & pids+=($!)
"$work/pipehttp" --host 127.0.0.1 --port 18081 --admin-addr "" "$tree" >/dev/null 2>&1 & pids+=($!)
for port in 18080 18081; do
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done

# ask PORT CURL-ARGS...: one request; prints "status bytes ms" (a curl
# that gives up, as on a refused resume, still prints what it got).
ask() {
  local port=$1; shift
  rm -f "$work/body"
  { curl -s -o "$work/body" -w '%{http_code} %{size_download} %{time_total}' "$@" || true; } |
    awk '{printf "%s %s %.1f", $1, $2, $3*1000}'
}

# keepalive PORT PATH N [curl args]: N requests on one connection; total ms.
keepalive() {
  local port=$1 path=$2 n=$3; shift 3
  local urls=()
  for _ in $(seq "$n"); do urls+=("http://127.0.0.1:$port$path"); done
  local t0 t1
  t0=$(date +%s%N)
  curl -s "$@" "${urls[@]}" >/dev/null || true
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000000 ))"
}

head -c 1048576 "$tree/big.bin" > "$work/partial"
lm=$(curl -sI "http://127.0.0.1:18081/a.txt" | tr -d '\r' | sed -n 's/^Last-Modified: //p')
pylm=$(curl -sI "http://127.0.0.1:18080/a.txt" | tr -d '\r' | sed -n 's/^Last-modified: //Ip')

row() { # row LABEL -- CURL-ARGS with PORT in the URL
  local label=$1; shift
  local py pi
  py=$(ask 18080 "${@//PORT/18080}")
  pi=$(ask 18081 "${@//PORT/18081}")
  printf '| %s | %s | %s |\n' "$label" "$py" "$pi"
}

echo "| request | python3 -m http.server: status bytes ms | pipehttp DIR: status bytes ms |"
echo "|---|---|---|"
row "GET / (index.html)" "http://127.0.0.1:PORT/"
row "GET /files/report.txt (site's own files/)" "http://127.0.0.1:PORT/files/report.txt"
row "GET /echo/ (site's own echo/)" "http://127.0.0.1:PORT/echo/"
row "GET /.env (dotfile)" "http://127.0.0.1:PORT/.env"
row "GET /sub (directory, no slash)" "http://127.0.0.1:PORT/sub"
row "GET /big/ (3000 entries)" "http://127.0.0.1:PORT/big/"
row "GET /big/ as JSON" -H "Accept: application/json" "http://127.0.0.1:PORT/big/"
row "GET /nope (missing)" "http://127.0.0.1:PORT/nope"
row "GET /nope, browser Accept" -H "Accept: text/html,*/*;q=0.8" "http://127.0.0.1:PORT/nope"
row "GET /../etc/passwd (path as is)" --path-as-is "http://127.0.0.1:PORT/../etc/passwd"
row "GET /a.txt (0.9 MB text)" "http://127.0.0.1:PORT/a.txt"
row "GET /a.txt, Accept-Encoding: gzip" -H "Accept-Encoding: gzip" "http://127.0.0.1:PORT/a.txt"
row "GET /a.txt, If-Modified-Since (own Last-Modified)" -H "If-Modified-Since: ${lm:-$pylm}" "http://127.0.0.1:PORT/a.txt"
row "GET /big.bin (10 MiB)" "http://127.0.0.1:PORT/big.bin"
row "HEAD /big.bin" -I "http://127.0.0.1:PORT/big.bin"
row "GET /big.bin, Range: bytes=0-99" -H "Range: bytes=0-99" "http://127.0.0.1:PORT/big.bin"
row "GET /big.bin, Range: bytes=20000000-" -H "Range: bytes=20000000-" "http://127.0.0.1:PORT/big.bin"
row "curl -C - (1 MiB of 10 already)" -C 1048576 "http://127.0.0.1:PORT/big.bin"
row "PUT /files/x (curl -T)" -T "$work/partial" "http://127.0.0.1:PORT/files/x"
row "POST /x" -d "data" "http://127.0.0.1:PORT/x"
row "DELETE /index.html" -X DELETE "http://127.0.0.1:PORT/index.html"
printf '| %s | %s | %s |\n' "200 × GET /a.txt on one connection (total ms)" "$(keepalive 18080 /a.txt 200)" "$(keepalive 18081 /a.txt 200)"
printf '| %s | %s | %s |\n' "200 × GET /a.txt gzip on one connection (total ms)" "$(keepalive 18080 /a.txt 200 -H 'Accept-Encoding: gzip')" "$(keepalive 18081 /a.txt 200 -H 'Accept-Encoding: gzip')"
