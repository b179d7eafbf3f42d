# ringvisor: `make` builds build/ringvisor; `make check` runs every test;
# `make demo` runs a real program in the sandbox. Dependencies (Debian
# packages) are installed by scripts/deps.sh when missing.

BUILD ?= build
CC ?= gcc
SAN ?=
# Use both cores unless told otherwise.
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2) --no-print-directory

CFLAGS_BASE := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. -I$(BUILD)/gen \
	-D_GNU_SOURCE -pthread -fno-strict-aliasing -fstack-protector-strong \
	-MMD -MP
# libseccomp, xxhash and jansson linked in (Debian ships them PIC): three
# shared objects fewer for ld.so to map and relocate at every start, and
# for each fork (gofer, sentry, stubs) to copy; ~0.1-0.3 ms of start-up.
# libunwind stays shared: its static archive is not position-independent.
# -z now: ld.so resolves every symbol in the monitor, before the gofer and
# the sentry are forked; they inherit a resolved, read-only GOT (full
# RELRO) and never run the lazy resolver, which mapped ld.so's text and
# every library's symbol tables in each process (150-300 KiB of VmRSS
# each; bench/README.md). No more minor faults per start than lazily.
LDLIBS := -Wl,-z,now -Wl,-Bstatic -lseccomp -lxxhash -ljansson \
	-Wl,-Bdynamic -lunwind -pthread
ifneq ($(SAN),)
# RV_SANITIZE widens the seccomp filters by the host calls the sanitizer
# runtime makes itself (runtime/bpf.c); never set in a normal build.
# -fno-sanitize-recover: a UBSan report ends the run (a failed test)
# rather than scrolling by in a log.
CFLAGS_BASE += -fsanitize=$(SAN) -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -O1 -DRV_SANITIZE
LDFLAGS += -fsanitize=$(SAN) -fno-sanitize-recover=all
endif
CFLAGS_ALL := $(CFLAGS_BASE) $(CFLAGS)

SRCS := $(shell find sentry syscalls platform runtime gofer -name '*.c' 2>/dev/null | sort)
OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(BUILD)/obj/runtime/main.o
LIB_OBJS := $(filter-out $(MAIN_OBJ),$(OBJS))

DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all deps check demo bench docs clean tests unit
all: $(BUILD)/ringvisor

$(DEPS_STAMP): scripts/deps.sh
	@mkdir -p $(@D)
	@sh scripts/deps.sh
	@touch $@

deps: $(DEPS_STAMP)

$(BUILD)/gen/sysnames.h: scripts/gen-sysnames.sh | $(DEPS_STAMP)
	@mkdir -p $(@D)
	sh scripts/gen-sysnames.sh > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP) $(BUILD)/gen/sysnames.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

# The seccomp filters, compiled by libseccomp at build time rather than at
# every start (runtime/bpf.h): a generator linked like a unit test prints
# them as C, linked into build/ringvisor only.
BPF_OBJ := $(BUILD)/obj/gen/bpf.o

$(BUILD)/gen/bpf-gen: scripts/gen-bpf.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS)

$(BUILD)/gen/bpf.c: $(BUILD)/gen/bpf-gen
	$< > $@.tmp && mv $@.tmp $@

$(BPF_OBJ): $(BUILD)/gen/bpf.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/ringvisor: $(OBJS) $(BPF_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# --- tests ----------------------------------------------------------------
# Differential test programs: built static (and static-pie for *-pie tests)
# so that they run under the foundation's loader.
TEST_SRCS := $(sort $(wildcard tests/progs/*.c))
TEST_BINS := $(TEST_SRCS:tests/progs/%.c=$(BUILD)/tests/%)
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)
TEST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE -pthread

$(BUILD)/tests/%-pie: tests/progs/%-pie.c tests/progs/testlib.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -static-pie -fPIE -o $@ $<

$(BUILD)/tests/%: tests/progs/%.c tests/progs/testlib.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -static -o $@ $<

# The same programs built the ordinary way (dynamic PIE with PT_INTERP), as
# DESIGN.md's Testing asks: tests/run.sh runs them as dyn/NAME.
TEST_DYN_BINS := $(filter-out %-pie,$(TEST_SRCS:tests/progs/%.c=$(BUILD)/tests-dyn/%))

$(BUILD)/tests-dyn/%: tests/progs/%.c tests/progs/testlib.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS)

tests: $(BUILD)/ringvisor $(TEST_BINS) $(TEST_DYN_BINS) $(UNIT_BINS)
unit: $(UNIT_BINS)

check: tests
	@sh scripts/deps.sh --test
	@RV=$(BUILD)/ringvisor BUILD=$(BUILD) sh tests/run.sh

# --- sanitizers -------------------------------------------------------------
# `make check-asan`: build/ringvisor's sentry, gofer and unit tests built
# with ASan+UBSan in $(ASAN_BUILD)/, then a fast subset of the suite run on
# them (the test programs themselves are the normal build's). Not part of
# `make check`: two to four minutes. Any report fails its test: ASan aborts,
# UBSan stops at the first report (-fno-sanitize-recover). The report is in
# the run's stderr under $(ASAN_BUILD)/test-out/;
# scripts/asan-symbolize.sh turns its frames into file:line.
ASAN_BUILD ?= build-asan
ASAN_SUBSETS ?= unit prog sh bb security
ASAN_ENV := ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1

.PHONY: check-asan
check-asan: tests
	@$(MAKE) SAN=address,undefined BUILD=$(ASAN_BUILD) \
		$(ASAN_BUILD)/ringvisor unit
	@sh scripts/deps.sh --test
	@rm -rf $(ASAN_BUILD)/tests $(ASAN_BUILD)/tests-dyn
	@ln -s $(abspath $(BUILD))/tests $(ASAN_BUILD)/tests
	@ln -s $(abspath $(BUILD))/tests-dyn $(ASAN_BUILD)/tests-dyn
	@fail=0; for f in $(ASAN_SUBSETS); do \
		$(ASAN_ENV) RV=$(ASAN_BUILD)/ringvisor BUILD=$(ASAN_BUILD) \
			sh tests/run.sh "$$f" > $(ASAN_BUILD)/check-$$f.log 2>&1 || \
			fail=1; \
		grep -v '^PASS' $(ASAN_BUILD)/check-$$f.log | grep -v '^SKIP kvm:'; \
	done; exit $$fail

# --- the rest ---------------------------------------------------------------
demo: $(BUILD)/ringvisor
	@sh scripts/deps.sh --test
	$(BUILD)/ringvisor run -- /bin/busybox sh -c \
	  'echo "hello from $$(uname -s) inside ringvisor"; busybox ls /; cat /proc/self/status | head -5'

bench: $(BUILD)/ringvisor
	sh bench/run.sh

docs: $(BUILD)/ringvisor
	$(BUILD)/ringvisor syscalls --markdown > docs/syscalls.md

clean:
	rm -rf $(BUILD)

-include $(OBJS:.o=.d)
