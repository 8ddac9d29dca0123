#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The lab itself (tools/lab.sh), with no firewall: every host reaches every
# other one over TCP, UDP and ICMP, IPv4 and IPv6; the rogue bridge bypasses
# the gateway and shows up on span0; "down" leaves no namespace behind.
#
# usage: test_lab.sh [BUILD_DIR]      (root; BUILD_DIR is not needed)

# Helpers called through check look unreachable to shellcheck.
# shellcheck disable=SC2317
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
lib_init
require_root

# A prefix of its own, so a lab someone else has up is left alone.
export BUNRI_LAB=blt$$
cleanup_add "lab down"
PORT=7007

lab_gone() {
	local h
	for h in gw sw inet mn gc lg mail; do
		[ -e "/run/netns/$(lab_ns "$h")" ] && return 1
	done
	return 0
}

# Leftovers from a killed run are cleared by "up".
ip netns add "$(lab_ns gw)"
if lab up; then ok "lab up (over a leftover namespace)"; else
	fail "lab up"
	finish
fi
lab_status_quiet() { lab status >/dev/null; }
check "lab status" lab_status_quiet
check "lab up again" lab up
span0_exists() { ip -n "$(lab_ns gw)" link show span0 >/dev/null; }
check "span0 in the gateway" span0_exists
check "lab exec" lab exec lg true
for v in net.ipv4.ip_forward net.ipv6.conf.all.forwarding; do
	check "gateway $v" test "$(lab exec gw sysctl -n "$v")" = 1
done

for h in inet mn gc lg mail; do
	listen_tcp "$(lab_ns "$h")" $PORT || fail "listener $h"
	listen_udp "$(lab_ns "$h")" $PORT || fail "listener $h"
done

# HOST:ADDRESS, sources and targets alike.
v4="inet:203.0.113.80 inet:192.0.2.5 mn:10.1.0.9 gc:10.100.0.5
lg:10.2.0.7 mail:10.2.0.25"
v6="inet:2001:db8::80 mn:fd00:1::9 lg:fd00:2::7 mail:fd00:2::25"

# all_pairs LIST: every source to every target in another namespace.
all_pairs() {
	local s d sh sa dh da
	for s in $1; do
		sh=${s%%:*} sa=${s#*:}
		for d in $1; do
			dh=${d%%:*} da=${d#*:}
			[ "$sh" = "$dh" ] && continue
			probe_all "$sh" "$sa" "$da"
		done
	done
}

probe_all() {
	local h=$1 src=$2 dst=$3 n
	n=$(lab_ns "$h")
	check "tcp $src -> $dst" tcp_echo_probe "$n" "$src" "$dst" $PORT
	check "udp $src -> $dst" udp_probe "$n" "$src" "$dst" $PORT
	check "icmp $src -> $dst" icmp_probe "$n" "$src" "$dst"
}

all_pairs "$v4"
all_pairs "$v6"

# The other addresses of each segment, from another zone.
for dst in 10.1.0.50 10.2.0.26 10.2.9.9 203.0.113.10 203.0.113.25 \
	203.0.113.26; do
	probe_all lg - "$dst"
done
probe_all mn - 10.2.0.26
for dst in 2001:db8::10 2001:db8::25 2001:db8::26 fd00:1::50; do
	check "tcp - -> $dst" tcp_echo_probe "$(lab_ns lg)" - "$dst" $PORT
done
# The gateway itself, from each segment.
check "icmp -> gw eth0" icmp_probe "$(lab_ns inet)" - 203.0.113.1
check "icmp -> gw eth1" icmp_probe "$(lab_ns mn)" - fd00:1::1
check "icmp -> gw eth2" icmp_probe "$(lab_ns lg)" - 10.2.0.1
# And the probes can fail: nothing listens there, nothing routes there.
check_not "tcp to a closed port fails" \
	tcp_probe "$(lab_ns lg)" 10.2.0.7 10.1.0.9 $((PORT + 1))
check_not "udp to a closed port fails" \
	udp_probe "$(lab_ns lg)" 10.2.0.7 10.1.0.9 $((PORT + 1))
check_not "icmp to an unrouted address fails" \
	icmp_probe "$(lab_ns lg)" 10.2.0.7 10.3.0.1

# Source address really is the one asked for: a source the host lacks fails.
check_not "unowned source refused" \
	tcp_probe "$(lab_ns lg)" 10.1.0.9 203.0.113.80 $PORT

# Gateway's forwarded-datagram counter.
forwarded() {
	# shellcheck disable=SC2016
	lab exec gw awk '/^Ip:/ { if (!h) { for (i = 1; i <= NF; i++)
		n[i] = $i; h = 1 } else for (i = 1; i <= NF; i++)
		if (n[i] == "ForwDatagrams") print $i }' /proc/net/snmp
}

# span_probe SECS CMD...: runs CMD while counting on span0 the packets
# from 10.2.0.7 to 10.1.0.9; prints the count.
span_probe() {
	local out sp
	out=$(lib_tmpdir)/span.$RANDOM
	sniff_count "$(lab_ns gw)" span0 2 10.2.0.7 10.1.0.9 >"$out" &
	sp=$!
	sleep 0.5
	"$@" || echo "probe failed: $*" >&2
	wait $sp
	cat "$out"
}

# Rogue bridge: LGWAN terminal to My Number host without the gateway.
check "rogue on" lab rogue on
f0=$(forwarded)
seen=$(span_probe tcp_echo_probe "$(lab_ns lg)" 10.2.0.7 10.1.0.9 $PORT)
f1=$(forwarded)
check "rogue path connects" tcp_echo_probe "$(lab_ns lg)" 10.2.0.7 10.1.0.9 $PORT
check "rogue traffic bypasses the gateway" test "$f0" = "$f1"
check "rogue traffic mirrored to span0" test "${seen:-0}" -gt 0
check "rogue v6 path connects" \
	tcp_echo_probe "$(lab_ns lg)" fd00:2::7 fd00:1::9 $PORT
check "rogue off" lab rogue off
f0=$(forwarded)
seen=$(span_probe tcp_echo_probe "$(lab_ns lg)" 10.2.0.7 10.1.0.9 $PORT)
f1=$(forwarded)
check "routed again through the gateway" test "$f1" -gt "$f0"
check "span0 quiet without the rogue bridge" test "${seen:-1}" -eq 0

stop_listeners
check "lab down" lab down
check "lab down again (idempotent)" lab down
check "no namespace left" lab_gone
check_not "status reports the lab down" lab_status_quiet

finish
