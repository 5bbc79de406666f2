"""Encryption with the user's keys, storage classes and Object Lock (issue
15): what each option stores, seen by boto3's head_object; SSE-C restores
and its clear error without the key; start-up refusals; the daemon's
retention refresh; tablechop keeping locked objects as retained; restores
naming archived objects. Locked buckets use GOVERNANCE only, so that the
cleanup can remove them (BypassGovernanceRetention)."""
import base64
import datetime
import os
import re
import subprocess
import time

from faultproxy import FaultProxy
from systest import (BIN, NAME, WAIT, Failure, check, md5_file, move_in,
                     test, write)

MiB = 1024 * 1024
SMALL_PARTS = ["--max-upload-size", "1", "--multipart-chunk-size", "5"]
LOCK = ["--object-lock-mode", "GOVERNANCE"]


def lock_bucket(ctx):
    """ctx's bucket made again with Object Lock, and a cleanup that can
    remove its locked versions."""
    s3 = ctx.s3
    s3.delete_bucket(Bucket=ctx.bucket)
    s3.create_bucket(Bucket=ctx.bucket, ObjectLockEnabledForBucket=True)
    plain = ctx.cleanup

    def cleanup():
        try:
            for page in s3.get_paginator("list_object_versions").paginate(
                    Bucket=ctx.bucket):
                for v in page.get("Versions", []) + page.get(
                        "DeleteMarkers", []):
                    s3.delete_object(Bucket=ctx.bucket, Key=v["Key"],
                                     VersionId=v["VersionId"],
                                     BypassGovernanceRetention=True)
        except Exception:
            pass
        plain()
    ctx.cleanup = cleanup


def until(h):
    return h["ObjectLockRetainUntilDate"].timestamp()


def run_tool(ctx, tool, args, env=None, timeout=120):
    p = subprocess.run([BIN, tool, "--endpoint", ctx.env["RGW_HTTPS_URL"],
                        "--ca-file", ctx.env["RGW_CA"], "-n", NAME] + args,
                       capture_output=True, env=ctx.run_env(env),
                       timeout=timeout)
    return p.returncode, p.stderr.decode(errors="replace")


def key_file(ctx, raw, mode=0o600, b64=True):
    path = os.path.join(ctx.tmp, "sse-c-%d.key" % len(os.listdir(ctx.tmp)))
    write(path, base64.b64encode(raw) + b"\n" if b64 else raw)
    os.chmod(path, mode)
    return path


@test
def encryption_kms_class_and_lock_on_put_and_multipart(ctx):
    lock_bucket(ctx)
    small = move_in(ctx, "ks-cf-1-Data.db", os.urandom(3000))
    big = move_in(ctx, "ks-cf-2-Data.db", os.urandom(11 * MiB))
    t0 = time.time()
    rc, _, err = ctx.run("--once", "--sse", "aws:kms", "--sse-kms-key-id",
                         "testkey-1", "--storage-class", "STANDARD_IA",
                         "--listing-storage-class", "ONEZONE_IA",
                         *LOCK, "--object-lock-days", "2", *SMALL_PARTS)
    check(rc == 0, "tablesnap --once exit %d:\n%s" % (rc, err))
    check("Performing multipart upload" in err, "no multipart upload:\n" +
          err)
    for path in (small, big):
        for key, cls in ((ctx.key(path), "STANDARD_IA"),
                         (ctx.key(path) + "-listdir.json", "ONEZONE_IA")):
            h = ctx.head(key)
            check(h is not None, "%s not stored" % key)
            got = (h.get("ServerSideEncryption"), h.get("SSEKMSKeyId"),
                   h.get("StorageClass"), h.get("ObjectLockMode"))
            check(got == ("aws:kms", "testkey-1", cls, "GOVERNANCE"),
                  "%s: %r" % (key, got))
            want = t0 + 2 * 86400
            check(want - 120 < until(h) < want + 600,
                  "%s locked until %s" % (key, h["ObjectLockRetainUntilDate"]))
        body = ctx.get(ctx.key(path))
        with open(path, "rb") as f:
            check(body == f.read(), "%s differs in S3" % path)
    # The lock holds: deleting that version is refused.
    v = ctx.s3.list_object_versions(Bucket=ctx.bucket,
                                    Prefix=ctx.key(small))["Versions"][0]
    try:
        ctx.s3.delete_object(Bucket=ctx.bucket, Key=ctx.key(small),
                             VersionId=v["VersionId"])
        raise Failure("a locked version was deleted")
    except ctx.s3.exceptions.ClientError as e:
        check(e.response["Error"]["Code"] == "AccessDenied", str(e))


@test
def encryption_sse_s3_and_until_date(ctx):
    lock_bucket(ctx)
    path = move_in(ctx, "a-Data.db", os.urandom(100))
    rc, _, err = ctx.run("--once", "--with-sse", *LOCK,
                         "--object-lock-until", "2031-01-02T03:04:05Z", "-R")
    check(rc == 0, "exit %d:\n%s" % (rc, err))
    h = ctx.head(ctx.key(path))
    # radosgw 16 has no SSE-S3: it ignores the header (which the unit
    # tests check), so ServerSideEncryption is not looked at here.
    check(h.get("StorageClass") == "REDUCED_REDUNDANCY", repr(h))
    check(until(h) == datetime.datetime(2031, 1, 2, 3, 4, 5,
                                        tzinfo=datetime.timezone.utc)
          .timestamp(), "until %s" % h.get("ObjectLockRetainUntilDate"))
    # tableverify names the earliest lock expiry of each table (the file
    # and its listing: a Data.db file has one).
    rc, err = run_tool(ctx, "verify", [ctx.bucket, ctx.dir])
    check(rc == 0, "verify exit %d:\n%s" % (rc, err))
    check(re.search(r"Table \S+: .*; locked until 2031-01-02T03:04:05", err),
          "no lock expiry in verify's table line:\n" + err)


@test
def encryption_sse_c_upload_restore_and_no_key_leak(ctx):
    raw = os.urandom(32)
    kf = key_file(ctx, raw)
    secrets = [base64.b64encode(raw).decode(), raw.hex()]
    small = move_in(ctx, "ks-cf-1-Data.db", os.urandom(2000))
    big = move_in(ctx, "ks-cf-2-Index.db", os.urandom(6 * MiB + 7))
    rc, out, err = ctx.run("--once", "--sse-c-key-file", kf, *SMALL_PARTS,
                           env={"TDEBUG": "1"})
    check(rc == 0, "exit %d:\n%s" % (rc, err))
    for s in secrets:
        check(s not in out + err, "the key shows in tablesnap's output")
    for path in (small, big, small + "-listdir.json"):
        key = ctx.key(path)
        check(ctx.head(key) is None, "%s readable without the key" % key)
        h = ctx.s3.head_object(Bucket=ctx.bucket, Key=key,
                               SSECustomerAlgorithm="AES256",
                               SSECustomerKey=raw)
        check(h.get("SSECustomerAlgorithm") == "AES256", repr(h))
    body = ctx.s3.get_object(Bucket=ctx.bucket, Key=ctx.key(big),
                             SSECustomerAlgorithm="AES256",
                             SSECustomerKey=raw)["Body"].read()
    with open(big, "rb") as f:
        check(body == f.read(), "multipart SSE-C object differs")
    # tableslurp with the key restores; without it says what is missing.
    target = os.path.join(ctx.tmp, "restored")
    rc, err = run_tool(ctx, "restore", ["--sse-c-key-file", kf, ctx.bucket,
                                        ctx.dir, target],
                       env={"TDEBUG": "1"})
    check(rc == 0, "restore exit %d:\n%s" % (rc, err))
    for s in secrets:
        check(s not in err, "the key shows in tableslurp's output")
    for path in (small, big):
        got = os.path.join(target, os.path.basename(path))
        check(os.path.exists(got) and md5_file(got) == md5_file(path),
              "%s not restored:\n%s" % (path, err))
    rc, err = run_tool(ctx, "restore", [ctx.bucket, ctx.dir,
                                        os.path.join(ctx.tmp, "nokey")])
    check(rc != 0 and "needs --sse-c-key-file" in err,
          "exit %d, or no hint without the key:\n%s" % (rc, err))


@test
def encryption_startup_refusals(ctx):
    raw = os.urandom(32)
    fifo = os.path.join(ctx.tmp, "key.fifo")  # no writer: open must not wait
    os.mkfifo(fifo, 0o600)
    cases = [
        (["--sse-c-key-file", fifo], False, "closed to group and others"),
        (["--sse-c-key-file", key_file(ctx, raw, 0o640)], False,
         "closed to group and others"),
        (["--sse-c-key-file", key_file(ctx, raw[:31], b64=False)], False,
         "holds no 256-bit key"),
        (["--sse-c-key-file", key_file(ctx, raw)], True,
         "needs an https:// endpoint"),
        (["--sse-c-key-file", os.path.join(ctx.tmp, "none")], False,
         "No such file or directory"),
        (LOCK + ["--object-lock-days", "1"], False, "has no Object Lock"),
    ]
    for args, http, message in cases:
        rc, out, err = ctx.run("--once", *args, http=http)
        lines = [ln for ln in err.splitlines() if "CRITICAL" in ln]
        check(rc == 1 and len(lines) == 1 and message in lines[0],
              "%r: exit %d, want one line with %r:\n%s" % (args, rc,
                                                            message, err))
        for s in (base64.b64encode(raw).decode(), raw.hex()):
            check(s not in out + err, "%r: the key shows" % args)
    check(ctx.keys() == [], "something was uploaded: %r" % ctx.keys())


@test
def encryption_lock_refresh_moves_live_files_forward(ctx):
    lock_bucket(ctx)
    old = move_in(ctx, "ks-cf-1-Index.db", b"compacted away later")
    ctx.start("-B", *LOCK, "--object-lock-days", "1",
              env={"TABLESNAP_LOCK_REFRESH_MS": "1500"})
    live = move_in(ctx, "ks-cf-2-Data.db", b"live")
    ctx.assert_stored(live)
    ctx.assert_stored(old)
    # Cassandra drops the old file; the next listing leaves it out.
    os.unlink(old)
    newer = move_in(ctx, "ks-cf-3-Data.db", b"newer")
    ctx.assert_stored(newer)
    listing = ctx.key(newer) + "-listdir.json"
    ctx.wait_object(listing)

    def two_passes():
        # The second pass to end from now began after now.
        n = ctx.logtext().count("Object Lock: ")
        end = time.time() + WAIT
        while ctx.logtext().count("Object Lock: ") < n + 2:
            check(time.time() < end, "no refresh pass:\n" + ctx.logtext())
            time.sleep(0.2)
    # No pass that listed before the newer listing was there (and so
    # still took the old file as live) may run after the first reading.
    two_passes()
    first = {k: until(ctx.head(k)) for k in (ctx.key(live), ctx.key(old),
                                               listing)}
    two_passes()
    line = [ln for ln in ctx.logtext().splitlines()
            if "Object Lock: " in ln][-1]
    check(re.search(r"Object Lock: \d+ objects of 1 listings kept until "
                    r"\S+, 0 gone, 0 failed$", line), line)
    later = {k: until(ctx.head(k)) for k in first}
    check(later[ctx.key(live)] > first[ctx.key(live)],
          "the live file's lock did not move: %r %r" % (first, later))
    check(later[listing] > first[listing], "the listing's lock did not move")
    check(later[ctx.key(old)] == first[ctx.key(old)],
          "a file no listing names was extended")
    check(later[ctx.key(live)] > time.time() + 86400,
          "the lock ends within a day")
    check(ctx.stop() == 0, "exit status after SIGTERM")


@test
def encryption_chop_keeps_locked_objects_as_retained(ctx):
    lock_bucket(ctx)
    a = move_in(ctx, "ks-cf-1-Data.db", b"a")
    gone = move_in(ctx, "ks-cf-1-Index.db", b"i")
    rc, _, err = ctx.run("--once", *LOCK, "--object-lock-days", "1")
    check(rc == 0, err)
    os.unlink(gone)
    time.sleep(1.1)     # a newer LastModified for the second listing
    move_in(ctx, "ks-cf-2-Data.db", b"b")
    rc, _, err = ctx.run("--once", *LOCK, "--object-lock-days", "1")
    check(rc == 0, err)
    before = ctx.keys()
    # Due: the first listing and the file only it names. Both locked.
    as_of = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                          time.gmtime(time.time() + 3 * 86400))
    rc, err = run_tool(ctx, "chop", ["-l", "--as-of", as_of, ctx.bucket,
                                     ctx.dir, "1"])
    check(rc == 0, "tablechop exit %d:\n%s" % (rc, err))
    check("Retained %s: under Object Lock" % ctx.key(gone) in err and
          "Retained %s-listdir.json" % ctx.key(a) in err, err)
    check("Deleted 0 files, 0 could not be deleted, 2 retained" in err, err)
    check(ctx.keys() == before, "keys changed: %r -> %r" % (before,
                                                           ctx.keys()))
    # Without the lock they would go: a dry run on a bucket without
    # Object Lock is not asked here; the refusal is S3's own.
    v = ctx.s3.list_object_versions(Bucket=ctx.bucket,
                                    Prefix=ctx.key(gone))["Versions"][0]
    try:
        ctx.s3.delete_object(Bucket=ctx.bucket, Key=ctx.key(gone),
                             VersionId=v["VersionId"])
        raise Failure("a locked version was deleted")
    except ctx.s3.exceptions.ClientError as e:
        check(e.response["Error"]["Code"] == "AccessDenied", str(e))


@test
def encryption_restore_names_archived_objects(ctx):
    a = move_in(ctx, "ks-cf-1-Data.db", b"archived data")
    b = move_in(ctx, "ks-cf-1-Index.db", b"index")
    rc, _, err = ctx.run("--once")
    check(rc == 0, err)
    proxy = FaultProxy("localhost", int(ctx.env["RGW_HTTP_PORT"]),
                       rates={"archived": 1.0},
                       match=r"^GET /[^ ?]*-Data\.db HTTP")
    proxy.start()
    try:
        target = os.path.join(ctx.tmp, "restored")
        p = subprocess.run([BIN, "restore", "--endpoint",
                            "http://localhost:%d" % proxy.port, "-n", NAME,
                            ctx.bucket, ctx.dir, target],
                           capture_output=True, env=ctx.run_env(),
                           timeout=120)
        err = p.stderr.decode(errors="replace")
    finally:
        proxy.close()
    check("%s is in an archive storage class: it needs a RestoreObject "
          "first" % ctx.key(a) in err, err)
    check("attempt 2" not in err and "Giving up" not in err,
          "an archived object was tried again:\n" + err)
    check(proxy.stats().get("archived") == 1, repr(proxy.stats()))
    check(os.path.exists(os.path.join(target, os.path.basename(b))),
          "the other file was not restored:\n" + err)
