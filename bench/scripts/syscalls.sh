#!/usr/bin/env bash
# syscalls.sh [REPO_ROOT]: system calls per keep-alive request. Builds
# pipehttp from REPO_ROOT (default: this repository), runs it on CPU 1 with
# GOMAXPROCS=1, loads it from CPU 0 with wrk -t1 -c64 GET /echo/hello for
# 3 s under strace -c -f, and prints each system call's count per request.
# strace slows every call, so the absolute rate is meaningless; the counts
# per request are the figure.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
port=${PORT:-4391}
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
(cd "$root" && go build -o "$tmp/pipehttp" ./cmd/pipehttp)
GOMAXPROCS=1 taskset -c 1 "$tmp/pipehttp" --host 127.0.0.1 --port "$port" --admin-addr "" >"$tmp/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done
url="http://127.0.0.1:$port/echo/hello"
taskset -c 0 wrk -t1 -c64 -d1s "$url" >/dev/null # warm up
strace -c -f -q -p "$pid" -o "$tmp/strace.txt" &
spid=$!
sleep 0.5
taskset -c 0 wrk -t1 -c64 -d3s "$url" >"$tmp/wrk.txt"
sleep 0.2
kill -INT "$spid"
wait "$spid" || true
requests=$(awk '/requests in/ {print $1}' "$tmp/wrk.txt")
echo "pipehttp $(git -C "$root" log --oneline -1 | cut -c1-60)"
echo "$requests requests (wrk -t1 -c64 -d3s under strace)"
printf '%-16s %10s %12s\n' syscall calls per-request
awk -v r="$requests" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { name=$NF; calls=$4; printf "%-16s %10d %12.3f\n", name, calls, calls/r; total+=calls }
  END { printf "%-16s %10d %12.3f\n", "total", total, total/r }' "$tmp/strace.txt"
