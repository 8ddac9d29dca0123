#!/bin/bash
# bunrid's command line on real files: -t on every sample configuration and
# on one broken file per validation rule (exit 1, FILE:LINE: message), -n
# against the golden tool output, -r on files that are not captures, and
# bunrictl with no daemon. Prints "N passed, N failed".
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/bunri-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+: $2}"; }

for c in conf/*.conf; do
	out=$("$BUILD/bunrid" -t -c "$c" 2>&1)
	if [ $? -eq 0 ] && grep -qx "configuration OK" <<<"$out"; then
		ok "-t $c"
	else
		fail "-t $c" "$out"
	fi
done

# bad NAME LINE MESSAGE-REGEX <<<TEXT: -t exits 1 and prints NAME.conf:LINE:
# (LINE empty: a whole-file problem, printed as NAME.conf: message)
bad() {
	local name=$1 line=$2 re=$3 f="$T/$1.conf" out rc
	cat >"$f"
	out=$("$BUILD/bunrid" -t -c "$f" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && grep -qE "^$f:${line:+$line:} .*$re" <<<"$out" &&
		! grep -q "configuration OK" <<<"$out"; then
		ok "-t refuses: $name"
	else
		fail "-t refuses: $name" "rc=$rc: $out"
	fi
}

Z='zones = ( { name = "mynumber"; interfaces = [ "eth1" ]; networks = [ "10.1.0.0/16" ]; },
  { name = "internet"; interfaces = [ "eth0" ]; networks = [ "0.0.0.0/0" ]; },
  { name = "lgwan"; networks = [ "10.2.0.0/16" ]; } );'

bad syntax 3 'syntax error' <<<'version = 1;
zones = ( { name = "a"; networks = [ "10.0.0.0/8" ]; }
  oops );'
bad unknown-key 2 'unknown' <<<"version = 1;
daemon: { mode = \"enforce\"; tabel = \"x\"; };
$Z"
bad missing-zones '' 'zones' <<<'version = 1;'
bad dup-zone 3 'already' <<<'version = 1;
zones = ( { name = "a"; networks = [ "10.1.0.0/16" ]; },
  { name = "a"; networks = [ "10.2.0.0/16" ]; } );'
bad dup-channel 7 'already' <<<"version = 1;
$Z
channels = (
  { name = \"c\"; from = \"lgwan\"; to = \"internet\"; },
  { name = \"c\"; from = \"lgwan\"; to = \"internet\"; } );"
bad unknown-zone 6 'unknown zone' <<<"version = 1;
$Z
channels = (
  { name = \"c\"; from = \"lgwan\"; to = \"intranet\"; } );"
bad from-eq-to 6 'same zone' <<<"version = 1;
$Z
channels = (
  { name = \"c\"; from = \"lgwan\"; to = \"lgwan\"; } );"
bad host-bits 2 'host bits' <<<'version = 1;
zones = ( { name = "a"; networks = [ "10.1.0.1/16" ]; } );'
bad malformed-prefix 2 'malformed|bad network' <<<'version = 1;
zones = ( { name = "a"; networks = [ "10.1.0/33" ]; } );'
bad prefix-in-two-zones 3 'already' <<<'version = 1;
zones = ( { name = "a"; networks = [ "10.1.0.0/16" ]; },
  { name = "b"; networks = [ "10.1.0.0/16" ]; } );'
bad interface-in-two-zones 3 'eth1' <<<'version = 1;
zones = ( { name = "a"; interfaces = [ "eth1" ]; networks = [ "10.1.0.0/16" ]; },
  { name = "b"; interfaces = [ "eth1" ]; networks = [ "10.2.0.0/16" ]; } );'
bad port-zero 6 'port' <<<"version = 1;
$Z
channels = (
  { name = \"c\"; from = \"lgwan\"; to = \"internet\"; proto = \"tcp\"; ports = [ 0 ]; } );"
bad port-too-big 6 'port' <<<"version = 1;
$Z
channels = (
  { name = \"c\"; from = \"lgwan\"; to = \"internet\"; proto = \"tcp\"; ports = [ 65536 ]; } );"
bad port-reversed 6 'reversed' <<<"version = 1;
$Z
channels = (
  { name = \"c\"; from = \"lgwan\"; to = \"internet\"; proto = \"tcp\"; ports = ( \"443-80\" ); } );"
bad ports-without-proto 6 'ports' <<<"version = 1;
$Z
channels = (
  { name = \"c\"; from = \"lgwan\"; to = \"internet\"; proto = \"icmp\"; ports = [ 1 ]; } );"
bad expires 6 'expires' <<<"version = 1;
$Z
channels = (
  { name = \"c\"; from = \"lgwan\"; to = \"internet\"; expires = \"2027-02-29\"; } );"
bad severity 2 'severity' <<<'version = 1;
zones = ( { name = "a"; networks = [ "10.1.0.0/16" ]; severity = "urgent"; } );'
bad mode 2 'mode' <<<"version = 1;
daemon: { mode = \"audit\"; };
$Z"
bad kind 6 'kind' <<<"version = 1;
$Z
channels = (
  { name = \"c\"; kind = \"tunnel\"; from = \"lgwan\"; to = \"internet\"; } );"
bad facility 2 'facility' <<<"version = 1;
log: { facility = \"local9\"; };
$Z"
bad same-as-unknown 2 'same_as' <<<'version = 1;
zones = ( { name = "a"; same_as = "b"; networks = [ "10.1.0.0/16" ]; } );'
bad same-as-chain 4 'same_as' <<<'version = 1;
zones = ( { name = "a"; networks = [ "10.1.0.0/16" ]; },
  { name = "b"; same_as = "a"; networks = [ "10.2.0.0/16" ]; },
  { name = "c"; same_as = "b"; networks = [ "10.3.0.0/16" ]; } );'
bad mynumber-internet-not-designated 6 'designated' <<<"version = 1;
$Z
channels = (
  { name = \"c\"; from = \"internet\"; to = \"mynumber\"; proto = \"tcp\"; ports = [ 443 ]; } );"

# Warnings do not fail: an expired channel, a zone without networks.
cat >"$T/warn.conf" <<EOF2
version = 1;
zones = ( { name = "mynumber"; interfaces = [ "eth1" ]; networks = [ "10.1.0.0/16" ]; },
  { name = "internet"; interfaces = [ "eth0" ]; networks = [ "0.0.0.0/0" ]; },
  { name = "lgwan"; networks = [ "10.2.0.0/16" ]; },
  { name = "spare"; } );
channels = (
  { name = "old"; from = "lgwan"; to = "internet"; expires = "2020-01-01"; } );
EOF2
out=$("$BUILD/bunrid" -t -c "$T/warn.conf" 2>&1)
if [ $? -eq 0 ] && grep -q "configuration OK" <<<"$out" &&
	grep -qE "warn.conf:7: warning: .*(expire|lapse)" <<<"$out" &&
	grep -qE "warn.conf:5: warning: " <<<"$out"; then
	ok "-t warns but passes: expired channel, zone without networks"
else
	fail "-t warnings" "$out"
fi

# -n is the golden ruleset of the sample (the tool prints the same objects).
if "$BUILD/bunrid" -n -c conf/bunri.conf >"$T/n.nft" 2>"$T/n.err" &&
	grep -q '^table inet bunri' "$T/n.nft" &&
	diff <(grep -v '^#' "$T/n.nft") <(grep -v '^#' tests/golden/ruleset-bunri.nft) >/dev/null; then
	ok "-n prints the golden ruleset of conf/bunri.conf"
else
	fail "-n" "$(head -5 "$T/n.err")"
fi
if "$BUILD/bunrid" -n -c "$T/syntax.conf" >/dev/null 2>&1; then
	fail "-n refuses a broken configuration"
else
	ok "-n refuses a broken configuration"
fi

# -r on what is not a capture.
echo "not a capture" >"$T/x.pcap"
out=$("$BUILD/bunrid" -r "$T/x.pcap" -c conf/bunri.conf 2>&1)
[ $? -eq 1 ] && grep -q "$T/x.pcap" <<<"$out" && ok "-r refuses a non-capture file, naming it" ||
	fail "-r non-capture" "$out"
out=$("$BUILD/bunrid" -r "$T/missing.pcap" -c conf/bunri.conf 2>&1)
[ $? -eq 1 ] && grep -q "missing.pcap" <<<"$out" && ok "-r names a missing file" ||
	fail "-r missing" "$out"
out=$("$BUILD/bunrid" -t -n -c conf/bunri.conf 2>&1)
[ $? -eq 1 ] && ok "-t and -n exclude each other" || fail "-t -n" "$out"

# bunrictl without a daemon.
out=$("$BUILD/bunrictl" -s "$T/none.sock" status 2>&1)
[ $? -eq 1 ] && grep -q "is the daemon running" <<<"$out" &&
	ok "bunrictl: clear message when no daemon runs" || fail "bunrictl no daemon" "$out"
out=$("$BUILD/bunrictl" 2>&1)
[ $? -eq 1 ] && grep -q usage <<<"$out" && ok "bunrictl: usage" || fail "bunrictl usage" "$out"
for both in "-s $T/none.sock -c conf/bunri.conf" "-c conf/bunri.conf -s $T/none.sock" \
	"-s $T/a.sock -s $T/none.sock"; do
	# shellcheck disable=SC2086
	out=$("$BUILD/bunrictl" $both status 2>&1)
	[ $? -eq 1 ] && grep -q "not both" <<<"$out" &&
		ok "bunrictl: $both refused" || fail "bunrictl $both" "$out"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
