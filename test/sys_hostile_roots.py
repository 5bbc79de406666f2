"""Watched roots that go away (issue 18, item 4): a root deleted and made
again, deleted and left gone, mounted over by a tmpfs and unmounted, moved
away with a full directory moved in at its path, and --exit-on-lost-root.
Before the fix, tablesnap kept running with nothing watched and uploaded
nothing more. What landed is checked with boto3."""
import os
import shutil
import signal
import subprocess
import time

from systest import (WAIT, Failure, check, check_no_sanitizer_report,
                     move_in, test, write)
from sys_daemon import read_stats

# The lost root's ERROR line comes again at this interval (ms) in these
# tests, instead of once a minute.
LOST_ENV = {"TABLESNAP_LOST_LOG_MS": "1500"}


def wait_stat(path, name, value, timeout=WAIT):
    end = time.time() + timeout
    vals = {}
    while time.time() < end:
        vals = read_stats(path)
        if vals.get(name) == value:
            return
        time.sleep(0.2)
    raise Failure("%s never became %r in the stats file: %r" % (
        name, value, vals))


def log_lines(ctx, text):
    return [line for line in ctx.logtext().splitlines() if text in line]


def lost_line(ctx, root, why):
    """The first ERROR line for root, lost for why."""
    ctx.wait_log("Stopped watching %s (%s)" % (root, why))
    lines = log_lines(ctx, "Stopped watching %s (%s)" % (root, why))
    check(any(" ERROR " in line for line in lines),
          "losing the root %s is not an ERROR line: %r" % (root, lines))


def check_alive(ctx):
    check(ctx.proc is not None and ctx.proc.poll() is None,
          "tablesnap is not running (exit %r); log:\n%s" % (
              ctx.proc and ctx.proc.returncode, ctx.logtext()[-3000:]))


@test
def roots_deleted_and_made_again_is_watched_again(ctx):
    ctx.start()
    first = move_in(ctx, "first-Index.db", b"before")
    ctx.assert_stored(first)
    shutil.rmtree(ctx.dir)
    ctx.wait_log("Stopped watching %s (deleted)" % ctx.dir)
    os.makedirs(ctx.dir)
    # Written before tablesnap sees the directory again: found by its scan.
    early = os.path.join(ctx.dir, "early-Index.db")
    write(early, b"early")
    ctx.assert_stored(early)
    ctx.wait_log("Watching %s again" % ctx.dir)
    # Written after: seen by the new watch.
    later = move_in(ctx, "later-Index.db", b"later")
    ctx.assert_stored(later)
    check_alive(ctx)


@test
def roots_lost_root_is_reported_until_it_is_back(ctx):
    stats = os.path.join(ctx.tmp, "tablesnap.prom")
    ctx.start("-r", "--stats-file", stats, env=LOST_ENV)
    os.makedirs(os.path.join(ctx.dir, "sub"))
    wait_stat(stats, "tablesnap_roots_lost", 0)
    shutil.rmtree(ctx.dir)
    lost_line(ctx, ctx.dir, "deleted")
    # Again while it is gone, an ERROR line naming it each time.
    end = time.time() + WAIT
    while len(log_lines(ctx, "The watched root %s is still lost" %
                        ctx.dir)) < 2 and time.time() < end:
        time.sleep(0.2)
    again = log_lines(ctx, "The watched root %s is still lost" % ctx.dir)
    check(len(again) >= 2 and all(" ERROR " in line for line in again),
          "the lost root's ERROR line does not repeat: %r" % again)
    wait_stat(stats, "tablesnap_roots_lost", 1)
    ctx.proc.send_signal(signal.SIGUSR1)
    ctx.wait_log("1 of 1 roots lost (%s)" % ctx.dir)
    # Back with a subdirectory made meanwhile (-r: watched too).
    os.makedirs(os.path.join(ctx.dir, "sub2"))
    inside = os.path.join(ctx.dir, "sub2", "made-while-lost-Index.db")
    write(inside, b"meanwhile")
    ctx.assert_stored(inside)
    wait_stat(stats, "tablesnap_roots_lost", 0)
    deeper = move_in(ctx, "sub2/after-Index.db", b"after")
    ctx.assert_stored(deeper)
    n = len(log_lines(ctx, "is still lost"))
    time.sleep(3)
    check(len(log_lines(ctx, "is still lost")) == n,
          "the ERROR line repeats after the root came back")
    check_alive(ctx)


def mount_tmpfs(path):
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m",
                        "tablesnap-test", path], capture_output=True,
                       text=True)
    check(r.returncode == 0, "mount -t tmpfs %s: %s" % (path, r.stderr))


def umount(path):
    r = subprocess.run(["umount", path], capture_output=True, text=True)
    check(r.returncode == 0, "umount %s: %s" % (path, r.stderr))


@test
def roots_tmpfs_mounted_over_and_unmounted(ctx):
    ctx.start("-r", "-a")
    before = move_in(ctx, "before-Index.db", b"on the disk")
    ctx.assert_stored(before)
    mounted = False
    try:
        mount_tmpfs(ctx.dir)
        mounted = True
        # No inotify event says so: the periodic check finds it.
        early = os.path.join(ctx.dir, "tmpfs-early-Index.db")
        write(early, b"tmpfs early")
        ctx.wait_log("Watching %s again (it was replaced)" % ctx.dir)
        os.makedirs(os.path.join(ctx.dir, "d"))
        on_tmpfs = os.path.join(ctx.dir, "d", "on-ramdisk-Index.db")
        write(on_tmpfs, b"on the tmpfs")   # IN_CLOSE_WRITE
        ctx.assert_stored(early)
        ctx.assert_stored(on_tmpfs)
        umount(ctx.dir)
        mounted = False
    finally:
        if mounted:
            subprocess.run(["umount", "-l", ctx.dir])
    lost_line(ctx, ctx.dir, "unmounted")
    after_early = os.path.join(ctx.dir, "after-early-Index.db")
    write(after_early, b"disk again, early")
    ctx.wait_log("Watching %s again (it was unmounted)" % ctx.dir)
    after = move_in(ctx, "after-Index.db", b"disk again")
    ctx.assert_stored(after_early)
    ctx.assert_stored(after)
    check_alive(ctx)


@test
def roots_filesystem_unmounted_and_mounted_again(ctx):
    # The root is a mount point: its file system goes and comes back.
    mount_tmpfs(ctx.dir)
    mounted = True
    try:
        ctx.start("-r")
        first = os.path.join(ctx.dir, "first-Index.db")
        write(first, b"first mount")
        ctx.assert_stored(first)
        umount(ctx.dir)
        mounted = False
        lost_line(ctx, ctx.dir, "unmounted")
        # The mount point itself is what is there now: watched.
        ctx.wait_log("Watching %s again (it was unmounted)" % ctx.dir)
        mount_tmpfs(ctx.dir)
        mounted = True
        second = os.path.join(ctx.dir, "second-Index.db")
        write(second, b"second mount")
        ctx.assert_stored(second)
        ctx.wait_log("Watching %s again (it was replaced)" % ctx.dir)
        third = os.path.join(ctx.dir, "third-Index.db")
        write(third, b"second mount, later")
        ctx.assert_stored(third)
        check_alive(ctx)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", ctx.dir])


@test
def roots_moved_away_and_full_directory_moved_in(ctx):
    os.makedirs(os.path.join(ctx.dir, "sub"))
    ctx.start("-r", "-a")
    first = move_in(ctx, "sub/first-Index.db", b"first")
    ctx.assert_stored(first)
    full = os.path.join(ctx.outside, "full")
    os.makedirs(os.path.join(full, "sub"))
    write(os.path.join(full, "top-Index.db"), b"top")
    write(os.path.join(full, "sub", "deep-Index.db"), b"deep")
    away = os.path.join(ctx.tmp, "away")
    os.rename(ctx.dir, away)
    lost_line(ctx, ctx.dir, "moved away")
    os.rename(full, ctx.dir)
    for p in ("top-Index.db", "sub/deep-Index.db"):
        ctx.assert_stored(os.path.join(ctx.dir, p))
    later = move_in(ctx, "sub/later-Index.db", b"later")
    ctx.assert_stored(later)
    # Files written in the tree moved away are not ours any more; above
    # all, they must not land under the names of the new tree.
    write(os.path.join(away, "sub", "stale-Index.db"), b"stale")
    write(os.path.join(away, "stale-top-Index.db"), b"stale")
    marker = move_in(ctx, "sub/marker-Index.db", b"marker")
    ctx.assert_stored(marker)
    # The watches of the tree moved away are gone: the new root and its
    # sub are the 2 directories watched.
    ctx.proc.send_signal(signal.SIGUSR1)
    ctx.wait_log("Status:")
    status = log_lines(ctx, "Status:")[-1]
    check("2 directories watched, 0 of 1 roots lost" in status,
          "watches left on the tree moved away: %s" % status)
    time.sleep(1)
    keys = ctx.keys()
    for p in ("sub/stale-Index.db", "stale-top-Index.db"):
        for root in (ctx.dir, away):
            check(ctx.key(os.path.join(root, p)) not in keys,
                  "%s from the tree moved away was uploaded" % p)
    check_alive(ctx)


@test
def roots_made_again_with_auto_add_watches_its_new_subdirectories(ctx):
    # -a without -r: the subdirectories there at start stay unwatched, but
    # one made again under the same name after the root came back is new.
    os.makedirs(os.path.join(ctx.dir, "ks"))
    ctx.start("-a")
    shutil.rmtree(ctx.dir)
    lost_line(ctx, ctx.dir, "deleted")
    os.makedirs(os.path.join(ctx.dir, "ks"))
    made = os.path.join(ctx.dir, "ks", "made-Index.db")
    write(made, b"made")
    ctx.assert_stored(made)
    ctx.wait_log("Watching %s again" % ctx.dir)
    later = move_in(ctx, "ks/later-Index.db", b"later")
    ctx.assert_stored(later)
    check_alive(ctx)


@test
def roots_made_again_while_events_were_lost(ctx):
    # The queue overflows while the root is deleted and made again: no
    # event says so, and ext4 may give the new directory the old inode
    # number. The periodic check still finds that it is another one.
    knob = "/proc/sys/fs/inotify/max_queued_events"
    with open(knob) as f:
        old = f.read().strip()
    try:
        with open(knob, "w") as f:
            f.write("64")
        ctx.start("--without-index")
    finally:
        with open(knob, "w") as f:
            f.write(old)
    first = move_in(ctx, "first-Index.db", b"first")
    ctx.assert_stored(first)
    os.kill(ctx.proc.pid, signal.SIGSTOP)
    try:
        for i in range(200):
            move_in(ctx, "f%03d-Index.db" % i, b"%d" % i)
        ino = os.stat(ctx.dir).st_ino
        shutil.rmtree(ctx.dir)
        os.makedirs(ctx.dir)
        same = os.stat(ctx.dir).st_ino == ino
    finally:
        os.kill(ctx.proc.pid, signal.SIGCONT)
    ctx.wait_log("overflowed")
    ctx.wait_log("Watching %s again" % ctx.dir)
    later = move_in(ctx, "later-Index.db", b"later")
    ctx.assert_stored(later)
    print("     (the new root got the old inode number: %s)" % same)
    check_alive(ctx)


@test
def roots_exit_on_lost_root(ctx):
    ctx.start("--exit-on-lost-root")
    first = move_in(ctx, "first-Index.db", b"first")
    ctx.assert_stored(first)
    shutil.rmtree(ctx.dir)
    try:
        rc = ctx.proc.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        raise Failure("tablesnap still runs after its root was deleted, "
                      "with --exit-on-lost-root; log:\n%s" % ctx.logtext())
    ctx.log.close()
    ctx.proc = None
    check_no_sanitizer_report(ctx.logtext(), ctx.logpath)
    check(rc == 1, "exit status %r, not 1" % rc)
    lines = log_lines(ctx, ctx.dir)
    named = [line for line in lines if "--exit-on-lost-root" in line]
    check(len(named) == 1 and "(deleted)" in named[0],
          "not one line naming the lost root: %r" % lines)
    check(not log_lines(ctx, "ERROR"), "ERROR lines besides: %s" %
          ctx.logtext())
