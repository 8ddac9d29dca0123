#!/bin/bash
# Run every test against the binaries of build dir $1: the Check unit-test
# programs, the golden files, then the network-namespace integration tests
# (which need root). Prints one line per program and, last, the total as
# "check: N passed, N failed".
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
logdir=$build/test-logs
mkdir -p "$logdir"
passed=0 failed=0 failures=""

# Add the counts a test program printed: Check's "Checks: N, Failures: F,
# Errors: E" or the harness's "N passed, N failed".
count() {
	local name=$1 log=$2 rc=$3 p=0 f=0 line
	line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		local n fl er
		n=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
		fl=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
		er=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
		f=$((fl + er)) p=$((n - f))
	else
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
		if [ -n "$line" ]; then
			p=$(awk '{print $1}' <<<"$line")
			f=$(awk '{print $3}' <<<"$line")
		fi
	fi
	# A program that failed without saying so counts as one failure.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f))
	if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
		printf 'FAIL %-28s %s passed, %s failed (log: %s)\n' "$name" "$p" "$f" "$log"
		failures="$failures $name"
		# The failed checks by name first (a CI log may keep only part of
		# the output), then the log's end for the context.
		grep -E '^(FAIL - |not ok|[^:]+:[0-9]+:[EF]:)' "$log" | head -n 20 |
			sed 's/^/  ! /'
		tail -n 30 "$log" | sed 's/^/    /'
	else
		printf 'ok   %-28s %s passed\n' "$name" "$p"
	fi
}

run() {
	local name=$1
	shift
	local log=$logdir/$name.log rc
	local t0=$SECONDS
	"$@" >"$log" 2>&1
	rc=$?
	count "$name" "$log" "$rc"
	[ $((SECONDS - t0)) -gt 20 ] && echo "     ($name took $((SECONDS - t0)) s)"
	return 0
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-60}

echo "== unit tests ($build)"
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	run "$(basename "$t")" "$t"
done

echo "== golden and offline tests"
for t in tests/golden/test_*.sh tests/offline/test_*.sh; do
	[ -f "$t" ] || continue
	run "$(basename "$t" .sh)" bash "$t" "$build"
done

echo "== integration tests (network namespaces, real kernel)"
if [ "$(id -u)" -ne 0 ]; then
	echo "FAIL integration tests need root (CI runs as root)"
	failed=$((failed + 1))
else
	for t in tests/integration/test_*.sh; do
		[ -f "$t" ] || continue
		run "$(basename "$t" .sh)" bash "$t" "$build"
	done
fi

echo
[ -n "$failures" ] && echo "failed:$failures"
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
