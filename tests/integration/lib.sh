# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Helpers for bunri's network-namespace tests. Source it, then call lib_init:
#
#   . "$(dirname "$0")/lib.sh"
#   lib_init                       # EXIT/INT/TERM trap running the cleanups
#   require_root                   # skip (exit 0, "1 skipped") when not root
#   cleanup_add "ip netns del x"   # run at exit, last added first
#   ok NAME / fail NAME MSG / check NAME CMD...   # counters
#   wait_for "CMD" TIMEOUT         # poll CMD (eval'd) until true, seconds
#   tcp_probe NS SRC DST PORT      # 0 when a TCP connect succeeds
#   udp_probe NS SRC DST PORT      # 0 when a UDP echo listener answers
#   icmp_probe NS SRC DST          # 0 when an ICMP/ICMPv6 echo is answered
#   listen_tcp NS PORT [ADDR]      # TCP echo server, killed at exit
#   listen_udp NS PORT [ADDR]      # UDP echo server, killed at exit
#   stop_listeners                 # kill them now
#   sniff_count NS IFACE SECS [SRC [DST]]   # IP packets seen on IFACE
#   finish                         # "N passed, N failed"; exit 1 on failure
#
# NS is a full namespace name (lab users: "$(lab_ns mn)"); SRC is an
# address of that namespace to send from, or "-" for the kernel's choice.
# Listeners bind [::] dual-stack unless ADDR says otherwise. Probes need no
# tool beyond python3 (raw sockets for ICMP, so no ping binary either).

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LIB_ROOT=$(cd "$LIB_DIR/../.." && pwd)
# The system interpreter, not a user's pyenv shim: tests run as root.
if [ -z "${PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
NETPROBE="$LIB_DIR/netprobe.py"
PROBE_TIMEOUT=${PROBE_TIMEOUT:-1}

_lib_passed=0
_lib_failed=0
_lib_skipped=0
_lib_cleanups=()
_lib_listeners=()
_lib_tmp=

ok() {
	_lib_passed=$((_lib_passed + 1))
	echo "ok - $1"
}

fail() {
	_lib_failed=$((_lib_failed + 1))
	echo "FAIL - $1${2:+: $2}"
}

skip() {
	_lib_skipped=$((_lib_skipped + 1))
	echo "skip - $1${2:+: $2}"
}

# check NAME CMD...: ok when CMD succeeds, fail otherwise.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name" "command failed: $*"; fi
}

# check_not NAME CMD...: ok when CMD fails.
check_not() {
	local name=$1
	shift
	if "$@"; then fail "$name" "unexpectedly succeeded: $*"; else ok "$name"; fi
}

finish() {
	local line="$_lib_passed passed, $_lib_failed failed"
	[ "$_lib_skipped" -gt 0 ] && line="$line, $_lib_skipped skipped"
	echo "$line"
	[ "$_lib_failed" -eq 0 ] &&
		{ [ "$_lib_passed" -gt 0 ] || [ "$_lib_skipped" -gt 0 ]; }
	exit $?
}

cleanup_add() {
	_lib_cleanups+=("$1")
}

_lib_cleanup() {
	local i
	for ((i = ${#_lib_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_lib_cleanups[$i]}" >/dev/null 2>&1 || true
	done
	_lib_cleanups=()
	[ -n "$_lib_tmp" ] && rm -rf "$_lib_tmp"
	_lib_tmp=
}

lib_init() {
	trap '_lib_cleanup' EXIT
	trap 'exit 130' INT TERM HUP
	_lib_tmp=$(mktemp -d /tmp/bunri-test.XXXXXX)
}

# A scratch directory removed at exit.
lib_tmpdir() {
	echo "$_lib_tmp"
}

require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		skip "${0##*/}" "needs root (network namespaces)"
		finish
	fi
}

# wait_for "CMD" TIMEOUT: true as soon as CMD succeeds, false after
# TIMEOUT seconds (fractions allowed).
wait_for() {
	local cmd=$1 timeout=${2:-5}
	local int=${timeout%%.*} frac=0 ms end
	case $timeout in
	*.*) frac=${timeout#*.}000; frac=$((10#${frac:0:3})) ;;
	esac
	ms=$((10#${int:-0} * 1000 + frac))
	end=$(($(date +%s%3N) + ms))
	while :; do
		eval "$cmd" >/dev/null 2>&1 && return 0
		[ "$(date +%s%3N)" -ge "$end" ] && return 1
		sleep 0.05
	done
}

_probe() {
	local ns=$1
	shift
	ip netns exec "$ns" "$PYTHON" "$NETPROBE" "$@" \
		--timeout "$PROBE_TIMEOUT" >/dev/null 2>&1
}

tcp_probe() {
	_probe "$1" tcp --src "$2" --dst "$3" --port "$4"
}

# Like tcp_probe, and the peer must echo what was sent (listen_tcp).
tcp_echo_probe() {
	_probe "$1" tcp --echo --src "$2" --dst "$3" --port "$4"
}

udp_probe() {
	_probe "$1" udp --src "$2" --dst "$3" --port "$4"
}

icmp_probe() {
	_probe "$1" icmp --src "$2" --dst "$3"
}

_listen() {
	local kind=$1 ns=$2 port=$3 addr=${4:-::}
	local ready pid
	ready="$_lib_tmp/ready.$kind.$ns.$port.$RANDOM"
	ip netns exec "$ns" "$PYTHON" "$NETPROBE" "$kind" --port "$port" \
		--bind "$addr" --ready "$ready" >/dev/null 2>&1 &
	pid=$!
	_lib_listeners+=("$pid")
	cleanup_add "kill $pid; wait $pid"
	if ! wait_for "[ -e '$ready' ]" 5; then
		echo "listener $kind $ns:$port did not start" >&2
		return 1
	fi
}

listen_tcp() {
	_listen tcp-echo "$@"
}

listen_udp() {
	_listen udp-echo "$@"
}

# Stops every listener now (e.g. before deleting their namespaces, which
# processes inside would otherwise keep alive).
stop_listeners() {
	local pid
	for pid in "${_lib_listeners[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	_lib_listeners=()
	return 0
}

# sniff NS IFACE SECONDS [SRC [DST]]: prints how many IP packets from SRC
# to DST the interface saw; run it in the background before the traffic.
sniff_count() {
	local ns=$1 iface=$2 secs=$3 src=${4:-} dst=${5:-}
	ip netns exec "$ns" "$PYTHON" "$NETPROBE" sniff --iface "$iface" \
		--seconds "$secs" ${src:+--src "$src"} ${dst:+--dst "$dst"}
}

# The lab's namespace for a host name (tools/lab.sh).
lab_ns() {
	echo "${BUNRI_LAB:-bunri}-$1"
}

lab() {
	"$LIB_ROOT/tools/lab.sh" "$@"
}
