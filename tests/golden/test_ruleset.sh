#!/bin/bash
# Golden files of the printed ruleset: tests/golden/ruleset-<name>.nft is what
# `bunrid -n` prints for conf/<name>.conf (and tests/fixtures/ruleset-<name>.conf)
# on 2026-01-01, generation 1. Each must match, and `nft -c -f` must accept
# it inside a throwaway network namespace (root; skipped otherwise).
#   tests/golden/test_ruleset.sh [BUILD]        UPDATE=1 rewrites the golden files
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
TMP=$(mktemp -d /tmp/bunri-golden.XXXXXX)
NS=bunri_gold_$$
cleanup() { ip netns del "$NS" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

TOOL=$TMP/nft_commit_tool
tests/integration/build_tool.sh "$BUILD" tests/integration/nft_commit_tool.c \
	"$TOOL" || { echo "FAIL: cannot build tool"; exit 1; }

havens=0
[ "$(id -u)" -eq 0 ] && ip netns add "$NS" 2>/dev/null && havens=1
fail=0 passed=0
for conf in conf/*.conf tests/fixtures/ruleset-*.conf; do
	[ -e "$conf" ] || continue
	name=$(basename "$conf" .conf)
	name=${name#ruleset-}
	gold=tests/golden/ruleset-$name.nft
	"$TOOL" -p -g 1 -d 20260101 "$conf" >"$TMP/out.nft" 2>/dev/null ||
		{ echo "FAIL - $name: ruleset not printed"; fail=1; continue; }
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$TMP/out.nft" "$gold"
		echo "updated $gold"
	elif ! diff -u "$gold" "$TMP/out.nft" >"$TMP/diff"; then
		echo "FAIL - $name: differs from $gold"
		head -30 "$TMP/diff"
		fail=$((fail + 1))
	else
		echo "ok - $name: matches $gold"
		passed=$((passed + 1))
	fi
	if [ $havens = 1 ]; then
		if ip netns exec "$NS" nft -c -f "$TMP/out.nft"; then
			echo "ok - $name: nft -c -f accepts it"
			passed=$((passed + 1))
		else
			echo "FAIL - $name: nft -c -f refuses it"
			fail=$((fail + 1))
		fi
	fi
done
[ $havens = 1 ] || echo "# nft -c skipped (needs root)"
echo "$passed passed, $fail failed"
[ "$fail" -eq 0 ]
