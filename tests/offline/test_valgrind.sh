#!/bin/bash
# The offline paths under valgrind (the optimised build, not the sanitizer
# one): -t on good and broken configurations, -n, and -r on crafted
# captures must leave no leak and no memory error.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
BUILD=${VALGRIND_BUILD:-build}
T=$(mktemp -d /tmp/bunri-vg.XXXXXX)
trap 'rm -rf "$T"' EXIT
passed=0 failed=0
if ! command -v valgrind >/dev/null || [ ! -x "$BUILD/bunrid" ]; then
	echo "FAIL - valgrind or $BUILD/bunrid missing"
	echo "0 passed, 1 failed"
	exit 1
fi
/usr/bin/python3 tests/offline/golden.py "$T/cap" >/dev/null
printf 'version = 1;\nzones = ( { name = "a"; networks = [ "10.1.0.1/16" ]; } );\n' >"$T/bad.conf"
printf 'version = 1;\nzones = ( { name = "a" ;\n' >"$T/syntax.conf"

vg() {
	local name=$1 want=$2
	shift 2
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		"$@" >"$T/out" 2>"$T/err"
	local rc=$?
	if [ $rc -eq "$want" ]; then
		echo "ok - $name: clean under valgrind"
		passed=$((passed + 1))
	else
		echo "FAIL - $name: exit $rc (want $want)"
		grep -E '==[0-9]+==' "$T/err" | head -20
		failed=$((failed + 1))
	fi
}
vg "-t sample" 0 "$BUILD/bunrid" -t -c conf/bunri.conf
vg "-t host bits" 1 "$BUILD/bunrid" -t -c "$T/bad.conf"
vg "-n sample" 0 "$BUILD/bunrid" -n -c conf/bunri.conf
vg "-n audit fixture" 0 "$BUILD/bunrid" -n -c tests/fixtures/audit.conf
for c in fragments devices ipv6_cross link_sll2 truncated; do
	f=$(ls "$T/cap/$c".* | head -1)
	vg "-r $c" 0 "$BUILD/bunrid" -r "$f" -c tests/fixtures/audit.conf
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
