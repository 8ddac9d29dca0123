#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# lab.sh: the network-namespace lab of bunri's integration tests and demo,
# the α model of conf/bunri.conf. Needs root; touches nothing outside the
# namespaces it creates.
#
#   tools/lab.sh up            build the lab (removing leftovers first)
#   tools/lab.sh down          remove it (idempotent)
#   tools/lab.sh exec HOST CMD...   run CMD in HOST's namespace
#   tools/lab.sh status        list namespaces and addresses; 1 if not up
#   tools/lab.sh rogue on|off  the rogue-bridge scenario (below)
#
# Every namespace is "$BUNRI_LAB-HOST" (BUNRI_LAB defaults to "bunri"), so
# labs with different prefixes run side by side.
#
# HOST  role                                  interface, addresses
# gw    the gateway (bunrid runs here),       eth0 203.0.113.1/24 2001:db8::1/64
#       IPv4 and IPv6 forwarding on           eth1 10.1.0.1/16    fd00:1::1/64
#                                             eth2 10.2.0.1/16    fd00:2::1/64
#                                             span0 (mirror port, no address)
#       routes: 10.100.0.0/16 via 10.1.0.100 (govcloud behind the My Number
#       segment); 192.0.2.0/24 via 203.0.113.80 (eLTAX-like network)
# mn    My Number hosts                       eth0 10.1.0.9/16 fd00:1::9/64
#       (MAC 02:00:00:00:01:10)                    10.1.0.50/16 (designated-
#                                                  channel target) fd00:1::50
# gc    government cloud host, reached        eth0 10.1.0.100/16 (its router
#       through the My Number segment              leg), lo 10.100.0.5/32
#       (MAC 02:00:00:00:01:11)               default route src 10.100.0.5
# lg    LGWAN terminals                       eth0 10.2.0.7/16 fd00:2::7/64
#                                                  10.2.9.9/16 (management
#                                                  host, host.services src)
# mail  LGWAN sanitising relays               eth0 10.2.0.25/16 (mail relay)
#                                                  10.2.0.26/16 (file
#                                                  sanitiser) fd00:2::25/64
# inet  internet-side hosts                   eth0 203.0.113.10 (VDI server)
#       (documentation addresses only)             203.0.113.25 (mail relay)
#                                                  203.0.113.26 (file relay)
#                                                  203.0.113.80 (plain host)
#                                                  2001:db8::10 ::25 ::26 ::80
#                                             lo   192.0.2.5/32 (eLTAX-like)
#                                             default route src 203.0.113.80
# sw    the switch: bridges br-inet, br-mn, br-lg joining each segment's
#       hosts and the gateway's interface; the peer of span0 (span-p)
#
# Every host's default route (v4 and v6) goes through the gateway. Several
# addresses share one namespace; pick the source with bind()/-s.
#
# Rogue bridge ("rogue on"): a veth pair rg-mn/rg-lg in the switch namespace
# joins br-mn and br-lg, as a PC cabled into both zones would; lg's
# 10.2.0.7 and mn's 10.1.0.9 get on-link routes to each other (and the
# v6 pair fd00:2::7 / fd00:1::9), so they talk directly and the gateway's
# firewall never sees it. Everything crossing the rogue link is mirrored
# (tc mirred) to span-p and so appears on the gateway's span0: the monitor
# sees what the firewall cannot. The gateway answers ARP only on the
# interface that owns the address (arp_ignore/arp_announce), so the
# merged broadcast domain does not confuse it.

set -eu

P=${BUNRI_LAB:-bunri}
HOSTS="gw sw inet mn gc lg mail"

die() {
	echo "lab: $*" >&2
	exit 1
}

ns() { echo "$P-$1"; }
nx() {
	local h=$1
	shift
	ip netns exec "$(ns "$h")" "$@"
}

ns_exists() {
	[ -e "/run/netns/$(ns "$1")" ]
}

sysctl_set() {
	nx "$1" sysctl -q -w "$2" >/dev/null
}

lab_down() {
	local h
	for h in $HOSTS; do
		if ns_exists "$h"; then
			ip netns del "$(ns "$h")" 2>/dev/null || true
		fi
	done
	return 0
}

# link HOST IFNAME MAC BRIDGE PORT: a veth from HOST into a switch bridge.
link() {
	local h=$1 ifn=$2 mac=$3 br=$4 port=$5
	ip -n "$(ns "$h")" link add "$ifn" address "$mac" type veth \
		peer name "$port" netns "$(ns sw)"
	ip -n "$(ns sw)" link set "$port" master "$br" up
	ip -n "$(ns "$h")" link set "$ifn" up
}

addr() {
	local h=$1 ifn=$2
	shift 2
	local a
	for a in "$@"; do
		case $a in
		*:*) ip -n "$(ns "$h")" -6 addr add "$a" dev "$ifn" nodad ;;
		*) ip -n "$(ns "$h")" addr add "$a" dev "$ifn" ;;
		esac
	done
}

host_base() {
	local h=$1
	ip netns add "$(ns "$h")"
	ip -n "$(ns "$h")" link set lo up
	# No DAD: addresses must be usable at once.
	sysctl_set "$h" net.ipv6.conf.all.accept_dad=0
	sysctl_set "$h" net.ipv6.conf.default.accept_dad=0
	sysctl_set "$h" net.ipv6.conf.default.accept_ra=0
}

lab_up() {
	local h br
	lab_down
	for h in $HOSTS; do
		host_base "$h"
	done

	# The switch: L2 only.
	sysctl_set sw net.ipv6.conf.all.disable_ipv6=1
	sysctl_set sw net.ipv6.conf.default.disable_ipv6=1
	for br in br-inet br-mn br-lg; do
		ip -n "$(ns sw)" link add "$br" type bridge stp_state 0 \
			mcast_snooping 0
		ip -n "$(ns sw)" link set "$br" up
	done

	# Gateway.
	link gw eth0 02:00:00:00:00:01 br-inet gw0
	link gw eth1 02:00:00:00:01:01 br-mn gw1
	link gw eth2 02:00:00:00:02:01 br-lg gw2
	ip -n "$(ns gw)" link add span0 address 02:00:00:00:0f:01 type veth \
		peer name span-p netns "$(ns sw)"
	ip -n "$(ns gw)" link set span0 up
	ip -n "$(ns sw)" link set span-p up
	addr gw eth0 203.0.113.1/24 2001:db8::1/64
	addr gw eth1 10.1.0.1/16 fd00:1::1/64
	addr gw eth2 10.2.0.1/16 fd00:2::1/64
	sysctl_set gw net.ipv4.ip_forward=1
	sysctl_set gw net.ipv6.conf.all.forwarding=1
	sysctl_set gw net.ipv4.conf.all.arp_ignore=1
	sysctl_set gw net.ipv4.conf.all.arp_announce=2
	sysctl_set gw net.ipv4.conf.all.rp_filter=0
	sysctl_set gw net.ipv4.conf.default.rp_filter=0
	ip -n "$(ns gw)" route add 10.100.0.0/16 via 10.1.0.100 dev eth1
	ip -n "$(ns gw)" route add 192.0.2.0/24 via 203.0.113.80 dev eth0

	# My Number segment.
	link mn eth0 02:00:00:00:01:10 br-mn mn0
	addr mn eth0 10.1.0.9/16 10.1.0.50/16 fd00:1::9/64 fd00:1::50/64
	ip -n "$(ns mn)" route add default via 10.1.0.1 src 10.1.0.9
	ip -n "$(ns mn)" -6 route add default via fd00:1::1 src fd00:1::9

	link gc eth0 02:00:00:00:01:11 br-mn gc0
	addr gc eth0 10.1.0.100/16
	addr gc lo 10.100.0.5/32
	ip -n "$(ns gc)" route add default via 10.1.0.1 src 10.100.0.5
	# gc would answer My Number hosts straight over its on-link leg (and
	# the gateway would redirect them there): route them through the
	# gateway both ways, so intra-zone traffic meets the ruleset.
	for h in 10.1.0.9 10.1.0.50; do
		ip -n "$(ns gc)" route replace "$h/32" via 10.1.0.1 dev eth0 \
			src 10.100.0.5
	done
	sysctl_set gw net.ipv4.conf.all.send_redirects=0
	sysctl_set gw net.ipv4.conf.eth1.send_redirects=0

	# LGWAN segment.
	link lg eth0 02:00:00:00:02:07 br-lg lg0
	addr lg eth0 10.2.0.7/16 10.2.9.9/16 fd00:2::7/64
	ip -n "$(ns lg)" route add default via 10.2.0.1 src 10.2.0.7
	ip -n "$(ns lg)" -6 route add default via fd00:2::1 src fd00:2::7

	link mail eth0 02:00:00:00:02:25 br-lg mail0
	addr mail eth0 10.2.0.25/16 10.2.0.26/16 fd00:2::25/64
	ip -n "$(ns mail)" route add default via 10.2.0.1 src 10.2.0.25
	ip -n "$(ns mail)" -6 route add default via fd00:2::1 src fd00:2::25

	# Internet side.
	link inet eth0 02:00:00:00:00:80 br-inet inet0
	addr inet eth0 203.0.113.80/24 203.0.113.10/24 203.0.113.25/24 \
		203.0.113.26/24 2001:db8::80/64 2001:db8::10/64 \
		2001:db8::25/64 2001:db8::26/64
	addr inet lo 192.0.2.5/32
	ip -n "$(ns inet)" route add default via 203.0.113.1 src 203.0.113.80
	ip -n "$(ns inet)" -6 route add default via 2001:db8::1 src 2001:db8::80
}

rogue_on() {
	local s l
	s=$(ns sw)
	ip -n "$s" link add rg-mn address 02:00:00:00:0f:10 type veth \
		peer name rg-lg address 02:00:00:00:0f:20
	ip -n "$s" link set rg-mn master br-mn up
	ip -n "$s" link set rg-lg master br-lg up
	# Whatever enters the switch through the rogue link, both ways
	# (u32 matching everything: matchall is not built into every kernel).
	for l in rg-mn rg-lg; do
		tc -n "$s" qdisc add dev "$l" clsact
		tc -n "$s" filter add dev "$l" ingress protocol all \
			u32 match u32 0 0 action mirred egress mirror dev span-p
	done
	ip -n "$(ns lg)" route add 10.1.0.9/32 dev eth0 src 10.2.0.7
	ip -n "$(ns mn)" route add 10.2.0.7/32 dev eth0 src 10.1.0.9
	ip -n "$(ns lg)" -6 route add fd00:1::9/128 dev eth0 src fd00:2::7
	ip -n "$(ns mn)" -6 route add fd00:2::7/128 dev eth0 src fd00:1::9
}

rogue_off() {
	ip -n "$(ns sw)" link del rg-mn 2>/dev/null || true
	ip -n "$(ns lg)" route del 10.1.0.9/32 2>/dev/null || true
	ip -n "$(ns mn)" route del 10.2.0.7/32 2>/dev/null || true
	ip -n "$(ns lg)" -6 route del fd00:1::9/128 2>/dev/null || true
	ip -n "$(ns mn)" -6 route del fd00:2::7/128 2>/dev/null || true
	# Forget the neighbours learnt across the rogue link.
	ip -n "$(ns lg)" neigh flush dev eth0 2>/dev/null || true
	ip -n "$(ns mn)" neigh flush dev eth0 2>/dev/null || true
}

lab_status() {
	local h up=0 missing=0
	for h in $HOSTS; do
		if ns_exists "$h"; then
			up=$((up + 1))
			echo "$(ns "$h"):"
			ip -n "$(ns "$h")" -br addr show | sed 's/^/  /'
		else
			missing=$((missing + 1))
			echo "$(ns "$h"): absent"
		fi
	done
	[ "$missing" -eq 0 ]
}

[ $# -ge 1 ] || die "usage: lab.sh up|down|status|exec HOST CMD...|rogue on|off"
[ "$(id -u)" -eq 0 ] || die "needs root"
case $1 in
up)
	# A failure half-way must not leave half a lab behind.
	trap 'lab_down' ERR
	lab_up
	trap - ERR
	;;
down) lab_down ;;
status) lab_status ;;
exec)
	[ $# -ge 3 ] || die "usage: lab.sh exec HOST CMD..."
	case " $HOSTS " in *" $2 "*) ;; *) die "unknown host $2 ($HOSTS)" ;; esac
	h=$2
	shift 2
	exec ip netns exec "$(ns "$h")" "$@"
	;;
rogue)
	case ${2:-} in
	on) rogue_off; rogue_on ;;
	off) rogue_off ;;
	*) die "usage: lab.sh rogue on|off" ;;
	esac
	;;
*) die "unknown command $1" ;;
esac
