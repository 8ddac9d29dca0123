#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# nftmon against the kernel: a driver (nftmon_watch.c) watches "inet bunri"
# in a network namespace of its own while nft changes things there; every
# change to the table must be reported with nft's pid and name, changes to
# other tables and the driver's own commits must not.
#
# usage: test_nftmon.sh BUILD_DIR      (root; the driver goes to BUILD_DIR)

set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
lib_init
require_root

BUILD=${1:-build}
mkdir -p "$BUILD/tests"
BUILD=$(cd "$BUILD" && pwd)
tmp=$(lib_tmpdir)
ns=bunri-nftmon-$$
drv=$BUILD/tests/nftmon_watch

# Compiled straight from the sources, sanitised, so the test does not
# depend on the rest of libbunri.a being built.
# shellcheck disable=SC2046
if ! ${CC:-gcc} -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
	-D_GNU_SOURCE -I"$root/include" \
	-fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all \
	-o "$drv" "$here/nftmon_watch.c" "$root/src/nftmon.c" \
	$(pkg-config --cflags --libs libnftnl libmnl); then
	fail "build nftmon_watch"
	finish
fi
ok "build nftmon_watch"

cleanup_add "ip netns del $ns"
ip netns add "$ns" || { fail "create namespace $ns"; finish; }
nsx() { ip netns exec "$ns" "$@"; }

# start_driver OUT ARGS...: runs the driver in the namespace until "ready".
start_driver() {
	local out=$1
	shift
	nsx "$drv" "$@" >"$out" 2>"$out.err" &
	drv_pid=$!
	drv_pids="$drv_pids $drv_pid"
	cleanup_add "kill $drv_pid"
	wait_for "grep -q '^ready' '$out'" 10
}

# nft_pid ARGS...: runs nft in the namespace, prints its pid (exec keeps
# the pid of the shell that reported it).
nft_pid() {
	local pidf="$tmp/nftpid.$RANDOM"
	# shellcheck disable=SC2016
	if ! nsx sh -c 'echo $$ >"$0"; exec nft "$@"' "$pidf" "$@" \
		>"$tmp/nft.out" 2>&1; then
		echo "nft $* failed: $(cat "$tmp/nft.out")" >&2
		return 1
	fi
	cat "$pidf"
}

# expect NAME OUT PID PATTERN: the driver reported PID's change with nft's
# name and a summary matching PATTERN (grep -E).
expect() {
	local name=$1 out=$2 pid=$3 pat=$4 line
	if ! wait_for "grep -q '^change pid=$pid ' '$out'" 5; then
		fail "$name" "no event for pid $pid"
		return
	fi
	line=$(grep "^change pid=$pid " "$out")
	if [ "$(echo "$line" | wc -l)" -ne 1 ]; then
		fail "$name" "more than one event: $line"
	elif ! echo "$line" | grep -q ' comm=nft '; then
		fail "$name" "no comm=nft: $line"
	elif ! echo "$line" | grep -Eq "$pat"; then
		fail "$name" "summary does not match /$pat/: $line"
	else
		ok "$name"
	fi
}

drv_pids=
out=$tmp/watch.out
if ! start_driver "$out" -o -s 60; then
	fail "driver ready" "$(cat "$out.err")"
	finish
fi
ok "driver ready"

# step NAME PATTERN NFT-ARGS...: one nft change, which must be reported.
step() {
	local name=$1 pat=$2 p
	shift 2
	if p=$(nft_pid "$@"); then
		expect "$name" "$out" "$p" "$pat"
	else
		fail "$name" "nft $* failed"
	fi
}

step "add table reported" 'table_added=1 .*summary=add table$' \
	add table inet bunri
step "add chain reported" 'summary=add chain to_lgwan( |$)' \
	add chain inet bunri to_lgwan '{ type filter hook forward priority 0; }'
step "add rule reported" \
	'added=table:0,chain:0,rule:1,.*summary=add rule chain to_lgwan handle [0-9]+$' \
	add rule inet bunri to_lgwan tcp dport 22 accept
handle=$(nsx nft -a list chain inet bunri to_lgwan |
	sed -n 's/.*dport 22 accept # handle \([0-9]*\).*/\1/p')
step "delete rule reported" \
	"deleted=table:0,chain:0,rule:1,.*summary=delete rule chain to_lgwan handle ${handle:-none}\$" \
	delete rule inet bunri to_lgwan handle "${handle:-0}"
step "add set reported" 'summary=add set zones' \
	add set inet bunri zones '{ type ipv4_addr; flags interval; }'
step "add elements reported" 'element:[1-9].*summary=add [0-9]+ elements? set zones' \
	add element inet bunri zones '{ 10.1.0.0/16, 10.2.0.0/16 }'

# Changes to other tables, then a marker change to ours: nothing may be
# reported between the previous event and the marker.
before=$(grep -c '^change' "$out")
o1=$(nft_pid add table inet other)
o2=$(nft_pid add chain inet other to_lgwan '{ type filter hook forward priority 0; }')
o3=$(nft_pid add rule inet other to_lgwan accept)
o4=$(nft_pid add table ip bunri)
o5=$(nft_pid delete table inet other)
o6=$(nft_pid delete table ip bunri)
p=$(nft_pid add chain inet bunri marker)
expect "marker change reported" "$out" "$p" 'summary=add chain marker'
after=$(grep -c '^change' "$out")
if [ -n "$o1" ] && [ -n "$o2" ] && [ -n "$o3" ] && [ -n "$o4" ] &&
	[ -n "$o5" ] && [ -n "$o6" ] && [ $((after - before)) -eq 1 ] &&
	! grep -Eq "^change pid=($o1|$o2|$o3|$o4|$o5|$o6) " "$out"; then
	ok "other tables ignored"
else
	fail "other tables ignored" "$(tail -n +2 "$out")"
fi

step "delete table reported" 'table_deleted=1 .*summary=delete table(;|$)' \
	delete table inet bunri

# The driver's own commit (its table + chain, then their deletion) came
# before "ready" and must not show up at all.
if grep -q "comm=nftmon_watch\|^change pid=$drv_pid " "$out"; then
	fail "own commits ignored" "$(grep nftmon_watch "$out")"
else
	ok "own commits ignored"
fi
if grep -q '^resync' "$out"; then
	fail "no events lost" "$(grep '^resync' "$out")"
else
	ok "no events lost"
fi

# Negative control: the same own commit, with its port id not passed to
# nftmon, is reported (so the check above can fail).
out2=$tmp/watch2.out
if start_driver "$out2" -o -n -s 60 &&
	wait_for "grep -q 'comm=nftmon_watch .*summary=add table; add chain own_chain' '$out2'" 5 &&
	wait_for "grep -q 'comm=nftmon_watch .*summary=delete table; delete chain own_chain' '$out2'" 5; then
	ok "own commits reported when not ignored"
else
	fail "own commits reported when not ignored" "$(cat "$out2")"
fi

# Lost events: a tiny receive buffer and a reader that sleeps while a big
# ruleset is loaded must end in a resync event, not silence.
out3=$tmp/watch3.out
{
	echo 'table inet bunri {'
	echo '  chain c {'
	for i in $(seq 1 300); do echo "    tcp dport $i accept"; done
	echo '  }'
	echo '}'
} >"$tmp/big.nft"
if start_driver "$out3" -r 2048 -w 2 -s 60 &&
	nsx nft -f "$tmp/big.nft" &&
	wait_for "grep -q '^resync reason=enobufs' '$out3'" 8; then
	ok "ENOBUFS reported as resync"
else
	fail "ENOBUFS reported as resync" "$(cat "$out3" "$out3.err")"
fi

# Sanitizer reports (leaks at exit included) go to the drivers' stderr.
# shellcheck disable=SC2086
kill $drv_pids 2>/dev/null
# shellcheck disable=SC2086
wait $drv_pids 2>/dev/null
if cat "$out.err" "$out2.err" "$out3.err" 2>/dev/null | grep -q 'ERROR\|runtime error'; then
	fail "driver sanitizer-clean" "$(cat "$out.err" "$out2.err" "$out3.err")"
else
	ok "driver sanitizer-clean"
fi

finish
