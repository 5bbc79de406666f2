"""Large files (issue: streaming multipart uploads): resume after kill -9
with the stored parts not sent again (seen in radosgw's own access log),
a file appended to during its upload, and multipart uploads aborted at
shutdown."""
import os
import re
import signal
import time

from systest import WAIT, Failure, check, move_in, test, write

MiB = 1024 * 1024
SMALL_PARTS = ["--max-upload-size", "1", "--multipart-chunk-size", "5"]


def wait_for(what, fn, timeout=WAIT):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    raise Failure("timed out waiting for " + what)


def uploads(ctx, key=None):
    ups = ctx.s3.list_multipart_uploads(Bucket=ctx.bucket).get("Uploads", [])
    return [u for u in ups if key is None or u["Key"] == key]


def stored_parts(ctx, key, upload_id):
    r = ctx.s3.list_parts(Bucket=ctx.bucket, Key=key, UploadId=upload_id)
    return {p["PartNumber"]: p["ETag"] for p in r.get("Parts", [])}


def part_puts(ctx, upload_id):
    """How many times radosgw saw each part PUT (its beast access log)."""
    log = os.path.join(ctx.env["RGW_DIR"], "log", "client.rgw.a.log")
    counts = {}
    pat = re.compile(r'"PUT [^ ]*\?partNumber=(\d+)&uploadId=' +
                     re.escape(upload_id.replace("~", "%7E")) + r'|"PUT [^ ]*'
                     r'\?partNumber=(\d+)&uploadId=' + re.escape(upload_id))
    with open(log, errors="replace") as f:
        for line in f:
            m = pat.search(line)
            if m:
                n = int(m.group(1) or m.group(2))
                counts[n] = counts.get(n, 0) + 1
    return counts


@test
def kill_9_mid_multipart_resumes_stored_parts(ctx):
    ctx.start(*SMALL_PARTS, "--max-bandwidth", "4M")
    data = os.urandom(31 * MiB)
    path = move_in(ctx, "big-Data.db", data)
    key = ctx.key(path)
    up = wait_for("an upload", lambda: uploads(ctx, key))[0]
    wait_for("two stored parts",
             lambda: len(stored_parts(ctx, key, up["UploadId"])) >= 2)
    ctx.proc.send_signal(signal.SIGKILL)
    ctx.proc.wait()
    before = stored_parts(ctx, key, up["UploadId"])
    check(len(before) < 7, "all parts were stored before the kill")
    ctx.start("-B", *SMALL_PARTS)
    h = ctx.assert_stored(path)
    check(h["ETag"].strip('"').endswith("-7"), "ETag %s" % h["ETag"])
    ctx.wait_log("Resuming the multipart upload of %s: %d of 7 parts" %
                 (path, len(before)))
    puts = part_puts(ctx, up["UploadId"])
    for n in before:
        check(puts.get(n) == 1, "part %d was sent %r times" % (n, puts.get(n)))
    check(sum(puts.values()) >= 7, "radosgw log shows parts %r" % puts)
    check(not uploads(ctx), "multipart uploads left: %r" % uploads(ctx))


@test
def changed_during_upload_is_stored_as_final_content(ctx):
    ctx.start("--max-bandwidth", "2M")
    path = os.path.join(ctx.dir, "growing-Data.db")
    first = os.urandom(3 * MiB)
    write(path, first)
    ctx.wait_log("Uploading %s" % path)
    more = os.urandom(100000)
    with open(path, "ab") as f:
        f.write(more)
    ctx.wait_log("changed while it was uploaded")
    ctx.assert_stored(path)
    check(ctx.get(ctx.key(path)) == first + more, "object is not the final "
          "content")


@test
def changed_during_multipart_upload(ctx):
    ctx.start(*SMALL_PARTS, "--max-bandwidth", "8M")
    path = os.path.join(ctx.dir, "growing-big-Data.db")
    first = os.urandom(12 * MiB)
    write(path, first)
    ctx.wait_log("Performing multipart upload for %s" % path)
    with open(path, "ab") as f:
        f.write(b"tail" * 1000)
    ctx.wait_log("changed while it was uploaded")
    ctx.assert_stored(path)
    check(ctx.get(ctx.key(path)) == first + b"tail" * 1000, "object is "
          "not the final content")
    check(not uploads(ctx), "multipart uploads left: %r" % uploads(ctx))


@test
def shutdown_aborts_unfinished_multipart_upload(ctx):
    ctx.start(*SMALL_PARTS, "--max-bandwidth", "2M",
              "--shutdown-timeout", "1")
    path = move_in(ctx, "slow-Data.db", os.urandom(20 * MiB))
    key = ctx.key(path)
    up = wait_for("an upload", lambda: uploads(ctx, key))[0]
    wait_for("a stored part", lambda: stored_parts(ctx, key, up["UploadId"]))
    rc = ctx.stop()
    check(rc == 0, "exit status %r" % rc)
    check("Aborted the unfinished multipart upload of %s" % key in
          ctx.logtext(), "no abort logged")
    check(not uploads(ctx), "multipart uploads left: %r" % uploads(ctx))
    check(ctx.head(key) is None, "a partial object is visible")
