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

# The flood again, with an ARP packet from a MAC the first zone does not
# list every 997 packets: alerts with extras (unknown-device), which the
# applier formats itself, among flow alerts it may leave to the reader.
sed 's|{ name = "z0"; networks|{ name = "z0"; devices = [ "02:00:00:00:00:01" ]; networks|' \
	"$T/b.conf" >"$T/dev.conf"
"$PY" - "$T/flood.pcap" "$T/mixed.pcap" <<'PYEOF' &&
import struct, sys
src, dst = open(sys.argv[1], "rb"), open(sys.argv[2], "wb")
head = src.read(24)
e = ">" if head[:4] == bytes.fromhex("a1b2c3d4") else "<"
dst.write(head)
n = 0
while True:
    rec = src.read(16)
    if len(rec) < 16:
        break
    sec, frac, incl, _ = struct.unpack(e + "IIII", rec)
    dst.write(rec + src.read(incl))
    n += 1
    if n % 997 == 0:
        mac = bytes([2, 0, 0, 0, n >> 8 & 0xff, n & 0xff])
        ip = bytes([10, 0, 0, n % 250 + 1])
        arp = (b"\xff" * 6 + mac + b"\x08\x06" +
               struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + ip +
               b"\x00" * 6 + ip)
        dst.write(struct.pack(e + "IIII", sec, frac, len(arp), len(arp)) + arp)
PYEOF
	grep -q '"z0"; devices' "$T/dev.conf" &&
	same "the flood with 150 unknown devices among it" "$T/mixed.pcap" "$T/dev.conf"
if [ -s "$T/got" ] && [ "$(grep -c '"alert":"unknown-device"' "$T/got")" -eq 150 ]; then
	ok "its 150 unknown-device alerts are all there"
else
	fail "unknown-device alerts in the mixed flood" "$(grep -c unknown-device "$T/got" 2>/dev/null)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
