#!/bin/bash
# make demo: start a local radosgw, run ./tablesnap on a demo directory,
# move a few files in, and show what landed in the bucket (listed by awscli).
set -eu
cd "$(dirname "$0")/.."
RGW_DIR=${RGW_DIR:-/tmp/tablesnap-demo-rgw}
DEMO=$(mktemp -d /tmp/tablesnap-demo.XXXXXX)
BUCKET=demo
pid=

cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	bash test/rgw.sh stop "$RGW_DIR" >/dev/null 2>&1 || true
	rm -rf "$DEMO"
}
trap cleanup EXIT

echo "== starting a local S3 server (Ceph radosgw) in $RGW_DIR"
bash test/rgw.sh start "$RGW_DIR"
set -a
# shellcheck disable=SC1091
. "$RGW_DIR/env"
set +a
aws() {
	AWS_REQUEST_CHECKSUM_CALCULATION=when_required \
	    /usr/bin/aws --endpoint-url "$RGW_HTTPS_URL" --ca-bundle "$RGW_CA" \
	    --region us-east-1 "$@"
}
aws s3 mb "s3://$BUCKET" >/dev/null

mkdir -p "$DEMO/data/ks/cf" "$DEMO/incoming"
echo "== running tablesnap on $DEMO/data (log below)"
./tablesnap --endpoint "$RGW_HTTPS_URL" --ca-file "$RGW_CA" -n demo-host \
    -r -a "$BUCKET" "$DEMO/data" &
pid=$!
sleep 1

echo "== moving files in, as Cassandra does"
for i in 1 2; do
	head -c $((i * 100000)) /dev/urandom >"$DEMO/incoming/ks-cf-ka-$i-Data.db"
	head -c 1000 /dev/urandom >"$DEMO/incoming/ks-cf-ka-$i-Index.db"
	mv "$DEMO/incoming/ks-cf-ka-$i-Index.db" "$DEMO/data/ks/cf/"
	mv "$DEMO/incoming/ks-cf-ka-$i-Data.db" "$DEMO/data/ks/cf/"
done
mkdir "$DEMO/data/ks/cf2"
echo hello >"$DEMO/data/ks/cf2/written-in-place.txt"

for _ in $(seq 1 100); do
	n=$(aws s3 ls --recursive "s3://$BUCKET" 2>/dev/null | wc -l)
	[ "$n" -ge 7 ] && break
	sleep 0.2
done
echo
echo "== what landed in s3://$BUCKET (listed by awscli)"
aws s3 ls --recursive "s3://$BUCKET"
echo
key="demo-host:$DEMO/data/ks/cf/ks-cf-ka-2-Data.db-listdir.json"
echo "== the listing $key"
aws s3 cp "s3://$BUCKET/$key" -
echo
echo
echo "== metadata of the Data.db object"
aws s3api head-object --bucket "$BUCKET" \
    --key "demo-host:$DEMO/data/ks/cf/ks-cf-ka-2-Data.db" \
    --query Metadata
