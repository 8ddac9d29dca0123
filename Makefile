# bunri — build, test, demo and install.
#
#   make          build build/bunrid and build/bunrictl (installs missing
#                 Debian build packages first, as root)
#   make check    every test: Check unit tests under ASan/UBSan, golden files,
#                 the audit's threads under TSan, network-namespace
#                 integration tests (root)
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
INSTALL ?= install
MAN5 = man/bunri.conf.5
MAN8 = man/bunrid.8 man/bunrictl.8
UNITS = systemd/bunrid.service systemd/bunri-failsafe.service
EXAMPLES = $(wildcard conf/*.conf) conf/bunri-failsafe.nft
# Installed paths in the units and the fail-safe follow SBINDIR/SYSCONFDIR.
UNIT_SED = -e 's|/usr/sbin/bunrid|$(SBINDIR)/bunrid|g' \
	-e 's|/etc/bunri/|$(SYSCONFDIR)/bunri/|g'

CC ?= cc
BUILD ?= build
PKGS = libconfig libpcap libnftnl libmnl libcap-ng libsystemd libseccomp
OPT ?= -O2
SAN ?=
# Link-time optimisation in the optimised build: the detection core's
# modules call each other per packet (flow table, zones, alert text), and
# inlining across them saves a fifth of an audit's CPU time. The sanitizer
# builds go without (LTO= ), which keeps them quick to build. The archive
# then holds GCC's intermediate code: gcc-ar indexes it.
LTO ?= -flto=auto
ifneq ($(LTO),)
AR = gcc-ar
endif

# Recursive (=) so pkg-config runs only once deps.sh has installed it.
CFLAGS_ALL = -std=gnu11 $(OPT) -g -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
	-D_GNU_SOURCE -pthread -Iinclude $(SAN) $(LTO) \
	$(shell pkg-config --cflags $(PKGS)) $(CFLAGS)
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

# Objects of the programs are kept (make would delete them as intermediate).
.SECONDARY:

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
# runs against the ASan/UBSan build; a TSan bunrid checks the audit's threads.
check:
	@tools/deps.sh check
	@$(MAKE) --no-print-directory programs benches
	@$(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 LTO= \
		SAN="$(ASAN)" programs tests
	@$(MAKE) --no-print-directory BUILD=build/tsan OPT=-O1 LTO= \
		SAN=-fsanitize=thread build/tsan/bunrid
	@tests/run.sh build/asan

demo:
	@tools/deps.sh check
	@$(MAKE) --no-print-directory programs
	@tools/demo.sh $(BUILD)

FUZZ_SECONDS ?= 60
fuzz:
	@tools/deps.sh check
	@tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

bench:
	@tools/deps.sh check
	@$(MAKE) --no-print-directory programs benches
	@tools/bench/run.sh $(BUILD)

# make install: the programs of $(BUILD) (build them first with make), the
# man pages, the systemd units, sysusers.d and tmpfiles.d files, the sample
# configurations as examples, and /etc/bunri/bunri.conf and
# bunri-failsafe.nft only where they do not exist yet: an administrator's
# configuration is never overwritten. make uninstall removes all of it but
# /etc/bunri, which stays with its configuration.
install:
	@for p in $(PROGS); do test -x $(BUILD)/$$p || \
		{ echo "$(BUILD)/$$p is missing: run make first" >&2; exit 1; }; done
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(DOCDIR)/examples
	$(INSTALL) -m 0755 $(PROGS:%=$(BUILD)/%) $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	@for u in $(UNITS); do \
		echo "sed ... $$u > $(DESTDIR)$(UNITDIR)/$${u##*/}"; \
		sed $(UNIT_SED) $$u >$(DESTDIR)$(UNITDIR)/$${u##*/}.tmp && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp && \
		mv -f $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp \
			$(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done
	$(INSTALL) -m 0644 systemd/bunri.sysusers $(DESTDIR)$(SYSUSERSDIR)/bunri.conf
	$(INSTALL) -m 0644 systemd/bunri.tmpfiles $(DESTDIR)$(TMPFILESDIR)/bunri.conf
	$(INSTALL) -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 0644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/
	$(INSTALL) -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/bunri
	@for f in conf/bunri.conf conf/bunri-failsafe.nft; do \
		t=$(DESTDIR)$(SYSCONFDIR)/bunri/$${f##*/}; \
		if [ -e $$t ]; then echo "$$t exists: kept"; \
		else echo "$(INSTALL) -m 0640 $$f $$t"; \
			$(INSTALL) -m 0640 $$f $$t || exit 1; fi; \
	done

uninstall:
	rm -f $(PROGS:%=$(DESTDIR)$(SBINDIR)/%)
	rm -f $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%)
	rm -f $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%)
	rm -f $(UNITS:systemd/%=$(DESTDIR)$(UNITDIR)/%)
	rm -f $(DESTDIR)$(SYSUSERSDIR)/bunri.conf $(DESTDIR)$(TMPFILESDIR)/bunri.conf
	rm -f $(DESTDIR)$(DOCDIR)/README.md
	rm -f $(EXAMPLES:conf/%=$(DESTDIR)$(DOCDIR)/examples/%)
	rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	@echo "$(DESTDIR)$(SYSCONFDIR)/bunri is kept (your configuration)."
	@echo "The ruleset stays loaded: nft delete table inet bunri removes it."

format:
	clang-format -i src/*.c include/*.h tests/unit/*.c tests/unit/*.h

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(PROGS:%=$(BUILD)/obj/%.d)
