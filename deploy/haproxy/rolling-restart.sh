#!/bin/sh
# rolling-restart.sh: restart every pipehttp instance behind HAProxy, one
# at a time, without a failed request. For each instance:
#
#   1. SIGTERM: its /readyz answers 503 at once; HAProxy's health check
#      marks it DOWN and sends it no new work; after --drain-delay it
#      closes its listener, finishes what is in flight and exits;
#   2. start the new binary on the same ports and wait for /readyz 200;
#   3. wait until HAProxy has marked it UP again before touching the next
#      one, so that no more than one instance is ever out.
#
# Same settings as instances.sh (it uses it), plus STATS_PORT to read the
# servers' state from HAProxy.
set -eu

here=$(dirname "$0")
N=${N:-3}
STATS_PORT=${STATS_PORT:-8404}

# state I: HAProxy's status of server pI ("UP", "DOWN", "UP 1/2", ...).
state() {
	curl -fsS --max-time 1 "http://127.0.0.1:$STATS_PORT/stats;csv" |
		awk -F, -v s="p$1" '$1 == "pipehttp" && $2 == s { print $18 }'
}

up() { [ "$(state "$1")" = "UP" ]; }

for i in $(seq 1 "$N"); do
	if ! up "$i"; then
		echo "p$i is not UP in HAProxy ($(state "$i")): not restarting with an instance already out" >&2
		exit 1
	fi
	echo "p$i: draining"
	"$here/instances.sh" stop "$i"
	echo "p$i: stopped; starting"
	"$here/instances.sh" start "$i"
	n=0
	until up "$i"; do
		n=$((n + 1))
		if [ "$n" -ge 100 ]; then
			echo "p$i not UP in HAProxy 10s after it was ready ($(state "$i"))" >&2
			exit 1
		fi
		sleep 0.1
	done
	echo "p$i: UP"
done
