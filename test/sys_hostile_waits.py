"""Stuck peers and stray signals (issue 18, items 7, 8 and 10): a server that
accepts and never answers, one that drips its answer a byte a second, a
FIFO where the credentials file should be, a restore download that stalls
halfway, signals a daemon is not meant to die of. Each test is the accident
or the attack, and asserts the safe outcome within generous time bounds."""
import os
import signal
import subprocess
import time

from stuckserver import StuckServer
from systest import (BIN, NAME, check, check_no_sanitizer_report, move_in,
                     test, write)

STOP_WITHIN = 10        # seconds from a signal to the exit, loaded machine


def spawn(ctx, argv, env=None):
    """Starts argv with its output in a file; returns (proc, log path)."""
    path = os.path.join(ctx.tmp, "out-%d.log" % time.monotonic_ns())
    log = open(path, "wb")
    p = subprocess.Popen(argv, stdout=log, stderr=log,
                         env=ctx.run_env(env))
    log.close()
    return p, path


def finish(p, path, timeout=60):
    """Waits for p; returns (exit status, seconds waited, output)."""
    t0 = time.monotonic()
    try:
        rc = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        rc = None
    took = time.monotonic() - t0
    with open(path, "rb") as f:
        text = f.read().decode(errors="replace")
    check_no_sanitizer_report(text, path)
    return rc, took, text


def daemon_argv(ctx, url, *extra):
    return [BIN, "--endpoint", url, "-n", NAME] + list(extra) + [
        ctx.bucket, ctx.dir]


def startup_signals(ctx, sigs):
    """The bucket check waits on a server that never answers; sigs come
    then. The daemon must stop promptly, non-zero, saying why."""
    with StuckServer("silent") as srv:
        p, path = spawn(ctx, daemon_argv(ctx, srv.url))
        check(srv.wait_connections(1), "tablesnap never connected")
        time.sleep(0.5)             # inside the wait for the answer
        for s in sigs:
            p.send_signal(s)
        rc, took, text = finish(p, path)
    check(rc is not None and took < STOP_WITHIN,
          "still running %.1f s after %r (exit %r):\n%s" % (took, sigs, rc,
                                                           text))
    check(rc != 0, "exit 0 after a signal at start-up:\n" + text)
    lines = [ln for ln in text.splitlines()
             if "CRITICAL" in ln or "ERROR" in ln or "second signal" in ln]
    check(len(lines) == 1 and ("cancelled" in lines[0] or
                               "ignal" in lines[0]),
          "want one line saying why it stopped:\n" + text)


@test
def hostile_wait_sigterm_at_startup_silent_server(ctx):
    startup_signals(ctx, [signal.SIGTERM])


@test
def hostile_wait_sigint_twice_at_startup_silent_server(ctx):
    startup_signals(ctx, [signal.SIGINT, signal.SIGINT])


@test
def hostile_wait_fifo_as_credentials_file(ctx):
    """A FIFO planted at the credentials (or config) file: nobody ever
    writes to it. Start-up must refuse it at once, naming it."""
    for var in ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"):
        fifo = os.path.join(ctx.tmp, "fifo-" + var)
        os.mkfifo(fifo)
        env = {var: fifo, "AWS_ACCESS_KEY_ID": "",
               "AWS_SECRET_ACCESS_KEY": ""}
        p, path = spawn(ctx, ctx.args() + [ctx.bucket, ctx.dir], env)
        rc, took, text = finish(p, path, timeout=30)
        check(rc == 1 and took < STOP_WITHIN,
              "%s is a FIFO: exit %r after %.1f s:\n%s" % (var, rc, took,
                                                          text))
        check(fifo in text and "not a regular file" in text,
              "no line naming %s:\n%s" % (fifo, text))


@test
def hostile_wait_drip_answer_at_startup(ctx):
    """A server that sends its answer one byte a second: the per-read
    timeout never fires; the request's deadline (5 s here, no body) must."""
    with StuckServer("drip", interval=1.0) as srv:
        p, path = spawn(ctx, daemon_argv(ctx, srv.url, "--request-timeout",
                                         "5", "--retries", "0"))
        rc, took, text = finish(p, path, timeout=60)
    check(rc == 1 and took < 30,
          "exit %r after %.1f s with a dripping server:\n%s" % (rc, took,
                                                               text))
    check("deadline" in text, "no line about the deadline:\n" + text)


@test
def hostile_wait_drip_answer_to_upload(ctx):
    """radosgw behind a proxy that drips the answers to PUTs: the upload
    must fail at its deadline (5 s plus 64 KiB/s of body), not drag on, and
    go again by the usual rules."""
    up = ("localhost", int(ctx.env["RGW_HTTP_PORT"]))
    with StuckServer("proxy", upstream=up, interval=1.0,
                     drip=r"^PUT /[^/]+/.*drip-Data\.db ") as srv:
        ctx.start("--request-timeout", "5", "--retries", "0",
                  base=[BIN, "--endpoint", srv.url, "-n", NAME])
        move_in(ctx, "drip-Data.db", os.urandom(1000))
        t0 = time.monotonic()
        ctx.wait_log("request deadline passed", timeout=60)
        took = time.monotonic() - t0
    check(took < 30, "the dripping PUT failed only after %.1f s" % took)


def backup_big(ctx, name, size):
    path = os.path.join(ctx.dir, name)
    write(path, os.urandom(size))
    rc, out, err = ctx.run("--once")
    check(rc == 0, "tablesnap --once exited %d:\n%s" % (rc, err))


def stalled_restore(ctx, sigs, gap=0.0):
    """tableslurp through a proxy that stalls the file's GET after 1 MiB:
    sigs (gap seconds apart) must end it promptly, with no temporary file
    left in the target."""
    backup_big(ctx, "big-Data.db", 4 << 20)
    out = os.path.join(ctx.tmp, "restored")
    os.makedirs(out)
    link = os.path.join(ctx.tmp, "tableslurp")
    os.symlink(BIN, link)
    up = ("localhost", int(ctx.env["RGW_HTTP_PORT"]))
    with StuckServer("proxy", upstream=up,
                     stall=r"^GET /[^/]+/.*big-Data\.db ") as srv:
        p, path = spawn(ctx, [link, "--endpoint", srv.url, "-n", NAME,
                              ctx.bucket, ctx.dir, out])
        check(srv.wait_stalled(1), "the download never started")
        time.sleep(1)
        temps = [n for n in os.listdir(out) if n.startswith(".tableslurp")]
        check(temps, "no temporary file while downloading: %r" %
              os.listdir(out))
        for i, s in enumerate(sigs):
            if i and p.poll() is None:
                time.sleep(gap)
            if p.poll() is None:
                p.send_signal(s)
        rc, took, text = finish(p, path)
    check(rc is not None and took < STOP_WITHIN,
          "tableslurp still running %.1f s after %r (exit %r):\n%s" %
          (took, sigs, rc, text))
    check(rc != 0, "exit 0 after an interrupted restore:\n" + text)
    left = [n for n in os.listdir(out) if n.startswith(".tableslurp")]
    check(not left, "temporary files left in the target: %r\n%s" %
          (left, text))


@test
def hostile_wait_sigterm_in_stalled_restore(ctx):
    stalled_restore(ctx, [signal.SIGTERM])


@test
def hostile_wait_two_sigterms_in_stalled_restore(ctx):
    """An impatient operator: a second SIGTERM 0.2 s after the first."""
    stalled_restore(ctx, [signal.SIGTERM, signal.SIGTERM], gap=0.2)


@test
def hostile_wait_stray_signals_do_not_kill_the_daemon(ctx):
    """SIGUSR2, SIGALRM and the other signals whose default is to end a
    process, sent to a running daemon (a stray kill, a misconfigured
    monitoring agent): it logs them and keeps uploading."""
    ctx.start()
    sigs = [signal.SIGUSR2, signal.SIGALRM, signal.SIGVTALRM,
            signal.SIGPROF, signal.SIGXFSZ, signal.SIGIO, signal.SIGPWR,
            signal.Signals(16)]     # SIGSTKFLT on Linux
    for s in sigs:
        ctx.proc.send_signal(s)
        ctx.wait_log("Signal %d " % s)
    check(ctx.proc.poll() is None, "tablesnap died of a stray signal:\n" +
          ctx.logtext())
    check("ignored" in ctx.logtext(), ctx.logtext())
    path = move_in(ctx, "after-signals-Data.db", os.urandom(3000))
    ctx.wait_object(ctx.key(path))
    ctx.assert_stored(path)
