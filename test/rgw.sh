#!/bin/bash
# A real Ceph radosgw (mon + OSD + rgw, no mgr) on loopback for the system tests.
#
#   test/rgw.sh start DIR    start it; everything lives in DIR; writes DIR/env
#   test/rgw.sh stop DIR     stop what start started (by PID), then remove DIR (KEEP=1 keeps it)
#   test/rgw.sh stop-rgw DIR   stop only the radosgw daemon of a running DIR (mon and OSD stay up)
#   test/rgw.sh start-rgw DIR  start it again, on the ports in DIR/env; waits until it answers
#
# Settings (environment, with defaults):
#   RGW_HTTP_PORT=7480  RGW_HTTPS_PORT=7443            rgw beast frontend, 127.0.0.1 (and [::1])
#   RGW_MON_PORT=13300  RGW_MON_V1_PORT=16789          monitor (msgr v2 / v1), 127.0.0.1
#   RGW_OSD_STORE=bluestore|memstore                   OSD backend (default: bluestore on a 20 GiB
#                                                      sparse file; memstore when DIR is on tmpfs)
#   RGW_IPV6=1                                         also listen on [::1] when lo has it (0: never)
#   RGW_CERT_KEY=rsa|ec                                test CA and server key type (RSA-2048 / P-256)
#   RGW_EXTRA_SAN=                                     more subjectAltName entries, e.g.
#                                                      "DNS:b1.localhost" (OpenSSL, unlike BearSSL,
#                                                      does not let *.localhost match b1.localhost)
#   RGW_START_TIMEOUT=60                               seconds allowed for each wait
#
# DIR/env (KEY=value lines, no quoting needed; `set -a; . DIR/env; set +a` exports them):
#   RGW_HTTP_URL RGW_HTTPS_URL RGW_CA RGW_DIR AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
#   RGW_ALT_ACCESS_KEY RGW_ALT_SECRET_KEY RGW_HTTP_PORT RGW_HTTPS_PORT AWS_DEFAULT_REGION CEPH_CONF
#   RGW_KMS_KEY_IDS (comma-separated SSE-KMS key ids) RGW_STORAGE_CLASSES (comma-separated, besides STANDARD)
# Clients must connect to "localhost" (the certificate has DNS:localhost and DNS:*.localhost;
# BearSSL never matches IP addresses), and `rgw dns name` is localhost for path-style requests.
set -eu

PROG=rgw.sh
log() { printf '%s: %s\n' "$PROG" "$*"; }
die() { printf '%s: ERROR: %s\n' "$PROG" "$*" >&2; exit 1; }

usage() {
	printf 'usage: %s start DIR | stop DIR | stop-rgw DIR | start-rgw DIR\n' "$0" >&2
	exit 2
}

[ $# -eq 2 ] || usage
CMD=$1
case "$2" in
/*) DIR=$2 ;;
*) DIR=$(pwd)/$2 ;;
esac
DIR=${DIR%/}
# The path goes into ceph.conf and into the beast frontend line: keep it simple.
case "$DIR" in
"" | / | *[!A-Za-z0-9._/-]*) die "DIR must be a plain path of [A-Za-z0-9._/-], not '$2'" ;;
esac
case "$DIR" in
/ | /bin | /boot | /dev | /etc | /home | /lib | /lib64 | /opt | /proc | /root | /run | /sbin | /sys | /tmp | /usr | /var)
	die "refusing to use $DIR as the test directory" ;;
esac

CONF=$DIR/ceph.conf
MARK=$DIR/.tablesnap-rgw # start creates it; only such a directory is ever removed
PIDS=$DIR/pids

HTTP_PORT=${RGW_HTTP_PORT:-7480}
HTTPS_PORT=${RGW_HTTPS_PORT:-7443}
MON_PORT=${RGW_MON_PORT:-13300}
MON_V1_PORT=${RGW_MON_V1_PORT:-16789}
OSD_STORE=${RGW_OSD_STORE:-}
CERT_KEY=${RGW_CERT_KEY:-rsa}
TIMEOUT=${RGW_START_TIMEOUT:-60}
STORAGE_CLASSES="STANDARD_IA ONEZONE_IA INTELLIGENT_TIERING GLACIER_IR REDUCED_REDUNDANCY"
KMS_KEY1=""
KMS_KEY2=""

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- processes -------------------------------------------------------------

# True when PID is alive (not a zombie) and was started by us for this DIR:
# every daemon gets "-c DIR/ceph.conf" on its command line.
ours() {
	local pid=$1 state cmdline
	[ -r "/proc/$pid/stat" ] || return 1
	state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[ "$state" != Z ] || return 1
	cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	case " $cmdline" in
	*" -c $CONF "*) return 0 ;;
	esac
	return 1
}

# Stop every daemon listed in DIR/pids, last started first.
stop_daemons() {
	local name pid i t0
	[ -f "$PIDS" ] || return 0
	while read -r name pid; do
		[ -n "$pid" ] || continue
		if ! ours "$pid"; then
			log "$name (pid $pid) is gone or is not ours: left alone"
			continue
		fi
		t0=$(now)
		kill -TERM "$pid" 2>/dev/null || true
		i=0
		while ours "$pid" && [ $i -lt 150 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if ours "$pid"; then
			log "$name (pid $pid) still running after 15 s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			i=0
			while ours "$pid" && [ $i -lt 50 ]; do
				sleep 0.1
				i=$((i + 1))
			done
		else
			log "stopped $name (pid $pid) in $(since "$t0") s"
		fi
	done < <(tac "$PIDS")
	rm -f "$PIDS"
}

# launch NAME CMD...: run CMD in the background, in its own session, with no
# inherited stdin/stdout/stderr (a caller capturing our output must not hang
# on the daemons), and record its PID in DIR/pids.
launch() {
	local name=$1
	shift
	setsid "$@" </dev/null >>"$DIR/log/$name.out" 2>&1 &
	printf '%s %s\n' "$name" "$!" >>"$PIDS"
}

pid_of() { awk -v n="$1" '$1 == n { p = $2 } END { print p }' "$PIDS"; }

show_log() {
	local f
	for f in "$@"; do
		[ -s "$f" ] || continue
		printf -- '--- tail of %s\n' "$f" >&2
		tail -n 25 "$f" >&2
	done
}

# wait_for DAEMON WHAT CMD...: poll CMD every 0.5 s until it succeeds; fail
# with the daemon's log when the daemon dies or TIMEOUT seconds pass.
wait_for() {
	local name=$1 what=$2 t0 pid n
	shift 2
	t0=$(now)
	while ! "$@" >/dev/null 2>&1; do
		for n in mon osd rgw; do
			pid=$(pid_of "$n")
			if [ -n "$pid" ] && ! ours "$pid"; then
				show_log "$DIR/log/$n.out" "$(daemon_log "$n")"
				die "$n (pid $pid) exited while waiting for $what"
			fi
		done
		if awk -v a="$t0" -v b="$(now)" -v t="$TIMEOUT" 'BEGIN { exit !(b - a > t) }'; then
			show_log "$DIR/log/$name.out" "$(daemon_log "$name")"
			die "timed out after $TIMEOUT s waiting for $what"
		fi
		sleep 0.5
	done
	log "$what after $(since "$START") s"
}

daemon_log() {
	case "$1" in
	mon) echo "$DIR/log/mon.a.log" ;;
	osd) echo "$DIR/log/osd.0.log" ;;
	rgw) echo "$DIR/log/client.rgw.a.log" ;;
	esac
}

cephc() { timeout 10 ceph -c "$CONF" --connect-timeout 5 "$@"; }

# --- stop ------------------------------------------------------------------

do_stop() {
	local t0
	t0=$(now)
	if [ ! -d "$DIR" ]; then
		log "$DIR does not exist: nothing to stop"
		return 0
	fi
	stop_daemons
	if [ "${KEEP:-0}" = 1 ]; then
		log "KEEP=1: leaving $DIR"
	elif [ -e "$MARK" ]; then
		rm -rf "$DIR"
		log "removed $DIR"
	else
		log "$DIR was not made by $PROG: not removing it"
	fi
	log "stop took $(since "$t0") s"
}

# --- start -----------------------------------------------------------------

rand() { tr -dc "$1" </dev/urandom | head -c "$2"; }

port_free() { [ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

make_certs() {
	local keyopt
	case "$CERT_KEY" in
	rsa) keyopt="-newkey rsa:2048" ;;
	ec) keyopt="-newkey ec -pkeyopt ec_paramgen_curve:P-256" ;;
	*) die "RGW_CERT_KEY must be rsa or ec, not $CERT_KEY" ;;
	esac
	cat >"$DIR/tls/ca.cnf" <<-EOF
		[req]
		distinguished_name = dn
		prompt = no
		[dn]
		CN = tablesnap test CA
		[v3_ca]
		basicConstraints = critical, CA:TRUE
		keyUsage = critical, keyCertSign, cRLSign
		subjectKeyIdentifier = hash
	EOF
	cat >"$DIR/tls/server.ext" <<-EOF
		basicConstraints = critical, CA:FALSE
		keyUsage = critical, digitalSignature, keyEncipherment
		extendedKeyUsage = serverAuth
		subjectAltName = DNS:localhost, DNS:*.localhost, IP:127.0.0.1${RGW_EXTRA_SAN:+, $RGW_EXTRA_SAN}
		subjectKeyIdentifier = hash
		authorityKeyIdentifier = keyid
	EOF
	# shellcheck disable=SC2086 # $keyopt is several words
	openssl req -x509 -new -nodes $keyopt -days 30 -sha256 -config "$DIR/tls/ca.cnf" \
		-extensions v3_ca -keyout "$DIR/tls/ca.key" -out "$DIR/ca.pem" 2>"$DIR/log/openssl.out"
	# shellcheck disable=SC2086
	openssl req -new -nodes $keyopt -subj "/CN=localhost" \
		-keyout "$DIR/tls/server.key" -out "$DIR/tls/server.csr" 2>>"$DIR/log/openssl.out"
	openssl x509 -req -in "$DIR/tls/server.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/tls/ca.key" \
		-CAcreateserial -CAserial "$DIR/tls/ca.srl" -days 30 -sha256 -extfile "$DIR/tls/server.ext" \
		-out "$DIR/tls/server.pem" 2>>"$DIR/log/openssl.out"
	chmod 600 "$DIR/tls/ca.key" "$DIR/tls/server.key"
}

write_conf() {
	local store endpoints
	endpoints="endpoint=127.0.0.1:$HTTP_PORT ssl_endpoint=127.0.0.1:$HTTPS_PORT"
	# Where /etc/hosts also maps localhost to ::1, clients may try ::1 first.
	if [ "${RGW_IPV6:-1}" = 1 ] && grep -qs '^0\{31\}1 .* lo$' /proc/net/if_inet6; then
		endpoints="$endpoints endpoint=[::1]:$HTTP_PORT ssl_endpoint=[::1]:$HTTPS_PORT"
	fi
	case "$OSD_STORE" in
	bluestore)
		store="osd objectstore = bluestore
bluestore block create = true
bluestore block size = 21474836480
bluestore fsck on mount = false
bluestore fsck on mkfs = false" ;;
	memstore)
		store="osd objectstore = memstore
memstore device bytes = 12884901888" ;;
	*) die "RGW_OSD_STORE must be bluestore or memstore, not $OSD_STORE" ;;
	esac
	# \$name, \$id, \$cluster, \$channel are Ceph's own metavariables.
	cat >"$CONF" <<EOF
# made by tablesnap test/rgw.sh; everything lives under $DIR
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]
mon initial members = a
public network = 127.0.0.0/8
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $DIR/keyring
run dir = $DIR/run
crash dir = $DIR/crash
log file = $DIR/log/\$name.log
mon data = $DIR/mon/\$cluster-\$id
mgr data = $DIR/mgr/\$cluster-\$id
osd data = $DIR/osd/\$cluster-\$id
rgw data = $DIR/rgw/\$cluster-\$id
mon cluster log file = $DIR/log/\$cluster.\$channel.log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail warn = 1
mon data avail crit = 0

[mon]
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
auth allow insecure global id reclaim = false
# One map update per 0.1 s instead of 1 s: rgw's first start creates its pools
# one proposal at a time (9 s -> about 1 s).
paxos propose interval = 0.1

[osd]
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
$store
osd op num shards = 1
osd op num threads per shard = 2

[client.rgw.a]
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
rgw frontends = beast $endpoints ssl_certificate=$DIR/tls/server.pem ssl_private_key=$DIR/tls/server.key
rgw dns name = localhost
rgw thread pool size = 128
rgw init timeout = $TIMEOUT
# SSE-KMS (issue 15): radosgw's static "testing" key source; the tests name
# these keys with x-amz-server-side-encryption-aws-kms-key-id.
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = testkey-1=$KMS_KEY1 testkey-2=$KMS_KEY2
EOF
}

make_keys() {
	local k=$DIR/keyring
	ceph-authtool --create-keyring "$k" --gen-key -n mon. --cap mon 'allow *' >/dev/null
	ceph-authtool "$k" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' \
		--cap mgr 'allow *' --cap mds 'allow *' >/dev/null
	# Gotcha 1: ceph-osd --mkfs --mkkey fails; the OSD key must exist in the
	# monitor first. Both daemon keys go into the monitor's initial auth
	# database through ceph-mon --mkfs, which imports the whole keyring.
	ceph-authtool "$k" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' \
		--cap mgr 'allow profile osd' >/dev/null
	ceph-authtool "$k" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' \
		--cap mgr 'allow rw' >/dev/null
	chmod 600 "$k"
}

http_up() { curl -s --noproxy '*' -o /dev/null "http://127.0.0.1:$HTTP_PORT/"; }
https_up() {
	curl -sf --noproxy '*' --cacert "$DIR/ca.pem" -o /dev/null \
		--resolve "localhost:$HTTPS_PORT:127.0.0.1" "https://localhost:$HTTPS_PORT/"
}
osd_up() { cephc osd stat -f json 2>/dev/null | grep -q '"num_up_osds":1'; }

make_user() { # uid access secret
	radosgw-admin -c "$CONF" user create --uid="$1" --display-name="$1" \
		--access-key="$2" --secret-key="$3" >"$DIR/log/user-$1.json" 2>>"$DIR/log/radosgw-admin.out"
}

# Storage classes other than STANDARD must exist in the placement target, or
# radosgw refuses a PUT naming them. radosgw-admin makes the default zone and
# zonegroup on radosgw's first start, so this runs after it, and radosgw is
# restarted to see them.
add_storage_classes() {
	local c
	for c in $STORAGE_CLASSES; do
		radosgw-admin -c "$CONF" zonegroup placement add --rgw-zonegroup default \
			--placement-id default-placement --storage-class "$c" \
			>>"$DIR/log/radosgw-admin.out" 2>&1 || { show_log "$DIR/log/radosgw-admin.out"; die "zonegroup placement add $c failed"; }
		radosgw-admin -c "$CONF" zone placement add --rgw-zone default \
			--placement-id default-placement --storage-class "$c" \
			--data-pool default.rgw.buckets.data \
			>>"$DIR/log/radosgw-admin.out" 2>&1 || { show_log "$DIR/log/radosgw-admin.out"; die "zone placement add $c failed"; }
	done
	log "storage classes $STORAGE_CLASSES added after $(since "$START") s"
}

on_start_exit() {
	local rc=$?
	[ "$rc" != 0 ] || return 0
	printf '%s: start failed (exit %s); stopping what was started, logs kept in %s/log\n' \
		"$PROG" "$rc" "$DIR" >&2
	stop_daemons >&2 || true
	exit "$rc"
}

do_start() {
	local p osd_uuid ak sk alt_ak alt_sk
	START=$(now)
	for p in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool \
		openssl curl uuidgen ss setsid; do
		command -v "$p" >/dev/null 2>&1 || die "$p not found: run test/deps.sh"
	done
	if [ -d "$DIR" ]; then
		if [ -f "$PIDS" ]; then
			log "stopping daemons left in $DIR by a previous run"
			stop_daemons
		fi
		if [ -e "$MARK" ]; then
			rm -rf "$DIR"
		elif [ -n "$(ls -A "$DIR")" ]; then
			die "$DIR exists, is not empty and was not made by $PROG"
		fi
	fi
	for p in "$HTTP_PORT" "$HTTPS_PORT" "$MON_PORT" "$MON_V1_PORT"; do
		port_free "$p" || die "port $p on this machine is already in use: $(ss -Hltnp "sport = :$p" | head -n 1)"
	done

	mkdir -p "$DIR"
	: >"$MARK"
	mkdir -p "$DIR/log" "$DIR/run" "$DIR/crash" "$DIR/tls" "$DIR/mon/ceph-a" "$DIR/osd/ceph-0"
	trap on_start_exit EXIT
	trap 'exit 130' INT TERM HUP

	if [ -z "$OSD_STORE" ]; then
		# bluestore opens its block file with O_DIRECT, which tmpfs may refuse.
		case "$(stat -f -c %T "$DIR")" in
		tmpfs | ramfs) OSD_STORE=memstore ;;
		*) OSD_STORE=bluestore ;;
		esac
	fi
	FSID=$(uuidgen)
	osd_uuid=$(uuidgen)
	KMS_KEY1=$(head -c 32 /dev/urandom | base64)
	KMS_KEY2=$(head -c 32 /dev/urandom | base64)
	make_certs
	write_conf
	make_keys
	monmaptool --create --fsid "$FSID" \
		--addv a "[v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]" "$DIR/monmap" >/dev/null
	ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring" \
		>"$DIR/log/mon-mkfs.out" 2>&1 || { show_log "$DIR/log/mon-mkfs.out"; die "ceph-mon --mkfs failed"; }
	launch mon ceph-mon -c "$CONF" -f -i a
	wait_for mon "monitor up" cephc -s

	p=$(cephc osd new "$osd_uuid" 2>>"$DIR/log/ceph-cli.out") || die "ceph osd new failed"
	[ "$p" = 0 ] || die "ceph osd new gave id '$p', expected 0"
	ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" >"$DIR/log/osd-mkfs.out" 2>&1 ||
		{ show_log "$DIR/log/osd-mkfs.out" "$DIR/log/osd.0.log"; die "ceph-osd --mkfs failed"; }
	launch osd ceph-osd -c "$CONF" -f -i 0
	wait_for osd "OSD up ($OSD_STORE)" osd_up

	launch rgw radosgw -c "$CONF" -f -n client.rgw.a
	wait_for rgw "radosgw HTTP on 127.0.0.1:$HTTP_PORT" http_up
	wait_for rgw "radosgw HTTPS on localhost:$HTTPS_PORT" https_up

	ak=$(rand 'A-Z0-9' 20)
	sk=$(rand 'A-Za-z0-9' 40)
	alt_ak=$(rand 'A-Z0-9' 20)
	alt_sk=$(rand 'A-Za-z0-9' 40)
	make_user test "$ak" "$sk" &
	p=$!
	make_user alt "$alt_ak" "$alt_sk" || { show_log "$DIR/log/radosgw-admin.out"; die "radosgw-admin user create alt failed"; }
	wait "$p" || { show_log "$DIR/log/radosgw-admin.out"; die "radosgw-admin user create test failed"; }
	log "users test and alt created after $(since "$START") s"
	add_storage_classes
	stop_rgw_daemon
	launch rgw radosgw -c "$CONF" -f -n client.rgw.a
	wait_for rgw "radosgw restarted with them, HTTP" http_up
	wait_for rgw "radosgw HTTPS" https_up

	cat >"$DIR/env.tmp" <<-EOF
		RGW_DIR=$DIR
		RGW_HTTP_URL=http://localhost:$HTTP_PORT
		RGW_HTTPS_URL=https://localhost:$HTTPS_PORT
		RGW_HTTP_PORT=$HTTP_PORT
		RGW_HTTPS_PORT=$HTTPS_PORT
		RGW_CA=$DIR/ca.pem
		AWS_ACCESS_KEY_ID=$ak
		AWS_SECRET_ACCESS_KEY=$sk
		RGW_ALT_ACCESS_KEY=$alt_ak
		RGW_ALT_SECRET_KEY=$alt_sk
		AWS_DEFAULT_REGION=us-east-1
		CEPH_CONF=$CONF
		RGW_KMS_KEY_IDS=testkey-1,testkey-2
		RGW_STORAGE_CLASSES=$(echo "$STORAGE_CLASSES" | tr " " ,)
	EOF
	mv "$DIR/env.tmp" "$DIR/env"
	trap - EXIT
	log "pids: $(tr '\n' ' ' <"$PIDS")"
	log "env: $DIR/env"
	log "started in $(since "$START") s"
}

# --- radosgw alone (fault tests: S3 down for a while) ----------------------

# A running DIR's ports are those in DIR/env, whatever the environment says.
load_ports() {
	[ -f "$DIR/env" ] || die "$DIR/env not found: nothing was started in $DIR"
	HTTP_PORT=$(sed -n 's/^RGW_HTTP_PORT=//p' "$DIR/env")
	HTTPS_PORT=$(sed -n 's/^RGW_HTTPS_PORT=//p' "$DIR/env")
	if [ -z "$HTTP_PORT" ] || [ -z "$HTTPS_PORT" ]; then
		die "no ports in $DIR/env"
	fi
}

do_stop_rgw() {
	load_ports
	stop_rgw_daemon
}

stop_rgw_daemon() {
	local pid i t0
	pid=$(pid_of rgw)
	{ [ -n "$pid" ] && ours "$pid"; } || die "no radosgw of $DIR is running"
	t0=$(now)
	kill -TERM "$pid" 2>/dev/null || true
	i=0
	while ours "$pid" && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if ours "$pid"; then
		log "rgw (pid $pid) still running after 15 s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		while ours "$pid"; do sleep 0.1; done
	fi
	# start-rgw records the next one; stop still stops mon and OSD.
	awk '$1 != "rgw"' "$PIDS" >"$PIDS.tmp" && mv "$PIDS.tmp" "$PIDS"
	log "stopped rgw (pid $pid) in $(since "$t0") s"
}

do_start_rgw() {
	local pid
	load_ports
	pid=$(pid_of rgw)
	if [ -n "$pid" ] && ours "$pid"; then
		die "the radosgw of $DIR is already running (pid $pid)"
	fi
	START=$(now)
	launch rgw radosgw -c "$CONF" -f -n client.rgw.a
	wait_for rgw "radosgw HTTP on 127.0.0.1:$HTTP_PORT" http_up
	wait_for rgw "radosgw HTTPS on localhost:$HTTPS_PORT" https_up
	log "pids: $(tr '\n' ' ' <"$PIDS")"
}

case "$CMD" in
start) do_start ;;
stop) do_stop ;;
stop-rgw) do_stop_rgw ;;
start-rgw) do_start_rgw ;;
*) usage ;;
esac
