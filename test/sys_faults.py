"""Reliability under faults (issue 5): S3 errors, resets, stalls and
truncated answers injected by test/faultproxy.py between tablesnap and
radosgw; radosgw stopped and restarted; tablesnap killed with SIGKILL;
inotify queue overflow; watched directories deleted or moved away; a storm
of events. Every check of what landed is made with boto3.

Sizes can be changed for a longer soak: FAULT_FILES (small files per fault
mode, 200), FAULT_RGW_DOWN (seconds radosgw stays down, 60),
FAULT_OVERFLOW_FILES (2000), FAULT_STORM_FILES (5000)."""
import concurrent.futures
import hashlib
import os
import re
import shutil
import signal
import subprocess
import threading
import time

from systest import (BIN, HERE, NAME, Failure, check, move_in,
                     tablesnap_requests, test, write)
from faultproxy import FaultProxy

SMALL = int(os.environ.get("FAULT_FILES", "200"))
BIG = 3                   # multipart files per fault run, 11 MiB each
BIG_SIZE = 11 * 1024 * 1024 + 12345
TIMEOUT = 2               # tablesnap --request-timeout under faults
LAND_WAIT = 300           # seconds allowed for everything to land


# ---- helpers ----

def proxied(proxy):
    """tablesnap's leading arguments to go through the proxy (plain HTTP:
    the signed-payload path)."""
    return [BIN, "--endpoint", "http://localhost:%d" % proxy.port, "-n", NAME]


def start_proxy(ctx, **kw):
    p = FaultProxy("localhost", int(ctx.env["RGW_HTTP_PORT"]), **kw)
    p.start()
    return p


def make_files(ctx, n_small, n_big, sub="", seed=0):
    """Moves n_small small files (a few of them Data.db, which get a
    listing) and n_big multipart-sized ones into ctx.dir/sub, interleaved;
    returns their paths."""
    paths = []
    step = max(1, n_small // (n_big + 1))
    for i in range(n_small):
        kind = "Data" if i % 25 == 0 else "Index"
        name = os.path.join(sub, "ks-cf-ka-%d-%d-%s.db" % (seed, i, kind))
        paths.append(move_in(ctx, name, os.urandom(1 + (i * 7919) % 65536)))
        if n_big > 0 and i % step == step - 1:
            name = os.path.join(sub, "big-%d-%d-Data.db" % (seed, i))
            paths.append(move_in(ctx, name, os.urandom(BIG_SIZE)))
            n_big -= 1
    return paths


def listing(ctx):
    """{key: (size, etag)} of the bucket, with boto3."""
    out = {}
    for page in ctx.s3.get_paginator("list_objects_v2").paginate(
            Bucket=ctx.bucket):
        for o in page.get("Contents", []):
            out[o["Key"]] = (o["Size"], o["ETag"].strip('"'))
    return out


def wait_landed(ctx, paths, timeout=LAND_WAIT):
    """Waits until every path has an object of its size; returns the
    listing. Fails early when tablesnap died."""
    want = {ctx.key(p): os.path.getsize(p) for p in paths}
    end = time.time() + timeout
    while True:
        objs = listing(ctx)
        missing = [k for k, size in want.items()
                   if k not in objs or objs[k][0] != size]
        if not missing:
            return objs
        if ctx.proc is not None and ctx.proc.poll() is not None:
            raise Failure("tablesnap exited (%r) with %d files missing; "
                          "log tail:\n%s" % (ctx.proc.returncode,
                                             len(missing),
                                             ctx.logtext()[-3000:]))
        if time.time() > end:
            raise Failure("%d of %d files never landed, e.g. %r; log "
                          "tail:\n%s" % (len(missing), len(want),
                                         missing[:3], ctx.logtext()[-3000:]))
        time.sleep(0.5)


def wait_finished(ctx, paths, timeout=LAND_WAIT):
    """Waits for tablesnap's own "Finished uploading" of every path: an
    object exists a little before its upload's last step is done. (A PUT
    that S3 carried out while every answer was lost ends in a skip.)"""
    end = time.time() + timeout
    while True:
        log = ctx.logtext()
        missing = [p for p in paths if "Finished uploading %s\n" % p
                   not in log and "Keyname %s already exists" % ctx.key(p)
                   not in log]
        if not missing:
            return
        if time.time() > end:
            raise Failure("no 'Finished uploading' for %d files, e.g. %r"
                          % (len(missing), missing[:3]))
        time.sleep(0.2)


def check_identical(ctx, paths):
    """GETs every object: byte-identical, md5sum metadata right (8 GETs at
    a time: one by one, 200 small objects take 10 s)."""
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for f in [pool.submit(check_one, ctx, p) for p in paths]:
            f.result()


def check_one(ctx, p):
    key = ctx.key(p)
    o = ctx.s3.get_object(Bucket=ctx.bucket, Key=key)
    body = o["Body"].read()
    with open(p, "rb") as f:
        local = f.read()
    check(body == local, "object %r differs from %s (%d vs %d bytes)" % (
        key, p, len(body), len(local)))
    md5 = hashlib.md5(local).hexdigest()
    meta = o.get("Metadata", {}).get("md5sum")
    check(meta == md5, "md5sum metadata of %r is %r, not %s" % (key, meta,
                                                                 md5))


def check_identical_by_etag(ctx, paths, objs):
    """For single-PUT objects the ETag is the MD5 of the stored bytes."""
    for p in paths:
        key = ctx.key(p)
        with open(p, "rb") as f:
            md5 = hashlib.md5(f.read()).hexdigest()
        check(objs[key][1] == md5, "object %r: ETag %s, file MD5 %s" % (
            key, objs[key][1], md5))


def multipart_left(ctx):
    out = []
    for page in ctx.s3.get_paginator("list_multipart_uploads").paginate(
            Bucket=ctx.bucket):
        out += [(u["Key"], u["UploadId"]) for u in page.get("Uploads", [])]
    return out


def check_listings(ctx, paths, objs):
    """Each Data.db file got its -listdir.json."""
    for p in paths:
        if p.endswith("-Data.db"):
            check(ctx.key(p) + "-listdir.json" in objs,
                  "no listing for %s" % p)


def check_alive(ctx):
    check(ctx.proc is not None and ctx.proc.poll() is None,
          "tablesnap is not running (exit %r); log tail:\n%s" % (
              ctx.proc and ctx.proc.returncode, ctx.logtext()[-3000:]))


def check_no_crash(ctx):
    log = ctx.logtext()
    # A crash itself shows in the exit status; these are what tablesnap or
    # a sanitizer build writes when something went badly wrong.
    for bad in ("CRITICAL", "AddressSanitizer", "runtime error:"):
        check(bad not in log, "log has %r:\n%s" % (bad, log[-3000:]))


def rgw(cmd, ctx):
    r = subprocess.run(["bash", os.path.join(HERE, "rgw.sh"), cmd,
                        ctx.env["RGW_DIR"]], capture_output=True, text=True,
                       timeout=120)
    check(r.returncode == 0, "rgw.sh %s failed: %s%s" % (cmd, r.stdout,
                                                         r.stderr))


def kill9(ctx):
    ctx.proc.kill()
    ctx.proc.wait()
    ctx.log.close()
    ctx.proc = None


# ---- S3 faults through the proxy ----

FAULTS = [
    # mode, rate: at most 6 attempts (--retries 5), so a request still
    # fails now and then (0.3^6); the file is then retried 5 s later.
    ("error500", 0.3),
    ("slowdown", 0.2),
    ("reset", 0.2),
    ("stall", 0.1),
    ("truncate", 0.2),
]


def fault_run(ctx, mode, rate):
    p = start_proxy(ctx, rates={mode: rate}, stall=TIMEOUT + 2,
                    seed=sum(map(ord, mode)))
    try:
        ctx.start("-t", "8", "--retries", "5", "--request-timeout",
                  str(TIMEOUT), "--max-upload-size", "1",
                  "--multipart-chunk-size", "5", base=proxied(p))
        paths = make_files(ctx, SMALL, BIG, seed=1)
        objs = wait_landed(ctx, paths)
        wait_finished(ctx, paths)
        check_alive(ctx)
        st = p.stats()
    finally:
        p.close()
    # Roughly 2 requests per small file, 5 per multipart file: the rate
    # times that, less a wide margin.
    least = int(rate * (2 * SMALL + 5 * BIG) / 3)
    check(st[mode] >= least, "only %d %s faults injected (want >= %d): %r"
          % (st[mode], mode, least, st))
    check(st["forwarded"] >= len(paths), "proxy forwarded too little: %r"
          % st)
    check(ctx.stop() == 0, "exit status after SIGTERM is not 0")
    log = ctx.logtext()
    check(log.count("Retrying ") >= 1, "the log shows no retry")
    check_no_crash(ctx)
    check_identical(ctx, paths)
    check_listings(ctx, paths, objs)
    left = multipart_left(ctx)
    check(left == [], "multipart uploads left over: %r" % left)
    check(log.count("Performing multipart upload") >= BIG,
          "the big files did not go multipart")


def fault_test(mode, rate):
    def fn(ctx):
        fault_run(ctx, mode, rate)
    fn.__name__ = fn.__qualname__ = "faults_%s" % mode
    return test(fn)


for _mode, _rate in FAULTS:
    fault_test(_mode, _rate)


@test
def faults_lost_multipart_answers(ctx):
    # S3 carries out the initiate but its answer is lost: the retry makes a
    # second upload, and the first must not be left behind.
    p = start_proxy(ctx, rates={"truncate": 1.0}, limit=1,
                    match=r"^POST [^ ]*\?uploads ")
    try:
        ctx.start("--max-upload-size", "1", "--multipart-chunk-size", "5",
                  base=proxied(p))
        first = move_in(ctx, "lost-initiate-Data.db", os.urandom(BIG_SIZE))
        wait_landed(ctx, [first], timeout=120)
        check(p.stats()["truncate"] == 1, "no initiate answer was lost: %r"
              % p.stats())
        # Then a lost answer to the complete: retried, it must still end
        # with the object stored, and nothing unfinished.
        p.set(match=r"^POST [^ ]*\?uploadId=", limit=1)
        second = move_in(ctx, "lost-complete-Data.db", os.urandom(BIG_SIZE))
        wait_landed(ctx, [second], timeout=120)
        wait_finished(ctx, [first, second], timeout=120)
        check(p.stats()["truncate"] == 2, "no complete answer was lost: %r"
              % p.stats())
    finally:
        p.close()
    check(ctx.stop() == 0, "exit status after SIGTERM is not 0")
    check_no_crash(ctx)
    check_identical(ctx, [first, second])
    left = multipart_left(ctx)
    check(left == [], "multipart uploads left over: %r" % left)


@test
def faults_clock_skew(ctx):
    # The proxy says the S3 clock is an hour ahead; tablesnap signs with
    # that clock, the real radosgw refuses it, and tablesnap learns the
    # true one back. First on a HEAD, whose 403 has no body to say why
    # (a file over 1 MiB is looked up with a HEAD before its PUT).
    p = start_proxy(ctx, rates={"skew": 1.0}, limit=1, match=r"^HEAD ")
    try:
        ctx.start("-t", "4", "--retries", "5", base=proxied(p))
        first = move_in(ctx, "skew-1-Index.db", os.urandom((1 << 20) + 1))
        wait_landed(ctx, [first], timeout=60)
        check(p.stats()["skew"] == 1, "no skew injected: %r" % p.stats())
        log = ctx.logtext()
        check("Clock skew: the S3 clock is +3600 s" in log,
              "the skewed Date of a HEAD answer was not learned:\n" + log)
        check(re.search(r"Clock skew: the S3 clock is [+-][01] s", log),
              "the true clock was not learned back:\n" + log)
        # Then on any request, often: with 4 threads, a request may be
        # signed with a clock another thread's answer has just changed
        # (this failed whole uploads when each cure was a retry).
        p.set(match="", limit=12, rates={"skew": 0.3})
        paths = [first] + make_files(ctx, 60, 1, seed=7)
        wait_landed(ctx, paths)
        wait_finished(ctx, paths)
        st = p.stats()
    finally:
        p.close()
    check(st["skew"] >= 3, "too few skew faults injected: %r" % st)
    log = ctx.logtext()
    check("failed; retrying in" not in log,
          "a skewed answer failed a whole upload:\n" + "\n".join(
              l for l in log.splitlines()
              if re.search("Clock skew|ERROR|failed", l)))
    check(ctx.stop() == 0, "exit status after SIGTERM is not 0")
    check_no_crash(ctx)
    check_identical(ctx, paths)


@test
def small_file_changed_after_its_put_if_absent_is_replaced(ctx):
    # The proxy holds each request 2 s after reading it whole, so the
    # first PUT (If-None-Match) stores the old bytes while the file
    # changes in content, not size. The second PUT must not be
    # conditional, or the skip rule would keep the stale object.
    p = start_proxy(ctx, delay=2.0)
    try:
        ctx.start(base=proxied(p))
        path = move_in(ctx, "inplace.db", os.urandom(100000))
        ctx.wait_log("Uploading %s" % path)
        time.sleep(0.5)
        new = os.urandom(1000)
        with open(path, "r+b") as f:
            f.write(new)
        ctx.wait_log("changed while it was uploaded")
        ctx.wait_log("Finished uploading %s" % path)
    finally:
        p.close()
    with open(path, "rb") as f:
        final = f.read()
    check(final[:1000] == new, "the file was not changed")
    check(ctx.get(ctx.key(path)) == final, "object is not the final content")


def socket_buffers():
    """The most a loopback connection buffers: the largest receive plus
    send buffers TCP autotuning may grow to."""
    total = 0
    for knob in ("tcp_rmem", "tcp_wmem"):
        with open("/proc/sys/net/ipv4/" + knob) as f:
            total += int(f.read().split()[2])
    return total


@test
def faults_server_stops_reading(ctx):
    # The server reads 64 KiB of a body and then nothing: once the socket
    # buffers are full, the upload's writes must time out (not hang) and
    # the file go up on a retry.
    size = socket_buffers() + 8 * 1024 * 1024
    check(size <= 256 * 1024 * 1024, "socket buffers too large to fill "
          "in a test: %d bytes" % size)
    p = start_proxy(ctx, rates={"stallbody": 1.0}, limit=1, match="^PUT ",
                    stall=LAND_WAIT)
    try:
        ctx.start("--request-timeout", "3", "--max-upload-size", "1024",
                  base=proxied(p))
        path = move_in(ctx, "stalled-Index.db", os.urandom(size))
        wait_landed(ctx, [path], timeout=120)
        wait_finished(ctx, [path], timeout=120)
        check(p.stats()["stallbody"] == 1, "no stall: %r" % p.stats())
    finally:
        p.close()
    log = ctx.logtext()
    check("write timeout" in log, "the stalled body did not end in a write "
          "timeout:\n" + log[-3000:])
    check(ctx.stop() == 0, "exit status after SIGTERM is not 0")
    check_identical(ctx, [path])


# ---- S3 down for a while ----

@test
def faults_radosgw_down_and_back(ctx):
    down = float(os.environ.get("FAULT_RGW_DOWN", "60"))
    ctx.start("-t", "4", "--request-timeout", "5", "--max-upload-size", "1",
              "--multipart-chunk-size", "5")
    before = make_files(ctx, 10, 0, seed=1)
    wait_landed(ctx, before)
    rgw("stop-rgw", ctx)
    during = []
    try:
        end = time.time() + down
        during.append(move_in(ctx, "big-down-Data.db", os.urandom(BIG_SIZE)))
        i = 0
        while time.time() < end:
            during.append(move_in(ctx, "down-%d-Index.db" % i,
                                  os.urandom(1000 + i)))
            i += 1
            time.sleep(1)
        check_alive(ctx)
    finally:
        rgw("start-rgw", ctx)
    after = make_files(ctx, 10, 0, seed=3)
    paths = before + during + after
    # The first answer ends the waits of the failed files (issue 17): the
    # probe comes every 4 s; the rest is the time they take to send.
    wait_landed(ctx, paths, timeout=90)
    check_alive(ctx)
    log = ctx.logtext()
    check("failed; retrying in" in log,
          "no file-level retry was logged while radosgw was down")
    check(ctx.stop() == 0, "exit status after SIGTERM is not 0")
    check_no_crash(ctx)
    check_identical(ctx, paths)
    left = multipart_left(ctx)
    check(left == [], "multipart uploads left over: %r" % left)


@test
def faults_waiting_files_land_soon_after_s3_returns(ctx):
    # Files fail while radosgw is down; their back-offs grow (5 s, 10 s,
    # 20 s, 40 s...), but the first answer after the outage ends them all.
    down = float(os.environ.get("FAULT_RECOVERY_DOWN", "40"))
    ctx.start("-t", "2", "--request-timeout", "5", "--without-index")
    first = move_in(ctx, "first-Index.db", b"1")
    wait_landed(ctx, [first], timeout=60)
    mark = len(ctx.logtext())
    rgw("stop-rgw", ctx)
    during = []
    try:
        end = time.time() + down
        while time.time() < end:
            during.append(move_in(ctx, "down-%d-Index.db" % len(during),
                                  b"%d" % len(during)))
            time.sleep(2)
        check_alive(ctx)
        # No herd while it is down: one upload at a time, every 4 s, each
        # with its three retries, not every file on its own clock.
        tries = ctx.logtext()[mark:].count("Retrying PUT")
        check(tries <= 3 * (down / 4 + 3), "%d retries of PUTs while S3 was "
              "down for %d s" % (tries, down))
    finally:
        rgw("start-rgw", ctx)
    back = time.time()
    wait_landed(ctx, during, timeout=15)
    print("     (%d files landed %.1f s after radosgw answered again)"
          % (len(during), time.time() - back))
    check_alive(ctx)
    check(ctx.stop() == 0, "exit status after SIGTERM is not 0")
    check_no_crash(ctx)


# ---- SIGKILL and restart ----

@test
def faults_kill9_then_restart_with_backup(ctx):
    # Latency on every request so that the kill lands mid-way, and part 2
    # of every multipart upload hangs: the kill leaves unfinished uploads.
    p = start_proxy(ctx, delay=0.02, rates={"stall": 1.0}, stall=LAND_WAIT,
                    match=r"^PUT [^ ]*[?&]partNumber=2&")
    args = ("-t", "4", "--max-upload-size", "1", "--multipart-chunk-size",
            "5")
    try:
        ctx.start(*args, base=proxied(p))
        paths = make_files(ctx, 150, 4, seed=5)
        end = time.time() + LAND_WAIT
        while time.time() < end:
            if ctx.logtext().count("Finished uploading") >= 30 and \
                    p.stats()["stall"] >= 1:
                break
            check_alive(ctx)
            time.sleep(0.02)
        kill9(ctx)
        done = ctx.logtext().count("Finished uploading")
    finally:
        p.close()
    check(done < len(paths), "every file was uploaded before the kill")
    check(multipart_left(ctx) != [], "the kill left no unfinished "
          "multipart upload: the test did not test that")
    ctx.start("-B", *args)
    objs = wait_landed(ctx, paths)
    log = ctx.logtext()
    skipped = re.search(r"(\d+) already in S3", log)
    check("already exists, skipping" in log or
          (skipped is not None and int(skipped.group(1)) > 0),
          "the restart did not skip what was already uploaded")
    check(ctx.stop() == 0, "exit status after SIGTERM is not 0")
    check_no_crash(ctx)
    check_identical(ctx, paths)
    check_listings(ctx, paths, objs)
    left = multipart_left(ctx)
    check(left == [], "multipart uploads left over after the restart: %r"
          % left)


# ---- inotify ----

@test
def faults_inotify_queue_overflow(ctx):
    n = int(os.environ.get("FAULT_OVERFLOW_FILES", "2000"))
    knob = "/proc/sys/fs/inotify/max_queued_events"
    check(os.geteuid() == 0, "needs root to lower %s" % knob)
    # There at start, so not watched with -a alone: the rescan leaves it.
    os.makedirs(os.path.join(ctx.dir, "old"))
    with open(knob) as f:
        old = f.read().strip()
    try:
        # Read when the inotify instance is made: lowered only while
        # tablesnap starts, so other processes keep the usual limit.
        with open(knob, "w") as f:
            f.write("64")
        ctx.start("-a", "-t", "8", "--without-index")
    finally:
        with open(knob, "w") as f:
            f.write(old)
    # Subdirectories watched by -a (without -r): the rescan covers them.
    first = []
    for sub in ("a", "b"):
        os.makedirs(os.path.join(ctx.dir, sub))
        time.sleep(0.2)
        first.append(move_in(ctx, sub + "/first-Index.db", sub.encode()))
    wait_landed(ctx, first, timeout=60)
    # Stopped, tablesnap reads no events: the queue overflows for sure.
    os.kill(ctx.proc.pid, signal.SIGSTOP)
    try:
        paths = []
        for i in range(n):
            sub = ("", "a", "b")[i % 3]
            paths.append(move_in(ctx, os.path.join(sub, "f%05d-Index.db"
                                                   % i), b"%d\n" % i))
        # A directory made while events are lost: the rescan watches it.
        newdir = os.path.join(ctx.dir, "c")
        os.makedirs(newdir)
        paths.append(move_in(ctx, "c/in-new-dir-Index.db", b"c"))
        unwatched = move_in(ctx, "old/not-watched-Index.db", b"old")
    finally:
        os.kill(ctx.proc.pid, signal.SIGCONT)
    ctx.wait_log("overflowed")
    objs = wait_landed(ctx, paths)
    check_identical_by_etag(ctx, paths, objs)
    later = move_in(ctx, "c/after-rescan-Index.db", b"later")
    wait_landed(ctx, [later], timeout=60)
    check(ctx.head(ctx.key(unwatched)) is None, "the rescan uploaded %s, "
          "in a directory -a alone does not watch" % unwatched)
    # The rescan found the files stored before the overflow again: a
    # HEAD each, never a second PUT (with its body) that S3 refuses.
    again = [(k, st) for k, st in tablesnap_requests(ctx, "PUT")
             if k.endswith("/first-Index.db") or st != 200]
    check(len(again) == 2, "PUTs after the rescan: %r" % again)
    # The rescan listed each directory instead of a HEAD per file (issue 17).
    heads = tablesnap_requests(ctx, "HEAD")
    check(not heads, "HEADs: %d, e.g. %r" % (len(heads), heads[:3]))
    check_alive(ctx)
    check_no_crash(ctx)


@test
def faults_watched_directory_deleted_or_moved_away(ctx):
    for sub in ("gone", "away", "stays"):
        os.makedirs(os.path.join(ctx.dir, sub))
    ctx.start("-r", "-a")
    first = move_in(ctx, "stays/first-Index.db", b"1")
    wait_landed(ctx, [first], timeout=60)
    gone, away = os.path.join(ctx.dir, "gone"), os.path.join(ctx.dir, "away")
    shutil.rmtree(gone)
    moved = os.path.join(ctx.outside, "away")
    os.rename(away, moved)
    ctx.wait_log("Stopped watching %s (deleted)" % gone)
    ctx.wait_log("Stopped watching %s (moved away)" % away)
    # Outside the tree now: neither its new nor its old path is uploaded.
    write(os.path.join(moved, "outside-Index.db"), b"x")
    later = move_in(ctx, "stays/later-Index.db", b"2")
    os.makedirs(gone)              # made again: -a watches it anew
    again = move_in(ctx, "gone/again-Index.db", b"3")
    wait_landed(ctx, [later, again], timeout=60)
    check_alive(ctx)
    keys = ctx.keys()
    for p in (os.path.join(moved, "outside-Index.db"),
              os.path.join(away, "outside-Index.db")):
        check(ctx.key(p) not in keys, "%s was uploaded" % p)
    # The watched root itself deleted: logged, and tablesnap goes on.
    shutil.rmtree(ctx.dir)
    ctx.wait_log("Stopped watching %s (deleted)" % ctx.dir)
    time.sleep(0.5)
    check_alive(ctx)
    check_no_crash(ctx)


# ---- bounded resources ----

class Sampler(threading.Thread):
    """Samples Threads and VmRSS of a process from /proc until stopped."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.max_threads = self.max_rss_kb = self.samples = 0

    def run(self):
        while not self.stop.is_set():
            try:
                with open("/proc/%d/status" % self.pid) as f:
                    for line in f:
                        k, _, v = line.partition(":")
                        if k == "Threads":
                            self.max_threads = max(self.max_threads, int(v))
                        elif k == "VmRSS":
                            self.max_rss_kb = max(self.max_rss_kb,
                                                  int(v.split()[0]))
                self.samples += 1
            except (OSError, ValueError):
                pass
            self.stop.wait(0.01)


@test
def faults_event_storm_bounded(ctx):
    # 20,000 takes 64 s to upload here and as long to delete afterwards:
    # 5,000 by default (enough to catch more threads than -t).
    n = int(os.environ.get("FAULT_STORM_FILES", "5000"))
    threads = 4
    ctx.start("-t", str(threads), "--without-index")
    s = Sampler(ctx.proc.pid)
    s.start()
    try:
        paths = [move_in(ctx, "s%05d-Index.db" % i, b"%d" % i)
                 for i in range(n)]
        objs = wait_landed(ctx, paths)
    finally:
        s.stop.set()
        s.join()
    check_alive(ctx)
    # The main thread and one per upload, nothing else (a thread that has
    # reported its upload but not yet exited counts: it holds its stack).
    check(s.max_threads <= threads + 1, "%d threads seen with -t %d" % (
        s.max_threads, threads))
    check(s.max_threads >= 2, "no upload thread was ever seen")
    # A queue of n paths is a few MiB; 64 MiB means something grows.
    check(s.max_rss_kb < 64 * 1024, "peak RSS %d KiB" % s.max_rss_kb)
    check(s.samples > 10, "too few samples")
    check_identical_by_etag(ctx, paths, objs)
    check_no_crash(ctx)
    print("    storm: %d files, %d samples, max %d threads, peak RSS %d KiB"
          % (n, s.samples, s.max_threads, s.max_rss_kb), flush=True)
