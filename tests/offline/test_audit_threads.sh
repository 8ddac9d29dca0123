#!/bin/bash
# The offline audit's two threads (a reader that decodes and plans, the
# caller that applies and writes) under ThreadSanitizer: bunrid built with
# -fsanitize=thread (build/tsan, which `make check` builds) reads the
# golden captures and generated traffic, a flood of new flows past
# capture.max_flows and the packets of a few thousand flows, in batches
# and rings that fill and drain. No data race may be reported, and the
# alerts and summary must be exactly those of the build under test.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
TSAN_BIN=${TSAN_BIN:-build/tsan/bunrid}
T=$(mktemp -d /tmp/bunri-threads.XXXXXX)
trap 'rm -rf "$T"' EXIT
PY=/usr/bin/python3
export TZ=Asia/Tokyo
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}"
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+: $2}"; }

if [ ! -x "$TSAN_BIN" ]; then
	fail "no ThreadSanitizer build at $TSAN_BIN (make check builds it)"
	echo "$passed passed, $failed failed"
	exit 1
fi

# Both builds on one capture: same stdout, same summary, no race.
same() { # NAME PCAP CONF
	local name=$1 cap=$2 conf=$3 rc
	"$BUILD/bunrid" -r "$cap" -c "$conf" >"$T/want" 2>"$T/want.err"
	"$TSAN_BIN" -r "$cap" -c "$conf" >"$T/got" 2>"$T/got.err"
	rc=$?
	if grep -q 'ThreadSanitizer' "$T/got.err" || [ "$rc" -eq 66 ]; then
		fail "$name: ThreadSanitizer" "$(grep -m1 -A3 'WARNING' "$T/got.err")"
	elif ! cmp -s "$T/want" "$T/got"; then
		fail "$name: alerts differ" "$(diff "$T/want" "$T/got" | head -n 4)"
	elif ! diff <(grep -v '^==' "$T/want.err") "$T/got.err" >/dev/null; then
		fail "$name: summaries differ" "$(diff "$T/want.err" "$T/got.err" | head -n 4)"
	else
		ok "$name: $(wc -l <"$T/got") alerts, no race"
	fi
}

"$PY" tests/offline/golden.py "$T/cap" >/dev/null || fail "golden captures not generated"
for cap in "$T"/cap/*; do
	[ -f "$cap" ] || continue
	same "golden $(basename "$cap")" "$cap" tests/fixtures/audit.conf
done

# Generated traffic over 8 zones, with the table at its smallest bound so
# that keys are evicted all along.
"$PY" tools/bench/gen_conf.py 200 "$T/b.conf" "$T/b.pfx" 1024 >/dev/null || fail "config not generated"
"$PY" tools/gen_pcap.py random "$T/flood.pcap" --count 150000 --prefixes "$T/b.pfx" >/dev/null &&
	same "150 000 packets, each a new flow" "$T/flood.pcap" "$T/b.conf"
"$PY" tools/gen_pcap.py random "$T/pool.pcap" --count 150000 --pool 3000 --seed 2 --prefixes "$T/b.pfx" >/dev/null &&
	same "150 000 packets of 3 000 flows" "$T/pool.pcap" "$T/b.conf"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
