#!/bin/sh
# instances.sh: run N pipehttp processes on one host for HAProxy
# (haproxy.cfg), each with its own public and admin port, all serving one
# shared --directory.
#
#   instances.sh start [I...]   start instance I (default: 1..N) and wait until /readyz says 200
#   instances.sh stop [I...]    SIGTERM instance I and wait until it has exited
#   instances.sh env            print the settings (eval "$(instances.sh env)" before haproxy)
#
# Settings (environment, with defaults):
#   PIPEHTTP    the binary                        (pipehttp)
#   N           how many instances                (3; haproxy.cfg lists 3)
#   RUN_DIR     pid files and logs                (/tmp/pipehttp-haproxy)
#   FILES       the shared /files/ directory      ($RUN_DIR/files)
#   PORTi       instance i's public port          (4300 + i)
#   ADMINi      instance i's admin port           (9300 + i)
#   FRONT_PORT  HAProxy's port                    (8080)
#   STATS_PORT  HAProxy's stats page              (8404)
#   DRAIN_DELAY --drain-delay                     (1s: see haproxy.cfg)
#   PIPEHTTP_FLAGS  more flags for every instance (none)
set -eu

PIPEHTTP=${PIPEHTTP:-pipehttp}
N=${N:-3}
RUN_DIR=${RUN_DIR:-/tmp/pipehttp-haproxy}
FILES=${FILES:-$RUN_DIR/files}
FRONT_PORT=${FRONT_PORT:-8080}
STATS_PORT=${STATS_PORT:-8404}
DRAIN_DELAY=${DRAIN_DELAY:-1s}
PIPEHTTP_FLAGS=${PIPEHTTP_FLAGS:-}

# port_of VAR BASE I: $VARI, or BASE + I.
port_of() {
	eval "v=\${$1$3:-}"
	if [ -n "$v" ]; then echo "$v"; else echo $(($2 + $3)); fi
}

pid_of() { cat "$RUN_DIR/p$1.pid" 2>/dev/null || true; }

alive() { [ -n "$1" ] && ! gone "$1"; }

# wait_for SECONDS COMMAND...: run COMMAND every 0.1s until it succeeds.
# (POSIX sh has no local variables: the counter has a name of its own.)
wait_for() {
	_wait_limit=$(($1 * 10))
	shift
	_wait_n=0
	until "$@"; do
		_wait_n=$((_wait_n + 1))
		if [ "$_wait_n" -ge "$_wait_limit" ]; then return 1; fi
		sleep 0.1
	done
}

ready() { curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$(port_of ADMIN 9300 "$1")/readyz"; }

# gone PID: the process has exited. An exited process that its parent (here
# init: it was started in the background by an earlier run) has not reaped
# yet is a zombie, which kill -0 still finds; it holds no descriptor.
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ]; }

start() {
	i=$1
	if alive "$(pid_of "$i")"; then
		echo "instance $i already runs (pid $(pid_of "$i"))" >&2
		return 1
	fi
	mkdir -p "$RUN_DIR" "$FILES"
	# shellcheck disable=SC2086 # PIPEHTTP_FLAGS is split on purpose
	nohup "$PIPEHTTP" --host 127.0.0.1 --port "$(port_of PORT 4300 "$i")" \
		--admin-addr "127.0.0.1:$(port_of ADMIN 9300 "$i")" \
		--directory "$FILES" --drain-delay "$DRAIN_DELAY" $PIPEHTTP_FLAGS \
		>>"$RUN_DIR/p$i.log" 2>&1 </dev/null &
	echo $! >"$RUN_DIR/p$i.pid"
	if ! wait_for 10 ready "$i"; then
		echo "instance $i is not ready after 10s; see $RUN_DIR/p$i.log" >&2
		return 1
	fi
}

stop() {
	i=$1
	pid=$(pid_of "$i")
	if ! alive "$pid"; then return 0; fi
	kill -TERM "$pid"
	# --drain-delay, then up to --shutdown-timeout (10s) and a second.
	if ! wait_for 30 gone "$pid"; then
		echo "instance $i (pid $pid) still runs 30s after SIGTERM" >&2
		return 1
	fi
	rm -f "$RUN_DIR/p$i.pid"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
if [ $# -eq 0 ]; then set -- $(seq 1 "$N"); fi
case $cmd in
start) for i in "$@"; do start "$i"; done ;;
stop) for i in "$@"; do stop "$i"; done ;;
env)
	echo "export FRONT_PORT=$FRONT_PORT STATS_PORT=$STATS_PORT"
	for i in $(seq 1 "$N"); do
		echo "export PORT$i=$(port_of PORT 4300 "$i") ADMIN$i=$(port_of ADMIN 9300 "$i")"
	done
	;;
*)
	echo "usage: $0 start|stop|env [I...]" >&2
	exit 2
	;;
esac
