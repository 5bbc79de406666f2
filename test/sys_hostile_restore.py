"""Restores from a hostile bucket (issue 18): whoever can write to the
bucket must not make tableslurp write outside its target, follow a link
planted in it, hand out setuid files, or call a restore with files missing
complete. Bucket contents are crafted with boto3; the restore is the real
binary; what landed on disk is checked with os.lstat and os.walk."""
import json
import os
import stat
import time
import subprocess

from systest import BIN, NAME, check, test, write
from sys_restore import tool
import sys_badinput


def put(ctx, key, body=b"x", **kw):
    ctx.s3.put_object(Bucket=ctx.bucket, Key=key, Body=body, **kw)


def listing(ctx, key, members):
    put(ctx, key, json.dumps(members).encode(),
        ContentType="application/json")


def prepare(ctx):
    """The tableslurp link tool() makes in ctx.tmp, made before a tree()
    is taken."""
    link = os.path.join(ctx.tmp, "tableslurp")
    if not os.path.lexists(link):
        os.symlink(BIN, link)


def tree(top, skip=None):
    """Every path under top (links not followed) but those under skip."""
    out = set()
    for d, dirs, files in os.walk(top):
        if skip is not None and (d == skip or d.startswith(skip + os.sep)):
            dirs[:] = []
            continue
        for n in dirs + files:
            p = os.path.join(d, n)
            if skip is None or not (p == skip or
                                    p.startswith(skip + os.sep)):
                out.add(p)
    return out


@test
def hostile_restore_dotdot_directory(ctx):
    """Issue 18.1: key testhost:/data/../../pwned with a listing naming
    {"/data/../..": ["pwned"]}: tableslurp -r -p /data must not restore
    pwned two levels above the target (with a setuid mode, at that)."""
    st = json.dumps({"uid": 0, "gid": 0, "mode": 0o104755})
    put(ctx, "%s:/data/../../pwned" % NAME, b"#!/bin/sh\necho owned\n",
        Metadata={"stat": st})
    listing(ctx, "%s:/data/../../pwned-listdir.json" % NAME,
            {"/data/../..": ["pwned"]})
    # A table of its own, which is restored.
    put(ctx, "%s:/data/ks/cf/ks-cf-ka-1-Data.db" % NAME, b"good")
    listing(ctx, "%s:/data/ks/cf/ks-cf-ka-1-Data.db-listdir.json" % NAME,
            {"/data/ks/cf": ["ks-cf-ka-1-Data.db"]})
    target = os.path.join(ctx.tmp, "a", "b", "target")
    os.makedirs(target)
    prepare(ctx)
    before = tree(ctx.tmp, skip=target)
    rc, err = tool(ctx, "tableslurp", "-r", "-p", ctx.bucket, "/data",
                   target)
    after = tree(ctx.tmp, skip=target)
    check(after == before, "written outside the target: %r\n%s" % (
        sorted(after - before), err))
    check(not os.path.lexists(os.path.join(ctx.tmp, "a", "pwned")),
          "pwned restored two levels above the target:\n%s" % err)
    check(rc == 1, "a refused listing exited %d:\n%s" % (rc, err))
    check("Refusing listing %s:/data/../../pwned-listdir.json" % NAME in err
          and "/data/../.." in err, "no line names the refused path:\n%s"
          % err)
    with open(os.path.join(target, "ks", "cf", "ks-cf-ka-1-Data.db"),
              "rb") as f:
        check(f.read() == b"good", "the good table was not restored")


@test
def hostile_restore_listing_entries(ctx):
    """Names that are not file names of the directory: each refused on its
    own line, exit 1, nothing written outside the target, the rest
    restored."""
    d = "/data/ks/cf"
    base = "%s:%s/" % (NAME, d)
    for key in ("../../escaped", "/etc/escaped", "a/b", "ok-Data.db"):
        put(ctx, base + key, b"payload " + key.encode())
    put(ctx, "%s:/data/ks/escaped" % NAME, b"..")
    bad = ["..", "../../escaped", "/etc/escaped", "", "a/b", "nul\0x", ".",
           7]
    listing(ctx, base + "ok-Data.db-listdir.json",
            {d: ["ok-Data.db"] + bad})
    target = os.path.join(ctx.tmp, "p", "target")
    os.makedirs(target)
    prepare(ctx)
    before = tree(ctx.tmp, skip=target)
    rc, err = tool(ctx, "tableslurp", ctx.bucket, d, target)
    check(tree(ctx.tmp, skip=target) == before,
          "written outside the target:\n%s" % err)
    check(rc == 1, "refused names exited %d:\n%s" % (rc, err))
    check(sorted(os.listdir(target)) == ["ok-Data.db"],
          "the target holds %r" % os.listdir(target))
    for shown in ("..", "../../escaped", "/etc/escaped", "a/b", "nul\\x00x",
                  "(not a string)"):
        check("names a file that cannot be restored: %s\n" % shown in err,
              "no line names %r:\n%s" % (shown, err))
    check(err.count("names a file that cannot be restored") == len(bad),
          "not one line per refused name:\n%s" % err)


@test
def hostile_restore_bad_listing_member(ctx):
    """A listing with a member for a directory outside the tree is refused
    whole: nothing restored from it, exit 1, a line saying why."""
    d = "/data/ks/cf"
    put(ctx, "%s:%s/ok-Data.db" % (NAME, d), b"ok")
    listing(ctx, "%s:%s/ok-Data.db-listdir.json" % (NAME, d),
            {d: ["ok-Data.db"], "/data/..": ["x"]})
    target = os.path.join(ctx.tmp, "target")
    rc, err = tool(ctx, "tableslurp", ctx.bucket, d, target)
    check(rc == 1, "exit %d:\n%s" % (rc, err))
    check("is refused" in err and "/data/.." in err, err)
    check(not os.path.exists(os.path.join(target, "ok-Data.db")), err)


@test
def hostile_restore_symlinks_in_target(ctx):
    """Links planted in the target: at a file's name (the link is not
    followed, its target untouched), and as a directory component pointing
    outside (-r: nothing written through it); the temporaries are created
    relative to the directory, O_CREAT|O_EXCL|O_NOFOLLOW."""
    put(ctx, "%s:/data/ks/cf/f1-Data.db" % NAME, b"from the bucket 1")
    put(ctx, "%s:/data/ks/cf/f2-Data.db" % NAME, b"from the bucket 2")
    listing(ctx, "%s:/data/ks/cf/f2-Data.db-listdir.json" % NAME,
            {"/data/ks/cf": ["f1-Data.db", "f2-Data.db"]})
    put(ctx, "%s:/data/ks2/cf/g-Data.db" % NAME, b"from the bucket 3")
    listing(ctx, "%s:/data/ks2/cf/g-Data.db-listdir.json" % NAME,
            {"/data/ks2/cf": ["g-Data.db"]})
    target = os.path.join(ctx.tmp, "target")
    os.makedirs(os.path.join(target, "ks", "cf"))
    victim = os.path.join(ctx.outside, "victim")
    write(victim, b"root's file")
    os.chmod(victim, 0o600)
    os.symlink(victim, os.path.join(target, "ks", "cf", "f1-Data.db"))
    os.symlink(ctx.outside, os.path.join(target, "ks2"))
    before = tree(ctx.outside)
    strace = ["strace", "-f", "-qq", "-e", "trace=openat", "-o",
              os.path.join(ctx.tmp, "strace.out")]
    # LeakSanitizer cannot run under ptrace (make asan): off for this run.
    rc, err = tool(ctx, "tableslurp", "-r", ctx.bucket, "/data", target,
                   wrap=strace, env={"ASAN_OPTIONS": "detect_leaks=0"})
    with open(victim, "rb") as f:
        check(f.read() == b"root's file", "the link was followed:\n%s" % err)
    check(stat.S_IMODE(os.stat(victim).st_mode) == 0o600,
          "the victim's mode changed")
    check(tree(ctx.outside) == before and not os.path.exists(
        os.path.join(ctx.outside, "cf")),
        "written through the ks2 link: %r\n%s" % (
            sorted(tree(ctx.outside) - before), err))
    check(os.path.islink(os.path.join(target, "ks", "cf", "f1-Data.db")),
          "the planted link is gone")
    check(rc == 1, "exit %d:\n%s" % (rc, err))
    check("f1-Data.db: exists and is a symbolic link" in err, err)
    check("ks2 is a symbolic link, not followed" in err, err)
    with open(os.path.join(target, "ks", "cf", "f2-Data.db"), "rb") as f:
        check(f.read() == b"from the bucket 2", "f2 not restored")
    with open(os.path.join(ctx.tmp, "strace.out")) as f:
        opens = [ln for ln in f if ".tableslurp-" in ln]
    check(opens, "no temporary file was opened (strace)")
    for ln in opens:
        check("AT_FDCWD" not in ln and "O_CREAT" in ln and "O_EXCL" in ln
              and "O_NOFOLLOW" in ln, "a temporary opened as %s" % ln)


def stat_meta(mode):
    return json.dumps({"user": "root", "uid": 0, "group": "root", "gid": 0,
                       "mode": mode})


@test
def hostile_restore_special_bits(ctx):
    """-p never restores setuid, setgid or sticky bits from a bucket;
    --preserve-special-bits does."""
    d = "/data/ks/cf"
    modes = {"suid-Data.db": 0o104755, "sgid-Data.db": 0o102750,
             "sticky-Data.db": 0o101644, "plain-Data.db": 0o100640}
    for n, m in modes.items():
        put(ctx, "%s:%s/%s" % (NAME, d, n), n.encode(),
            Metadata={"stat": stat_meta(m)})
    listing(ctx, "%s:%s/x-listdir.json" % (NAME, d), {d: sorted(modes)})
    for extra, keep in (([], 0o777), (["--preserve-special-bits"], 0o7777)):
        target = os.path.join(ctx.tmp, "t%o" % keep)
        rc, err = tool(ctx, "tableslurp", "-p", *extra, ctx.bucket, d,
                       target)
        check(rc == 0, "tableslurp -p %r exited %d:\n%s" % (extra, rc, err))
        for n, m in modes.items():
            got = stat.S_IMODE(os.lstat(os.path.join(target, n)).st_mode)
            check(got == m & keep, "%r: %s restored %o, want %o" % (
                extra, n, got, m & keep))


@test
def hostile_restore_missing_file_exits_1(ctx):
    """Issue 18.6: a listing naming a file that is not in the bucket: the
    others are restored, a line names the missing one, exit 1."""
    d = "/data/ks/cf"
    put(ctx, "%s:%s/here-Data.db" % (NAME, d), b"here")
    listing(ctx, "%s:%s/here-Data.db-listdir.json" % (NAME, d),
            {d: ["here-Data.db", "gone-Data.db"]})
    target = os.path.join(ctx.tmp, "target")
    rc, err = tool(ctx, "tableslurp", ctx.bucket, d, target)
    check(rc == 1, "a restore missing a file exited %d:\n%s" % (rc, err))
    check("%s:%s/gone-Data.db is in" % (NAME, d) in err and
          "not in S3" in err, "no line names the missing file:\n%s" % err)
    check(os.listdir(target) == ["here-Data.db"], repr(os.listdir(target)))
    # Run again over the restored file (kept as identical): still exit 1.
    rc, err = tool(ctx, "tableslurp", ctx.bucket, d, target)
    check(rc == 1 and "gone-Data.db" in err, "second run exit %d:\n%s" % (
        rc, err))


@test
def hostile_restore_full_disk_and_odd_bytes(ctx):
    """Issue 18.10: a full disk says the errno ("No space left on device");
    bytes that are not UTF-8 in a listed name are escaped in the log."""
    d = "/data/ks/cf"
    put(ctx, "%s:%s/big-Data.db" % (NAME, d), os.urandom(512 * 1024))
    names = ["big-Data.db", "gone-\udcff\udcfe.db"]
    listing(ctx, "%s:%s/x-listdir.json" % (NAME, d), {d: names})
    target = os.path.join(ctx.tmp, "small")
    os.makedirs(target)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs",
                    target], check=True)
    try:
        prepare(ctx)
        p = subprocess.run([os.path.join(ctx.tmp, "tableslurp"),
                            "--endpoint", ctx.env["RGW_HTTPS_URL"],
                            "--ca-file", ctx.env["RGW_CA"], "-n", NAME,
                            ctx.bucket, d, target], capture_output=True,
                           env=ctx.run_env(), timeout=120)
    finally:
        subprocess.run(["umount", target], check=True)
    err = p.stderr
    text = err.decode(errors="replace")
    check(p.returncode == 1, "exit %d:\n%s" % (p.returncode, text))
    check(b"No space left on device" in err and b"big-Data.db" in err,
          "the full disk is not named:\n%s" % text)
    check(b"\xff" not in err and b"\xfe" not in err,
          "raw bytes that are not UTF-8 in the log:\n%r" % err[-2000:])
    check(b"gone-\\xff\\xfe.db" in err, "the odd name is not escaped:\n%s"
          % text)
    check(b"cannot store the body" not in err, text)


@test
def hostile_restore_bad_input_rows(ctx):
    """The "listing" rows of test/bad_inputs.tsv: crafted listings and
    objects under their own prefix, restored into a fresh target each."""
    bad = []
    rows = sys_badinput.rows("listing")
    for n, (spec, want_exit, message, why) in enumerate(rows):
        prefix = "row%d/" % n
        for key, body in spec.get("objects", {}).items():
            put(ctx, prefix + NAME + ":" + key, body.encode(
                "utf-8", "surrogateescape"))
        for key, body in spec["listings"].items():
            put(ctx, prefix + NAME + ":" + key, body.encode(
                "utf-8", "surrogateescape"))
        top = os.path.join(ctx.tmp, "row%d" % n)
        target = os.path.join(top, "a", "b", "target")
        os.makedirs(target)
        before = tree(top, skip=target)
        rc, err = tool(ctx, "tableslurp", "-P", prefix,
                       *spec.get("args", []), ctx.bucket,
                       spec.get("origin", "/data"), target)
        what = "%s: exit %d\n%s" % (why, rc, err[-2000:])
        if rc != want_exit:
            bad.append("want exit %d; %s" % (want_exit, what))
        elif message not in err:
            bad.append("want %r in stderr; %s" % (message, what))
        elif tree(top, skip=target) != before:
            bad.append("written outside the target; %s" % what)
    check(not bad, "%d of %d rows failed:\n%s" % (len(bad), len(rows),
                                                  "\n".join(bad)))


@test
def hostile_chop_reads_listings_as_restore_does(ctx):
    """tablechop reads listings with the same grammar: a kept listing with
    a member outside the tree cannot be read, so nothing is deleted (exit
    1, a line saying why); names that are not file names protect nothing
    and are named on a warning line."""
    d = "/data/ks/cf"
    base = "%s:%s/" % (NAME, d)
    put(ctx, base + "old-Index.db")
    time.sleep(1.1)
    put(ctx, base + "f-Data.db")
    listing(ctx, base + "f-Data.db-listdir.json",
            {d: ["f-Data.db"], "/data/..": ["x"]})
    before = set(ctx.keys())
    rc, err = tool(ctx, "tablechop", ctx.bucket, d, "-1")
    check(rc == 1, "tablechop exited %d:\n%s" % (rc, err))
    check("%sf-Data.db-listdir.json: a directory that is not" % base in err
          and "nothing deleted" in err, err)
    check(set(ctx.keys()) == before, "deleted after an unreadable listing")

    time.sleep(1.1)
    listing(ctx, base + "g-Data.db-listdir.json",
            {d: ["f-Data.db", "..", "a/b"]})
    rc, err = tool(ctx, "tablechop", ctx.bucket, d, "-1")
    check(rc == 0, "tablechop exited %d:\n%s" % (rc, err))
    for shown in ("..", "a/b"):
        check("names a file that cannot be in %s: %s: ignored" % (d, shown)
              in err, "no warning names %r:\n%s" % (shown, err))
    check(set(ctx.keys()) == {base + "f-Data.db",
                              base + "g-Data.db-listdir.json"},
          "left %r" % sorted(ctx.keys()))
