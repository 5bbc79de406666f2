"""Concurrency (issue: sanitizers): many files at once through -t 4, with
multipart uploads, listings, new directories, repeated events and signals
arriving meanwhile. Run under ThreadSanitizer by `make tsan`; in the plain
suite it checks that nothing is lost or stored twice under that load."""
import os
import signal

from systest import check, move_in, test, write

THREADS = "4"


@test
def threads_many_files_at_once(ctx):
    stats = os.path.join(ctx.tmp, "stats.prom")
    ctx.start("-t", THREADS, "-r", "-a", "--max-upload-size", "1",
              "--multipart-chunk-size", "5", "--stats-file", stats)
    paths = []
    for d in ("ks1/cf1", "ks1/cf2", "ks2/cf1"):
        os.makedirs(os.path.join(ctx.outside, d))
    # Directories that appear while tablesnap runs, filled before and
    # after they are moved in.
    for i, d in enumerate(("ks1", "ks2")):
        write(os.path.join(ctx.outside, d, "cf1", "early-%d-Data.db" % i),
              os.urandom(3000 + i))
        os.rename(os.path.join(ctx.outside, d), os.path.join(ctx.dir, d))
        paths.append(os.path.join(ctx.dir, d, "cf1", "early-%d-Data.db" % i))
    for i in range(24):
        sub = ("ks1/cf1", "ks1/cf2", "ks2/cf1")[i % 3]
        kind = "Data" if i % 2 else "Index"
        paths.append(move_in(ctx, "%s/t-%d-%s.db" % (sub, i, kind),
                             os.urandom(1000 * (i + 1))))
        if i % 6 == 0:
            ctx.proc.send_signal(signal.SIGUSR1)
    for i in range(3):
        paths.append(move_in(ctx, "big-%d-Data.db" % i,
                             os.urandom(6 * 1024 * 1024 + i)))
    # The same file finished again while queued or in flight: the last
    # content must win.
    again = os.path.join(ctx.dir, "again-Data.db")
    for i in range(3):
        write(again, b"version %d " % i * 1000)
    paths.append(again)
    ctx.proc.send_signal(signal.SIGHUP)
    ctx.proc.send_signal(signal.SIGUSR1)
    for p in paths:
        ctx.assert_stored(p)
    for p in paths:
        if p.endswith("-Data.db"):
            ctx.wait_object(ctx.key(p) + "-listdir.json")
    ups = ctx.s3.list_multipart_uploads(Bucket=ctx.bucket).get("Uploads")
    check(not ups, "multipart uploads left: %r" % ups)
    listings = sum(1 for p in paths if p.endswith("-Data.db"))
    keys = ctx.keys()
    check(len(keys) == len(paths) + listings, "%d keys for %d files and %d "
          "listings: %r" % (len(keys), len(paths), listings, keys))
    check(ctx.stop() == 0, "exit status after SIGTERM")
