"""Small helpers for the Python system tests against test/rgw.sh's radosgw.

    import s3check
    env = s3check.load_env("/tmp/rgwtest")      # DIR/env as a dict
    s3 = s3check.client(env)                     # HTTPS, path style, SigV4, verified by RGW_CA
    s3check.make_bucket(s3, "b1")
    s3check.empty_bucket(s3, "b1")

Run as a script to list: python3 test/s3check.py DIR [BUCKET]
Needs /usr/bin/python3 with Debian's python3-boto3.
"""
import os
import sys


def load_env(dir):
    """Parse DIR/env (KEY=value lines, optional quotes or 'export ') into a dict."""
    env = {}
    with open(os.path.join(dir, "env")) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("export "):
                line = line[len("export "):]
            key, sep, value = line.partition("=")
            if sep:
                env[key.strip()] = value.strip().strip("'\"")
    return env


def client(env, alt=False, http=False, **kwargs):
    """A boto3 S3 client for the test radosgw.

    env: dict from load_env (or the DIR itself). alt=True uses the second
    user's keys; http=True uses the plain HTTP port. kwargs go to Session.client.
    """
    if isinstance(env, str):
        env = load_env(env)
    # botocore >= 1.36 sends flexible checksums / aws-chunked trailers by
    # default, which radosgw 16 rejects. Older botocore ignores these.
    os.environ["AWS_REQUEST_CHECKSUM_CALCULATION"] = "when_required"
    os.environ["AWS_RESPONSE_CHECKSUM_VALIDATION"] = "when_required"
    import boto3
    from botocore.config import Config

    if alt:
        ak, sk = env["RGW_ALT_ACCESS_KEY"], env["RGW_ALT_SECRET_KEY"]
    else:
        ak, sk = env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    args = dict(
        endpoint_url=env["RGW_HTTP_URL"] if http else env["RGW_HTTPS_URL"],
        verify=env["RGW_CA"],
        region_name="us-east-1",
        aws_access_key_id=ak,
        aws_secret_access_key=sk,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"max_attempts": 2}),
    )
    args.update(kwargs)
    # A fresh session: no profile, no credential chain, nothing from ~/.aws.
    return boto3.session.Session().client("s3", **args)


def make_bucket(client, name):
    """Create bucket NAME (fine if it already exists and is ours); return NAME."""
    try:
        client.create_bucket(Bucket=name)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    return name


def empty_bucket(client, name):
    """Delete every object (and version) and abort every multipart upload in NAME."""
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=name):
        for u in page.get("Uploads", []):
            client.abort_multipart_upload(Bucket=name, Key=u["Key"], UploadId=u["UploadId"])
    for page in client.get_paginator("list_object_versions").paginate(Bucket=name):
        objs = [{"Key": o["Key"], "VersionId": o["VersionId"]}
                for o in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if objs:
            client.delete_objects(Bucket=name, Delete={"Objects": objs, "Quiet": True})
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        objs = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if objs:
            client.delete_objects(Bucket=name, Delete={"Objects": objs, "Quiet": True})


def remove_bucket(client, name):
    """empty_bucket, then delete the bucket itself."""
    empty_bucket(client, name)
    client.delete_bucket(Bucket=name)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: s3check.py DIR [BUCKET]")
    s3 = client(load_env(sys.argv[1]))
    if len(sys.argv) == 2:
        for b in s3.list_buckets().get("Buckets", []):
            print(b["Name"])
    else:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=sys.argv[2]):
            for o in page.get("Contents", []):
                print("%12d %s %s" % (o["Size"], o["ETag"], o["Key"]))
