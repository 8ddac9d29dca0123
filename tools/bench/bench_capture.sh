#!/bin/bash
# Live capture throughput: bunrid (monitor mode, the capture process
# decoding and classifying every packet) against a bare libpcap loop
# (tools/bench/pcap_count.c) on the same veth interface, fed by tcpreplay
# from its peer with a capture of small packets between the lab's zones
# (tools/bench/flood_pcap.py random). Each capturer runs alone: first at
# tcpreplay's top speed (fraction of the packets captured), then at fixed
# rates, to find the highest one each captures without loss.
# Prints both and the ratio bunrid / libpcap (target >= 0.8).
#   tools/bench/bench_capture.sh [BUILD] [PACKETS]      (root)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd) || exit 1
PACKETS=${2:-1000000}
RATES=${BENCH_RATES:-"50000 100000 200000 400000 800000"}
LADDER_PACKETS=${BENCH_LADDER_PACKETS:-200000}
# A small ring makes the capturers keep pace packet by packet.
BUF=${BENCH_BUFFER_MB:-32}
[ "$(id -u)" -eq 0 ] || { echo "bench_capture: needs root" >&2; exit 77; }
for t in tcpreplay gcc pkg-config; do
	command -v $t >/dev/null || { echo "bench_capture: $t missing" >&2; exit 1; }
done
. "$ROOT/tests/integration/lib.sh"
. "$ROOT/tests/integration/daemon_lib.sh"
lib_init
# daemon_lib runs bunrid in "$BUNRI_LAB-gw": that is this benchmark's
# namespace, holding only the veth pair va (sender) / vb (captured).
export BUNRI_LAB=bbc$$
NS=$(lab_ns gw)
tmp=$(lib_tmpdir)
chmod 755 "$tmp"
nsx() { ip netns exec "$NS" "$@"; }

cleanup_add "ip netns del $NS"
ip netns add "$NS" || exit 1
nsx sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
nsx sysctl -q -w net.ipv6.conf.default.disable_ipv6=1
ip -n "$NS" link add va type veth peer name vb || exit 1
ip -n "$NS" link set lo up
ip -n "$NS" link set va up
ip -n "$NS" link set vb up

gcc -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$tmp/pcap_count" \
	"$ROOT/tools/bench/pcap_count.c" $(pkg-config --cflags --libs libpcap) ||
	exit 1
"$PYTHON" "$ROOT/tools/bench/flood_pcap.py" random "$PACKETS" "$tmp/load.pcap" ||
	exit 1

# The lab's zones, none on vb: vb is a mirror port (observe only, every
# packet classified, no spoofing check), the busiest thing bunrid watches.
cat >"$tmp/bunri.conf" <<CONF
version = 1;
daemon: { mode = "monitor"; table = "bunri"; user = "nobody";
  control_socket = "$tmp/bunrid.sock"; };
log: { facility = "local4"; repeat_interval = 60; max_alerts_per_second = 100; };
capture: { interfaces = [ "vb" ]; snaplen = 160; buffer_mb = $BUF; max_flows = 1000000; };
zones = (
  { name = "mynumber"; networks = [ "10.1.0.0/16" ]; severity = "crit"; },
  { name = "govcloud"; same_as = "mynumber"; networks = [ "10.100.0.0/16" ]; },
  { name = "lgwan"; networks = [ "10.2.0.0/16" ]; severity = "err"; },
  { name = "internet"; networks = [ "0.0.0.0/0" ]; severity = "warning"; }
);
channels = (
  { name = "vdi"; kind = "screen_transfer"; from = "lgwan"; to = "internet";
    dst = [ "203.0.113.10" ]; proto = "tcp"; ports = [ 443 ]; }
);
CONF

# replay ARGS...: tcpreplay from va; prints "SENT PPS".
replay() {
	nsx tcpreplay -i va "$@" "$tmp/load.pcap" 2>&1 |
		awk '/Actual:/ { n = $2 } /Rated:/ { for (i = 1; i <= NF; i++) if ($i == "pps") p = $(i - 1) }
		     END { printf "%d %d\n", n, p }'
}

# pcap_count_run ARGS...: the bare loop captures one replay; prints
# "SENT PPS CAPTURED".
pcap_count_run() {
	local out=$tmp/pc.out pid r
	# Not through nsx: a function would run in a subshell, and $! must be
	# the capturer itself for the signal.
	ip netns exec "$NS" "$tmp/pcap_count" vb "$BUF" 160 >"$out" 2>&1 &
	pid=$!
	wait_for "grep -q ready '$out'" 5 || { cat "$out" >&2; return 1; }
	r=$(replay "$@")
	sleep 0.3
	kill -INT $pid
	wait $pid
	echo "$r $(awk '/^packets/ {print $2}' "$out")"
}

# bunrid's counters, as the capture process last reported them.
bunrid_packets() {
	ctl --json status | "$PYTHON" -c 'import json, sys
s = json.load(sys.stdin)
i = [x for x in s["interfaces"] if x["name"] == "vb"][0]
print(i["packets"], i["drops"])'
}

bunrid_run() {
	local before after r p0 p1 prev=-1
	read -r p0 _ < <(bunrid_packets)
	r=$(replay "$@")
	# Settle: the counters come up from the capture process each second.
	for _ in $(seq 30); do
		sleep 0.5
		read -r p1 _ < <(bunrid_packets)
		[ "$p1" = "$prev" ] && break
		prev=$p1
	done
	echo "$r $((p1 - p0))"
}

frac() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b ? a / b : 0 }'; }

echo "live capture: bunrid (monitor, mirror port) vs bare libpcap, veth, $PACKETS packets of 60 bytes, ring $BUF MiB"
declare -A lossfree
# Warm-up replay (page cache, ARP-free veth path).
replay -L 20000 --topspeed >/dev/null

read -r s_pc pps_pc c_pc < <(pcap_count_run --topspeed) || exit 1
lossfree[pcap]=0
for r in $RATES; do
	read -r s p c < <(pcap_count_run --pps="$r" -L "$LADDER_PACKETS")
	[ "$c" -ge "$s" ] && lossfree[pcap]=$p
	echo "  libpcap  at ${r} pps: sent $s at $p pps, captured $c ($(frac "$c" "$s"))"
done

syslog_start "$tmp" || exit 1
bunrid_start "$BUILD" "$tmp/bunri.conf" "$tmp" -m || exit 1
read -r s_b pps_b c_b < <(bunrid_run --topspeed)
lossfree[bunrid]=0
for r in $RATES; do
	read -r s p c < <(bunrid_run --pps="$r" -L "$LADDER_PACKETS")
	[ "$c" -ge "$s" ] && lossfree[bunrid]=$p
	echo "  bunrid   at ${r} pps: sent $s at $p pps, captured $c ($(frac "$c" "$s"))"
done
read -r _ drops < <(bunrid_packets)

f_pc=$(frac "$c_pc" "$s_pc")
f_b=$(frac "$c_b" "$s_b")
echo "top speed:"
echo "  libpcap: sent $s_pc at $pps_pc pps, captured $c_pc (fraction $f_pc) -> $(awk -v f="$f_pc" -v p="$pps_pc" 'BEGIN{printf "%d", f*p}') pps processed"
echo "  bunrid:  sent $s_b at $pps_b pps, captured $c_b (fraction $f_b) -> $(awk -v f="$f_b" -v p="$pps_b" 'BEGIN{printf "%d", f*p}') pps processed, kernel drops reported $drops"
ratio=$(awk -v a="$f_b" -v b="$f_pc" -v pa="$pps_b" -v pb="$pps_pc" 'BEGIN { printf "%.2f", (pb * b) ? (a * pa) / (b * pb) : 0 }')
echo "  ratio bunrid / libpcap (packets per second processed): $ratio (target >= 0.8)"
echo "highest loss-free rate tried: libpcap ${lossfree[pcap]} pps, bunrid ${lossfree[bunrid]} pps (of: $RATES)"
awk -v r="$ratio" 'BEGIN { exit !(r >= 0.8) }' && echo "  target met" ||
	echo "  TARGET MISSED: ratio < 0.8"
grep -E "AddressSanitizer|runtime error" "$tmp/bunrid.out" >&2 && exit 1
exit 0
