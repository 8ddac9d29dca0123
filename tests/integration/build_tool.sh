#!/bin/sh
# Build a test or benchmark driver (one .c file) against BUILD/libbunri.a,
# with the sanitizers when the library was built with them (the make check
# build), and the project's warnings as errors.
#   tests/integration/build_tool.sh BUILD SOURCE.c OUT
set -eu
build=$1 src=$2 out=$3
cd "$(dirname "$0")/../.."
san=
if nm "$build/libbunri.a" 2>/dev/null | grep -q __asan_; then
	san="-fsanitize=address,undefined -fno-omit-frame-pointer"
fi
# shellcheck disable=SC2046,SC2086
exec gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude $san \
	-o "$out" "$src" "$build/libbunri.a" \
	$(pkg-config --cflags --libs libconfig libpcap libnftnl libmnl \
		libcap-ng libsystemd)
