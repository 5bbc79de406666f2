# tablesnap: one static binary (musl + BearSSL), its tests and benchmarks.
# `make` builds ./tablesnap; `make check` runs every test; `make demo` shows
# it working against a local S3 server. See README.md.

MUSL_CC   ?= musl-gcc
CC        ?= cc
BEARSSL_INC = /usr/include/bearssl
BEARSSL_A   = /usr/lib/x86_64-linux-gnu/libbearssl.a

WARN    = -Wall -Wextra
CSTD    = -std=c11 -D_GNU_SOURCE
CFLAGS  = $(CSTD) $(WARN) -O2 -ffunction-sections -fdata-sections \
          -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pie
LDFLAGS = -static -no-pie -Wl,--gc-sections

# The program's sources, one concern each.
SRCS = tablesnap.c options.c log.c watch.c queue.c filter.c upload.c \
       s3ops.c s3.c s3sign.c http.c json.c xml.c encode.c ratelimit.c \
       notify.c shim.c
HDRS = $(wildcard *.h)

# Pure code with unit tests (built with the host compiler and sanitizers).
UNIT_SRCS = $(filter-out tablesnap.c shim.c,$(SRCS))
UNIT_TESTS = $(wildcard test/test_*.c)
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
      -fno-omit-frame-pointer

RGW_DIR ?= /tmp/tablesnap-rgw

# `make install [PREFIX=/usr] [DESTDIR=root]`: the binary, tableslurp and
# tablechop as links to it (it acts on its name), the man pages. The
# service files in contrib/ are for the distribution or the image to place.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
INSTALL ?= install
MANS     = tablesnap.1 tableslurp.1 tablechop.1
SCRIPTS  = contrib/tablesnap.init contrib/tablesnap.openrc contrib/default \
           contrib/runit/run contrib/runit/log/run $(wildcard test/*.sh)

.PHONY: all deps check unit unit-clang system demo bench clean format \
	install uninstall lint

all: tablesnap

tablesnap: $(SRCS) $(HDRS)
	$(MUSL_CC) $(CFLAGS) -I$(BEARSSL_INC) -o $@ $(SRCS) $(BEARSSL_A) \
	    -lpthread $(LDFLAGS)
	strip -o tablesnap.stripped $@ 2>/dev/null || true

# Installs the Debian packages the build and the tests need, when missing.
deps:
	@bash test/deps.sh

# Unit tests of the pure code under AddressSanitizer + UBSan (gcc), and the
# same sources built with clang -Wall -Wextra -Werror to keep both clean.
test/unit: test/unit.c test/unit.h $(UNIT_TESTS) $(UNIT_SRCS) $(HDRS)
	$(CC) $(CSTD) $(WARN) -g -O1 $(SAN) -I. -o $@ test/unit.c \
	    $(UNIT_TESTS) $(UNIT_SRCS) -lbearssl -lpthread

unit: test/unit
	./test/unit

unit-clang:
	clang $(CSTD) $(WARN) -Werror -fsyntax-only -I$(BEARSSL_INC) $(SRCS)
	gcc $(CSTD) $(WARN) -Werror -fsyntax-only -I$(BEARSSL_INC) $(SRCS)

system: tablesnap
	/usr/bin/python3 test/system.py

check: deps lint unit-clang unit tablesnap
	/usr/bin/python3 test/system.py

# The man pages (mandoc, warnings included) and the shell scripts.
lint:
	mandoc -T lint -W warning $(MANS)
	shellcheck $(SCRIPTS)

install: tablesnap
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 755 tablesnap $(DESTDIR)$(BINDIR)/tablesnap
	ln -sf tablesnap $(DESTDIR)$(BINDIR)/tableslurp
	ln -sf tablesnap $(DESTDIR)$(BINDIR)/tablechop
	$(INSTALL) -m 644 $(MANS) $(DESTDIR)$(MANDIR)/man1/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tablesnap $(DESTDIR)$(BINDIR)/tableslurp \
	    $(DESTDIR)$(BINDIR)/tablechop
	rm -f $(MANS:%=$(DESTDIR)$(MANDIR)/man1/%)

demo: deps tablesnap
	@bash test/demo.sh

clean:
	rm -f tablesnap tablesnap.stripped test/unit *.o
