"""Security (issue: fuzzing and bad input): secrets never show in what
tablesnap writes or in its command line, TLS is always verified, and the
watched directories are only read, except by --delete-on-backup."""
import hashlib
import os
import signal
import socket
import stat
import subprocess
import time

from badserver import BadServer
from systest import (BIN, NAME, check, check_no_sanitizer_report, move_in,
                     test, write)

# Distinctive values: a hit in the output cannot be a coincidence.
FAKE_SECRET = "Zq7SecretFromTheCommandLine0000000000000x"
FAKE_TOKEN = "Tk9SessionTokenThatMustNeverBeLogged000000x"


def free_port():
    """A loopback port nothing listens on."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(args, env, timeout=60):
    p = subprocess.run(args, capture_output=True, env=env, timeout=timeout)
    out = p.stdout.decode(errors="replace")
    err = p.stderr.decode(errors="replace")
    check_no_sanitizer_report(err, "stderr of %r" % args)
    return p.returncode, out + err


def assert_no_secret(text, secrets, what):
    for s in secrets:
        check(s not in text, "%s shows a secret (%s...):\n%s" % (
            what, s[:4], text[-3000:]))


@test
def security_secrets_never_in_output_on_errors(ctx):
    real = ctx.env["AWS_SECRET_ACCESS_KEY"]
    secrets = [real, FAKE_SECRET, FAKE_TOKEN]
    debug = ctx.run_env({"TDEBUG": "1"})
    noenv = dict(debug)
    del noenv["AWS_ACCESS_KEY_ID"], noenv["AWS_SECRET_ACCESS_KEY"]
    key = ctx.env["AWS_ACCESS_KEY_ID"]
    cases = [
        # (what, extra args, env, bucket, exit status, message)
        ("missing bucket, keys in the environment", [], debug,
         "no-such-bucket-sec", 1, "NoSuchBucket"),
        ("wrong secret with -s", ["-k", key, "-s", FAKE_SECRET], noenv,
         ctx.bucket, 1, "SignatureDoesNotMatch"),
        ("secret given as --aws-secret=", ["-k", key,
                                           "--aws-secret=" + FAKE_SECRET],
         noenv, ctx.bucket, 1, "SignatureDoesNotMatch"),
        ("wrong secret and a token", ["-k", key, "-s", FAKE_SECRET,
                                      "--aws-token", FAKE_TOKEN], noenv,
         ctx.bucket, 1, "SignatureDoesNotMatch"),
        ("bad option after -s", ["-k", key, "-s", FAKE_SECRET, "-t", "0"],
         noenv, ctx.bucket, 2, "invalid value"),
    ]
    for what, extra, env, bucket, code, message in cases:
        rc, text = run(ctx.args(http=True) + extra + [bucket, ctx.dir], env)
        check(rc == code and message in text, "%s: exit %d, want %d and %r:"
              "\n%s" % (what, rc, code, message, text))
        assert_no_secret(text, secrets, what)
    # No server at all, over both schemes.
    for url in ("http://127.0.0.1:%d" % free_port(),
                "https://localhost:%d" % free_port()):
        args = [BIN, "--endpoint", url, "--ca-file", ctx.env["RGW_CA"],
                "-n", NAME, "--retries", "0", "-s", FAKE_SECRET, "-k", key,
                "--aws-token", FAKE_TOKEN, ctx.bucket, ctx.dir]
        rc, text = run(args, noenv)
        check(rc == 1 and "cannot reach S3" in text, "%s: exit %d:\n%s" % (
            url, rc, text))
        assert_no_secret(text, secrets, url)
    # A server that answers with an error body of its own.
    answer = (b"HTTP/1.1 403 Forbidden\r\nContent-Length: 60\r\n\r\n"
              b"<Error><Code>AccessDenied</Code><Message>x</Message></Error>")
    with BadServer(answer) as srv:
        rc, text = run(ctx.args(http=True) + ["--endpoint", srv.url, "-k",
                                              key, "-s", FAKE_SECRET,
                                              ctx.bucket, ctx.dir], noenv)
        heads = b"".join(srv.requests).decode(errors="replace")
    check(rc == 1 and "AccessDenied" in text, "exit %d:\n%s" % (rc, text))
    assert_no_secret(text, secrets, "an error answer")
    # What goes over the wire: the key id and the signature, never the
    # secret itself.
    check("Credential=%s/" % key in heads, "no SigV4 header: %r" % heads)
    assert_no_secret(heads, [FAKE_SECRET], "the request")


def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read().decode(errors="replace")


@test
def security_secrets_never_in_log_or_command_line(ctx):
    key = ctx.env["AWS_ACCESS_KEY_ID"]
    real = ctx.env["AWS_SECRET_ACCESS_KEY"]
    env = ctx.run_env({"TDEBUG": "1"})
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    # Plain HTTP: signed payloads and every debug line there is.
    # radosgw ignores a session token with a plain user's keys: it goes
    # along unused, and must stay as hidden as the secret.
    proc = ctx.start("-k", key, "-s", real, "--aws-token", FAKE_TOKEN,
                     "--max-upload-size", "1", "--multipart-chunk-size", "5",
                     http=True, env=env)
    small = move_in(ctx, "s-Data.db", os.urandom(5000))
    big = move_in(ctx, "b-Data.db", os.urandom(6 * 1024 * 1024 + 1))
    ctx.assert_stored(small)
    ctx.assert_stored(big)
    line = cmdline(proc.pid)
    assert_no_secret(line, [real, FAKE_TOKEN], "/proc/PID/cmdline")
    proc.send_signal(signal.SIGUSR1)
    ctx.wait_log("Status:")
    check(ctx.stop() == 0, "exit status after SIGTERM")
    assert_no_secret(ctx.logtext(), [real, FAKE_TOKEN], "the log")


def snapshot(root):
    """Every entry under root: kind, size, mode, owner, mtime, inode, and
    the content hash of regular files."""
    out = {}
    for d, dirs, files in os.walk(os.fsencode(root)):
        for n in dirs + files:
            p = os.path.join(d, n)
            st = os.lstat(p)
            digest = None
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    digest = hashlib.md5(f.read()).hexdigest()
            out[p] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mode,
                      st.st_uid, st.st_gid, st.st_mtime_ns, st.st_ino, digest)
    return out


def diff(before, after):
    lines = []
    for p in sorted(set(before) | set(after)):
        if before.get(p) != after.get(p):
            lines.append("%r: %r -> %r" % (p, before.get(p), after.get(p)))
    return "\n".join(lines[:20])


def odd_tree(ctx):
    """A tree with every kind of entry tablesnap must leave alone."""
    sub = os.path.join(ctx.dir, "ks", "cf")
    os.makedirs(sub)
    write(os.path.join(sub, "ks-cf-ka-1-Data.db"), os.urandom(3000))
    write(os.path.join(sub, "ks-cf-ka-1-Index.db"), b"i" * 100)
    write(os.path.join(sub, "ks-cf-tmp-ka-2-Data.db"), b"excluded")
    write(os.path.join(os.fsencode(sub), b"bad-\xff.db"), b"not utf-8")
    write(os.path.join(ctx.dir, "empty.db"), b"")
    os.mkfifo(os.path.join(ctx.dir, "a-fifo"))
    os.symlink(os.path.join(sub, "ks-cf-ka-1-Index.db"),
               os.path.join(ctx.dir, "a-link"))
    os.symlink("/nonexistent", os.path.join(ctx.dir, "dangling-link"))
    ro = os.path.join(ctx.dir, "read-only.db")
    write(ro, b"r" * 10)
    os.chmod(ro, 0o400)
    return sub


@test
def security_watched_tree_is_only_read(ctx):
    sub = odd_tree(ctx)
    before = snapshot(ctx.dir)
    rc, text = run(ctx.args() + ["--once", "-r", ctx.bucket, ctx.dir],
                   ctx.run_env())
    # The name that is not UTF-8 cannot be stored: --once says so (exit 1).
    check(rc == 1 and "1 refused, 0 failed" in text,
          "--once exit %d:\n%s" % (rc, text))
    check(ctx.head(ctx.key(os.path.join(sub, "ks-cf-ka-1-Data.db"))),
          "--once stored nothing")
    after = snapshot(ctx.dir)
    check(before == after, "--once changed the tree:\n%s" % diff(before,
                                                               after))
    # The daemon: -B over the tree, then files moved in, multipart ones,
    # a listing, a status line, a stop.
    ctx.start("-r", "-a", "-B", "--max-upload-size", "1",
              "--multipart-chunk-size", "5")
    moved = [move_in(ctx, "m%d-Data.db" % i, os.urandom(2000 + i))
             for i in range(3)]
    moved.append(move_in(ctx, "big-Data.db", os.urandom(11 * 1024 * 1024)))
    before = snapshot(ctx.dir)
    for p in moved:
        ctx.assert_stored(p)
    ctx.proc.send_signal(signal.SIGUSR1)
    ctx.wait_log("Status:")
    check(ctx.stop() == 0, "exit status after SIGTERM")
    after = snapshot(ctx.dir)
    check(before == after, "the daemon changed the tree:\n%s" % diff(
        before, after))


@test
def security_delete_on_backup_removes_only_uploads(ctx):
    sub = odd_tree(ctx)
    before = snapshot(ctx.dir)
    ctx.start("-r", "-B", "--delete-on-backup")
    moved = move_in(ctx, "late-Index.db", b"late")
    ctx.wait_log("Deleted %s" % moved)
    # Every regular file that can be uploaded goes, after its upload.
    must_go = [os.path.join(sub, "ks-cf-ka-1-Data.db"),
               os.path.join(sub, "ks-cf-ka-1-Index.db"),
               os.path.join(ctx.dir, "empty.db"),
               os.path.join(ctx.dir, "read-only.db")]
    for p in must_go:
        ctx.wait_log("Deleted %s" % p)
    check(ctx.stop() == 0, "exit status after SIGTERM")
    gone = {os.fsencode(ln.split("Deleted ", 1)[1])
            for ln in ctx.logtext().splitlines() if " Deleted " in ln}
    gone.discard(os.fsencode(moved))
    for p in gone:
        body = ctx.get(ctx.key(os.fsdecode(p)))
        check(hashlib.md5(body).hexdigest() == before[p][7] or
              stat.S_ISLNK(before[p][0]),
              "deleted %r, but S3 holds other bytes" % p)
    # The rest stays as it was; directory times change when an entry
    # goes, nothing else may.
    after = snapshot(ctx.dir)
    want = {p: v for p, v in before.items() if p not in gone}
    for snap in (want, after):
        for p, v in snap.items():
            if v[0] == stat.S_IFDIR:
                snap[p] = v[:5] + (None,) + v[6:]
    check(want == after, "more than the uploaded files changed:\n%s" %
          diff(want, after))
    for name in (b"ks-cf-tmp-ka-2-Data.db", b"bad-\xff.db"):
        check(os.path.exists(os.path.join(os.fsencode(sub), name)),
              "%r was deleted" % name)


@test
def security_customer_key_never_in_log_stats_or_command_line(ctx):
    """--sse-c-key-file: the key goes to S3 with every object request and
    nowhere else: not the debug log, the status line, the stats file, the
    command line, nor a restore's output."""
    import base64
    raw = os.urandom(32)
    keyfile = os.path.join(ctx.tmp, "customer.key")
    with open(keyfile, "wb") as f:
        f.write(base64.b64encode(raw) + b"\n")
    os.chmod(keyfile, 0o600)
    forms = [base64.b64encode(raw).decode(), raw.hex(), raw.hex().upper()]
    stats = os.path.join(ctx.tmp, "stats.prom")
    proc = ctx.start("--sse-c-key-file", keyfile, "--stats-file", stats,
                     "--max-upload-size", "1", "--multipart-chunk-size", "5",
                     env={"TDEBUG": "1"})
    small = move_in(ctx, "s-Data.db", os.urandom(5000))
    big = move_in(ctx, "b-Data.db", os.urandom(6 * 1024 * 1024 + 1))
    ctx.wait_log("Finished uploading %s" % small)
    ctx.wait_log("Finished uploading %s" % big)
    assert_no_secret(cmdline(proc.pid), forms, "/proc/PID/cmdline")
    proc.send_signal(signal.SIGUSR1)
    ctx.wait_log("Status:")
    time.sleep(6)   # a stats write after the uploads
    check(ctx.stop() == 0, "exit status after SIGTERM")
    log = ctx.logtext()
    assert_no_secret(log, forms, "the log")
    check(raw.decode("latin-1") not in log, "the raw key is in the log")
    with open(stats) as f:
        assert_no_secret(f.read(), forms, "the stats file")
    p = subprocess.run([BIN, "restore", "--endpoint", ctx.env["RGW_HTTPS_URL"],
                        "--ca-file", ctx.env["RGW_CA"], "-n", NAME,
                        "--sse-c-key-file", keyfile, ctx.bucket, ctx.dir,
                        os.path.join(ctx.tmp, "out")], capture_output=True,
                       env=ctx.run_env({"TDEBUG": "1"}), timeout=120)
    text = (p.stdout + p.stderr).decode(errors="replace")
    check(p.returncode == 0 and "Restored 2 files" in text, text)
    assert_no_secret(text, forms, "tableslurp's output")
