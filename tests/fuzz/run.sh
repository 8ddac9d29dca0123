#!/bin/sh
# Build and run the libFuzzer targets.
#   tests/fuzz/run.sh BUILD_DIR SECONDS
# Each target is built with clang straight from the sources it needs, its
# checked-in seeds (tests/fuzz/corpus/NAME/) are copied to a scratch corpus
# under BUILD_DIR so the repository never grows, and it runs for SECONDS.
# Exits non-zero when a target fails to build or a crash is found; the
# crashing input is left in BUILD_DIR/fuzz-artifacts/.
set -eu

build=${1:?usage: $0 BUILD_DIR SECONDS}
seconds=${2:?usage: $0 BUILD_DIR SECONDS}
cd "$(dirname "$0")/../.."

CC_FUZZ=${CC_FUZZ:-clang}
FLAGS="-std=gnu11 -O1 -g -D_GNU_SOURCE -Iinclude -fno-omit-frame-pointer
-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"

# name: the sources it needs besides tests/fuzz/fuzz_NAME.c
targets="decode:src/decode.c src/addr.c"

mkdir -p "$build/fuzz-artifacts"
status=0
echo "$targets" | while IFS=: read -r name srcs; do
	bin="$build/fuzz_$name"
	corpus="$build/fuzz-corpus/$name"
	echo "fuzz: building $name"
	# shellcheck disable=SC2086 # word splitting of the lists is wanted
	$CC_FUZZ $FLAGS $srcs "tests/fuzz/fuzz_$name.c" -o "$bin"
	mkdir -p "$corpus"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -f "tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null || true
	fi
	echo "fuzz: running $name for ${seconds}s"
	if ! "$bin" -max_total_time="$seconds" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$build/fuzz-artifacts/${name}-" \
		"$corpus" >"$build/fuzz-$name.log" 2>&1; then
		tail -n 60 "$build/fuzz-$name.log" >&2
		echo "fuzz: $name FAILED (log: $build/fuzz-$name.log)" >&2
		exit 1
	fi
	grep -E '^(#[0-9]+.*DONE|Done|stat::)' "$build/fuzz-$name.log" || true
	echo "fuzz: $name OK"
done || status=1
exit $status
