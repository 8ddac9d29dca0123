#!/bin/bash
# Commit time of a large ruleset: 100 000 prefixes (IPv4 and IPv6, 8 zones,
# interleaved so that no two neighbouring ranges merge), committed through
# libnftnl by bunri versus `nft -f` of bunri's own printed ruleset of the
# same configuration, each into a fresh network namespace, best of 3.
# Targets: ratio <= 1.0 and bunri's commit < 2 s.
#   tools/bench/bench_commit.sh [BUILD] [PREFIXES]      (root)
set -u
BUILD=${1:-build}
N=${2:-100000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
[ "$(id -u)" -eq 0 ] || { echo "bench_commit: needs root" >&2; exit 77; }
TMP=$(mktemp -d /tmp/bunri-bench.XXXXXX)
NS=bunri_bench_$$
cleanup() { ip netns del "$NS" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

TOOL=$TMP/nft_commit_tool
tests/integration/build_tool.sh "$BUILD" tests/integration/nft_commit_tool.c \
	"$TOOL" || exit 1

# Zones z0..z6 share 10.0.0.0/8 (/24s) and fd00::/16 (/48s) round-robin;
# "internet" holds the rest.
python3 - "$N" >"$TMP/big.conf" <<'PY'
import sys
n = int(sys.argv[1]); z = 7
nets = [[] for _ in range(z)]
for j in range(n // 2):
    nets[j % z].append('"10.%d.%d.0/24"' % (j >> 8, j & 255))
for j in range(n - n // 2):
    nets[j % z].append('"fd00:%x:%x::/48"' % (j >> 16, j & 0xffff))
print('version = 1;\ndaemon: { mode = "enforce"; table = "bunri"; };')
print('zones = (')
for k in range(z):
    print('  { name = "z%d"; interfaces = [ "eth%d" ]; networks = [ %s ]; },'
          % (k, k + 1, ", ".join(nets[k])))
print('  { name = "internet"; interfaces = [ "eth0" ]; '
      'networks = [ "0.0.0.0/0", "::/0" ]; }\n);')
print('channels = (')
ch = []
for k in range(z):
    ch.append('  { name = "web%d"; kind = "proxy"; from = "z%d"; '
              'to = "internet"; proto = "tcp"; ports = ( 80, 443, "8000-8080" ); }'
              % (k, k))
print(",\n".join(ch) + "\n);")
PY

"$TOOL" -p -g 1 "$TMP/big.conf" >"$TMP/big.nft" 2>/dev/null ||
	{ echo "bench_commit: print failed"; exit 1; }
echo "config: $N prefixes, $(grep -c . "$TMP/big.nft") lines printed"

now() { date +%s.%N; }
best() { sort -g | head -1; }
run_ours() {
	ip netns del "$NS" 2>/dev/null; ip netns add "$NS"
	local t0 t1
	t0=$(now)
	ip netns exec "$NS" "$TOOL" -g 1 "$TMP/big.conf" 2>"$TMP/ours.err" ||
		{ cat "$TMP/ours.err" >&2; return 1; }
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }'
	sed -n 's/.*commit \([0-9.]*\) s.*/\1/p' "$TMP/ours.err" >>"$TMP/commit.only"
}
run_nft() {
	ip netns del "$NS" 2>/dev/null; ip netns add "$NS"
	local t0 t1
	t0=$(now)
	ip netns exec "$NS" nft -f "$TMP/big.nft" || return 1
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }'
}
: >"$TMP/ours"; : >"$TMP/nft"; : >"$TMP/commit.only"
for i in 1 2 3; do
	run_ours >>"$TMP/ours" || exit 1
	run_nft >>"$TMP/nft" || exit 1
done
ours=$(best <"$TMP/ours")
commit=$(best <"$TMP/commit.only")
theirs=$(best <"$TMP/nft")
echo "bunri (load config + build + commit): ${ours} s  (commit alone ${commit} s)"
echo "nft -f of the printed ruleset:        ${theirs} s"
awk -v a="$ours" -v b="$theirs" -v c="$commit" 'BEGIN {
	printf "ratio bunri/nft: %.2f (target <= 1.0); commit alone/nft: %.2f\n", a / b, c / b
	printf "absolute: %.3f s (target < 2 s): %s\n", a, a < 2 ? "met" : "NOT met"
	exit !(a / b <= 1.0 && a < 2) }'
