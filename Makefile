# tablesnap: one static binary (musl + BearSSL), its tests and benchmarks.
# `make` builds ./tablesnap; `make check` runs every test; `make demo` shows
# it working against a local S3 server. See README.md.

MUSL_CC   ?= musl-gcc
CC        ?= cc
# BearSSL built from Debian's source package with musl-gcc (mk/bearssl.sh).
BEARSSL_DIR = build/bearssl
BEARSSL_INC = $(BEARSSL_DIR)/inc
BEARSSL_A   = $(BEARSSL_DIR)/libbearssl.a

WARN    = -Wall -Wextra
CSTD    = -std=c11 -D_GNU_SOURCE
# -Oz: the binary is dropped onto hosts and into images; the hot loops
# (MD5, and BearSSL's AES-GCM, built apart with -Os) are not slower for
# it, md5.c gets -O2. -Oz (GCC 12) is -Os that also takes smaller
# instructions over faster ones: the program's own code waits on the
# network and the disks. -fno-jump-tables: compare chains are smaller
# than the tables here.
CFLAGS  = $(CSTD) $(WARN) -Oz -ffunction-sections -fdata-sections \
          -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pie \
          -fno-jump-tables
# -z norelro: only a dynamic loader applies PT_GNU_RELRO (musl's static
# start-up does not), so in this binary it is just padding before .data.
LDFLAGS = -static -no-pie -Wl,--gc-sections -Wl,-z,noseparate-code \
          -Wl,--build-id=none -Wl,-z,norelro

# The program's sources, one concern each.
SRCS = tablesnap.c options.c log.c watch.c queue.c filter.c upload.c \
       s3ops.c s3.c s3sign.c http.c json.c xml.c encode.c ratelimit.c \
       stats.c keyset.c md5.c creds.c credfile.c credfetch.c missing/ere.c \
       notify.c restore.c chop.c companion.c jsonread.c isotime.c \
       fmt.c accounts.c listing.c setup.c buf.c htab.c sts.c \
       protect.c retention.c verify.c sweep.c
HDRS = $(wildcard *.h missing/*.h)
OBJS = $(SRCS:%.c=build/musl/%.o)

# Pure code with unit tests (built with the host compiler and sanitizers).
UNIT_SRCS = $(filter-out tablesnap.c,$(SRCS))
UNIT_TESTS = $(wildcard test/test_*.c)
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
      -fno-omit-frame-pointer

RGW_DIR ?= /tmp/tablesnap-rgw

# `make install [PREFIX=/usr] [DESTDIR=root]`: the binary, tableslurp,
# tablechop and tableverify as links to it (it acts on its name), the man
# pages. The service files in contrib/ are for the distribution or the
# image to place.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
INSTALL ?= install
MANS     = tablesnap.1 tableslurp.1 tablechop.1 tableverify.1
SCRIPTS  = contrib/tablesnap.init contrib/tablesnap.openrc contrib/default \
           contrib/runit/run contrib/runit/log/run contrib/tableverify-daily \
           $(wildcard test/*.sh)

.PHONY: all deps check unit unit-clang size-budget system demo bench clean \
	install uninstall lint

all: tablesnap

tablesnap: $(OBJS) $(BEARSSL_A)
	$(MUSL_CC) -o $@ $(OBJS) $(BEARSSL_A) -lpthread $(LDFLAGS)
	strip -o tablesnap.stripped $@

build/musl/%.o: %.c $(HDRS) $(BEARSSL_A)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(CFLAGS) -I$(BEARSSL_INC) -c -o $@ $<

build/musl/md5.o: CFLAGS += -O2

$(BEARSSL_A): mk/bearssl.sh
	bash mk/bearssl.sh $(BEARSSL_DIR)

# Installs the Debian packages the build and the tests need, when missing.
deps:
	@bash test/deps.sh

# Unit tests of the pure code under AddressSanitizer + UBSan (gcc, with the
# strict settings of test/san_options.c), and the
# same sources built with clang -Wall -Wextra -Werror to keep both clean.
test/unit: test/unit.c test/unit.h test/san_options.c $(UNIT_TESTS) \
    $(UNIT_SRCS) $(HDRS)
	$(CC) $(CSTD) $(WARN) -g -O1 $(SAN) -I. -o $@ test/unit.c \
	    test/san_options.c $(UNIT_TESTS) $(UNIT_SRCS) -lbearssl -lpthread

unit: test/unit
	./test/unit

unit-clang: $(BEARSSL_A)
	clang $(CSTD) $(WARN) -Werror -fsyntax-only -I$(BEARSSL_INC) $(SRCS)
	gcc $(CSTD) $(WARN) -Werror -fsyntax-only -I$(BEARSSL_INC) $(SRCS)

system: tablesnap
	/usr/bin/python3 test/system.py

check: deps lint unit-clang unit size-budget fuzz-smoke
	/usr/bin/python3 test/system.py
	$(MAKE) --no-print-directory asan SYS_TESTS="$(CHECK_ASAN_SKIP)"
	$(MAKE) --no-print-directory tsan

# The stripped binary, every feature in, stays within 320 KiB.
SIZE_BUDGET = 327680
size-budget: tablesnap
	@n=$$(stat -c %s tablesnap.stripped); \
	if [ "$$n" -gt $(SIZE_BUDGET) ]; then \
		echo "tablesnap.stripped: $$n bytes, over the budget of $(SIZE_BUDGET)"; exit 1; \
	else echo "tablesnap.stripped: $$n bytes (budget $(SIZE_BUDGET))"; fi

# The man pages (mandoc, warnings included) and the shell scripts.
lint:
	mandoc -T lint -W warning $(MANS)
	shellcheck $(SCRIPTS)

install: tablesnap
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 755 tablesnap $(DESTDIR)$(BINDIR)/tablesnap
	ln -sf tablesnap $(DESTDIR)$(BINDIR)/tableslurp
	ln -sf tablesnap $(DESTDIR)$(BINDIR)/tablechop
	ln -sf tablesnap $(DESTDIR)$(BINDIR)/tableverify
	$(INSTALL) -m 644 $(MANS) $(DESTDIR)$(MANDIR)/man1/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tablesnap $(DESTDIR)$(BINDIR)/tableslurp \
	    $(DESTDIR)$(BINDIR)/tablechop $(DESTDIR)$(BINDIR)/tableverify
	rm -f $(MANS:%=$(DESTDIR)$(MANDIR)/man1/%)

demo: deps tablesnap
	@bash test/demo.sh

# Benchmarks beside curl, awscli and rclone on this machine (never part of
# check; about 15 minutes): bench/run.sh, numbers in bench/RESULTS.md.
# BENCH_ARGS=--quick for a short trial with small sizes.
BENCH_DEPS = nginx-light rclone time
bench:
	@DEPS_EXTRA="$(BENCH_DEPS)" bash test/deps.sh
	bash bench/run.sh $(BENCH_ARGS)

clean:
	rm -rf tablesnap tablesnap.stripped test/unit *.o build/musl
	rm -rf build/fuzz build/tablesnap-asan build/tablesnap-tsan

# Also the BearSSL build (fetched and compiled again by the next make).
distclean: clean
	rm -rf build

# ---- Fuzzing and sanitizer runs --------------------------------------------
# `make fuzz` runs each libFuzzer target (fuzz/fuzz_*.c, clang with ASan and
# UBSan) for FUZZ_SECONDS; `make fuzz-smoke` for FUZZ_SMOKE_SECONDS each (in
# `make check`). Seeds: test/corpus/<target>/; findings: build/fuzz/ (see
# fuzz/run.sh). One target: `make fuzz FUZZ_TARGETS=http`.
# `make asan` / `make tsan` run the system tests against the daemon built
# with AddressSanitizer + UBSan / ThreadSanitizer (glibc, Debian's
# libbearssl.so); any report fails the test that saw it. `make asan` runs
# them all, `make tsan` the concurrent ones (TSAN_TESTS); SYS_TESTS adds
# name filters ("-name" leaves tests out). Left out of both: the packaging
# tests, which are about the static ./tablesnap and the scripts, and the
# thread count bound, which a sanitizer's own thread would break.
# `make check` leaves out of `make asan` the fault tests that mostly wait.
FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_TARGETS       ?= http xml json jsonread options ere creds isotime
# These link Debian's libbearssl.so (glibc), so they use its headers.
SYS_BEARSSL_INC = /usr/include/bearssl
FUZZ_CFLAGS = $(CSTD) $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=all -I. -I$(SYS_BEARSSL_INC)
# What each target links besides its own file.
FUZZ_SRCS_http    = http.c fmt.c buf.c encode.c
FUZZ_SRCS_xml     = xml.c buf.c encode.c fmt.c
FUZZ_SRCS_json    = json.c listing.c jsonread.c buf.c encode.c fmt.c
FUZZ_SRCS_options = options.c fmt.c isotime.c
FUZZ_SRCS_ere     = missing/ere.c
FUZZ_SRCS_creds   = creds.c credfile.c credfetch.c sts.c s3sign.c xml.c \
                    jsonread.c log.c http.c isotime.c fmt.c accounts.c buf.c \
                    encode.c
FUZZ_SRCS_isotime = isotime.c
FUZZ_SRCS_jsonread = jsonread.c json.c listing.c fmt.c buf.c encode.c
SAN_SRCS  = $(SRCS) test/san_options.c
SYS_TESTS ?=
SAN_SKIP   = -make_install -lsb_init -shellcheck -man_pages -systemd_unit \
             -faults_event_storm
TSAN_TESTS ?= threads_ multipart changed_during key_rotation temporary_keys \
              sighup stats_file max_bandwidth faults_reset faults_truncate \
              faults_error500 faults_lost faults_clock kill_9 shutdown_aborts \
              badinput_file_names security_ faults_kill9 verify_ \
              stalled_restore restore_progress
CHECK_ASAN_SKIP = -faults_radosgw_down -faults_stall -faults_slowdown \
                  -faults_inotify_queue_overflow

.PHONY: fuzz fuzz-smoke fuzz-build asan tsan

build/fuzz/fuzz_%: fuzz/fuzz_%.c $(SRCS) $(HDRS)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS_$*) -lbearssl -lpthread

fuzz-build: $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

fuzz: fuzz-build
	@st=0; for t in $(FUZZ_TARGETS); do \
	    bash fuzz/run.sh $$t $(FUZZ_SECONDS) || st=1; done; exit $$st

fuzz-smoke: fuzz-build
	@st=0; for t in $(FUZZ_TARGETS); do \
	    bash fuzz/run.sh $$t $(FUZZ_SMOKE_SECONDS) || st=1; done; exit $$st

build/tablesnap-asan: $(SRCS) $(HDRS) test/san_options.c
	@mkdir -p build
	clang $(CSTD) $(WARN) -g -O1 $(SAN) -I$(SYS_BEARSSL_INC) -o $@ \
	    $(SAN_SRCS) -lbearssl -lpthread

build/tablesnap-tsan: $(SRCS) $(HDRS) test/san_options.c
	@mkdir -p build
	clang $(CSTD) $(WARN) -g -O1 -fsanitize=thread -fno-omit-frame-pointer \
	    -I$(SYS_BEARSSL_INC) -o $@ $(SAN_SRCS) -lbearssl -lpthread

asan: build/tablesnap-asan
	TABLESNAP_BIN=$(CURDIR)/build/tablesnap-asan \
	    /usr/bin/python3 test/system.py $(SAN_SKIP) $(SYS_TESTS)

tsan: build/tablesnap-tsan
	TABLESNAP_BIN=$(CURDIR)/build/tablesnap-tsan \
	    /usr/bin/python3 test/system.py $(SAN_SKIP) $(TSAN_TESTS) \
	    $(SYS_TESTS)
