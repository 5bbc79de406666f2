"""Production scale at reduced size (issue 17): the inotify watch limit
(fs.inotify.max_user_watches) too small at start-up and later with -a. The
limit is lowered in a user namespace of the test's own (unshare -U: the
kernel's per-namespace max_inotify_watches), so the machine's sysctl is
never touched. The overflow rescan without HEADs and the recovery after an
outage are in sys_faults.py; the million-key and ten-thousand-directory
figures in bench/RESULTS.md (make bench)."""
import os
import subprocess

from systest import check, move_in, test, write

LIMIT = 10


def limited(ctx, limit=LIMIT):
    """ctx.args() run in a new user namespace whose inotify watch limit is
    limit."""
    return ["unshare", "-U", "-r", "sh", "-c",
            'echo %d > /proc/sys/user/max_inotify_watches && exec "$@"'
            % limit, "sh"] + ctx.args()


def limit_lines(text):
    return [line for line in text.splitlines()
            if "fs.inotify.max_user_watches" in line]


@test
def scale_watch_limit_at_startup_exits_1(ctx):
    for i in range(20):
        os.makedirs(os.path.join(ctx.dir, "t%02d" % i, "backups"))
    # 41 directories to watch (the root, 20 tables and their backups/).
    p = subprocess.run(limited(ctx) + ["-r", ctx.bucket, ctx.dir],
                       capture_output=True, env=ctx.run_env(), timeout=60)
    err = p.stderr.decode(errors="replace")
    check(p.returncode == 1, "exit %d, not 1: %s" % (p.returncode, err))
    lines = limit_lines(err)
    check(len(lines) == 1, "not one line naming the sysctl:\n" + err)
    want = "fs.inotify.max_user_watches (%d) is reached: %d watches in " \
        "use, 41 needed" % (LIMIT, LIMIT)
    check(want in lines[0], "%r lacks %r" % (lines[0], want))


@test
def scale_watch_limit_later_with_auto_add_logs_once(ctx):
    os.makedirs(os.path.join(ctx.dir, "t0"))
    ctx.start("-r", "-a", base=limited(ctx))     # 2 of 10 watches
    # Directories made later: 8 more fit, then the limit; one line only.
    for i in range(1, 16):
        os.makedirs(os.path.join(ctx.dir, "t%d" % i))
        write(os.path.join(ctx.dir, "t%d" % i, "a-Index.db"), b"%d" % i)
    ctx.wait_log("fs.inotify.max_user_watches (%d) is reached" % LIMIT)
    # Still running, still uploading what is watched: an old directory, and
    # the new ones that got a watch.
    later = [move_in(ctx, "t0/later-Index.db", b"later"),
             move_in(ctx, "t8/later-Index.db", b"later")]
    for p in later + [os.path.join(ctx.dir, "t1", "a-Index.db")]:
        ctx.assert_stored(p)
    check(ctx.proc.poll() is None, "tablesnap exited")
    lines = limit_lines(ctx.logtext())
    check(len(lines) == 1, "not one line about the limit:\n%s"
          % "\n".join(lines))
    check("ERROR" in lines[0] and "needed" in lines[0], lines[0])
    check(ctx.stop() == 0, "exit status after SIGTERM is not 0")
