#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# demo.sh: bunri end to end, as a person would drive it. Builds the
# network-namespace lab (tools/lab.sh), starts a private rsyslogd and bunrid
# on the lab's gateway, sends permitted and forbidden traffic between the
# three zones, and shows what got through, what was blocked, the zone
# matrix, the alerts as syslog wrote them and a tamper attempt. Everything
# lives in namespaces it creates and removes again.
#
# usage: tools/demo.sh [BUILD_DIR]    (root; "make demo" builds first)
# Exit 0 when every outcome was the expected one, 1 otherwise.

set -u
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$root/build}" 2>/dev/null && pwd) || {
	echo "demo: no build directory ${1:-build}; run 'make' first" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (network namespaces)" >&2; exit 1; }
export BUNRI_LAB=${BUNRI_LAB:-bunri-demo}
. "$root/tests/integration/lib.sh"
. "$root/tests/integration/daemon_lib.sh"
lib_init
tmp=$(lib_tmpdir)
chmod 755 "$tmp"
helper="$PYTHON $root/tests/integration/daemon_e2e.py"

if [ -t 1 ]; then
	B=$'\e[1m' D=$'\e[2m' R=$'\e[31m' G=$'\e[32m' Y=$'\e[33m' C=$'\e[36m' N=$'\e[0m'
else
	B= D= R= G= Y= C= N=
fi
problems=()
problem() { problems+=("$1"); }

step() {
	printf '\n%s== %s%s\n' "$B$C" "$1" "$N"
}
say() { printf '%s\n' "$*"; }
indent() { sed 's/^/    /'; }
# pad TEXT WIDTH: TEXT left-aligned in WIDTH terminal columns (printf's
# widths count bytes, and the Japanese names are two columns a character).
pad() {
	local d
	d=$(printf '%s' "$1" | LC_ALL=C.UTF-8 wc -L)
	printf '%s%*s' "$1" $(($2 > d ? $2 - d : 0)) ''
}
die() {
	printf '%sdemo: %s%s\n' "$R" "$*" "$N" >&2
	exit 1
}

for b in bunrid bunrictl; do
	[ -x "$BUILD/$b" ] || die "$BUILD/$b is not built; run 'make'"
done
for t in rsyslogd nft ip "$PYTHON"; do
	command -v "$t" >/dev/null || die "$t is not installed (tools/deps.sh check)"
done
$PYTHON -c 'import scapy' 2>/dev/null || die "python3-scapy is not installed"

printf '%s' "$B"
cat <<'EOF'
bunri (分離) demo: the three-zone split of a municipal network
  マイナンバー利用事務系 (My Number zone)   10.1.0.0/16  + ガバメントクラウド 10.100.0.0/16
  LGWAN接続系           (LGWAN zone)       10.2.0.0/16
  インターネット接続系   (Internet zone)    everything else
EOF
printf '%s' "$N"

# ---- the lab -----------------------------------------------------------------
step "1. Building the lab: a gateway, a switch and five hosts in network namespaces"
cleanup_add "'$root/tools/lab.sh' down"
lab up >"$tmp/lab.out" 2>&1 || die "lab up failed: $(cat "$tmp/lab.out")"
say "  gw    the gateway where bunrid runs: eth0 → Internet, eth1 → My Number, eth2 → LGWAN,"
say "        span0 ← the switch's mirror (SPAN) port"
say "  mn    My Number terminals 10.1.0.9, designated-channel server 10.1.0.50"
say "  lg    LGWAN terminal 10.2.0.7       mail  mail-textify server 10.2.0.25"
say "  inet  VDI server 203.0.113.10, mail relay 203.0.113.25, eLTAX 192.0.2.5, a plain host 203.0.113.80"

NS_GW=$(lab_ns gw) NS_LG=$(lab_ns lg) NS_MN=$(lab_ns mn)
NS_INET=$(lab_ns inet) NS_MAIL=$(lab_ns mail)

# The sample configuration, with the mirror port watched too.
conf=$(lab_conf "$tmp" \
	-e 's/interfaces = \[ "eth0", "eth1", "eth2" \];/interfaces = [ "eth0", "eth1", "eth2", "span0" ];/')
grep -q '"span0" ]' "$conf" || die "conf/bunri.conf has changed: cannot add span0 to capture.interfaces"

step "2. Starting rsyslogd and bunrid on the gateway"
syslog_start "$tmp" || die "rsyslogd did not start"
bunrid_start "$BUILD" "$conf" "$tmp" || die "bunrid did not start: $(tail -n 20 "$tmp/bunrid.out")"
say "  bunrid -f -c conf/bunri.conf (pid $BUNRID_PID): ruleset committed to table inet bunri,"
say "  capturing eth0 eth1 eth2 and the mirror port span0; alerts go to syslog local4"
say "  (the lab's rsyslogd writes them to $tmp/syslog)"
say
say "${B}\$ bunrictl zones${N}"
ctl zones | indent
say
say "${B}\$ bunrictl channels${N}   (安全が確保された通信: the only permitted cross-zone paths)"
ctl channels | indent

# ---- traffic -------------------------------------------------------------------
listen_tcp "$NS_MAIL" 25 || die "listener"
listen_tcp "$NS_INET" 443 || die "listener"
listen_tcp "$NS_MN" 443 || die "listener"
listen_tcp "$NS_MN" 139 || die "listener"
listen_tcp "$NS_LG" 22 || die "listener"

# Each flow: label|expect (pass/block)|namespace|src|dst|port|alert
# pattern (grep -E on the syslog file, empty: none expected).
flows=(
	"mail relay → mail-textify server (メール無害化)|pass|inet|203.0.113.25|10.2.0.25|25|"
	"LGWAN terminal → VDI server (画面転送)|pass|lg|10.2.0.7|203.0.113.10|443|"
	"eLTAX → designated server (特定通信)|pass|inet|192.0.2.5|10.1.0.50|443|"
	"LGWAN terminal → My Number SMB (445)|block|lg|10.2.0.7|10.1.0.9|445|alert=cross-zone .*src=10\.2\.0\.7 .*dst=10\.1\.0\.9 dport=445 iface=eth2 action=dropped"
	"My Number terminal → Internet HTTPS|block|mn|10.1.0.9|203.0.113.80|443|alert=cross-zone .*src=10\.1\.0\.9 .*dst=203\.0\.113\.80 dport=443 .*action=dropped"
	"Internet host → LGWAN terminal ssh|block|inet|203.0.113.80|10.2.0.7|22|alert=cross-zone .*src=203\.0\.113\.80 .*dst=10\.2\.0\.7 dport=22 .*action=dropped"
)

step "3. Permitted traffic: the approved channels"
step_flows() {
	local want=$1 f label exp h src dst port pat i=0 pids=()
	for f in "${flows[@]}"; do
		IFS='|' read -r label exp h src dst port pat <<<"$f"
		i=$((i + 1))
		[ "$exp" = "$want" ] || continue
		(
			if tcp_echo_probe "$(lab_ns "$h")" "$src" "$dst" "$port"; then
				echo connected >"$tmp/flow.$i"
			else
				echo blocked >"$tmp/flow.$i"
			fi
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
}
step_flows pass
for i in 1 2 3; do
	IFS='|' read -r label exp h src dst port pat <<<"${flows[$((i - 1))]}"
	r=$(cat "$tmp/flow.$i")
	printf '  %s %s:%s → %s:%s  %s\n' "$(pad "$label" 48)" "$h" "$src" "$dst" "$port" \
		"$([ "$r" = connected ] && echo "${G}connected${N}" || echo "${R}blocked${N}")"
done

step "4. Forbidden traffic: what 三層分離 must stop"
say "  Three connections through the gateway, a forged source, and a PC cabled into"
say "  two zones (a rogue bridge) that bypasses the gateway altogether."
step_flows block
# A packet from the LGWAN segment claiming a My Number source address.
nx_spoof() {
	ip netns exec "$NS_LG" $helper spoof eth0 02:00:00:00:02:01 10.1.0.9 203.0.113.80 80
}
nx_spoof >"$tmp/spoof.out" 2>&1 || problem "could not send the spoofed packet: $(cat "$tmp/spoof.out")"
# The rogue bridge: lg and mn now reach each other directly.
lab rogue on >"$tmp/rogue.out" 2>&1 || die "rogue on: $(cat "$tmp/rogue.out")"
if tcp_echo_probe "$NS_LG" 10.2.0.7 10.1.0.9 139; then rogue=connected; else rogue=blocked; fi
lab rogue off >>"$tmp/rogue.out" 2>&1
for i in 4 5 6; do
	IFS='|' read -r label exp h src dst port pat <<<"${flows[$((i - 1))]}"
	r=$(cat "$tmp/flow.$i")
	printf '  %s %s:%s → %s:%s  %s\n' "$(pad "$label" 48)" "$h" "$src" "$dst" "$port" \
		"$([ "$r" = blocked ] && echo "${G}blocked${N}" || echo "${R}connected${N}")"
done
printf '  %-52s %s\n' "forged source 10.1.0.9 sent from the LGWAN segment" "sent once (scapy)"
printf '  %s %s\n' "$(pad "rogue bridge: LGWAN 10.2.0.7 → My Number 10.1.0.9:139" 52)" \
	"$([ "$rogue" = connected ] && echo "${Y}connected directly — the gateway never saw it${N}" || echo "${R}blocked?${N}")"

# ---- outcome table ---------------------------------------------------------------
expect_line() {
	wait_for "grep -qE -- '$1' '$tmp/syslog'" "${2:-5}"
}
step "5. What got through and what was blocked"
printf '  %s%-50s %-9s %-10s %-38s%s\n' "$B" "FLOW" "EXPECTED" "RESULT" "ALERT (syslog)" "$N"
row() {
	local label=$1 expect=$2 result=$3 pat=$4 alert ok=1
	if [ -n "$pat" ]; then
		if expect_line "$pat" 5; then
			alert=$(grep -E -- "$pat" "$tmp/syslog" | head -n 1 |
				sed -E 's/.*(local4\.[a-z]+) .*alert=([a-z-]+).* iface=([a-z0-9]+) .*action=([a-z]+).*/\1 \2 \3 \4/')
		else
			alert="${R}none${N}"
			ok=0
		fi
	else
		if [ "$expect" = pass ]; then alert="-"; fi
	fi
	case "$expect:$result" in
	pass:connected | block:blocked | detect:connected) ;;
	*) ok=0 ;;
	esac
	local mark="${G}✓${N}"
	[ $ok -eq 1 ] || { mark="${R}✗${N}"; problem "$label: expected $expect, got $result${pat:+, alert ${alert}}"; }
	printf '  %s %-9s %-10s %-38s %s\n' "$(pad "$label" 50)" "$expect" "$result" "${alert:-}" "$mark"
}
for i in 1 2 3 4 5 6; do
	IFS='|' read -r label exp h src dst port pat <<<"${flows[$((i - 1))]}"
	row "$label" "$exp" "$(cat "$tmp/flow.$i")" "$pat"
done
row "forged My Number source on the LGWAN port" block blocked \
	"alert=spoofed-source .*src=10\.1\.0\.9 .*iface=eth2 action=dropped"
row "rogue bridge LGWAN → My Number (mirror port)" detect "$rogue" \
	"alert=cross-zone .*src=10\.2\.0\.7 .*dst=10\.1\.0\.9 dport=139 iface=span0 action=observed"
# The permitted flows must not have alerted.
for pat in "dst=10\.2\.0\.25 dport=25 " "dst=203\.0\.113\.10 dport=443 " "dst=10\.1\.0\.50 dport=443 "; do
	if grep -qE "alert=cross-zone .*$pat" "$tmp/syslog"; then
		problem "a permitted flow raised an alert ($pat)"
	fi
done

step "6. The zone matrix: permitted (p), denied (d) packets and alerts (a) per zone pair"
say "${B}\$ bunrictl matrix${N}"
ctl matrix | indent

step "7. The alerts as syslog received them (facility local4, priority from the zone)"
sleep 0.5
grep -E 'bunrid\[[0-9]+\]: alert=' "$tmp/syslog" |
	sed -E 's/^([0-9-]+T[0-9:]+)\.[0-9]+[^ ]* /\1 /; s/ bunrid\[[0-9]+\]: / /' |
	while IFS= read -r l; do
		case $l in
		*local4.crit*) printf '  %s%s%s\n' "$R" "$l" "$N" ;;
		*local4.err*) printf '  %s%s%s\n' "$Y" "$l" "$N" ;;
		*) printf '  %s\n' "$l" ;;
		esac
	done
say "  ${D}(the same alerts, as JSON lines with an RFC 3339 ts, are in $tmp/alerts.jsonl)${N}"

step "8. Tampering: someone on the gateway tries to remove the rules"
say "${B}\$ nft delete table inet bunri${N}   (run as root in the gateway's namespace)"
before=$(ip netns exec "$NS_GW" nft -s list table inet bunri 2>&1)
if ip netns exec "$NS_GW" nft delete table inet bunri >"$tmp/tamper.out" 2>&1; then
	say "  the kernel accepted it; bunrid must notice and restore:"
	if expect_line "alert=ruleset-tampered" 5 && expect_line "alert=ruleset-restored" 5; then
		grep -E "alert=ruleset-(tampered|restored)" "$tmp/syslog" | sed -E 's/.*bunrid\[[0-9]+\]: /  /'
	else
		problem "table deleted and no ruleset-tampered/restored alert"
	fi
else
	sed 's/^/  /' "$tmp/tamper.out" | head -n 2
	say "  ${G}refused by the kernel${N}: the table is owned by bunrid's netlink socket (nftables 'owner'"
	say "  flag), so no other process can change it while bunrid runs."
fi
after=$(ip netns exec "$NS_GW" nft -s list table inet bunri 2>&1)
if [ "$before" = "$after" ]; then
	say "  ruleset after the attempt: unchanged, LGWAN → My Number 445 still blocked:"
else
	say "  ruleset after the attempt: restored by bunrid; checking it still blocks:"
fi
if tcp_probe "$NS_LG" 10.2.0.7 10.1.0.9 445; then
	say "  ${R}connected${N}"
	problem "after the tamper attempt LGWAN → My Number 445 connects"
else
	say "  ${G}blocked${N}"
fi
ctl status | grep -E '^(ruleset|alerts):' | indent

# ---- verdict ------------------------------------------------------------------------
step "Result"
if [ ${#problems[@]} -eq 0 ]; then
	say "  ${G}${B}Every outcome as expected:${N} the channels worked, every forbidden flow was"
	say "  blocked or (on the mirror port) detected, and each left its alert in syslog."
	say "  Cleaning up the lab."
	exit 0
fi
say "  ${R}${B}Unexpected outcomes:${N}"
for p in "${problems[@]}"; do
	say "  - $p"
done
say "  (daemon log: see below)"
tail -n 20 "$tmp/bunrid.out" | indent
exit 1
