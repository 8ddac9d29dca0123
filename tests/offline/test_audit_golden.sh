#!/bin/bash
# Golden tests of the offline audit: every crafted capture of
# tests/offline/golden.py through `bunrid -r` under tests/fixtures/audit.conf
# must print exactly tests/golden/audit/CASE.jsonl (UPDATE=1 rewrites them),
# every line valid JSON, with a summary on standard error. Needs no root.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/bunri-audit.XXXXXX)
trap 'rm -rf "$T"' EXIT
PY=/usr/bin/python3
export TZ=Asia/Tokyo
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+: $2}"; }

"$PY" tests/offline/golden.py "$T/cap" || { fail "captures not generated"; echo "$passed passed, $failed failed"; exit 1; }
for cap in "$T"/cap/*; do
	name=$(basename "$cap")
	name=${name%.*}
	gold=tests/golden/audit/$name.jsonl
	if ! "$BUILD/bunrid" -r "$cap" -c tests/fixtures/audit.conf >"$T/out" 2>"$T/err"; then
		fail "$name: bunrid -r failed" "$(head -3 "$T/err")"
		continue
	fi
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$T/out" "$gold"
		echo "updated $gold"
		continue
	fi
	if diff -u "$gold" "$T/out" >"$T/diff"; then
		ok "$name: alerts as expected ($(wc -l <"$gold") lines)"
	else
		fail "$name: alerts differ" "$(head -20 "$T/diff")"
	fi
	if "$PY" -c 'import json,sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert o["ts"] and o["alert"] and o["action"] == "observed"' "$T/out"; then
		ok "$name: every line is a JSON object with ts, alert, action"
	else
		fail "$name: JSON"
	fi
	grep -q "^SRC_ZONE" "$T/err" && ok "$name: summary on stderr" || fail "$name: no summary"
	# A classic pcap file is read by bunri's own reader, standard input
	# through libpcap: the two must agree, alerts and summary.
	"$BUILD/bunrid" -r - -c tests/fixtures/audit.conf <"$cap" >"$T/in.out" 2>"$T/in.err"
	if cmp -s "$T/out" "$T/in.out" &&
		diff -q <(grep -v "^bunrid: offline audit of" "$T/err") \
			<(grep -v "^bunrid: offline audit of" "$T/in.err") >/dev/null; then
		ok "$name: the same read from the file and through libpcap"
	else
		fail "$name: file and standard input differ"
	fi
done

# Standard input, and the same alerts from a capture read through "-".
if "$BUILD/bunrid" -r - -c tests/fixtures/audit.conf <"$T/cap/ipv4_cross.pcap" >"$T/stdin.out" 2>/dev/null &&
	diff -q "$T/stdin.out" tests/golden/audit/ipv4_cross.jsonl >/dev/null; then
	ok "-r - reads standard input"
else
	fail "-r - reads standard input"
fi

# A capture cut off in the middle of a packet: what was read is reported,
# the damage named, exit 1.
head -c 150 "$T/cap/repeat_interval.pcap" >"$T/cut.pcap"
out=$("$BUILD/bunrid" -r "$T/cut.pcap" -c tests/fixtures/audit.conf 2>&1 >/dev/null)
rc=$?
[ $rc -eq 1 ] && grep -q "cut.pcap" <<<"$out" && ok "a capture cut short is reported, exit 1" ||
	fail "cut capture" "rc=$rc $out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
