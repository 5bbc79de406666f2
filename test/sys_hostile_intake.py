"""Hostile things put into a watched directory (issue 18, items 2, 3, 5):
a symbolic link to a root-only file, FIFOs (more than -t of them), a Unix
socket and a device moved in must each get one line, no object, no retry,
and a count in the stats file, while the files moved in after them are
still uploaded; a symbolic link planted at the stats file's old temporary
name must not be followed."""
import os
import signal
import socket
import stat
import time

from systest import WAIT, check, move_in, test, write
from sys_daemon import read_stats


def wait_stat(ctx, stats, name, want, timeout=WAIT):
    """Waits until the stats file shows name == want; returns the values."""
    end = time.time() + timeout
    vals = {}
    while time.time() < end:
        if os.path.exists(stats):
            vals = read_stats(stats)
            if vals.get(name) == want:
                return vals
        time.sleep(0.2)
    raise AssertionError("stats never showed %s %r: %r; log:\n%s" % (
        name, want, vals, ctx.logtext()))


def lines_naming(ctx, path):
    return [ln for ln in ctx.logtext().splitlines() if path in ln]


@test
def symlink_moved_in_is_not_uploaded(ctx):
    """ln -s /etc/shadow x-Data.db; mv x-Data.db data/: the bytes of the
    file it points at must never reach the bucket."""
    stats = os.path.join(ctx.tmp, "tablesnap.prom")
    secret_dir = os.path.join(ctx.tmp, "root-only")
    os.makedirs(secret_dir, mode=0o700)
    secret = os.path.join(secret_dir, "shadow")
    write(secret, b"root:$6$secret-hash:19000:0:99999:7:::\n")
    os.chmod(secret, 0o600)
    ctx.start("--stats-file", stats, "-t", "2")
    link = os.path.join(ctx.outside, "ks-cf-ka-1-Data.db")
    os.symlink(secret, link)
    dst = os.path.join(ctx.dir, "ks-cf-ka-1-Data.db")
    os.rename(link, dst)
    after = move_in(ctx, "after-Data.db", os.urandom(3000))
    ctx.assert_stored(after)
    time.sleep(2)
    check(ctx.head(ctx.key(dst)) is None, "the symlink's target was uploaded")
    ctx.wait_log("Skipping %s: a symbolic link" % dst)
    vals = wait_stat(ctx, stats, "tablesnap_files_refused_total", 1)
    check(vals.get("tablesnap_files_uploaded_total") == 1, "stats %r" % vals)
    for k in ctx.keys():
        if k.endswith(".json"):
            continue
        check(b"secret-hash" not in ctx.get(k), "secret bytes in %r" % k)
    check(len(lines_naming(ctx, dst)) == 1,
          "not one line for the symlink: %r" % lines_naming(ctx, dst))


@test
def fifos_moved_in_block_nothing(ctx):
    """More FIFOs than upload threads moved in: each is refused with one
    line, none blocks a thread, and later files are still uploaded."""
    stats = os.path.join(ctx.tmp, "tablesnap.prom")
    threads = 2
    ctx.start("--stats-file", stats, "-t", str(threads))
    fifos = []
    for i in range(threads + 1):
        src = os.path.join(ctx.outside, "fifo%d-Data.db" % i)
        os.mkfifo(src)
        dst = os.path.join(ctx.dir, os.path.basename(src))
        os.rename(src, dst)
        fifos.append(dst)
    devs = []
    try:    # a device (root only, and not in every container)
        src = os.path.join(ctx.outside, "null-Data.db")
        os.mknod(src, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        dst = os.path.join(ctx.dir, "null-Data.db")
        os.rename(src, dst)
        devs.append(dst)
    except OSError:
        pass
    after = [move_in(ctx, "after%d-Data.db" % i, os.urandom(2000 + i))
             for i in range(3)]
    for p in after:
        ctx.assert_stored(p)
    for p in fifos:
        ctx.wait_log("Skipping %s: a FIFO" % p, timeout=30)
    for p in devs:
        ctx.wait_log("Skipping %s: a character device" % p, timeout=30)
    refused = len(fifos) + len(devs)
    vals = wait_stat(ctx, stats, "tablesnap_files_refused_total", refused)
    check(vals.get("tablesnap_uploads_in_flight") == 0, "stats %r" % vals)
    check(vals.get("tablesnap_queue_length") == 0, "stats %r" % vals)
    # Still responsive: SIGUSR1 gets the status line, with the count.
    ctx.proc.send_signal(signal.SIGUSR1)
    ctx.wait_log("%d refused" % refused, timeout=30)
    for p in fifos + devs:
        check(ctx.head(ctx.key(p)) is None, "object for %s" % p)
        check(len(lines_naming(ctx, p)) == 1,
              "not one line for %s: %r" % (p, lines_naming(ctx, p)))
    # A FIFO is skipped on the opened descriptor: a writer waiting on it
    # is not fed to S3 either, and a later file is still uploaded.
    late = move_in(ctx, "late-Data.db", b"late")
    ctx.assert_stored(late)


@test
def socket_moved_in_is_not_retried(ctx):
    """A Unix socket moved in: one line, never retried (the original
    retried it for ever as 'No such device or address')."""
    stats = os.path.join(ctx.tmp, "tablesnap.prom")
    ctx.start("--stats-file", stats)
    src = os.path.join(ctx.outside, "sock-Data.db")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind(src)
        s.listen(1)
        dst = os.path.join(ctx.dir, "sock-Data.db")
        os.rename(src, dst)
        ctx.wait_log("Skipping %s: a socket" % dst, timeout=30)
        after = move_in(ctx, "after-Data.db", os.urandom(1000))
        ctx.assert_stored(after)
        # Retries come after 5 s, then 10 s: none may come.
        time.sleep(7)
        lines = lines_naming(ctx, dst)
        check(len(lines) == 1, "not one line for the socket: %r" % lines)
        vals = wait_stat(ctx, stats, "tablesnap_files_refused_total", 1)
        check(vals.get("tablesnap_upload_failures_total") == 0,
              "counted as a failure: %r" % vals)
        check(ctx.head(ctx.key(dst)) is None, "object for the socket")
    finally:
        s.close()


@test
def stats_file_temporary_symlink_not_followed(ctx):
    """A symbolic link planted at PATH.tmp (the old fixed temporary name)
    pointing at a victim: the victim stays as it was, PATH is written."""
    textfile = os.path.join(ctx.tmp, "textfile")
    os.makedirs(textfile)
    stats = os.path.join(textfile, "tablesnap.prom")
    victim = os.path.join(ctx.outside, "victim")
    write(victim, b"precious\n")
    os.chmod(victim, 0o600)
    planted = stats + ".tmp"
    os.symlink(victim, planted)
    ctx.start("--stats-file", stats)
    p = move_in(ctx, "s-Data.db", b"x" * 100)
    ctx.assert_stored(p)
    wait_stat(ctx, stats, "tablesnap_files_uploaded_total", 1)
    with open(victim, "rb") as f:
        check(f.read() == b"precious\n", "the victim was overwritten")
    check(stat.S_IMODE(os.stat(victim).st_mode) == 0o600, "victim's mode")
    check(stat.S_ISREG(os.lstat(stats).st_mode), "the stats file is not a "
          "regular file")
    check(os.path.islink(planted), "the planted link was moved or removed")
    # No temporary file is left behind (one rename per write).
    time.sleep(6)
    left = sorted(os.listdir(textfile))
    check(left == ["tablesnap.prom", "tablesnap.prom.tmp"],
          "files left in the textfile directory: %r" % left)


@test
def directory_swapped_for_symlink_before_upload(ctx):
    """A file is queued under data/ks; before its upload, ks is renamed
    away and replaced by a link to a root-only tree holding a file of the
    same name: that file must not be uploaded in its place."""
    MiB = 1024 * 1024
    secret_dir = os.path.join(ctx.tmp, "root-only")
    os.makedirs(secret_dir, mode=0o700)
    write(os.path.join(secret_dir, "f-Data.db"), b"secret-hash\n")
    ks = os.path.join(ctx.dir, "ks")
    os.makedirs(ks)
    # One thread, held by a large upload at 4 MiB/s: the file waits.
    ctx.start("-r", "-t", "1", "--max-bandwidth", "4M", "--without-index")
    big = move_in(ctx, "big-Data.db", os.urandom(12 * MiB))
    ctx.wait_log("Uploading %s" % big)
    src = os.path.join(ctx.outside, "f-Data.db")
    write(src, b"plain\n")
    queued = os.path.join(ks, "f-Data.db")
    os.rename(src, queued)
    time.sleep(0.5)     # the event is read and the path queued
    check("Finished uploading %s" % big not in ctx.logtext(),
          "the large upload ended too soon to hold the thread")
    os.rename(ks, os.path.join(ctx.dir, "ks-away"))
    os.symlink(secret_dir, ks)
    ctx.assert_stored(big)
    end = time.time() + WAIT    # its turn comes: uploaded or skipped
    while time.time() < end and not any(
            w in ctx.logtext() for w in ("Finished uploading %s" % queued,
                                         "Skipping %s" % queued)):
        time.sleep(0.1)
    time.sleep(1)
    obj = ctx.head(ctx.key(queued))
    check(obj is None or ctx.get(ctx.key(queued)) != b"secret-hash\n",
          "the file behind the link was uploaded")
    check(obj is None, "an object for the swapped path")
    ctx.wait_log("Skipping %s: a directory on its path is a symbolic link"
                 % queued)
    later = move_in(ctx, "later-Data.db", b"later")
    ctx.assert_stored(later)
