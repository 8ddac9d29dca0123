#!/bin/sh
# Run every benchmark: each $BUILD/bench/bench_* program, then each
# tools/bench/*.sh script other than this one (bash scripts, given the
# build directory).
# Benchmarks are reports: a failing one is named and counted, the rest
# still run, and the exit status is non-zero if any failed.
#   tools/bench/run.sh BUILD_DIR
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
build=$1
here=$(dirname "$0")
failed=0
ran=0

for b in "$build"/bench/bench_*; do
	[ -f "$b" ] && [ -x "$b" ] || continue
	echo "== $(basename "$b")"
	ran=$((ran + 1))
	"$b" || {
		echo "bench: $(basename "$b") failed (status $?)" >&2
		failed=$((failed + 1))
	}
done

for s in "$here"/*.sh; do
	[ -f "$s" ] || continue
	[ "$(basename "$s")" = run.sh ] && continue
	echo "== $(basename "$s")"
	ran=$((ran + 1))
	bash "$s" "$build" || {
		echo "bench: $(basename "$s") failed (status $?)" >&2
		failed=$((failed + 1))
	}
done

if [ "$ran" -eq 0 ]; then
	echo "bench: no benchmarks found under $build/bench or $here" >&2
	exit 1
fi
echo "bench: $ran run, $failed failed"
[ "$failed" -eq 0 ]
