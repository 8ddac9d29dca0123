#!/bin/bash
# The sample configurations in conf/ and the fail-safe table.
#   - every conf/*.conf passes `bunrid -t`, and what `bunrid -n` prints is
#     accepted by `nft -c -f` in a throwaway network namespace (root);
#   - each network model behaves as its comments say: an offline audit
#     (`bunrid -r`) of a capture with one TCP SYN per flow below must alert
#     on exactly the flows marked "alert" (My Number zone isolated but for
#     eLTAX, the government cloud part of it, the model's own channels);
#   - conf/bunri-failsafe.nft passes `nft -c -f`, loads twice, stops
#     forwarding between two interfaces while the gateway itself still
#     answers, and bunrid's commit takes the table over (root).
#   tests/golden/test_samples.sh [BUILD]
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
TMP=$(mktemp -d /tmp/bunri-samples.XXXXXX)
NS=bunri_smp_$$
cleanup() {
	for n in "$NS" "${NS}_a" "${NS}_b"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
passed=0 failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
not_ok() { echo "FAIL - $*"; failed=$((failed + 1)); }
BUNRID=$BUILD/bunrid
# Debian's python3 (python3-scapy), not one earlier in PATH.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
[ -x "$BUNRID" ] || { echo "FAIL - $BUNRID is not built"; echo "0 passed, 1 failed"; exit 1; }

havens=0
[ "$(id -u)" -eq 0 ] && ip netns add "$NS" 2>/dev/null && havens=1

# ---- every sample validates and its ruleset loads -----------------------
n=0
for conf in conf/*.conf; do
	n=$((n + 1))
	name=$(basename "$conf")
	out=$("$BUNRID" -t -c "$conf" 2>"$TMP/err")
	rc=$?
	if [ $rc -eq 0 ] && [ "$out" = "configuration OK" ]; then
		ok "$name: bunrid -t"
	else
		not_ok "$name: bunrid -t exits $rc: $out $(cat "$TMP/err")"
	fi
	[ -s "$TMP/err" ] && echo "# $name: $(cat "$TMP/err")"
	if ! "$BUNRID" -n -c "$conf" >"$TMP/$name.nft" 2>"$TMP/err"; then
		not_ok "$name: bunrid -n fails: $(cat "$TMP/err")"
		continue
	fi
	ok "$name: bunrid -n"
	if [ $havens = 1 ]; then
		if ip netns exec "$NS" nft -c -f "$TMP/$name.nft" 2>"$TMP/err"; then
			ok "$name: nft -c -f accepts the ruleset"
		else
			not_ok "$name: nft -c -f refuses the ruleset: $(head -5 "$TMP/err")"
		fi
	fi
done
[ $n -ge 4 ] && ok "$n samples in conf/" || not_ok "only $n samples in conf/ (α, α′, β, β′ expected)"
[ $havens = 1 ] || echo "# nft -c and the fail-safe tests skipped (need root)"

# ---- each model behaves as described: offline audit ---------------------
# sample | src | dst | dport | expect (alert or pass) | why
cat >"$TMP/flows" <<'EOF'
bunri.conf|10.2.0.7|10.1.0.9|445|alert|LGWAN to My Number
bunri.conf|10.1.0.9|10.2.0.7|445|alert|My Number to LGWAN
bunri.conf|10.100.0.5|10.2.0.7|443|alert|government cloud counts as My Number
bunri.conf|192.0.2.10|10.1.0.50|443|pass|eLTAX designated channel
bunri.conf|192.0.2.10|10.1.0.51|443|alert|eLTAX to another host
bunri.conf|10.2.0.7|203.0.113.10|3389|pass|screen transfer
bunri.conf|10.2.0.7|198.51.100.10|443|alert|no direct cloud in α
bunri.conf|203.0.113.25|10.2.0.25|25|pass|mail text-ification
bunri-alpha-prime.conf|10.2.0.7|198.51.100.10|443|pass|approved web conference
bunri-alpha-prime.conf|10.2.0.7|198.51.100.70|443|pass|approved groupware
bunri-alpha-prime.conf|10.2.0.7|198.51.100.10|80|alert|HTTPS only
bunri-alpha-prime.conf|10.2.0.7|198.51.100.200|443|alert|not an approved service
bunri-alpha-prime.conf|198.51.100.10|10.2.0.7|443|alert|the cloud may not open flows into LGWAN
bunri-alpha-prime.conf|10.2.0.7|10.1.0.9|445|alert|LGWAN to My Number
bunri-alpha-prime.conf|10.100.0.5|198.51.100.10|443|alert|government cloud to the Internet
bunri-alpha-prime.conf|192.0.2.10|10.1.0.50|443|pass|eLTAX designated channel
bunri-beta.conf|10.3.5.5|10.2.0.40|3389|pass|screen transfer to the VDI server
bunri-beta.conf|10.3.5.5|10.2.0.41|3389|alert|screen transfer to another host
bunri-beta.conf|10.3.5.5|10.2.0.26|443|alert|terminals may not hand files in
bunri-beta.conf|10.3.1.26|10.2.0.26|443|pass|file sanitisation relay
bunri-beta.conf|10.2.0.7|10.3.5.5|445|alert|LGWAN to the staff LAN
bunri-beta.conf|10.2.0.25|10.3.2.25|25|pass|LGWAN mail to the groupware
bunri-beta.conf|10.3.5.5|10.1.0.9|445|alert|staff terminal to My Number
bunri-beta.conf|10.3.5.5|10.100.0.5|443|alert|staff terminal to the government cloud
bunri-beta.conf|192.0.2.10|10.1.0.50|443|pass|eLTAX designated channel
bunri-beta-prime.conf|10.3.5.5|10.2.0.40|3389|pass|screen transfer to the VDI server
bunri-beta-prime.conf|10.4.3.10|10.2.5.10|443|pass|migration channel (until 2027-09-30)
bunri-beta-prime.conf|10.3.5.5|10.2.5.10|443|alert|migration channel is for the system only
bunri-beta-prime.conf|10.4.1.26|10.2.0.26|443|pass|file sanitisation relay
bunri-beta-prime.conf|10.4.8.8|10.2.0.26|443|alert|other business systems may not hand files in
bunri-beta-prime.conf|10.4.8.8|10.1.0.9|443|alert|business system to My Number
bunri-beta-prime.conf|10.100.0.5|10.4.8.8|443|alert|government cloud to the Internet zone
bunri-beta-prime.conf|10.3.5.5|10.4.8.8|443|pass|within the Internet zone
bunri-beta-prime.conf|192.0.2.10|10.1.0.50|443|pass|eLTAX designated channel
EOF

for conf in $(cut -d'|' -f1 "$TMP/flows" | sort -u); do
	grep "^$conf|" "$TMP/flows" >"$TMP/f.$conf"
	"$PY" - "$TMP/f.$conf" "$TMP/$conf.pcap" <<'PY' 2>"$TMP/err" ||
import sys
from scapy.all import Ether, IP, TCP, wrpcap
pkts = []
for i, line in enumerate(open(sys.argv[1])):
    _, src, dst, dport, _, _ = line.rstrip("\n").split("|")
    p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / \
        IP(src=src, dst=dst) / TCP(sport=40000 + i, dport=int(dport), flags="S")
    p.time = 1767225600 + i
    pkts.append(p)
wrpcap(sys.argv[2], pkts)
PY
		{ not_ok "$conf: cannot write the capture: $(tail -1 "$TMP/err")"; continue; }
	if ! "$BUNRID" -r "$TMP/$conf.pcap" -c "conf/$conf" >"$TMP/$conf.jsonl" 2>"$TMP/err"; then
		not_ok "$conf: bunrid -r fails: $(tail -3 "$TMP/err")"
		continue
	fi
	while IFS='|' read -r _ src dst dport want why; do
		hits=$(grep -c "\"src\":\"$src\",.*\"dst\":\"$dst\",\"dport\":$dport[,}]" "$TMP/$conf.jsonl")
		got=pass
		[ "$hits" -gt 0 ] && got=alert
		if [ "$got" = "$want" ]; then
			ok "$conf: $src -> $dst:$dport $want ($why)"
		else
			not_ok "$conf: $src -> $dst:$dport gave $got, expected $want ($why)"
		fi
	done <"$TMP/f.$conf"
done

# ---- the fail-safe table -------------------------------------------------
FS=conf/bunri-failsafe.nft
if [ $havens = 1 ]; then
	ip netns exec "$NS" nft -c -f "$FS" 2>"$TMP/err" &&
		ok "bunri-failsafe.nft: nft -c -f accepts it" ||
		not_ok "bunri-failsafe.nft: nft -c -f refuses it: $(cat "$TMP/err")"
	if ip netns exec "$NS" nft -f "$FS" && ip netns exec "$NS" nft -f "$FS"; then
		ok "bunri-failsafe.nft loads, and loads again over itself"
	else
		not_ok "bunri-failsafe.nft does not load twice"
	fi
	rules=$(ip netns exec "$NS" nft list chain inet bunri forward |
		grep -v policy | grep -c 'accept\|drop')
	[ "$rules" = 3 ] && ok "loading twice leaves one copy of the rules" ||
		not_ok "after two loads the forward chain has $rules rules, not 3"
	ip netns exec "$NS" nft list chain inet bunri forward |
		grep -q 'hook forward priority filter - 5; policy accept;' &&
		ok "fail-safe forward chain has bunrid's hook, priority and policy" ||
		not_ok "fail-safe forward chain differs from bunrid's base chain"
	ip netns del "$NS"

	# Traffic: a gateway namespace between two hosts, as eth0 and eth1.
	A=${NS}_a B=${NS}_b
	ip netns add "$NS" && ip netns add "$A" && ip netns add "$B" &&
	ip -n "$NS" link add eth0 type veth peer name h0 netns "$A" &&
	ip -n "$NS" link add eth1 type veth peer name h1 netns "$B" &&
	ip -n "$NS" addr add 10.91.0.1/24 dev eth0 &&
	ip -n "$NS" addr add 10.92.0.1/24 dev eth1 &&
	ip -n "$A" addr add 10.91.0.2/24 dev h0 &&
	ip -n "$B" addr add 10.92.0.2/24 dev h1 &&
	for x in "$NS:eth0" "$NS:eth1" "$NS:lo" "$A:h0" "$A:lo" "$B:h1" "$B:lo"; do
		ip -n "${x%%:*}" link set "${x#*:}" up || exit 1
	done &&
	ip -n "$A" route add default via 10.91.0.1 &&
	ip -n "$B" route add default via 10.92.0.1 &&
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward=1
	if [ $? -ne 0 ]; then
		not_ok "cannot build the fail-safe lab"
	else
		# ICMP echo through netprobe.py: no ping binary is needed.
		ping_ok() {
			ip netns exec "$1" "$PY" tests/integration/netprobe.py icmp \
				--dst "$2" --timeout 1 >/dev/null 2>&1
		}
		ping_ok "$A" 10.92.0.2 && ok "lab: forwarding works before the fail-safe" ||
			not_ok "lab: no forwarding even without the fail-safe"
		ip netns exec "$NS" nft -f "$FS"
		ping_ok "$A" 10.92.0.2 && not_ok "fail-safe: eth0 -> eth1 still forwarded" ||
			ok "fail-safe: nothing forwarded from eth0 to eth1"
		ping_ok "$B" 10.91.0.2 && not_ok "fail-safe: eth1 -> eth0 still forwarded" ||
			ok "fail-safe: nothing forwarded from eth1 to eth0"
		ping_ok "$A" 10.91.0.1 && ok "fail-safe: the gateway itself still answers" ||
			not_ok "fail-safe: the gateway's own traffic is blocked"
		drops=$(ip netns exec "$NS" nft list chain inet bunri forward |
			sed -nE 's/.*counter packets ([0-9]+).*drop.*/\1/p')
		[ "${drops:-0}" -ge 2 ] && ok "fail-safe: its counter saw the drops ($drops)" ||
			not_ok "fail-safe: drop counter is '${drops:-}'"

		# bunrid takes the table over (the commit of its ruleset module).
		cat >"$TMP/lab.conf" <<'EOF'
version = 1;
zones = (
  { name = "lgwan"; interfaces = [ "eth1" ]; networks = [ "10.92.0.0/24" ]; },
  { name = "internet"; interfaces = [ "eth0" ]; networks = [ "0.0.0.0/0" ]; }
);
channels = (
  { name = "web"; from = "internet"; to = "lgwan"; dst = [ "10.92.0.2" ];
    proto = "icmp"; }
);
EOF
		TOOL=$TMP/nft_commit_tool
		if tests/integration/build_tool.sh "$BUILD" \
			tests/integration/nft_commit_tool.c "$TOOL" 2>"$TMP/err"; then
			if ip netns exec "$NS" "$TOOL" -V "$TMP/lab.conf" >"$TMP/v" 2>"$TMP/err" &&
				grep -q 'verify: match' "$TMP/v"; then
				ok "bunrid's commit takes the fail-safe table over (verify: match)"
			else
				not_ok "bunrid's commit over the fail-safe table: $(cat "$TMP/v" "$TMP/err" | head -5)"
			fi
			ip netns exec "$NS" nft list table inet bunri | grep -q failsafe &&
				not_ok "fail-safe rules remain after the takeover" ||
				ok "no fail-safe rule remains after the takeover"
			ping_ok "$A" 10.92.0.2 && ok "after the takeover the channel passes (internet -> lgwan icmp)" ||
				not_ok "after the takeover the permitted channel is blocked"
			ping_ok "$B" 10.91.0.2 && not_ok "after the takeover lgwan -> internet passes" ||
				ok "after the takeover lgwan -> internet is still dropped"
			# The unit's ExecStart must leave a live table alone.
			cmd=$(sed -nE "s/^ExecStart=\/bin\/sh -c '(.*)'$/\1/p" systemd/bunri-failsafe.service |
				sed "s|/etc/bunri/bunri-failsafe.nft|$ROOT/$FS|")
			before=$(ip netns exec "$NS" nft list table inet bunri | md5sum)
			if [ -n "$cmd" ] && ip netns exec "$NS" sh -c "$cmd"; then
				after=$(ip netns exec "$NS" nft list table inet bunri | md5sum)
				[ "$before" = "$after" ] &&
					ok "bunri-failsafe.service started again leaves bunrid's table alone" ||
					not_ok "bunri-failsafe.service started again overwrote bunrid's table"
			else
				not_ok "cannot run the ExecStart of bunri-failsafe.service ('$cmd')"
			fi
		else
			not_ok "cannot build nft_commit_tool: $(head -3 "$TMP/err")"
		fi
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
