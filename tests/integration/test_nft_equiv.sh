#!/bin/bash
# What bunrid commits through libnftnl and what `bunrid -n` prints are the
# same ruleset (DESIGN.md "Runtime behaviour"): for every sample
# configuration, commit it in one network namespace, load the printed text
# with `nft -f` in another, and compare the two `nft list table` outputs.
# Also: a reload keeps the table and replaces the sets, a batch the kernel
# refuses leaves the running ruleset untouched, and tampering is seen.
#   tests/integration/test_nft_equiv.sh [BUILD]     (root; exits 0 or 1)
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root" >&2; exit 77; }

TMP=$(mktemp -d /tmp/bunri-equiv.XXXXXX)
NSA=bunri_eqa_$$
NSB=bunri_eqb_$$
cleanup() {
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

TOOL=$TMP/nft_commit_tool
tests/integration/build_tool.sh "$BUILD" tests/integration/nft_commit_tool.c \
	"$TOOL" || { echo "FAIL: cannot build tool"; exit 1; }

fail=0 passed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
bad() { echo "FAIL - $*"; fail=$((fail + 1)); }
fresh() {
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	ip netns add "$NSA" && ip netns add "$NSB"
}
# The table flags line (owner, persist) exists only on the committed side:
# a table loaded by `nft -f` cannot be owned by the exited nft process.
list() { ip netns exec "$1" nft list table inet "$2" | sed '/^	flags /{N;d}'; }
# The live table of NSA against generation $1 of $conf: "verify: ..." lines.
verify() { ip netns exec "$NSA" "$TOOL" -O -g "$1" -d 20260101 "$conf"; }

confs=$(ls conf/*.conf tests/fixtures/ruleset-*.conf 2>/dev/null)
[ -n "$confs" ] || { echo "FAIL: no conf/*.conf"; exit 1; }
for conf in $confs; do
	name=$(basename "$conf" .conf)
	fresh || { bad "$name: namespaces"; continue; }
	table=$(sed -n 's/^[[:space:]]*table[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$conf" | head -1)
	table=${table:-bunri}
	if ! ip netns exec "$NSA" "$TOOL" -g 1 -d 20260101 "$conf" \
		2>"$TMP/commit.err"; then
		bad "$name: commit: $(cat "$TMP/commit.err")"
		continue
	fi
	"$TOOL" -p -g 1 -d 20260101 "$conf" >"$TMP/$name.nft" ||
		{ bad "$name: print"; continue; }
	ip netns exec "$NSB" nft -f "$TMP/$name.nft" ||
		{ bad "$name: nft -f refused the printed ruleset"; continue; }
	list "$NSA" "$table" >"$TMP/a.list"
	list "$NSB" "$table" >"$TMP/b.list"
	if [ -s "$TMP/a.list" ] && cmp -s "$TMP/a.list" "$TMP/b.list"; then
		ok "$name: libnftnl commit and nft -f list identically ($(wc -l <"$TMP/a.list") lines)"
	else
		bad "$name: listings differ"
		diff "$TMP/a.list" "$TMP/b.list" | head -20
	fi
	ip netns exec "$NSA" nft list table inet "$table" | grep -q 'flags' &&
		ok "$name: table carries owner/persist flags" ||
		bad "$name: table has no flags"

	# Verification of the live table, then tampering by another process.
	if verify 1 | grep -q '^verify: match'; then
		ok "$name: live table verifies"
	else
		bad "$name: live table does not verify"
	fi
	ip netns exec "$NSA" nft insert rule inet "$table" forward accept
	if verify 1 | grep -q '^verify: differs'; then
		ok "$name: a rule added by nft is detected"
	else
		bad "$name: tampering not detected"
	fi

	# Reload: a second commit replaces the sets (generation 2) and rules.
	if ip netns exec "$NSA" "$TOOL" -V -d 20260101 "$conf" \
		>"$TMP/re.out" 2>&1 && grep -q '^verify: match' "$TMP/re.out"; then
		ok "$name: reload commits and verifies"
	else
		bad "$name: reload: $(cat "$TMP/re.out")"
	fi
	if ip netns exec "$NSA" nft list sets inet | grep -q '_g1 ' ||
		! ip netns exec "$NSA" nft list sets inet | grep -q '_g2 '; then
		bad "$name: old sets not replaced by generation 2"
	else
		ok "$name: sets replaced by generation 2"
	fi
	"$TOOL" -p -g 2 -d 20260101 "$conf" >"$TMP/$name.2.nft"
	ip netns exec "$NSB" nft flush ruleset
	ip netns exec "$NSB" nft -f "$TMP/$name.2.nft"
	list "$NSA" "$table" >"$TMP/a.list"
	list "$NSB" "$table" >"$TMP/b.list"
	cmp -s "$TMP/a.list" "$TMP/b.list" &&
		ok "$name: reloaded table lists as the printed generation 2" ||
		{ bad "$name: reloaded table differs from printed generation 2"
		  diff "$TMP/a.list" "$TMP/b.list" | head -20; }

	# What only a comparison with the committed ruleset can see, when the
	# change events were lost: an element slipped into a zone set, a base
	# chain's policy (the table made dormant: below). Each is told from the
	# intact table; a fresh commit puts it right again.
	expect_differs() {
		local what=$1 pat=$2
		verify 2 >"$TMP/v.out" 2>&1
		if grep -Eq "^verify: differs: .*$pat" "$TMP/v.out"; then
			ok "$name: $what is detected ($(sed 's/^verify: differs: //' "$TMP/v.out" | head -c 120))"
		else
			bad "$name: $what not detected: $(cat "$TMP/v.out")"
		fi
		ip netns exec "$NSA" "$TOOL" -V -g 2 -d 20260101 "$conf" \
			>"$TMP/fix.out" 2>&1 || true
	}
	set2=$(ip netns exec "$NSA" nft list sets inet |
		sed -n 's/^[[:space:]]*set \(z_[a-z0-9_-]*_v4_g2\) {.*/\1/p' | head -n 1)
	if [ -n "$set2" ] &&
		ip netns exec "$NSA" nft add element inet "$table" "$set2" '{ 198.18.0.1 }' 2>/dev/null ||
		{ [ -n "$set2" ] && ip netns exec "$NSA" nft add element inet "$table" "$set2" '{ 100.64.0.1 }'; }; then
		expect_differs "an element added to $set2" "set .* has an element added"
	else
		bad "$name: could not add an element to a zone set (${set2:-none found})"
	fi
	ip netns exec "$NSA" nft add chain inet "$table" forward '{ policy drop; }' &&
		expect_differs "a base chain's policy" "policy changed" ||
		bad "$name: could not change the chain's policy"
	if verify 2 | grep -q '^verify: match'; then
		ok "$name: after the fresh commits the table verifies"
	else
		bad "$name: the table does not verify after the fresh commits"
	fi

	# A batch the kernel refuses (rules naming a missing counter) changes
	# nothing, and the error names the object.
	list "$NSA" "$table" >"$TMP/before.list"
	if ip netns exec "$NSA" "$TOOL" -B -d 20260101 "$conf" \
		2>"$TMP/refused.err"; then
		bad "$name: broken batch was accepted"
	else
		grep -q 'rule in chain .*No such file or directory' \
			"$TMP/refused.err" &&
			ok "$name: refusal names the rule: $(head -1 "$TMP/refused.err")" ||
			bad "$name: refusal message: $(cat "$TMP/refused.err")"
	fi
	list "$NSA" "$table" >"$TMP/after.list"
	cmp -s "$TMP/before.list" "$TMP/after.list" &&
		ok "$name: refused batch left the ruleset untouched" ||
		bad "$name: refused batch changed the ruleset"
done

# A table made dormant switches its rules off. The owner and persist flags
# keep nft from doing it (it would drop them); a table without them, as
# daemon.table_owner = false leaves it, is checked for it.
ip netns exec "$NSA" nft delete table inet bunri 2>/dev/null
if ip netns exec "$NSA" "$TOOL" -N -V -g 1 -d 20260101 conf/bunri.conf \
	>/dev/null 2>&1 &&
	ip netns exec "$NSA" nft add table inet bunri '{ flags dormant; }' &&
	ip netns exec "$NSA" "$TOOL" -O -g 1 -d 20260101 conf/bunri.conf |
	grep -q '^verify: differs: table bunri was made dormant'; then
	ok "a table made dormant is detected"
else
	bad "a table made dormant is not detected"
fi

# A leftover table whose chain "forward" is hooked elsewhere (here: input)
# must not be reused: the first commit replaces the table, base chains
# included, in one transaction.
ip netns exec "$NSA" nft delete table inet bunri 2>/dev/null
ip netns exec "$NSA" nft -f - <<'NFT'
table inet bunri {
	chain forward { type filter hook input priority 0; policy accept; }
}
NFT
if ip netns exec "$NSA" "$TOOL" -V conf/bunri.conf >/dev/null 2>&1 &&
	ip netns exec "$NSA" nft list chain inet bunri forward |
	grep -q "hook forward priority filter - 5"; then
	ok "a leftover chain forward hooked on input is replaced, not reused"
else
	bad "a leftover chain forward hooked on input was reused"
fi
echo "$passed passed, $fail failed"
[ "$fail" -eq 0 ]
