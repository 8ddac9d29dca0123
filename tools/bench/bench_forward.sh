#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench_forward: what bunri's ruleset costs the gateway's forwarding. UDP
# packets per second forwarded through a gateway namespace, small packets
# (iperf3 -u -l 64 -b 0), from a host of one zone to a host of another
# over a permitted channel: first with no ruleset, then with the ruleset
# of a configuration of 100 000 prefixes (IPv4 and IPv6 mixed, 8 zones),
# committed by bunri's own nft module. Best of 3 runs each; prints
#
#   bench_forward: ratio_ruleset_vs_none = X (target >= 0.9)
#
# The rate is read from the gateway's egress interface counters in the
# middle of each run, so neither start-up nor the receiver's own drops
# count. Needs root, iperf3 and gcc; touches only the namespaces it makes.
#
#   tools/bench/bench_forward.sh BUILD_DIR
#   (BENCH_SECONDS=N per run, BENCH_PREFIXES=N to change the defaults)

# tools/bench/run.sh starts benchmarks with sh.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
SECONDS_RUN=${BENCH_SECONDS:-3}
PREFIXES=${BENCH_PREFIXES:-100000}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

die() {
	echo "bench_forward: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
command -v iperf3 >/dev/null || die "needs iperf3"
[ -f "$BUILD/libbunri.a" ] || die "no $BUILD/libbunri.a (run make)"

P=bf$$
SRC=$P-src GW=$P-gw DST=$P-dst
TMP=$(mktemp -d /tmp/bunri-bench-forward.XXXXXX)
SERVER=

cleanup() {
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
	ip netns del "$SRC" 2>/dev/null
	ip netns del "$GW" 2>/dev/null
	ip netns del "$DST" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- the configuration -------------------------------------------------------
#
# Half IPv4 /24s, half IPv6 /48s, dealt round-robin to zones z0..z7, so the
# flattened interval maps hold one range per prefix. The sender lives in
# 11.0.0.0/24 (z0), the receiver in 11.0.1.0/24 (z1); a channel lets z0's
# sender reach z1's receiver on iperf3's port.
"$PY" - "$PREFIXES" >"$TMP/bench.conf" <<'EOF' || die "cannot write the configuration"
import sys
n = int(sys.argv[1])
n4 = n // 2
nets = [[] for _ in range(8)]
for i in range(n4):
    nets[i % 8].append("%d.%d.%d.0/24" % (11 + i // 65536, i // 256 % 256, i % 256))
for i in range(n - n4):
    nets[i % 8].append("fd00:%x:%x::/48" % (i // 65536, i % 65536))
print('version = 1;')
print('daemon: { mode = "enforce"; table = "bunri"; user = "root";')
print('  control_socket = "/run/bunri/bench.sock"; };')
print('log: { facility = "local4"; };')
print('zones = (')
for z in range(8):
    ifs = {0: '[ "za" ]', 1: '[ "zb" ]'}.get(z, '[]')
    print('  { name = "z%d"; interfaces = %s; severity = "err";' % (z, ifs))
    print('    networks = [ %s ]; }%s' % (", ".join('"%s"' % p for p in nets[z]),
                                         "," if z < 7 else ""))
print(');')
print('channels = (')
for proto in ("udp", "tcp"):
    print('  { name = "bench-%s"; kind = "other"; from = "z0"; to = "z1";' % proto)
    print('    src = [ "11.0.0.2" ]; dst = [ "11.0.1.2" ]; proto = "%s";' % proto)
    print('    ports = [ 5201 ]; }%s' % ("," if proto == "udp" else ""))
print(');')
EOF
"$BUILD/bunrid" -t -c "$TMP/bench.conf" >"$TMP/check.out" 2>&1 ||
	die "configuration refused: $(head -n 3 "$TMP/check.out")"

# The committing tool of the integration tests: bunri's own conf, ruleset
# and nft modules, linked the way the library was built.
TOOL=$TMP/nft_commit_tool
"$ROOT/tests/integration/build_tool.sh" "$BUILD" \
	"$ROOT/tests/integration/nft_commit_tool.c" "$TOOL" 2>"$TMP/tool.err" ||
	die "cannot build nft_commit_tool: $(head -n 3 "$TMP/tool.err")"

# ---- the topology: src -- gw -- dst ------------------------------------------

for n in "$SRC" "$GW" "$DST"; do
	ip netns add "$n" || die "ip netns add $n"
	ip -n "$n" link set lo up
done
ip -n "$GW" link add za type veth peer name eth0 netns "$SRC"
ip -n "$GW" link add zb type veth peer name eth0 netns "$DST"
ip -n "$GW" addr add 11.0.0.1/24 dev za
ip -n "$GW" addr add 11.0.1.1/24 dev zb
ip -n "$SRC" addr add 11.0.0.2/24 dev eth0
ip -n "$DST" addr add 11.0.1.2/24 dev eth0
for l in "$GW za" "$GW zb" "$SRC eth0" "$DST eth0"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$SRC" route add default via 11.0.0.1
ip -n "$DST" route add default via 11.0.1.1
ip netns exec "$GW" sysctl -q -w net.ipv4.ip_forward=1 >/dev/null
ip netns exec "$SRC" "$PY" tests/integration/netprobe.py icmp --dst 11.0.1.2 \
	--timeout 2 ||
	die "no path from the sender to the receiver"

ip netns exec "$DST" iperf3 -s -B 11.0.1.2 >/dev/null 2>&1 &
SERVER=$!
sleep 0.5

# One run: the gateway's forwarding rate in packets per second, measured
# over the middle of the run.
run_once() {
	local c1 c2 t1 t2 st=/sys/class/net/zb/statistics/tx_packets
	ip netns exec "$SRC" iperf3 -c 11.0.1.2 -u -l 64 -b 0 \
		-t "$SECONDS_RUN" >"$TMP/iperf.out" 2>&1 &
	local client=$!
	sleep 0.7
	c1=$(ip netns exec "$GW" cat "$st")
	t1=$(date +%s%N)
	sleep "$(awk "BEGIN { print $SECONDS_RUN - 1.4 }")"
	c2=$(ip netns exec "$GW" cat "$st")
	t2=$(date +%s%N)
	wait "$client" || {
		echo "bench_forward: iperf3 failed: $(tail -n 2 "$TMP/iperf.out")" >&2
		echo 0
		return
	}
	awk "BEGIN { printf \"%d\", ($c2 - $c1) / (($t2 - $t1) / 1e9) }"
}

best_of_3() {
	local best=0 r i
	for i in 1 2 3; do
		r=$(run_once)
		echo "  run $i: $r pps" >&2
		[ "$r" -gt "$best" ] && best=$r
	done
	echo "$best"
}

echo "bench_forward: UDP 64-byte payload, ${SECONDS_RUN} s runs, best of 3"
echo "no ruleset:" >&2
none=$(best_of_3)
echo "bench_forward: pps_none = $none"

t0=$(date +%s%N)
# -N: no owner flag, so the table stays after the tool exits.
ip netns exec "$GW" "$TOOL" -N "$TMP/bench.conf" >"$TMP/commit.out" 2>&1 ||
	die "commit failed: $(head -n 3 "$TMP/commit.out")"
t1=$(date +%s%N)
elems=$(ip netns exec "$GW" nft list table inet bunri | grep -c ' : jump ')
echo "bench_forward: committed $PREFIXES prefixes ($(awk "BEGIN { printf \"%.2f\", ($t1 - $t0) / 1e9 }") s, $(sed -n 's/.*\(build [0-9.]* s, commit [0-9.]* s\).*/\1/p' "$TMP/commit.out"))"
# The ruleset must really be there and really let the test flow through.
[ "$elems" -ge "$PREFIXES" ] ||
	die "the committed dispatch maps hold $elems ranges, expected >= $PREFIXES"

echo "with the ruleset:" >&2
with=$(best_of_3)
echo "bench_forward: pps_ruleset = $with"
passed=$(ip netns exec "$GW" nft list counter inet bunri pass_z0_z1 |
	sed -n 's/.*packets \([0-9]*\).*/\1/p')
[ "${passed:-0}" -gt 0 ] ||
	die "the channel's pass counter did not move: the flow missed the ruleset"
[ "$none" -gt 0 ] || die "no packets forwarded without a ruleset"
awk "BEGIN { printf \"bench_forward: ratio_ruleset_vs_none = %.3f (target >= 0.9)\n\", $with / $none }"
