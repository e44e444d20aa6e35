#!/bin/sh
# restart.sh PIDFILE COMMAND...: restart a pipehttp in place on its port,
# with no load balancer, by way of SO_REUSEPORT. COMMAND is the server's
# command line and must include --reuse-port (so must the old one's).
#
#   1. start COMMAND in the background, its output appended to LOG
#      (default: PIDFILE with .log for .pid);
#   2. wait until it logs "pipehttp listening": it now shares the port,
#      and the kernel sends new connections to both processes;
#   3. SIGTERM the old process (the pid in PIDFILE): it closes its
#      listener at once, so new connections go to the new process only,
#      and finishes what it has in flight;
#   4. write the new pid to PIDFILE and wait for the old process to exit.
#
# With no live process in PIDFILE it only starts COMMAND. On Linux, set
# net.ipv4.tcp_migrate_req=1 (Linux 5.14+): otherwise connections that are
# still in the old listener's accept queue at the instant it closes are
# reset (see deploy/README.md).
set -eu

if [ $# -lt 2 ]; then
	echo "usage: $0 PIDFILE COMMAND..." >&2
	exit 2
fi
pidfile=$1
shift
log=${LOG:-${pidfile%.pid}.log}
old=$(cat "$pidfile" 2>/dev/null || true)

# listening: how many start-ups the log holds so far.
# gone PID: the process has exited (a zombie not yet reaped by init holds
# no descriptor, and kill -0 would still find it).
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ]; }

listening() {
	n=$(grep -c 'pipehttp listening' "$log" 2>/dev/null) || true
	echo "${n:-0}"
}

before=$(listening)
nohup "$@" >>"$log" 2>&1 </dev/null &
new=$!
n=0
until [ "$(listening)" -gt "$before" ]; do
	if ! kill -0 "$new" 2>/dev/null; then
		echo "the new process exited before listening; see $log" >&2
		exit 1
	fi
	n=$((n + 1))
	if [ "$n" -ge 100 ]; then
		echo "the new process is not listening after 10s; see $log" >&2
		kill -TERM "$new"
		exit 1
	fi
	sleep 0.1
done
echo "$new" >"$pidfile"
if [ -n "$old" ] && ! gone "$old"; then
	kill -TERM "$old"
	n=0
	until gone "$old"; do
		n=$((n + 1))
		if [ "$n" -ge 300 ]; then
			echo "the old process ($old) still runs 30s after SIGTERM" >&2
			exit 1
		fi
		sleep 0.1
	done
fi
echo "pid $new serving${old:+; $old stopped}"
