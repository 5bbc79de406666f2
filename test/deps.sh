#!/bin/bash
# Install the Debian packages that the build and the tests need, when missing.
# Idempotent; with everything present it only runs one dpkg-query (well under 1 s).
#   bash test/deps.sh                      # install what is missing
#   DEPS_EXTRA="shellcheck" bash test/deps.sh   # also install extra packages
# No service is started by the installs: if /usr/sbin/policy-rc.d is absent, a
# temporary one (exit 101) is put in place for the duration of apt-get and removed after.
set -eu

PACKAGES="musl-tools libbearssl-dev make gcc clang libclang-rt-14-dev file openssl ca-certificates
curl radosgw ceph-mon ceph-osd ceph-base ceph-common awscli python3-boto3
uuid-runtime procps iproute2 psmisc coreutils dpkg-dev mandoc shellcheck time"

log() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: ERROR: %s\n' "$*" >&2; exit 1; }

# shellcheck disable=SC2086 # word splitting of the package list is intended
set -- $PACKAGES ${DEPS_EXTRA:-}

installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
	awk '$2 == "install" && $3 == "ok" && $4 == "installed" { print $1 }' || true)
missing=""
for p in "$@"; do
	if ! printf '%s\n' "$installed" | grep -qxF "$p"; then
		missing="$missing $p"
	fi
done
missing=${missing# }

if [ -z "$missing" ]; then
	log "all $# packages present"
	exit 0
fi
log "missing: $missing"

SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || die "not root and no sudo: cannot install: $missing"
	SUDO="sudo"
fi

# Keep package installs from starting services (ceph-mon, radosgw, lvm2, ...).
POLICY=/usr/sbin/policy-rc.d
made_policy=0
cleanup() {
	if [ "$made_policy" = 1 ]; then
		$SUDO rm -f "$POLICY"
		log "removed temporary $POLICY"
	fi
}
trap cleanup EXIT
if [ ! -e "$POLICY" ]; then
	printf '#!/bin/sh\n# temporary, from tablesnap test/deps.sh\nexit 101\n' |
		$SUDO tee "$POLICY" >/dev/null
	$SUDO chmod 755 "$POLICY"
	made_policy=1
	log "created temporary $POLICY (no service starts during install)"
fi

export DEBIAN_FRONTEND=noninteractive
log "apt-get update"
aptlog=$(mktemp /tmp/deps-apt.XXXXXX)
if ! $SUDO apt-get update -q >"$aptlog" 2>&1; then
	tail -n 20 "$aptlog" >&2
	die "apt-get update failed (network or apt sources?); full log: $aptlog"
fi
log "apt-get install $missing"
# shellcheck disable=SC2086
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $missing \
	>"$aptlog" 2>&1; then
	tail -n 20 "$aptlog" >&2
	die "apt-get install failed for: $missing; full log: $aptlog"
fi
rm -f "$aptlog"

# Check again: apt can succeed while a name resolved to something else.
still=""
for p in $missing; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$s" = "install ok installed" ] || still="$still $p"
done
[ -z "$still" ] || die "still not installed after apt-get:$still"
log "installed: $missing"
