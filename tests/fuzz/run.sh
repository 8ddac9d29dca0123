#!/bin/sh
# Build and run the libFuzzer targets.
#   tests/fuzz/run.sh BUILD_DIR SECONDS
# Each target is built with clang straight from the sources it needs (so it
# does not depend on how the library was built), its checked-in seeds
# (tests/fuzz/corpus/NAME/; for conf, a link to the sample configurations
# in conf/) are copied to a scratch corpus under BUILD_DIR
# so the repository never grows, and it runs for SECONDS. Exits non-zero
# when a target fails to build or a crash is found; the crashing input is
# left in BUILD_DIR/fuzz-artifacts/ and the log in BUILD_DIR/fuzz-NAME.log.
set -eu

usage="usage: $0 BUILD_DIR SECONDS"
build=${1:?$usage}
seconds=${2:?$usage}
case "$seconds" in
'' | *[!0-9]*) echo "$usage" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/../.."
mkdir -p "$build"
build=$(cd "$build" && pwd)

CC_FUZZ=${CC_FUZZ:-clang}
# Leaks that are a library's own, listed with the reason (lsan.supp).
LSAN_OPTIONS="suppressions=$(pwd)/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
FLAGS="-std=gnu11 -O1 -g -D_GNU_SOURCE -Iinclude -fno-omit-frame-pointer
-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"

# fuzz_one NAME LIBS SOURCES...: tests/fuzz/fuzz_NAME.c plus the sources
# and libraries it needs
fuzz_one() {
	name=$1
	libs=$2
	shift 2
	bin="$build/fuzz_$name"
	corpus="$build/fuzz-corpus/$name"
	log="$build/fuzz-$name.log"

	echo "fuzz: building $name"
	# shellcheck disable=SC2086 # FLAGS and libs are lists
	if ! $CC_FUZZ $FLAGS "$@" "tests/fuzz/fuzz_$name.c" -o "$bin" $libs; then
		echo "fuzz: $name does not build" >&2
		return 1
	fi
	mkdir -p "$corpus" "$build/fuzz-artifacts"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp "tests/fuzz/corpus/$name"/* "$corpus"/
	fi
	echo "fuzz: running $name for ${seconds}s"
	if ! "$bin" -max_total_time="$seconds" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$build/fuzz-artifacts/$name-" \
		"$corpus" >"$log" 2>&1; then
		tail -n 60 "$log" >&2
		echo "fuzz: $name FAILED (log: $log)" >&2
		return 1
	fi
	stats='executed_units|average_exec_per_sec|new_units_added|peak_rss_mb'
	grep -E "^(#[0-9]+.*DONE|Done |stat::(number_of_)?($stats))" "$log" ||
		true
	echo "fuzz: $name OK"
}

status=0
fuzz_one decode "" src/decode.c src/addr.c || status=1
# The detection core: every module but the two programs' mains.
core=$(ls src/*.c | grep -v -e 'src/bunrid.c' -e 'src/bunrictl.c')
# (fuzz_one's variables are the script's: its "libs" is another name.)
core_libs="$(pkg-config --libs libconfig libpcap libnftnl libmnl libcap-ng libsystemd libseccomp) -lpthread"
# shellcheck disable=SC2086 # core is a list of files
fuzz_one detect "$core_libs" $core || status=1
fuzz_one pcapfile "$(pkg-config --libs libpcap)" src/pcapfile.c || status=1
# shellcheck disable=SC2086 # core is a list of files
fuzz_one conf "$core_libs" $core || status=1
exit $status
