#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bunrid end to end: the namespace lab (tools/lab.sh), a real rsyslogd and
# the daemon on the gateway. Live traffic raises every alert type it can,
# and each must reach the syslog file with its keys and priority (facility
# local4, severity from the zones) and the JSON-lines file identically;
# every bunrictl command answers; SIGHUP re-applies ruleset and detection
# without cutting an established flow; a flood of 100 000 distinct
# forbidden flows is rate-limited and summarised while memory stays within
# capture.max_flows; a stopped daemon's capture loss is reported.
#
# usage: test_daemon.sh BUILD_DIR     (root)

set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
. "$here/daemon_lib.sh"
lib_init
require_root

BUILD=$(cd "${1:-build}" && pwd)
export BUNRI_LAB=btd$$
tmp=$(lib_tmpdir)
chmod 755 "$tmp"
helper="$PYTHON $here/daemon_e2e.py"
FLOWS=${BUNRI_FLOOD_FLOWS:-100000}
MAX_FLOWS=50000
RATE=100

for b in bunrid bunrictl; do
	[ -x "$BUILD/$b" ] || { fail "$BUILD/$b" "not built"; finish; }
done
for t in rsyslogd tcpreplay nft; do
	command -v $t >/dev/null || { fail "$t" "not installed"; finish; }
done

cleanup_add "'$root/tools/lab.sh' down"
if ! lab up >"$tmp/lab.out" 2>&1; then
	fail "lab up" "$(cat "$tmp/lab.out")"
	finish
fi
NS_GW=$(lab_ns gw) NS_LG=$(lab_ns lg) NS_MN=$(lab_ns mn)
NS_GC=$(lab_ns gc) NS_INET=$(lab_ns inet)
GW_ETH2_MAC=02:00:00:00:02:01

# The flood capture file is written while the rest gets going.
$PYTHON "$root/tools/bench/flood_pcap.py" flows "$FLOWS" "$tmp/flows.pcap" &
gen1=$!
$PYTHON "$root/tools/bench/flood_pcap.py" bcast 300000 "$tmp/bcast.pcap" &
gen2=$!

# ---- configuration --------------------------------------------------------
# The sample, made testable: the mirror port captured, the My Number zone
# with a device list, the internet zone narrowed to the lab's documentation
# ranges (so 198.18.0.1 is in no zone), and extra channels: one expiring in
# 3 days, one lapsed yesterday, an ICMP one (to ask check about a reply).
day() { date -d "$1" +%Y-%m-%d; }
SOON=$(day "+3 days") YESTERDAY=$(day yesterday)
extra="  { name = \"soon\"; kind = \"other\"; from = \"lgwan\"; to = \"internet\";\
 dst = [ \"203.0.113.80\" ]; proto = \"tcp\"; ports = [ 8080 ];\
 expires = \"$SOON\"; },\n\
  { name = \"lapsed\"; kind = \"other\"; from = \"lgwan\"; to = \"internet\";\
 dst = [ \"203.0.113.80\" ]; proto = \"tcp\"; ports = [ 8081 ];\
 expires = \"$YESTERDAY\"; },\n\
  { name = \"ping\"; kind = \"other\"; from = \"lgwan\"; to = \"internet\";\
 dst = [ \"203.0.113.80\" ]; proto = \"icmp\"; },"
conf=$(lab_conf "$tmp" \
	-e 's/interfaces = \[ "eth0", "eth1", "eth2" \];/interfaces = [ "eth0", "eth1", "eth2", "span0" ];/' \
	-e 's/# addresses: devices = \[ "02:00:00:00:01:10" \];/devices = [ "02:00:00:00:01:10" ];/' \
	-e 's|networks = \[ "0.0.0.0/0", "::/0" \];|networks = [ "203.0.113.0/24", "192.0.2.0/24", "2001:db8::/32" ];|' \
	-e "s/max_flows = 1000000;/max_flows = $MAX_FLOWS;/" \
	-e "s/max_alerts_per_second = 100;/max_alerts_per_second = $RATE;/" \
	-e "s|^channels = (\$|channels = (\n$extra|")
want_conf() {
	grep -qF -- "$1" "$conf" || { fail "lab configuration" "no '$1' (conf/bunri.conf changed?)"; finish; }
}
want_conf '"span0" ]'
want_conf 'devices = [ "02:00:00:00:01:10" ];'
want_conf '"2001:db8::/32" ]'
want_conf "expires = \"$YESTERDAY\""
want_conf "json_file = \"$tmp/alerts.jsonl\""
want_conf "max_flows = $MAX_FLOWS;"
# The log group from a file of its own, included by a relative path: it
# is found beside the configuration, and its edits are watched too.
sed -n '/^log: {$/,/^};$/p' "$conf" >"$tmp/log.inc"
sed -i '/^log: {$/,/^};$/d' "$conf"
echo '@include "log.inc"' >>"$conf"
grep -q "max_alerts_per_second = $RATE;" "$tmp/log.inc" && ! grep -q "^log:" "$conf" ||
	{ fail "lab configuration" "the log group did not move to log.inc"; finish; }
if "$BUILD/bunrid" -t -c "$conf" >"$tmp/t.out" 2>&1 &&
	grep -q "configuration OK" "$tmp/t.out"; then
	ok "lab configuration validates"
else
	fail "lab configuration validates" "$(cat "$tmp/t.out")"
	finish
fi
if grep -qi "lapsed" "$tmp/t.out"; then
	ok "validator warns about the lapsed channel"
else
	fail "validator warns about the lapsed channel" "$(cat "$tmp/t.out")"
fi

syslog_start "$tmp" || { fail "rsyslogd"; finish; }
SYSLOG=$tmp/syslog
JSONL=$tmp/alerts.jsonl

# Listeners first: the allowed probes need them, and the rogue flow.
listen_tcp "$NS_INET" 8080
listen_tcp "$NS_INET" 8081
listen_tcp "$NS_INET" 8443
listen_tcp "$NS_INET" 443
listen_tcp "$NS_MN" 139

if ! bunrid_start "$BUILD" "$conf" "$tmp"; then
	fail "bunrid starts"
	finish
fi
ok "bunrid starts, control socket answers"
PID=$BUNRID_PID
# One datagram, never retransmitted, the moment the control socket answers:
# bunrid serves only once its capture handles are open.
udp_probe "$NS_LG" 10.2.0.7 10.1.0.9 161 &

# ---- helpers ----------------------------------------------------------------
# alert_line TYPE PRIORITY KEY=VALUE...: the first syslog line of TYPE at
# local4.PRIORITY carrying every KEY=VALUE (exact tokens).
alert_line() {
	local type=$1 pri=$2 kv
	shift 2
	local lines
	lines=$(grep -E "^[^ ]+ local4\.$pri bunrid\[[0-9]+\]: alert=$type( |\$)" "$SYSLOG")
	for kv in "$@"; do
		lines=$(grep -F -- " $kv" <<<"$lines" | grep -E -- " $(sed 's/[.[\*^$+?(){}|]/\\&/g' <<<"$kv")( |\$)")
	done
	[ -n "$lines" ] && head -n 1 <<<"$lines"
}

# expect_alert NAME TYPE PRIORITY SECS KEY=VALUE...
expect_alert() {
	local name=$1 type=$2 pri=$3 secs=$4
	shift 4
	local args
	printf -v args ' %q' "$type" "$pri" "$@"
	if wait_for "alert_line$args" "$secs"; then
		ok "$name"
	else
		fail "$name" "no local4.$pri alert=$type with $*; alerts seen:
$(grep 'alert=' "$SYSLOG" | grep -v 'alert=cross-zone.*dport=9 ' | tail -n 15)"
	fi
}

count_alerts() {
	grep -cE "$1" "$SYSLOG"
}

nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# ---- 1. alerts from live traffic ------------------------------------------
# All triggers run at once; the checks below then wait for each line.
(
	tcp_probe "$NS_LG" 10.2.0.7 10.1.0.9 445 && echo "passed" >"$tmp/xz.v4"
	tcp_probe "$NS_LG" fd00:2::7 fd00:1::9 445 && echo "passed" >"$tmp/xz.v6"
	# The rogue bridge, only after the flows through the gateway above.
	lab rogue on >"$tmp/rogue.out" 2>&1 &&
		tcp_probe "$NS_LG" 10.2.0.7 10.1.0.9 139 && echo ok >"$tmp/rogue.ok"
	lab rogue off >>"$tmp/rogue.out" 2>&1
) &
trig1=$!
(
	nsx "$NS_LG" $helper spoof eth0 "$GW_ETH2_MAC" 10.1.0.9 203.0.113.80 80
) >"$tmp/spoof.out" 2>&1 &
trig2=$!
icmp_probe "$NS_GC" 10.1.0.100 10.1.0.1 &
(tcp_probe "$NS_LG" 10.2.0.7 198.18.0.1 80 && echo passed >"$tmp/unzoned") &
trig3=$!
(tcp_probe "$NS_LG" 10.2.0.7 203.0.113.80 8080 && echo ok >"$tmp/soon.ok") &
trig4=$!
(tcp_probe "$NS_LG" 10.2.0.7 203.0.113.80 8081 && echo passed >"$tmp/lapsed") &
trig5=$!
# Edit the file and the one it includes on disk without a reload: a
# comment is enough.
echo "# edited by test_daemon.sh without a reload" >>"$conf"
echo "# edited by test_daemon.sh without a reload" >>"$tmp/log.inc"
edit_time=$(date +%s%N)

expect_alert "cross-zone lgwan->mynumber reaches syslog at local4.crit" \
	cross-zone crit 5 severity=crit src_zone=lgwan dst_zone=mynumber \
	proto=tcp src=10.2.0.7 dst=10.1.0.9 dport=445 iface=eth2 \
	action=dropped packets=1
expect_alert "a single datagram sent as start-up ends is seen" \
	cross-zone crit 5 src_zone=lgwan dst_zone=mynumber proto=udp \
	src=10.2.0.7 dst=10.1.0.9 dport=161 packets=1
expect_alert "cross-zone over IPv6, RFC 5952 addresses" \
	cross-zone crit 5 src_zone=lgwan dst_zone=mynumber src=fd00:2::7 \
	dst=fd00:1::9 dport=445 iface=eth2 action=dropped
if alert_line cross-zone crit dport=445 dst=10.1.0.9 | grep -qE ' sport=[0-9]+ .* bytes=[0-9]+'; then
	ok "cross-zone line carries sport and bytes"
else
	fail "cross-zone line carries sport and bytes" "$(alert_line cross-zone crit dport=445)"
fi
expect_alert "spoofed-source: My Number address entering the LGWAN interface" \
	spoofed-source crit 8 src_zone=mynumber src=10.1.0.9 dst=203.0.113.80 \
	dport=80 iface=eth2 action=dropped iface_zone=lgwan
expect_alert "unknown-device: unlisted MAC on the My Number segment" \
	unknown-device crit 5 src_zone=mynumber iface=eth1 src=10.1.0.100 \
	mac=02:00:00:00:01:11 listed=no
expect_alert "unzoned: 198.18.0.1 is in no zone" \
	unzoned err 5 src_zone=lgwan dst_zone=none src=10.2.0.7 \
	dst=198.18.0.1 dport=80 iface=eth2 action=dropped
expect_alert "rogue bridge seen on the mirror port, action=observed" \
	cross-zone crit 8 src_zone=lgwan dst_zone=mynumber src=10.2.0.7 \
	dst=10.1.0.9 dport=139 iface=span0 action=observed
expect_alert "channel-expiring 3 days ahead" \
	channel-expiring notice 5 channel=soon src_zone=lgwan \
	dst_zone=internet "expires=$SOON" days_left=3
expect_alert "config-changed: file edited on disk, no reload" \
	config-changed warning 12 "file=$conf"
expect_alert "config-changed: an included file edited on disk" \
	config-changed warning 12 "file=$tmp/log.inc"
# Every probe has given its answer before the answers are read.
wait "$trig1" "$trig2" "$trig3" "$trig4" "$trig5"
if [ -e "$tmp/rogue.ok" ]; then
	ok "rogue flow connects directly (the gateway never sees it)"
else
	fail "rogue flow connects directly" "$(cat "$tmp/rogue.out")"
fi
[ -e "$tmp/xz.v4" ] || [ -e "$tmp/xz.v6" ] &&
	fail "enforcement: lgwan->mynumber 445 connected" ||
	ok "enforcement: lgwan->mynumber 445 blocked (v4, v6)"
[ -e "$tmp/unzoned" ] && fail "unzoned flow is dropped" "it connected" ||
	ok "unzoned flow is dropped"
[ -e "$tmp/soon.ok" ] && ok "channel 'soon' (expiring in 3 days) still permits" ||
	fail "channel 'soon' (expiring in 3 days) still permits"
[ -e "$tmp/lapsed" ] && fail "lapsed channel is not permitted" "8081 connected" ||
	ok "lapsed channel is not permitted (kernel)"
if nsx "$NS_GW" nft -s list table inet bunri >"$tmp/table.nft" 2>&1 &&
	grep -q "8080" "$tmp/table.nft" && ! grep -q "8081" "$tmp/table.nft"; then
	ok "ruleset has the live channel's port 8080, not the lapsed 8081"
else
	fail "ruleset leaves the lapsed channel out" "$(grep -n '808[01]' "$tmp/table.nft")"
fi
if [ "$(count_alerts 'alert=channel-expired')" -eq 0 ]; then
	ok "no channel-expired alert for a channel lapsed before start-up"
else
	fail "no channel-expired alert for a channel lapsed before start-up"
fi
# The probe has finished, but its alert may still be on its way to syslog.
if wait_for "[ \$(count_alerts 'alert=cross-zone .*dst=203\.0\.113\.80 .*dport=8081 ') -ge 1 ]" 5; then
	ok "traffic over the lapsed channel raises cross-zone"
else
	fail "traffic over the lapsed channel raises cross-zone" "$(grep 'dport=808' "$SYSLOG")"
fi
if [ "$(count_alerts 'alert=cross-zone .*dport=8080 ')" -eq 0 ]; then
	ok "no alert for the live channel"
else
	fail "no alert for the live channel"
fi
tcp_probe "$NS_LG" 10.2.0.7 10.1.0.9 445
sleep 0.3
if [ "$(count_alerts 'alert=cross-zone .* dst=10\.1\.0\.9 dport=445 iface=eth2 ')" -eq 1 ]; then
	ok "a flow key alerts once per repeat_interval"
else
	fail "a flow key alerts once" "$(grep 'dport=445' "$SYSLOG")"
fi

# ---- 2. tampering ------------------------------------------------------------
if nsx "$NS_GW" nft add rule inet bunri forward accept >"$tmp/tamper.out" 2>&1; then
	expect_alert "ruleset-tampered (nft add rule)" ruleset-tampered crit 5 \
		table=bunri comm=nft
	expect_alert "ruleset-restored within a second" ruleset-restored \
		notice 3 table=bunri
else
	if grep -qi "not permitted" "$tmp/tamper.out"; then
		ok "tamper attempt refused by the kernel (table owner flag)"
	else
		fail "tamper attempt" "$(cat "$tmp/tamper.out")"
	fi
	if nsx "$NS_GW" nft delete table inet bunri >/dev/null 2>&1; then
		expect_alert "ruleset-tampered (table deleted)" ruleset-tampered crit 5
		expect_alert "ruleset-restored" ruleset-restored notice 7
	else
		ok "deleting the table is refused too"
	fi
	if nsx "$NS_GW" nft -s list table inet bunri | cmp -s - "$tmp/table.nft"; then
		ok "table unchanged by the attempts"
	else
		fail "table unchanged by the attempts"
	fi
fi

# ---- 3. bunrictl ---------------------------------------------------------------
# ctl_ok NAME PATTERN ARGS...: exit 0 and output matching PATTERN (grep -E).
ctl_ok() {
	local name=$1 pat=$2
	shift 2
	if ctl "$@" >"$tmp/ctl.out" 2>"$tmp/ctl.err" &&
		grep -qE -- "$pat" "$tmp/ctl.out"; then
		ok "$name"
	else
		fail "$name" "$(head -c 600 "$tmp/ctl.out" "$tmp/ctl.err")"
	fi
}
# ctl_json NAME [KEY...] -- ARGS...: exit 0 and valid JSON with KEYs.
ctl_json() {
	local name=$1 keys=()
	shift
	while [ "$1" != "--" ]; do keys+=("$1"); shift; done
	shift
	if ctl --json "$@" >"$tmp/ctl.out" 2>"$tmp/ctl.err" &&
		$helper json-stdin "${keys[@]}" <"$tmp/ctl.out" 2>"$tmp/ctl.err2"; then
		ok "$name"
	else
		fail "$name" "$(head -c 600 "$tmp/ctl.out" "$tmp/ctl.err" "$tmp/ctl.err2")"
	fi
}
# ctl_err NAME PATTERN ARGS...: exit 1 and a message matching PATTERN.
ctl_err() {
	local name=$1 pat=$2 rc
	shift 2
	ctl "$@" >"$tmp/ctl.out" 2>"$tmp/ctl.err"
	rc=$?
	if [ $rc -eq 1 ] && grep -qE -- "$pat" "$tmp/ctl.err"; then
		ok "$name"
	else
		fail "$name" "exit $rc: $(cat "$tmp/ctl.out" "$tmp/ctl.err")"
	fi
}

ctl_ok "status" "^mode: +enforce" status
ctl_json "status --json" mode pid rss_kib memory_detect interfaces -- status
ctl_ok "zones" "^mynumber .*マイナンバー利用事務系" zones
ctl_json "zones --json" -- zones
ctl_ok "channels shows the lapsed one as such" "^lapsed .*$YESTERDAY +(expired|lapsed)" channels
ctl_json "channels --json" -- channels
ctl_ok "matrix" "^lgwan +DENY" matrix
ctl_json "matrix --json" matrix kernel_counters -- matrix
ctl_ok "check permitted" "^permitted: channel vdi " check 10.2.0.7 203.0.113.10 tcp 443
ctl_ok "check denied" "^denied: no channel from lgwan to mynumber" check 10.2.0.7 10.1.0.9 tcp 445
ctl_ok "check reply" "^permitted: reply of channel ping " check 203.0.113.80 10.2.0.7 icmp
ctl_ok "check intra-zone" "^permitted: intra-zone" check 10.2.0.7 10.2.0.25 tcp 25
ctl_ok "check unzoned" "^denied: 198\.18\.0\.1 is in no zone" check 10.2.0.7 198.18.0.1 tcp 80
ctl_ok "check lapsed channel is denied" "^denied" check 10.2.0.7 203.0.113.80 tcp 8081
ctl_json "check --json" verdict reason channel -- check 10.2.0.7 203.0.113.10 tcp 443
ctl_err "check bad address" "not an address: foo" check foo 10.1.0.9
ctl_err "check bad port" "bad port" check 10.2.0.7 10.1.0.9 tcp 70000
ctl_err "check mixed families" "different families" check 10.2.0.7 fd00:1::9
ctl_err "check without arguments" "usage" check
ctl_ok "alerts 3" "^alert=" alerts 3
if [ "$(ctl alerts 3 | wc -l)" -eq 3 ]; then ok "alerts 3 prints 3 lines"; else fail "alerts 3 prints 3 lines"; fi
ctl_ok "alerts (default)" "alert=cross-zone" alerts
ctl_json "alerts --json" -- alerts 5
ctl_err "alerts with a bad count" "alerts: N must be" alerts lots
if ctl graph >"$tmp/graph.dot" && $helper dot <"$tmp/graph.dot" 2>"$tmp/dot.err" &&
	grep -q '"mynumber"' "$tmp/graph.dot"; then
	if command -v dot >/dev/null; then
		check "graph renders with graphviz" dot -Tsvg -o /dev/null "$tmp/graph.dot"
	else
		ok "graph is a well-formed digraph (graphviz not installed)"
	fi
else
	fail "graph" "$(cat "$tmp/graph.dot" "$tmp/dot.err")"
fi
ctl_json "graph --json" -- graph
ctl_ok "report" "^bunri audit report" report
ctl_ok "report 24" "alerts by type" report 24
ctl_json "report --json" alerts ruleset_changes zone_pairs channels -- report
ctl_err "unknown command" "unknown command" frobnicate
# A second bunrid on the same configuration stops at the first one's
# socket before it touches the ruleset; the first goes on answering.
nft_before=$(nsx "$NS_GW" nft -s list table inet bunri)
if timeout 10 ip netns exec "$NS_GW" "$BUILD/bunrid" -f -c "$conf" \
	>"$tmp/second.out" 2>&1; then
	fail "a second bunrid is refused" "$(cat "$tmp/second.out")"
elif grep -q "another bunrid answers on it" "$tmp/second.out" &&
	[ "$(status_field pid)" = "$BUNRID_PID" ] &&
	[ "$(nsx "$NS_GW" nft -s list table inet bunri)" = "$nft_before" ]; then
	ok "a second bunrid is refused, the first answers, the table unchanged"
else
	fail "a second bunrid is refused" "$(cat "$tmp/second.out")"
fi
if ctl_out=$("$BUILD/bunrictl" -s "$tmp/nothing-here.sock" status 2>&1); then
	fail "bunrictl without a daemon exits 1"
elif grep -q "cannot reach bunrid" <<<"$ctl_out"; then
	ok "bunrictl without a daemon exits 1: $ctl_out"
else
	fail "bunrictl without a daemon: clear message" "$ctl_out"
fi
if $helper ctl-raw "$BUNRID_SOCK" 2>"$tmp/raw.err"; then
	ok "malformed and oversized raw requests get 'error ...'; daemon survives"
else
	fail "raw control-socket requests" "$(cat "$tmp/raw.err")"
fi
n_exp=$(count_alerts 'alert=channel-expiring .*channel=soon')
ctl_ok "reload over the control socket" "^reloaded " reload
# The answer comes once the restarted capture watches again.
udp_probe "$NS_LG" 10.2.0.7 10.1.0.9 162
expect_alert "a single datagram sent as the reload answers is seen" \
	cross-zone crit 5 proto=udp dst=10.1.0.9 dport=162 packets=1
# After a reload the edited file is the loaded one: no config-changed.
n_cc=$(count_alerts 'alert=config-changed')
# ... and a channel's coming expiry, already announced, is not news.
sleep 2
[ "$(count_alerts 'alert=channel-expiring .*channel=soon')" -eq "$n_exp" ] &&
	ok "a reload does not announce an announced expiry again" ||
	fail "channel-expiring repeated after the reload"

# A refused reload leaves everything running.
cp "$conf" "$tmp/good.conf"
echo "zones = broken" >>"$conf"
ctl_err "reload of an invalid configuration is refused" "configuration refused" reload
cp "$tmp/good.conf" "$conf"
if tcp_probe "$NS_LG" 10.2.0.7 203.0.113.10 443 && ! tcp_probe "$NS_LG" 10.2.0.7 203.0.113.80 8081; then
	ok "ruleset unchanged after the refused reload"
else
	fail "ruleset unchanged after the refused reload"
fi

# ---- 4. SIGHUP with a new channel -----------------------------------------
tcp_probe "$NS_LG" 10.2.0.7 203.0.113.80 8443 &&
	fail "8443 denied before the reload" || ok "8443 denied before the reload"
expect_alert "cross-zone for 8443 before the reload" cross-zone err 5 \
	src_zone=lgwan dst_zone=internet dst=203.0.113.80 dport=8443
nsx "$NS_LG" $helper hold 203.0.113.10 443 "$tmp/hold.stop" \
	>"$tmp/hold.out" 2>&1 &
hold=$!
sleep 0.5
sed -i "s|^channels = (\$|channels = (\n  { name = \"newchan\"; kind = \"other\"; from = \"lgwan\"; to = \"internet\"; dst = [ \"203.0.113.80\" ]; proto = \"tcp\"; ports = [ 8443 ]; },|" "$conf"
n_reload=$(count_alerts 'configuration reloaded')
kill -HUP "$PID"
if wait_for "[ \$(count_alerts 'configuration reloaded') -gt $n_reload ]" 5; then
	ok "SIGHUP reloads"
else
	fail "SIGHUP reloads" "$(tail -n 5 "$tmp/bunrid.out")"
fi
n_8443=$(count_alerts 'alert=cross-zone .*dport=8443 ')
if tcp_echo_probe "$NS_LG" 10.2.0.7 203.0.113.80 8443; then
	ok "after SIGHUP the new channel connects (ruleset re-applied)"
else
	fail "after SIGHUP the new channel connects"
fi
ctl_ok "check sees the new channel" "^permitted: channel newchan" check 10.2.0.7 203.0.113.80 tcp 8443
sleep 1.2
if [ "$(count_alerts 'alert=cross-zone .*dport=8443 ')" -eq "$n_8443" ]; then
	ok "after SIGHUP no alert for the new channel (detection re-applied)"
else
	fail "after SIGHUP no alert for the new channel" "$(grep 'dport=8443' "$SYSLOG")"
fi
touch "$tmp/hold.stop"
if wait "$hold"; then
	ok "established TCP flow survives the reload ($(cat "$tmp/hold.out") echoes)"
else
	fail "established TCP flow survives the reload" "$(cat "$tmp/hold.out")"
fi
if [ "$(count_alerts 'alert=config-changed')" -eq "$n_cc" ]; then
	ok "no config-changed after reloads of the edited file"
else
	fail "no config-changed after reloads of the edited file"
fi

# ---- 5. flood: rate limit, responsiveness, bounded memory -----------------
wait "$gen1" "$gen2" || { fail "flood capture files"; finish; }
ctl --json status >"$tmp/st0.json"
jget() { $PYTHON -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }
rss_of() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# The flow table lives in the capture process (privilege separation):
# that is where memory could grow with the traffic.
CPID=$(jget "$tmp/st0.json" capture_pid)
rss0=$(rss_of "$PID") crss0=$(rss_of "$CPID")
mem_detect=$(jget "$tmp/st0.json" memory_detect)
pk0=$(jget "$tmp/st0.json" packets)
flood_start=$(date +%s.%N)
nsx "$NS_LG" tcpreplay -q --topspeed -i eth0 "$tmp/flows.pcap" >"$tmp/replay.out" 2>&1 &
replay=$!
# bunrictl status while the flood is on: the slowest answer.
worst=0
while kill -0 "$replay" 2>/dev/null; do
	t0=$(date +%s%N)
	timeout 5 "$BUILD/bunrictl" -s "$BUNRID_SOCK" status >/dev/null 2>&1 ||
		worst=99999
	t=$((($(date +%s%N) - t0) / 1000000))
	[ "$t" -gt "$worst" ] && worst=$t
	sleep 0.05
done
wait "$replay"
t0=$(date +%s%N)
ctl status >/dev/null
t=$((($(date +%s%N) - t0) / 1000000))
[ "$t" -gt "$worst" ] && worst=$t
if [ "$worst" -le 2000 ]; then
	ok "status answers during and after the flood (slowest ${worst} ms)"
else
	fail "status answers during the flood" "slowest ${worst} ms"
fi
expect_alert "alert-suppressed summarises the flood" alert-suppressed \
	'(crit|err|warning)' 4 "limit=$RATE"
sup=$(grep -oE 'alert=alert-suppressed .*suppressed=[0-9]+' "$SYSLOG" |
	sed -E 's/.*suppressed=//' | awk '{s += $1} END {print s + 0}')
[ "$sup" -gt 0 ] && ok "suppressed=N counts ($sup alerts summarised)" ||
	fail "suppressed=N counts"
sleep 1.1 # the last window's summary
if out=$($helper rate "$SYSLOG" "$flood_start" $((RATE + 1)) 2>&1); then
	ok "at most $RATE + 1 syslog alert lines per second ($out)"
else
	fail "rate limit" "$out"
fi
ctl --json status >"$tmp/st1.json"
pk1=$(jget "$tmp/st1.json" packets)
evicted=$(jget "$tmp/st1.json" flows_evicted)
# The flood is of whole datagrams: no fragment map was filled.
[ "$(jget "$tmp/st1.json" fragments_forgotten)" = 0 ] &&
	ok "status: fragments_forgotten 0 after a flood without fragments" ||
	fail "status fragments_forgotten" "$(jget "$tmp/st1.json" fragments_forgotten)"
emitted=$(jget "$tmp/st1.json" alerts_emitted)
suppressed=$(jget "$tmp/st1.json" alerts_suppressed)
rss1=$(rss_of "$PID") crss1=$(rss_of "$CPID")
seen=$((pk1 - pk0))
# The flow table is allocated whole when the capture process starts, so
# under the flood its RSS may grow by the table's size at most (pages
# touched for the first time), plus slack for pcap and the allocator;
# the parent holds no per-flow state and may grow by the slack only.
cbound=$((crss0 + mem_detect / 1024 + 16384))
pbound=$((rss0 + 16384))
echo "# flood: $FLOWS flows sent, $seen packets seen by the capture process, $evicted flow keys evicted (max_flows $MAX_FLOWS), $emitted alerts written, $suppressed suppressed"
echo "# flood: capture process RSS $crss0 KiB before, $crss1 KiB after, bound $cbound KiB (before + flow table $((mem_detect / 1024)) KiB + 16 MiB); parent RSS $rss0 -> $rss1 KiB, bound $pbound KiB"
echo "$crss0 $crss1 $cbound $rss0 $rss1 $pbound $mem_detect $seen $evicted" >"${BUNRI_FLOOD_REPORT:-/dev/null}"
if [ "$CPID" -gt 0 ] && [ "$crss1" -gt 0 ] && [ "$crss1" -le "$cbound" ]; then
	ok "capture process RSS after the flood ${crss1} KiB <= ${cbound} KiB"
else
	fail "capture process RSS after the flood" "${crss1} KiB, bound ${cbound} KiB (pid $CPID)"
fi
if [ "$rss1" -le "$pbound" ]; then
	ok "parent RSS after the flood ${rss1} KiB <= ${pbound} KiB"
else
	fail "parent RSS after the flood" "${rss1} KiB > ${pbound} KiB"
fi
if [ "$seen" -gt "$MAX_FLOWS" ] && [ "$evicted" -gt 0 ]; then
	ok "flow table bounded at max_flows ($evicted keys evicted)"
elif [ "$seen" -le "$MAX_FLOWS" ]; then
	fail "flood reached the daemon" "only $seen packets seen"
else
	fail "flow table bounded" "no eviction after $seen packets"
fi

# ---- 6. capture loss ---------------------------------------------------------
sed -i 's/buffer_mb = 32;/buffer_mb = 1;/' "$conf"
n_reload=$(count_alerts 'configuration reloaded')
kill -HUP "$PID"
wait_for "[ \$(count_alerts 'configuration reloaded') -gt $n_reload ]" 5 ||
	fail "reload with buffer_mb = 1"
# The new capture process is the one to stop: it owns the pcap rings.
wait_for "ctl --json status >'$tmp/st2.json' && [ \$(jget '$tmp/st2.json' capture_pid) -gt 0 ] && [ \$(jget '$tmp/st2.json' capture_pid) -ne $CPID ]" 5
CPID=$(jget "$tmp/st2.json" capture_pid)
sleep 0.3
kill -STOP "$CPID"
nsx "$NS_LG" tcpreplay -q --topspeed -i eth0 "$tmp/bcast.pcap" >"$tmp/replay2.out" 2>&1
kill -CONT "$CPID"
expect_alert "capture-loss while the daemon was stopped" capture-loss err 5 \
	iface=eth2
if alert_line capture-loss err iface=eth2 | grep -qE ' dropped=[1-9][0-9]* '; then
	ok "capture-loss carries dropped=N"
else
	fail "capture-loss carries dropped=N" "$(alert_line capture-loss err iface=eth2)"
fi
ctl_ok "status shows the drops" "^eth2 +lgwan +yes +[0-9]+ +[1-9][0-9]* " status

# ---- 7. the JSON-lines copy ------------------------------------------------
sleep 0.5
if n=$($helper json-check "$JSONL" 2>&1); then
	ok "JSON-lines file: $n lines, each one object with an RFC 3339 ts"
else
	fail "JSON-lines file is valid" "$n"
fi
if out=$($helper json-same "$SYSLOG" "$JSONL" 2>&1); then
	ok "JSON-lines file has the same $out alerts as syslog"
else
	fail "JSON-lines file has the same alerts as syslog" "$out"
fi
for t in cross-zone spoofed-source unknown-device unzoned channel-expiring \
	config-changed alert-suppressed capture-loss; do
	grep -q "\"alert\":\"$t\"" "$JSONL" || fail "JSON has $t"
done

# ---- 8. stopping leaves the ruleset (fail closed) ------------------------
bunrid_stop
if nsx "$NS_GW" nft list table inet bunri >/dev/null 2>&1 &&
	! tcp_probe "$NS_LG" 10.2.0.7 10.1.0.9 445 &&
	tcp_probe "$NS_LG" 10.2.0.7 203.0.113.10 443; then
	ok "after bunrid stops the ruleset stays in place"
else
	fail "after bunrid stops the ruleset stays in place"
fi

# ---- 9. a channel lapsing at midnight, without a reload -------------------
# The night is brought forward: an LD_PRELOAD shim shifts the wall clock so
# that local midnight comes a few seconds after start-up (the monotonic
# timers are untouched). A channel whose last day is today must then be
# reported as channel-expired and leave the kernel's ruleset.
TODAY=$(date +%Y-%m-%d)
shim=$tmp/fake_midnight.so
if ! ${CC:-gcc} -std=gnu11 -O1 -Wall -Wextra -Werror -D_GNU_SOURCE -shared \
	-fPIC -o "$shim" "$here/fake_midnight.c" 2>"$tmp/shim.err"; then
	fail "build fake_midnight.so" "$(cat "$tmp/shim.err")"
else
	mkdir -p "$tmp/mid"
	mconf=$(lab_conf "$tmp/mid" \
		-e "s|^channels = (\$|channels = (\n  { name = \"tonight\"; kind = \"other\"; from = \"lgwan\"; to = \"internet\"; dst = [ \"203.0.113.80\" ]; proto = \"tcp\"; ports = [ 8082 ]; expires = \"$TODAY\"; },|")
	listen_tcp "$NS_INET" 8082
	n_exp=$(count_alerts 'alert=channel-expired ')
	# Midnight 6 s after the shim loads: time to start and probe first.
	if BUNRI_FAKE_MIDNIGHT_IN=6 LD_PRELOAD=$shim \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		bunrid_start "$BUILD" "$mconf" "$tmp"; then
		expect_alert "channel-expiring on its last day (days_left=0)" \
			channel-expiring notice 3 channel=tonight days_left=0
		tcp_probe "$NS_LG" 10.2.0.7 203.0.113.80 8082 &&
			ok "channel 'tonight' permits before midnight" ||
			fail "channel 'tonight' permits before midnight"
		expect_alert "channel-expired at midnight, no reload" \
			channel-expired warning 10 channel=tonight "expires=$TODAY"
		sleep 0.5
		if nsx "$NS_GW" nft list table inet bunri | grep -q 8082; then
			fail "lapsed channel leaves the ruleset at midnight"
		else
			ok "lapsed channel leaves the ruleset at midnight"
		fi
		tcp_probe "$NS_LG" 10.2.0.7 203.0.113.80 8082 &&
			fail "channel 'tonight' denied after midnight" ||
			ok "channel 'tonight' denied after midnight"
		sleep 1.2
		if [ $(($(count_alerts 'alert=channel-expired ') - n_exp)) -eq 1 ]; then
			ok "channel-expired alerts once"
		else
			fail "channel-expired alerts once"
		fi
		bunrid_stop
	else
		fail "bunrid starts under fake_midnight.so"
	fi
fi

if [ -s "$tmp/bunrid.out" ] && grep -qE "AddressSanitizer|runtime error" "$tmp/bunrid.out"; then
	fail "bunrid ran clean" "$(grep -E -A5 'AddressSanitizer|runtime error' "$tmp/bunrid.out" | head -20)"
else
	ok "no sanitizer report from bunrid"
fi

finish
