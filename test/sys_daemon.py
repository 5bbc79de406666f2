"""Operations features of the daemon (issue: operations): the
--stats-file counters after a known batch, and --max-bandwidth holding
its rate."""
import os
import re
import time

from systest import WAIT, check, move_in, test, write

MiB = 1024 * 1024


def read_stats(path):
    """The metrics of a --stats-file, {} while there is none yet."""
    vals = {}
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                name, value = line.split()
                vals[name] = float(value)
    except FileNotFoundError:
        pass
    return vals


@test
def stats_file_counts_a_known_batch(ctx):
    stats = os.path.join(ctx.tmp, "tablesnap.prom")
    ctx.start("--stats-file", stats)
    sizes = [1000, 2000, 3000]
    paths = [move_in(ctx, "s%d.db" % i, os.urandom(n))
             for i, n in enumerate(sizes)]
    for p in paths:
        ctx.assert_stored(p)
    # One more that is already there: counted as skipped.
    ctx.s3.put_object(Bucket=ctx.bucket, Key=ctx.key(os.path.join(
        ctx.dir, "x.db")), Body=b"x")
    move_in(ctx, "x.db", b"x")
    ctx.wait_log("already exists, skipping upload")
    end = time.time() + WAIT
    vals = {}
    while time.time() < end:
        if os.path.exists(stats):
            vals = read_stats(stats)
            if vals.get("tablesnap_files_skipped_total") == 1:
                break
        time.sleep(0.2)
    check(vals.get("tablesnap_files_uploaded_total") == 3, "stats %r" % vals)
    check(vals.get("tablesnap_bytes_uploaded_total") == sum(sizes),
          "bytes %r" % vals.get("tablesnap_bytes_uploaded_total"))
    check(vals.get("tablesnap_files_skipped_total") == 1, "skipped")
    check(vals.get("tablesnap_queue_length") == 0, "queue length")
    check(vals.get("tablesnap_uploads_in_flight") == 0, "in flight")
    check(vals.get("tablesnap_upload_failures_total") == 0, "failures")
    # A PUT each (If-None-Match), and for x.db a refused PUT and a HEAD.
    check(vals.get("tablesnap_requests_total", 0) >= 5, "requests")
    check(abs(vals.get("tablesnap_last_success_timestamp_seconds", 0) -
              time.time()) < 600, "last success time")
    check(not os.path.exists(stats + ".tmp"), "temporary file left")
    text = open(stats).read()
    check(re.search(r"^# TYPE tablesnap_files_uploaded_total counter$", text,
                    re.M), "TYPE line missing")


@test
def max_bandwidth_holds_the_rate(ctx):
    size = 24 * MiB
    write(os.path.join(ctx.dir, "bw-Data.db"), os.urandom(size))
    rate = 8 * MiB
    rc, out, err = ctx.run("--once", "--max-bandwidth", "8M",
                           "--without-index", timeout=120)
    check(rc == 0, "exit %d: %s" % (rc, err))
    # From the log: "Uploading" (after hashing) to "Finished uploading".
    stamps = {}
    for line in err.splitlines():
        m = re.match(r"(\S+ \S+),(\d+) INFO (Uploading|Finished uploading) ",
                     line)
        if m:
            t = time.mktime(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S"))
            stamps[m.group(3)] = t + int(m.group(2)) / 1000.0
    check(len(stamps) == 2, "log lines missing: %s" % err)
    measured = size / (stamps["Finished uploading"] - stamps["Uploading"])
    # The limit is a ceiling: a loaded machine can only be slower, so
    # the upper bound is strict (10%) and the lower one loose.
    check(measured <= rate * 1.10, "%.1f MiB/s is above the 8 MiB/s limit" %
          (measured / MiB))
    check(measured >= rate * 0.25, "%.1f MiB/s: far below the limit" %
          (measured / MiB))
