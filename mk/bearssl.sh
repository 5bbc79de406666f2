#!/bin/bash
# Builds BearSSL for the static binary: Debian's own source package
# (bearssl 0.6), compiled with musl-gcc, -Os and one section per function so
# that the linker keeps only what tablesnap calls.
#   bash mk/bearssl.sh OUTDIR    -> OUTDIR/libbearssl.a and OUTDIR/inc/*.h
# Needs a deb-src entry for the Debian archive the machine already uses: it
# adds one (/etc/apt/sources.list.d/tablesnap-src.sources) when there is none.
set -eu

out=${1:?usage: mk/bearssl.sh OUTDIR}
log() { printf 'bearssl: %s\n' "$*"; }
die() { printf 'bearssl: ERROR: %s\n' "$*" >&2; exit 1; }

[ -f "$out/libbearssl.a" ] && exit 0
command -v musl-gcc >/dev/null || die "musl-gcc missing: run make deps"
command -v dpkg-source >/dev/null || die "dpkg-source missing: run make deps"

has_deb_src() {
	grep -qs '^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list ||
		grep -qsE '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources
}

if ! has_deb_src; then
	# The same archive as the machine's own "deb" entry.
	uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
	[ -n "$uri" ] || uri=http://deb.debian.org/debian
	# shellcheck disable=SC1091 # a system file
	suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	log "adding a deb-src entry for $uri $suite"
	printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$uri" "$suite" >/etc/apt/sources.list.d/tablesnap-src.sources
	apt-get update -q >/dev/null || die "apt-get update failed"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log "fetching Debian's bearssl source package"
(cd "$tmp" && apt-get source -q bearssl >"$tmp/source.log" 2>&1) ||
	{ tail -5 "$tmp/source.log" >&2; die "apt-get source bearssl failed"; }
src=$(find "$tmp" -maxdepth 1 -type d -name 'bearssl-*' | head -1)
[ -n "$src" ] || die "no source tree unpacked"

log "building $src with musl-gcc"
make -s -C "$src" -j2 CC=musl-gcc LD=musl-gcc LDDLL=musl-gcc BUILD=build-musl \
	CFLAGS='-W -Wall -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables' \
	build-musl/libbearssl.a >"$tmp/build.log" 2>&1 ||
	{ tail -20 "$tmp/build.log" >&2; die "build failed"; }

mkdir -p "$out/inc"
cp "$src"/inc/*.h "$out/inc/"
cp "$src/build-musl/libbearssl.a" "$out/libbearssl.a.tmp"
mv "$out/libbearssl.a.tmp" "$out/libbearssl.a"
log "built $out/libbearssl.a"
