#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Enforcement end to end: bunrid in enforce mode with the α sample
# (conf/bunri.conf) in the lab's gateway namespace (tools/lab.sh), real
# traffic between the lab's hosts.
#
#  - every ordered pair of zones, TCP, UDP and ICMP, v4 and v6 where both
#    hosts have v6: passes with no ruleset (the control: listeners and
#    routes work), times out under bunrid; the permitted channels and
#    intra-zone traffic through the gateway carry data both ways;
#  - the kernel counters move and `bunrictl matrix` shows them;
#  - anti-spoofing: a My Number source sent into the LGWAN interface never
#    reaches its destination and is counted;
#  - SIGHUP with a changed configuration under a running permitted TCP
#    stream loses nothing and stalls it by at most a short bound;
#  - a configuration that fails validation, and one whose batch the kernel
#    refuses (its table is owned by another process), change nothing;
#  - tampering: on the owned table `nft delete table`, `nft flush ruleset`,
#    `nft delete rule`, `nft insert rule` are refused or have no effect; on
#    a table bunrid adopted without the owner flag each is undone within a
#    second and logged as ruleset-tampered (pid, comm) and ruleset-restored;
#  - SIGTERM leaves the ruleset in place (fail closed);
#  - the gateway's own services: without a host group they are left alone;
#    with one, only the listed service from the listed zone and source
#    reaches the gateway, and the gateway's own connections get replies.
#
#   tests/integration/test_enforce.sh [BUILD]     (root; "N passed, N failed")
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/integration/lib.sh
. tests/integration/daemon_lib.sh
export BUNRI_LAB=${BUNRI_LAB:-bt-enf}
PROBE_TIMEOUT=${PROBE_TIMEOUT:-0.7}
# How many probes run at once (each is a python3 process).
PARALLEL=${PARALLEL:-24}

lib_init
require_root
T=$(lib_tmpdir)
BUILD=$(cd "$BUILD" && pwd)

ns() { lab_ns "$1"; }
quiet() { "$@" >/dev/null 2>&1; }
gwx() { ip netns exec "$(ns gw)" "$@"; }

# The table as text, without what legitimately changes between two
# listings of the same ruleset: counter values, the sets' generation
# suffix, the owner/persist flags line and nft's progname comment.
table_norm() {
	gwx nft list table inet bunri 2>/dev/null |
		sed -e 's/ # progname .*$//' -e '/^[[:space:]]*flags\( .*\)*$/{N;d}' \
			-e 's/packets [0-9]* bytes [0-9]*/packets N bytes N/' \
			-e 's/_g[0-9][0-9]*/_gN/g'
}

counter_packets() {
	gwx nft list counter inet bunri "$1" 2>/dev/null |
		sed -n 's/.*packets \([0-9]*\) bytes.*/\1/p'
}

# ---- probes --------------------------------------------------------------
#
# A probe line: "NAME HOST KIND SRC DST [PORT]", KIND tcp, udp, icmp or
# echo (TCP with data echoed back). run_probes EXPECT FILE runs every line
# of FILE, PARALLEL at a time, and reports each: EXPECT "pass" or "block".

probe_one() {
	local host=$1 kind=$2 src=$3 dst=$4 port=${5:-}
	case $kind in
	tcp) tcp_probe "$(ns "$host")" "$src" "$dst" "$port" ;;
	echo) tcp_echo_probe "$(ns "$host")" "$src" "$dst" "$port" ;;
	udp) udp_probe "$(ns "$host")" "$src" "$dst" "$port" ;;
	icmp) icmp_probe "$(ns "$host")" "$src" "$dst" ;;
	esac
}

run_probes() {
	local expect=$1 file=$2 tag=$3 i=0 name rest
	local pids=()
	local dir="$T/probes.$tag"
	mkdir -p "$dir"
	while read -r name rest; do
		[ -n "$name" ] || continue
		i=$((i + 1))
		# shellcheck disable=SC2086
		(probe_one $rest && echo 0 >"$dir/$i" || echo 1 >"$dir/$i") &
		pids+=($!)
		echo "$name" >"$dir/$i.name"
		# Waiting for the oldest probe is enough to bound the load
		# (a bare "wait" would also wait for the listeners).
		if [ "${#pids[@]}" -ge "$PARALLEL" ]; then
			wait "${pids[0]}"
			pids=("${pids[@]:1}")
		fi
	done <"$file"
	[ "${#pids[@]}" -gt 0 ] && wait "${pids[@]}"
	local n=$i
	for ((i = 1; i <= n; i++)); do
		name="$tag: $(cat "$dir/$i.name")"
		case $expect:$(cat "$dir/$i" 2>/dev/null) in
		pass:0) ok "$name passes" ;;
		pass:*) fail "$name passes" "no answer" ;;
		block:1) ok "$name is blocked" ;;
		block:*) fail "$name is blocked" "it got through" ;;
		esac
	done
}

# The zones' hosts: "HOST ADDR" per line, v4 then v6.
# (read through ${!name} in denied_list)
# shellcheck disable=SC2034
MYNUMBER4="mn 10.1.0.9
gc 10.100.0.5"
# shellcheck disable=SC2034
LGWAN4="lg 10.2.0.7
mail 10.2.0.25"
# shellcheck disable=SC2034
INTERNET4="inet 203.0.113.80"
# shellcheck disable=SC2034
MYNUMBER6="mn fd00:1::9"
# shellcheck disable=SC2034
LGWAN6="lg fd00:2::7
mail fd00:2::25"
# shellcheck disable=SC2034
INTERNET6="inet 2001:db8::80"

# cross_pairs A B: TCP, UDP and ICMP probes from each host of A to each of B.
cross_pairs() {
	local a=$1 b=$2 sh sa dh da p
	while read -r sh sa; do
		while read -r dh da; do
			for p in tcp udp; do
				echo "$p:${sh}[$sa]>${dh}[$da]:8080 $sh $p $sa $da 8080"
			done
			echo "icmp:${sh}[$sa]>${dh}[$da] $sh icmp $sa $da"
		done <<<"$b"
	done <<<"$a"
}

denied_list() {
	local v a b
	for v in 4 6; do
		for a in MYNUMBER LGWAN INTERNET; do
			for b in MYNUMBER LGWAN INTERNET; do
				[ "$a" = "$b" ] && continue
				local za="$a$v" zb="$b$v"
				cross_pairs "${!za}" "${!zb}"
			done
		done
	done
	# Near misses of the channels: the wrong source, destination, port,
	# protocol or direction, and v6 (the channels are v4 only).
	cat <<'EOF'
mail-textify:wrong-src inet tcp 203.0.113.80 10.2.0.25 25
mail-textify:wrong-port inet tcp 203.0.113.25 10.2.0.25 443
mail-textify:wrong-dst inet tcp 203.0.113.25 10.2.0.26 25
mail-textify:udp inet udp 203.0.113.25 10.2.0.25 25
mail-textify:reversed mail tcp 10.2.0.25 203.0.113.25 25
mail-textify:v6 inet tcp 2001:db8::25 fd00:2::25 25
file-sanitize:wrong-dst inet tcp 203.0.113.26 10.2.0.25 443
vdi:wrong-dst lg tcp 10.2.0.7 203.0.113.80 443
vdi:wrong-port lg tcp 10.2.0.7 203.0.113.10 22
vdi:reversed inet tcp 203.0.113.10 10.2.0.7 443
vdi:from-mynumber mn tcp 10.1.0.9 203.0.113.10 443
vdi:from-govcloud gc tcp 10.100.0.5 203.0.113.10 443
eltax:wrong-src inet tcp 203.0.113.80 10.1.0.50 443
eltax:wrong-dst inet tcp 192.0.2.5 10.1.0.9 443
eltax:reversed mn tcp 10.1.0.50 192.0.2.5 443
EOF
}

permitted_list() {
	cat <<'EOF'
mail-textify inet echo 203.0.113.25 10.2.0.25 25
file-sanitize inet echo 203.0.113.26 10.2.0.26 443
vdi:443 lg echo 10.2.0.7 203.0.113.10 443
vdi:3389 lg echo 10.2.0.7 203.0.113.10 3389
vdi:3390 lg echo 10.2.0.7 203.0.113.10 3390
eltax inet echo 192.0.2.5 10.1.0.50 443
intra:mn>gc:tcp mn echo 10.1.0.9 10.100.0.5 8080
intra:gc>mn:tcp gc echo 10.100.0.5 10.1.0.9 8080
intra:mn>gc:udp mn udp 10.1.0.9 10.100.0.5 8080
intra:gc>mn:udp gc udp 10.100.0.5 10.1.0.9 8080
intra:mn>gc:icmp mn icmp 10.1.0.9 10.100.0.5
intra:gc>mn:icmp gc icmp 10.100.0.5 10.1.0.9
EOF
}

# ---- spoofing --------------------------------------------------------------

# spoof_send: from the LGWAN host, frames to the gateway's eth2 with My
# Number sources to My Number destinations: without anti-spoofing these
# would be intra-zone traffic and forwarded.
spoof_send() {
	ip netns exec "$(ns lg)" /usr/bin/python3 - "$1" <<'EOF' >/dev/null 2>&1
import sys
from scapy.all import Ether, IP, IPv6, UDP, Raw, sendp
sport = int(sys.argv[1])
gw = "02:00:00:00:02:01"
pkts = [Ether(dst=gw) / IP(src="10.1.0.9", dst="10.1.0.50") /
        UDP(sport=sport, dport=9) / Raw(b"spoof"),
        Ether(dst=gw) / IPv6(src="fd00:1::9", dst="fd00:1::50") /
        UDP(sport=sport, dport=9) / Raw(b"spoof")]
sendp(pkts * 3, iface="eth0", verbose=False)
EOF
}

# spoof_count SPORT: "V4 V6", how many spoofed packets reached the My
# Number host.
spoof_count() {
	local sport=$1 d="$T/sniff.$1"
	mkdir -p "$d"
	ip netns exec "$(ns mn)" "$PYTHON" "$NETPROBE" sniff --iface eth0 \
		--seconds 3 --src 10.1.0.9 --dst 10.1.0.50 --ready "$d/r4" \
		>"$d/4" 2>/dev/null &
	local p4=$!
	ip netns exec "$(ns mn)" "$PYTHON" "$NETPROBE" sniff --iface eth0 \
		--seconds 3 --src fd00:1::9 --dst fd00:1::50 --ready "$d/r6" \
		>"$d/6" 2>/dev/null &
	local p6=$!
	wait_for "[ -e '$d/r4' ] && [ -e '$d/r6' ]" 5
	spoof_send "$sport"
	wait "$p4" "$p6"
	echo "$(cat "$d/4" 2>/dev/null || echo x) $(cat "$d/6" 2>/dev/null || echo x)"
}

# ---- the long-lived stream for the reload test -----------------------------

cat >"$T/stream.py" <<'EOF'
import socket, sys, threading, time
src, dst, port, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
s = socket.create_connection((dst, port), timeout=5, source_address=(src, 0))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
st = {"lines": 0, "inorder": True, "gap": 0.0, "last": None, "sent": 0}
def rx():
    buf = b""
    while True:
        try:
            d = s.recv(65536)
        except OSError:
            break
        if not d:
            break
        now = time.monotonic()
        if st["last"] is not None:
            st["gap"] = max(st["gap"], now - st["last"])
        st["last"] = now
        buf += d
        *lines, buf = buf.split(b"\n")
        for l in lines:
            if int(l) != st["lines"]:
                st["inorder"] = False
            st["lines"] += 1
t = threading.Thread(target=rx, daemon=True)
t.start()
end = time.monotonic() + secs
while time.monotonic() < end:
    s.sendall(b"%08d\n" % st["sent"])
    st["sent"] += 1
    time.sleep(0.005)
s.shutdown(socket.SHUT_WR)
t.join(5)
print("sent=%d received=%d inorder=%s maxgap=%.3f" %
      (st["sent"], st["lines"], st["inorder"], st["gap"]))
sys.exit(0 if st["lines"] == st["sent"] and st["inorder"] else 1)
EOF

# cut.py SRC DST PORT SECONDS READY: one TCP connection, a line echoed every
# 50 ms; READY is written after the first echo. Exit 0 if it still carried
# data after SECONDS, 3 if it stopped (no echo within 0.5 s, or an error).
cat >"$T/cut.py" <<'EOF'
import socket, sys, time
src, dst, port, secs, ready = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
s = socket.create_connection((dst, port), timeout=5, source_address=(src, 0))
s.settimeout(0.5)
n = 0
end = time.monotonic() + secs
while time.monotonic() < end:
    try:
        s.sendall(b"x\n")
        if not s.recv(100):
            raise OSError("closed")
    except OSError as e:
        print("cut after %d echoes (%s)" % (n, e))
        sys.exit(3)
    n += 1
    if n == 1:
        open(ready, "w").write("1")
    time.sleep(0.05)
print("still open after %d echoes" % n)
EOF

# ---- the lab -----------------------------------------------------------------

cleanup_add "lab down"
if ! lab up >"$T/lab.out" 2>&1; then
	fail "lab up" "$(tail -n 3 "$T/lab.out")"
	finish
fi

for h in mn gc lg mail inet; do
	listen_tcp "$(ns "$h")" 8080 && listen_udp "$(ns "$h")" 8080 ||
		fail "listeners on $h"
done
for p in 25 443; do listen_tcp "$(ns mail)" "$p"; done
listen_udp "$(ns mail)" 25
listen_tcp "$(ns mn)" 443
listen_tcp "$(ns lg)" 443
for p in 22 25 443 3389 3390; do listen_tcp "$(ns inet)" "$p"; done

denied_list >"$T/denied"
permitted_list >"$T/permitted"

# ---- control: no ruleset, everything passes ---------------------------------

run_probes pass "$T/denied" "no ruleset"
read -r s4 s6 <<<"$(spoof_count 40001)"
if [ "$s4" -ge 1 ] 2>/dev/null && [ "$s6" -ge 1 ] 2>/dev/null; then
	ok "no ruleset: spoofed packets reach the My Number host (v4 $s4, v6 $s6)"
else
	fail "no ruleset: spoofed packets reach the My Number host" "v4 $s4 v6 $s6"
fi

# ---- bunrid in enforce mode ------------------------------------------------

syslog_start "$T/log" || { fail "rsyslogd"; finish; }
CONF=$(lab_conf "$T" -e 's/user = "bunri";/user = "root";/')
if ! bunrid_start "$BUILD" "$CONF" "$T/log"; then
	fail "bunrid starts" "$(tail -n 5 "$T/log/bunrid.out")"
	finish
fi
ok "bunrid starts in the gateway namespace"
check "status says enforce" grep -q 'mode: *enforce' <(ctl status)
check "table inet bunri is owned by bunrid" \
	grep -q 'flags owner' <(gwx nft list table inet bunri)

run_probes pass "$T/permitted" "enforce"
run_probes block "$T/denied" "enforce"

# ---- counters ----------------------------------------------------------------

for c in drop_lgwan_mynumber drop_mynumber_lgwan drop_internet_lgwan \
	drop_lgwan_internet drop_mynumber_internet drop_internet_mynumber \
	pass_internet_lgwan pass_lgwan_internet pass_internet_mynumber; do
	n=$(counter_packets "$c")
	if [ "${n:-0}" -gt 0 ]; then
		ok "counter $c moved ($n packets)"
	else
		fail "counter $c moved" "packets ${n:-missing}"
	fi
done
ctl matrix >"$T/matrix" 2>&1
check "bunrictl matrix shows the kernel counters" \
	grep -Eq '^ +drop_lgwan_mynumber +[1-9][0-9]* packets' "$T/matrix"
check "bunrictl matrix shows a pass counter" \
	grep -Eq '^ +pass_internet_lgwan +[1-9][0-9]* packets' "$T/matrix"

# ---- anti-spoofing -----------------------------------------------------------

before=$(counter_packets spoof_lgwan)
read -r s4 s6 <<<"$(spoof_count 40002)"
after=$(counter_packets spoof_lgwan)
if [ "$s4" = 0 ] && [ "$s6" = 0 ]; then
	ok "spoofed My Number sources on eth2 never reach the destination"
else
	fail "spoofed My Number sources on eth2 never reach the destination" \
		"seen v4 $s4 v6 $s6"
fi
if [ $((${after:-0} - ${before:-0})) -ge 6 ]; then
	ok "spoof_lgwan counted them (${before:-0} -> $after)"
else
	fail "spoof_lgwan counted them" "${before:-?} -> ${after:-?}"
fi
check "spoofed-source alert in the syslog" \
	syslog_wait 'alert=spoofed-source .*src=10\.1\.0\.9 .*iface=eth2' 3

# ---- reload under a running stream -----------------------------------------

gen0=$(status_field ruleset_generation)
ip netns exec "$(ns inet)" "$PYTHON" "$T/stream.py" 203.0.113.25 10.2.0.25 \
	25 3 >"$T/stream.out" 2>&1 &
stream=$!
sleep 1.2
# An unrelated new channel.
sed -i 's|^channels = (|channels = (\
  { name = "test-extra"; kind = "other"; from = "lgwan"; to = "internet";\
    dst = [ "203.0.113.99" ]; proto = "udp"; ports = [ 53 ]; },|' "$CONF"
kill -HUP "$BUNRID_PID"
wait "$stream"
rc=$?
res=$(cat "$T/stream.out")
gap=$(sed -n 's/.*maxgap=\([0-9.]*\).*/\1/p' <<<"$res")
if [ "$rc" -eq 0 ]; then
	ok "stream across SIGHUP lost nothing ($res)"
else
	fail "stream across SIGHUP lost nothing" "$res"
fi
if [ -n "$gap" ] && awk "BEGIN { exit !($gap < 0.5) }"; then
	ok "stream never stalled more than 0.5 s (max gap $gap s)"
else
	fail "stream never stalled more than 0.5 s" "max gap ${gap:-?}"
fi
check "syslog: configuration reloaded" \
	syslog_wait 'configuration reloaded' 3
gen1=$(status_field ruleset_generation)
if [ "${gen1:-0}" -gt "${gen0:-0}" ]; then
	ok "ruleset generation increased ($gen0 -> $gen1)"
else
	fail "ruleset generation increased" "$gen0 -> $gen1"
fi
check "the new channel is live" grep -q 'test-extra' <(ctl channels)
check "the new channel is in the kernel" \
	grep -q 'channel test-extra' <(gwx nft list table inet bunri)
check "after reload: mail-textify still passes" \
	tcp_echo_probe "$(ns inet)" 203.0.113.25 10.2.0.25 25
check_not "after reload: lgwan > mynumber still blocked" \
	tcp_probe "$(ns lg)" 10.2.0.7 10.1.0.9 8080

# ---- a reload that ends a channel ends its connections ---------------------
#
# The ruleset accepts packets of tracked connections before any rule: the
# daemon deletes those the new policy would not let start.

# cut_test NAME EXPECT NS SRC DST PORT ACTION...: a connection from SRC
# (in NS) to DST:PORT, then ACTION; EXPECT "cut" or "open" after 2.5 s.
cut_test() {
	local name=$1 expect=$2 netns=$3 src=$4 dst=$5 port=$6 out rc
	shift 6
	rm -f "$T/cut.ready"
	ip netns exec "$netns" "$PYTHON" "$T/cut.py" "$src" "$dst" "$port" 4 \
		"$T/cut.ready" >"$T/cut.out" 2>&1 &
	local pid=$!
	if ! wait_for "[ -s '$T/cut.ready' ]" 5; then
		fail "$name: the connection carries data first" "$(cat "$T/cut.out")"
		wait "$pid"
		return
	fi
	"$@"
	wait "$pid"
	rc=$?
	out=$(cat "$T/cut.out")
	if { [ "$expect" = cut ] && [ "$rc" -eq 3 ]; } ||
		{ [ "$expect" = open ] && [ "$rc" -eq 0 ]; }; then
		ok "$name: $out"
	else
		fail "$name (expected $expect)" "exit $rc: $out"
	fi
}
reload_with() {
	cp "$1" "$CONF"
	kill -HUP "$BUNRID_PID"
	syslog_wait "configuration reloaded" 3 >/dev/null
}
cp "$CONF" "$T/full.conf"
# mail-textify lapsed: still written in the file, no longer permitted.
sed '/name = "mail-textify"/,/}/s/expires = "[0-9-]*"/expires = "2001-01-01"/' \
	"$T/full.conf" >"$T/lapsed.conf"
check_not "the lapsed configuration differs" cmp -s "$T/full.conf" "$T/lapsed.conf"
lines=$(wc -l <"$T/log/syslog")
cut_test "reload lapsing mail-textify cuts its running connection" cut \
	"$(ns inet)" 203.0.113.25 10.2.0.25 25 reload_with "$T/lapsed.conf"
check "syslog: the connection cut is recorded" \
	wait_for "tail -n +$((lines + 1)) '$T/log/syslog' | grep -Eq 'connection tracking: [1-9][0-9]* of [0-9]+ connections cut'" 2
check_not "after the reload: a new mail-textify connection is refused" \
	tcp_probe "$(ns inet)" 203.0.113.25 10.2.0.25 25
cut_test "a reload keeps a connection still permitted (vdi)" open \
	"$(ns lg)" 10.2.0.7 203.0.113.10 443 reload_with "$T/full.conf"
check "mail-textify permitted again" \
	tcp_echo_probe "$(ns inet)" 203.0.113.25 10.2.0.25 25

# ---- reloads that must change nothing ---------------------------------------

cp "$CONF" "$T/loaded.conf"
table_norm >"$T/table.before"
gen=$(status_field ruleset_generation)

# A syntax error.
sed -i 's/^  mode = "enforce";/  mode = ;/' "$CONF"
line=$(grep -n '^  mode = ;$' "$CONF" | cut -d: -f1)
kill -HUP "$BUNRID_PID"
check "bad config: refusal logged" \
	syslog_wait 'configuration refused, still running the previous' 5
# FILE:LINE of the error (libconfig reports it at or after the line).
check "bad config: the reason names FILE:LINE" \
	grep -Eq "$CONF:($line|$((line + 1))):" "$T/log/syslog"
check "bad config: the daemon still answers" quiet ctl status
check "bad config: ruleset unchanged" \
	cmp -s "$T/table.before" <(table_norm)
check "bad config: generation unchanged" \
	[ "$(status_field ruleset_generation)" = "$gen" ]
check "bad config: counted as refused" \
	[ "$(status_field reload_failures)" = 1 ]

# A batch the kernel refuses: daemon.table names a table another process
# owns (the owner flag), so the kernel answers EPERM.
TOOL="$T/nft_commit_tool"
if tests/integration/build_tool.sh "$BUILD" \
	tests/integration/nft_commit_tool.c "$TOOL" 2>"$T/tool.err"; then
	sed 's/table = "bunri";/table = "bt_held";/' "$T/loaded.conf" >"$T/held.conf"
	ip netns exec "$(ns gw)" "$TOOL" "$T/held.conf" -- \
		/bin/sh -c "echo \$\$ >'$T/held.pid'; exec sleep 30" \
		>"$T/held.out" 2>&1 &
	held=$!
	cleanup_add "kill \$(cat '$T/held.pid'); wait $held"
	if wait_for "[ -s '$T/held.pid' ]" 10 &&
		gwx nft list table inet bt_held | grep -q 'flags owner'; then
		cp "$T/held.conf" "$CONF"
		kill -HUP "$BUNRID_PID"
		check "kernel-refused config: refusal logged" \
			syslog_wait 'kernel refused the new ruleset' 5
		check "kernel-refused config: ruleset unchanged" \
			cmp -s "$T/table.before" <(table_norm)
		check "kernel-refused config: still table bunri" \
			[ "$(status_field table)" = bunri ]
		check "kernel-refused config: generation unchanged" \
			[ "$(status_field ruleset_generation)" = "$gen" ]
		check "kernel-refused config: counted as refused" \
			[ "$(status_field reload_failures)" = 2 ]
	else
		fail "another process holds table bt_held" "$(cat "$T/held.out")"
	fi
	kill "$(cat "$T/held.pid" 2>/dev/null)" 2>/dev/null
	wait "$held" 2>/dev/null
else
	fail "build nft_commit_tool" "$(head -n 5 "$T/tool.err")"
fi
# Back to what the daemon runs, so the file matches what was loaded.
cp "$T/loaded.conf" "$CONF"
check "after the refused reloads: mail-textify still passes" \
	tcp_echo_probe "$(ns inet)" 203.0.113.25 10.2.0.25 25

# ---- tampering with the owned table -----------------------------------------

table_norm >"$T/table.before"
h=$(gwx nft -a list chain inet bunri forward |
	sed -n 's/.*iifname "eth2" jump spoof_lgwan.* # handle \([0-9]*\)$/\1/p')
gwx nft delete table inet bunri >"$T/t1" 2>&1
check "owned: nft delete table is refused" \
	grep -q 'Operation not permitted' "$T/t1"
gwx nft delete rule inet bunri forward handle "${h:-0}" >"$T/t2" 2>&1
check "owned: nft delete rule is refused" \
	grep -q 'Operation not permitted' "$T/t2"
gwx nft insert rule inet bunri forward accept >"$T/t3" 2>&1
check "owned: nft insert rule is refused" \
	grep -q 'Operation not permitted' "$T/t3"
# The kernel's flush skips tables other sockets own.
gwx nft flush ruleset >"$T/t4" 2>&1
check "owned: nft flush ruleset leaves the table" \
	cmp -s "$T/table.before" <(table_norm)
check "owned: table intact after every attempt" \
	cmp -s "$T/table.before" <(table_norm)
check_not "owned: lgwan > mynumber still blocked" \
	tcp_probe "$(ns lg)" 10.2.0.7 10.1.0.9 8080
# Resetting the counters is a read to the kernel, allowed on an owned
# table: the evidence goes, and the daemon says so at its next check.
lines=$(wc -l <"$T/log/syslog")
if [ "$(counter_packets drop_lgwan_mynumber)" -gt 0 ] 2>/dev/null &&
	gwx nft reset counters table inet bunri >/dev/null 2>&1; then
	check "owned: a counter reset is logged as ruleset-tampered" \
		wait_for "tail -n +$((lines + 1)) '$T/log/syslog' | grep -Eq 'alert=ruleset-tampered .*change=\"counter [a-z_]+ reset'" 8
else
	fail "owned: the counters could be reset for the test"
fi

# ---- stopping: fail closed ---------------------------------------------------

pid=$BUNRID_PID
t0=$SECONDS
bunrid_stop
# bunrid_stop falls back to SIGKILL after 5 s.
check "SIGTERM: bunrid exits at once" [ $((SECONDS - t0)) -lt 5 ]
check_not "SIGTERM: the daemon is gone" quiet kill -0 "$pid"
check "SIGTERM: logged that the ruleset stays" \
	syslog_wait 'stopping; the ruleset stays in place' 3
check "stopped: table inet bunri is still listed" \
	cmp -s "$T/table.before" <(table_norm)
check_not "stopped: lgwan > mynumber still blocked" \
	tcp_probe "$(ns lg)" 10.2.0.7 10.1.0.9 8080
check_not "stopped: internet > lgwan still blocked" \
	tcp_probe "$(ns inet)" 203.0.113.80 10.2.0.25 25
check "stopped: mail-textify still passes" \
	tcp_echo_probe "$(ns inet)" 203.0.113.25 10.2.0.25 25
check "stopped: the administrator can delete the orphaned table" \
	gwx nft delete table inet bunri

# ---- tampering with an adopted, unowned table -------------------------------
#
# With daemon.table_owner = false (or on a kernel without the owner flag)
# other processes can change the table, and the daemon must notice and undo.

# start_unowned: bunrid with table_owner = false, replacing a plain table
# inet bunri made beforehand (as the fail-safe boot leaves one).
start_unowned() {
	sed 's/^daemon: {/daemon: { table_owner = false;/' "$CONF" >"$T/unowned.conf"
	gwx nft delete table inet bunri 2>/dev/null
	gwx nft add table inet bunri &&
		bunrid_start "$BUILD" "$T/unowned.conf" "$T/log" &&
		wait_for "cmp -s '$T/table.before' <(table_norm)" 3
}

# tamper NAME CMD...: run the nft command CMD (as a process of its own,
# so its pid is known), then expect the table back within one second and
# both alerts, naming that pid and comm=nft.
tamper() {
	local name=$1
	shift
	local lines t0 t1 pid
	lines=$(wc -l <"$T/log/syslog")
	t0=$(date +%s%3N)
	ip netns exec "$(ns gw)" nft "$@" >"$T/tamper.out" 2>&1 &
	pid=$!
	wait "$pid"
	local rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "unowned: $name is accepted by the kernel" \
			"$(head -n 2 "$T/tamper.out")"
		return
	fi
	if wait_for "cmp -s '$T/table.before' <(table_norm)" 1; then
		t1=$(date +%s%3N)
		ok "unowned: $name undone within 1 s ($((t1 - t0)) ms)"
	else
		fail "unowned: $name undone within 1 s" \
			"$(diff "$T/table.before" <(table_norm) | head -n 5)"
	fi
	wait_for "tail -n +$((lines + 1)) '$T/log/syslog' | grep -q 'alert=ruleset-restored'" 2
	if tail -n +$((lines + 1)) "$T/log/syslog" |
		grep -Eq "alert=ruleset-tampered .*pid=$pid comm=nft"; then
		ok "unowned: $name logged as ruleset-tampered pid=$pid comm=nft"
	else
		fail "unowned: $name logged as ruleset-tampered pid=$pid comm=nft" \
			"$(tail -n +$((lines + 1)) "$T/log/syslog" | grep tamper | head -n 2)"
	fi
	check "unowned: $name logged as ruleset-restored" \
		grep -q 'alert=ruleset-restored' \
		<(tail -n +$((lines + 1)) "$T/log/syslog")
	check_not "unowned: after $name lgwan > mynumber blocked" \
		tcp_probe "$(ns lg)" 10.2.0.7 10.1.0.9 8080
}

if start_unowned; then
	ok "bunrid (table_owner = false) replaces a plain table inet bunri"
	check_not "adopted table has no owner" \
		grep -q 'flags owner' <(gwx nft list table inet bunri)
	h=$(gwx nft -a list chain inet bunri forward |
		sed -n 's/.*iifname "eth2" jump spoof_lgwan.* # handle \([0-9]*\)$/\1/p')
	tamper "nft delete rule" delete rule inet bunri forward handle "${h:-0}"
	tamper "nft flush ruleset" flush ruleset
	# The restored table is a new one, as configured: not owned.
	check_not "restored table follows table_owner = false" \
		grep -q 'flags owner' <(gwx nft list table inet bunri)
	bunrid_stop
else
	fail "bunrid adopts a plain table inet bunri" \
		"$(tail -n 5 "$T/log/bunrid.out")"
	bunrid_stop
fi
# A connection the tampered table let start is cut once it is restored:
# bunrid stopped meanwhile, so the accept rule surely carries it.
tamper_while_stopped() {
	kill -STOP "$BUNRID_PID"
	gwx nft insert rule inet bunri forward accept
}
resume() {
	kill -CONT "$BUNRID_PID"
}
if start_unowned; then
	lines=$(wc -l <"$T/log/syslog")
	rm -f "$T/cut.ready"
	tamper_while_stopped
	cut_test "unowned: a connection the tampered table let through is cut" \
		cut "$(ns lg)" 10.2.0.7 10.1.0.9 8080 resume
	check "unowned: the tampering was logged" \
		grep -q 'alert=ruleset-tampered' <(tail -n +$((lines + 1)) "$T/log/syslog")
	bunrid_stop
else
	fail "bunrid adopts a plain table inet bunri (cut)" \
		"$(tail -n 5 "$T/log/bunrid.out")"
	bunrid_stop
fi
if start_unowned; then
	tamper "nft delete table" delete table inet bunri
	check "status counts tampering and restoring" \
		[ "$(status_field tampered)" -ge 1 -a "$(status_field restored)" -ge 1 ]
	bunrid_stop
else
	fail "bunrid adopts a plain table inet bunri (again)" \
		"$(tail -n 5 "$T/log/bunrid.out")"
	bunrid_stop
fi
check "finally: table inet bunri in place" \
	cmp -s "$T/table.before" <(table_norm)
check_not "finally: lgwan > mynumber still blocked" \
	tcp_probe "$(ns lg)" 10.2.0.7 10.1.0.9 8080

# ---- the gateway's own services (host group) -------------------------------
#
# Without a host group the gateway's own traffic is left alone; with one,
# only the listed services can be reached, from the listed zone and
# sources, and the gateway's own connections still get their replies.

listen_tcp "$(ns gw)" 22
listen_tcp "$(ns gw)" 2323
listen_tcp "$(ns lg)" 2424
if bunrid_start "$BUILD" "$CONF" "$T/log"; then
	check "no host group: the gateway's port 2323 is reachable from lgwan" \
		tcp_probe "$(ns lg)" 10.2.0.7 10.2.0.1 2323
	bunrid_stop
else
	fail "bunrid starts again" "$(tail -n 5 "$T/log/bunrid.out")"
fi
{
	cat "$CONF"
	cat <<'HOST'
host: {
  services = ( { zone = "lgwan"; proto = "tcp"; ports = [ 22 ];
                 src = [ "10.2.0.7/32" ]; } );
};
HOST
} >"$T/host.conf"
if bunrid_start "$BUILD" "$T/host.conf" "$T/log"; then
	ok "bunrid starts with a host group"
	check "host: ssh to the gateway from the listed lgwan source" \
		tcp_probe "$(ns lg)" 10.2.0.7 10.2.0.1 22
	check_not "host: an unlisted port of the gateway is dropped" \
		tcp_probe "$(ns lg)" 10.2.0.7 10.2.0.1 2323
	check_not "host: ssh from another lgwan address is dropped" \
		tcp_probe "$(ns mail)" 10.2.0.25 10.2.0.1 22
	check_not "host: ssh from the My Number zone is dropped" \
		tcp_probe "$(ns mn)" 10.1.0.9 10.1.0.1 22
	check "host: the gateway's own connections get their replies" \
		tcp_probe "$(ns gw)" 10.2.0.1 10.2.0.7 2424
	check "host: forwarding is as before (lgwan > internet vdi)" \
		tcp_probe "$(ns lg)" 10.2.0.7 203.0.113.10 443
	bunrid_stop
else
	fail "bunrid starts with a host group" "$(tail -n 5 "$T/log/bunrid.out")"
fi

# The sanitizer build reports at exit into the daemon's output.
check_not "no sanitizer report from bunrid" \
	grep -Eq 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:' \
	"$T/log/bunrid.out"

finish
