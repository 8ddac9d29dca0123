# bunri — build, test, demo and install.
#
#   make          build build/bunrid and build/bunrictl (installs missing
#                 Debian build packages first, as root)
#   make check    every test: Check unit tests under ASan/UBSan, golden files,
#                 network-namespace integration tests (root)
#   make demo     the network-namespace lab, driven end to end (root)
#   make fuzz     libFuzzer targets (clang); FUZZ_SECONDS per target
#   make bench    benchmarks in tools/bench/
#   make install  DESTDIR and PREFIX honoured

PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/bunri
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
TMPFILESDIR ?= /usr/lib/tmpfiles.d

CC ?= cc
BUILD ?= build
PKGS = libconfig libpcap libnftnl libmnl libcap-ng libsystemd
OPT ?= -O2
SAN ?=

# Recursive (=) so pkg-config runs only once deps.sh has installed it.
CFLAGS_ALL = -std=gnu11 $(OPT) -g -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
	-D_GNU_SOURCE -Iinclude $(SAN) $(shell pkg-config --cflags $(PKGS)) \
	$(CFLAGS)
LIBS_ALL = $(shell pkg-config --libs $(PKGS)) $(LDLIBS)
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS = $(shell pkg-config --libs check)

PROGS = bunrid bunrictl
LIB_SRC = $(filter-out $(PROGS:%=src/%.c),$(wildcard src/*.c))
LIB_OBJ = $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
TEST_SRC = $(wildcard tests/unit/test_*.c)
TEST_BIN = $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC = $(wildcard tools/bench/*.c)
BENCH_BIN = $(BENCH_SRC:tools/bench/%.c=$(BUILD)/bench/%)
ASAN = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

.PHONY: all deps deps-check programs tests benches check demo fuzz bench \
	install uninstall clean format

all:
	@tools/deps.sh build
	@$(MAKE) --no-print-directory programs

deps:
	@tools/deps.sh check

programs: $(PROGS:%=$(BUILD)/%)
tests: $(TEST_BIN)
benches: $(BENCH_BIN)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(BUILD)/libbunri.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%: $(BUILD)/obj/%.o $(BUILD)/libbunri.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libbunri.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -Itests/unit -DTEST_SRCDIR='"$(CURDIR)"' \
		-o $@ $< $(BUILD)/libbunri.a $(LIBS_ALL) $(CHECK_LIBS)

$(BUILD)/bench/%: tools/bench/%.c $(BUILD)/libbunri.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libbunri.a $(LIBS_ALL) -lm

# make check: the optimised build must be warning-free too, then everything
# runs against the sanitizer build.
check:
	@tools/deps.sh check
	@$(MAKE) --no-print-directory programs benches
	@$(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 SAN="$(ASAN)" \
		programs tests
	@tests/run.sh build/asan

demo:
	@tools/deps.sh check
	@$(MAKE) --no-print-directory programs
	@tools/demo.sh $(BUILD)

FUZZ_SECONDS ?= 60
fuzz:
	@tools/deps.sh check
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang OPT=-O1 \
		SAN="-fsanitize=fuzzer-no-link,address,undefined" \
		build/fuzz/libbunri.a
	@tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

bench:
	@tools/deps.sh check
	@$(MAKE) --no-print-directory programs benches
	@tools/bench/run.sh $(BUILD)

format:
	clang-format -i src/*.c include/*.h tests/unit/*.c tests/unit/*.h

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(PROGS:%=$(BUILD)/obj/%.d)
