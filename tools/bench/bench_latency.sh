#!/bin/bash
# Alert latency: from the first packet of a forbidden flow on a zone
# interface to its line in the syslog file. N distinct forbidden flows
# (LGWAN terminal -> My Number, TCP SYN to 10.1.X.Y:9) are sent GAP seconds
# apart from the lab's LGWAN host over a packet socket; each send time is
# taken just before the send, and compared with the time rsyslogd received
# the alert (%timegenerated, microseconds; the same CLOCK_REALTIME).
# Prints median, p99 and max; target: median < 50 ms.
#   tools/bench/bench_latency.sh [BUILD] [N] [GAP]      (root)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd) || exit 1
N=${2:-200}
GAP=${3:-0.02}
[ "$(id -u)" -eq 0 ] || { echo "bench_latency: needs root" >&2; exit 77; }
. "$ROOT/tests/integration/lib.sh"
. "$ROOT/tests/integration/daemon_lib.sh"
lib_init
export BUNRI_LAB=bbl$$
tmp=$(lib_tmpdir)
chmod 755 "$tmp"

cleanup_add "'$ROOT/tools/lab.sh' down"
lab up >"$tmp/lab.out" 2>&1 || { cat "$tmp/lab.out" >&2; exit 1; }
syslog_start "$tmp" || exit 1
# No rate limit in the way: N alerts in N * GAP seconds.
conf=$(lab_conf "$tmp" \
	-e 's/max_alerts_per_second = 100;/max_alerts_per_second = 10000;/')
bunrid_start "$BUILD" "$conf" "$tmp" || exit 1
# Let the start-up settle (first ARP sightings and their alerts).
ip netns exec "$(lab_ns lg)" ping -c 1 -W 1 10.2.0.1 >/dev/null 2>&1
sleep 1

ip netns exec "$(lab_ns lg)" "$PYTHON" "$ROOT/tests/integration/daemon_e2e.py" \
	send-flows eth0 02:00:00:00:02:01 10.2.0.7 "$N" "$GAP" "$tmp/sent" ||
	exit 1
wait_for "[ \$(grep -c 'alert=cross-zone .*dst=10\.1\.2[0-9][0-9]\.' '$tmp/syslog') -ge $N ]" 5
read -r got missing median p99 max min < <(
	"$PYTHON" "$ROOT/tests/integration/daemon_e2e.py" latency "$tmp/syslog" "$tmp/sent") ||
	exit 1
echo "alert latency, packet sent -> line in the syslog file ($(basename "$BUILD") build)"
echo "  flows sent:      $N, $GAP s apart"
echo "  alerts matched:  $got ($missing missing)"
echo "  median:          $median ms   (target < 50 ms)"
echo "  p99:             $p99 ms"
echo "  min / max:       $min / $max ms"
awk -v m="$median" 'BEGIN { exit !(m < 50) }' &&
	echo "  target met" || echo "  TARGET MISSED: median >= 50 ms"
[ "$missing" -eq 0 ] || { echo "bench_latency: $missing flows without an alert" >&2; exit 1; }
