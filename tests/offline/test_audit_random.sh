#!/bin/bash
# Captures bunri has never seen: random flows whose verdicts are known by
# construction (tests/offline/random_flows.py). The set of alerted flow
# keys must equal exactly the non-permitted cross-zone and unzoned flows:
# nothing for channels, their replies (also mid-flow) or intra-zone
# traffic. A new seed each run (printed; SEED=N repeats one).
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/bunri-random.XXXXXX)
trap 'rm -rf "$T"' EXIT
PY=/usr/bin/python3
passed=0 failed=0
runs=${RUNS:-3}
for run in $(seq "$runs"); do
	seed=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
	"$PY" tests/offline/random_flows.py "$seed" "$T/c.pcap" "$T/expected" 1500 ||
		{ echo "FAIL - generator (seed $seed)"; failed=$((failed + 1)); continue; }
	"$BUILD/bunrid" -r "$T/c.pcap" -c tests/fixtures/audit.conf >"$T/alerts" 2>"$T/err" ||
		{ echo "FAIL - bunrid -r (seed $seed)"; failed=$((failed + 1)); continue; }
	"$PY" -c '
import json, sys
keys = set()
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["alert"] not in ("cross-zone", "unzoned"):
        continue
    port = o.get("dport", o.get("icmp_type", 0))
    p = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}.get(o["proto"], o["proto"])
    keys.add("%s %s %s %s" % (o["src"], o["dst"], p, port))
for k in sorted(keys):
    print(k)' "$T/alerts" >"$T/got"
	n=$(wc -l <"$T/expected")
	if diff "$T/expected" "$T/got" >"$T/diff"; then
		echo "ok - seed $seed: the $n alerted flow keys are exactly the forbidden ones"
		passed=$((passed + 1))
	else
		echo "FAIL - seed $seed: alerted keys differ from the forbidden flows (< missed, > extra)"
		head -20 "$T/diff"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
