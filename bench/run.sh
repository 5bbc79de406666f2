#!/bin/bash
# run.sh: `make bench`: builds the benchmark's C programs the way the product
# is built (musl-gcc -static, the same BearSSL and MD5 object), runs bench.py.
#   bash bench/run.sh [--quick] [--reps N] [--only 1,3] [--rgw-dir DIR] [--profile]
set -eu
cd "$(dirname "$0")/.."

MUSL_CC=${MUSL_CC:-musl-gcc}
BEARSSL_DIR=${BEARSSL_DIR:-build/bearssl}
MD5_O=build/musl/md5.o

# The product, and its MD5 object for the floor program (the Makefile's
# flags for it, not ours).
make -s tablesnap "$MD5_O"
BIN=$(mktemp -d /tmp/tablesnap-bench-bin.XXXXXX)
trap 'rm -rf "$BIN"' EXIT

CFLAGS=(-std=c11 -D_GNU_SOURCE -Wall -Wextra -O2 -fno-pie)
"$MUSL_CC" "${CFLAGS[@]}" -I"$BEARSSL_DIR/inc" -I. -o "$BIN/floor" bench/floor.c \
	"$MD5_O" "$BEARSSL_DIR/libbearssl.a" -static -no-pie
"$MUSL_CC" "${CFLAGS[@]}" -o "$BIN/latency" bench/latency.c -static -no-pie
"$MUSL_CC" "${CFLAGS[@]}" -I. -o "$BIN/queuemem" bench/queuemem.c queue.c htab.c \
	-static -no-pie

/usr/bin/python3 bench/bench.py --bin "$BIN" "$@"
