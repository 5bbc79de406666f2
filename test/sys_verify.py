"""tableverify (issue 14) against radosgw: a sound backup passes; a deleted
object, an object whose bytes changed under its metadata and a file gone
from the disk are each found and named; --repair uploads the local file
again (checked byte for byte with boto3) and names what it cannot repair;
--deep hashes a multipart object whole; the stats file parses as
Prometheus text; --all-hosts reports every host name."""
import hashlib
import os
import re
import shutil
import subprocess
import time

from systest import (BIN, NAME, ROOT, check, check_no_sanitizer_report, test,
                     write)

TABLES = ("ks/t1", "ks/t2")
COMPONENTS = ("Data.db", "Index.db", "TOC.txt")


def verify(ctx, *args, name=NAME, timeout=300):
    """tableverify (a link of that name) against the test radosgw."""
    link = os.path.join(ctx.tmp, "tableverify")
    if not os.path.lexists(link):
        os.symlink(BIN, link)
    argv = [link, "--endpoint", ctx.env["RGW_HTTPS_URL"], "--ca-file",
            ctx.env["RGW_CA"], "-n", name] + list(args)
    p = subprocess.run(argv, capture_output=True, env=ctx.run_env(),
                       timeout=timeout)
    err = p.stderr.decode(errors="replace")
    check_no_sanitizer_report(err, "the stderr of %r" % argv)
    return p.returncode, err


def make_tables(ctx, size=3000, tables=TABLES):
    """Files of two tables; their paths by (table, component)."""
    out = {}
    for t in tables:
        d = os.path.join(ctx.dir, t)
        os.makedirs(d, exist_ok=True)
        for c in COMPONENTS:
            p = os.path.join(d, "%s-ka-1-%s" % (t.replace("/", "-"), c))
            write(p, os.urandom(size))
            out[(t, c)] = p
    return out


def backup(ctx, *extra, name=NAME):
    args = ctx.args()[:-1] + [name, "--once", "-r"] + list(extra) + [
        ctx.bucket, ctx.dir]
    p = subprocess.run(args, capture_output=True, env=ctx.run_env(),
                       timeout=300)
    check(p.returncode == 0, "tablesnap --once exited %d:\n%s" % (
        p.returncode, p.stderr.decode(errors="replace")))


def error_lines(err):
    return [ln for ln in err.splitlines() if " ERROR " in ln]


def lines_naming(err, what):
    return [ln for ln in error_lines(err) if what in ln]


LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')


def parse_prom(text):
    """A strict reader of the Prometheus text format (0.0.4): every line a
    HELP, a TYPE before its samples, or a sample whose labels and value
    parse; a final newline. Returns {(name, frozenset(labels)): value}."""
    check(text.endswith("\n"), "the stats file does not end in a newline")
    samples, typed = {}, set()
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP "):
            check(len(line.split(" ", 3)) == 4, "line %d: %r" % (n, line))
            continue
        if line.startswith("# TYPE "):
            parts = line.split(" ")
            check(len(parts) == 4 and parts[3] in ("gauge", "counter"),
                  "line %d: %r" % (n, line))
            typed.add(parts[2])
            continue
        m = LINE.match(line)
        check(m is not None, "line %d is no sample: %r" % (n, line))
        check(m.group(1) in typed, "line %d: %s has no TYPE before it" % (
            n, m.group(1)))
        labels = m.group(3) or ""
        pairs = LABEL.findall(labels)
        check(",".join('%s="%s"' % p for p in pairs) == labels,
              "line %d: labels do not parse: %r" % (n, labels))
        value = float(m.group(4))      # +Inf parses, junk raises
        key = (m.group(1), frozenset(pairs))
        check(key not in samples, "line %d: a repeated series" % n)
        samples[key] = value
    promtool = shutil.which("promtool")
    if promtool:
        p = subprocess.run([promtool, "check", "metrics"], input=text.encode(),
                           capture_output=True, timeout=60)
        check(p.returncode == 0, "promtool check metrics:\n%s%s" % (
            p.stdout.decode(), p.stderr.decode()))
    return samples


def metric(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


@test
def verify_finds_and_repairs(ctx):
    files = make_tables(ctx)
    backup(ctx)
    stats = os.path.join(ctx.tmp, "verify.prom")
    rc, err = verify(ctx, "-r", "--local", "--stats-file", stats,
                     ctx.bucket, ctx.dir)
    check(rc == 0 and "The backup is sound" in err and
          not error_lines(err), "sound backup: exit %d:\n%s" % (rc, err))
    s = parse_prom(open(stats).read())
    for kind in ("missing", "mismatched", "unreadable", "local_missing",
                 "local_mismatched"):
        check(metric(s, "tableverify_problems", host=NAME, kind=kind) == 0,
              "problems %s not 0: %r" % (kind, s))
    check(metric(s, "tableverify_files_checked", host=NAME) == 6,
          "files checked: %r" % s)
    for t in TABLES:
        age = metric(s, "tableverify_complete_listing_age_seconds",
                     host=NAME, dir=os.path.join(ctx.dir, t))
        check(age is not None and 0 <= age < 600, "age of %s: %r" % (t, age))

    # The accidents: an object deleted, one whose bytes changed under its
    # metadata, a file gone from the disk, and one both gone from the
    # disk and from S3 (nothing left to repair it from).
    deleted = files[("ks/t1", "Index.db")]
    changed = files[("ks/t2", "Data.db")]
    local_gone = files[("ks/t1", "TOC.txt")]
    lost = files[("ks/t2", "TOC.txt")]
    ctx.s3.delete_object(Bucket=ctx.bucket, Key=ctx.key(deleted))
    h = ctx.s3.head_object(Bucket=ctx.bucket, Key=ctx.key(changed))
    ctx.s3.put_object(Bucket=ctx.bucket, Key=ctx.key(changed),
                      Body=b"not the file" * 250, Metadata=h["Metadata"],
                      ContentType=h["ContentType"])
    os.unlink(local_gone)
    ctx.s3.delete_object(Bucket=ctx.bucket, Key=ctx.key(lost))
    os.unlink(lost)
    rc, err = verify(ctx, "-r", "--local", "--stats-file", stats,
                     ctx.bucket, ctx.dir)
    check(rc == 1 and "Problems found" in err, "exit %d:\n%s" % (rc, err))
    for what, kind in ((ctx.key(deleted), "missing"),
                       (ctx.key(changed), "mismatched"),
                       (local_gone, "local_missing"),
                       (ctx.key(lost), "missing"),
                       (lost, "local_missing")):
        got = lines_naming(err, "%s: %s: " % (kind, what))
        check(len(got) == 1,
              "want one %s line naming %s, got %r:\n%s" % (kind, what, got,
                                                          err))
    check(len(error_lines(err)) == 5, "want 5 problem lines:\n%s" % err)
    s = parse_prom(open(stats).read())
    for kind, n in (("missing", 2), ("mismatched", 1), ("unreadable", 0),
                    ("local_missing", 2), ("local_mismatched", 0)):
        got = metric(s, "tableverify_problems", host=NAME, kind=kind)
        check(got == n, "problems %s: %r, want %d" % (kind, got, n))
    age = metric(s, "tableverify_complete_listing_age_seconds",
                 host=NAME, dir=os.path.join(ctx.dir, "ks/t1"))
    check(age == float("inf"), "t1 has no complete listing now: %r" % age)

    # --repair: the deleted and the corrupt object come back from the
    # disk, the lost one is named as not repaired.
    rc, err = verify(ctx, "-r", "--repair", ctx.bucket, ctx.dir)
    check(rc == 1, "repair exit %d:\n%s" % (rc, err))
    for p in (deleted, changed):
        with open(p, "rb") as f:
            want = f.read()
        check(ctx.get(ctx.key(p)) == want, "%s not repaired:\n%s" % (p, err))
        meta = ctx.s3.head_object(Bucket=ctx.bucket, Key=ctx.key(p))
        check(meta["Metadata"].get("md5sum") ==
              hashlib.md5(want).hexdigest() and "stat" in meta["Metadata"],
              "%s repaired without its metadata: %r" % (p, meta))
        check(len([ln for ln in err.splitlines() if "Repaired " +
                   ctx.key(p) in ln]) == 1, "no Repaired line:\n%s" % err)
    got = lines_naming(err, "Cannot repair " + ctx.key(lost))
    check(len(got) == 1 and "not on disk" in got[0],
          "want the lost file named as not repaired:\n%s" % err)
    check(ctx.head(ctx.key(lost)) is None, "a lost file was invented")
    # No listing was written by the repair.
    listings = [k for k in ctx.keys() if k.endswith("-listdir.json")]
    check(len(listings) == 2, "listings after the repair: %r" % listings)
    rc, err = verify(ctx, "-r", ctx.bucket, ctx.dir)
    check(rc == 1 and len(error_lines(err)) == 1 and
          lines_naming(err, ctx.key(lost)), "after the repair, only the "
          "lost file is missing: exit %d:\n%s" % (rc, err))


@test
def verify_deep_multipart(ctx):
    big = os.path.join(ctx.dir, "ks", "t1", "ks-t1-ka-1-Data.db")
    os.makedirs(os.path.dirname(big))
    write(big, os.urandom(11 * 1024 * 1024 + 5))
    backup(ctx, "--max-upload-size", "1")
    etag = ctx.head(ctx.key(big))["ETag"].strip('"')
    check(re.search(r"-\d+$", etag), "not a multipart upload: %s" % etag)
    rc, err = verify(ctx, "-r", "--deep", ctx.bucket, ctx.dir)
    check(rc == 0 and not error_lines(err), "deep on a sound multipart "
          "object: exit %d:\n%s" % (rc, err))
    # Bytes changed, the md5sum metadata kept, again multipart: only the
    # whole-file MD5 of a download can tell.
    meta = ctx.head(ctx.key(big))["Metadata"]
    up = ctx.s3.create_multipart_upload(Bucket=ctx.bucket, Key=ctx.key(big),
                                        Metadata=meta)
    parts = []
    for i, data in enumerate((os.urandom(5 * 1024 * 1024), b"tail"), 1):
        r = ctx.s3.upload_part(Bucket=ctx.bucket, Key=ctx.key(big),
                               UploadId=up["UploadId"], PartNumber=i,
                               Body=data)
        parts.append({"ETag": r["ETag"], "PartNumber": i})
    ctx.s3.complete_multipart_upload(Bucket=ctx.bucket, Key=ctx.key(big),
                                     UploadId=up["UploadId"],
                                     MultipartUpload={"Parts": parts})
    rc, err = verify(ctx, "-r", ctx.bucket, ctx.dir)
    check(rc == 0, "without --deep a multipart ETag cannot tell: exit "
          "%d:\n%s" % (rc, err))
    rc, err = verify(ctx, "-r", "--deep", ctx.bucket, ctx.dir)
    got = lines_naming(err, ctx.key(big))
    check(rc == 1 and len(got) == 1 and "mismatched:" in got[0] and
          meta["md5sum"] in got[0], "--deep exit %d:\n%s" % (rc, err))


@test
def verify_all_hosts(ctx):
    files = make_tables(ctx, tables=("ks/t1",))
    backup(ctx, name="node-a")
    backup(ctx, name="node-b")
    rc, err = verify(ctx, "--all-hosts", ctx.bucket)
    hosts = [ln for ln in err.splitlines() if " Host " in ln]
    check(rc == 0 and len(hosts) == 2 and "Host node-a: 1 tables" in
          hosts[0] and "Host node-b: 1 tables" in hosts[1] and
          all(" 0 problems" in h for h in hosts),
          "--all-hosts exit %d:\n%s" % (rc, err))
    victim = files[("ks/t1", "Data.db")]
    ctx.s3.delete_object(Bucket=ctx.bucket, Key="node-b:" + victim)
    stats = os.path.join(ctx.tmp, "all.prom")
    rc, err = verify(ctx, "--all-hosts", "--stats-file", stats, ctx.bucket)
    hosts = [ln for ln in err.splitlines() if " Host " in ln]
    check(rc == 1 and len(hosts) == 2 and " 0 problems" in hosts[0] and
          " 1 problems" in hosts[1] and "oldest complete: "
          "none" in hosts[1] and lines_naming(err, "node-b:" + victim),
          "--all-hosts after a delete: exit %d:\n%s" % (rc, err))
    s = parse_prom(open(stats).read())
    check(metric(s, "tableverify_problems", host="node-b",
                 kind="missing") == 1 and
          metric(s, "tableverify_problems", host="node-a",
                 kind="missing") == 0, "per-host problems: %r" % s)


@test
def verify_daily_loop_and_units(ctx):
    """contrib/tableverify-daily runs tableverify again and again (here
    every second), each run replacing the stats file; the systemd service
    and timer verify."""
    make_tables(ctx, tables=("ks/t1",))
    backup(ctx)
    stats = os.path.join(ctx.tmp, "daily.prom")
    defaults = os.path.join(ctx.tmp, "default")
    link = os.path.join(ctx.tmp, "tableverify")
    if not os.path.lexists(link):
        os.symlink(BIN, link)
    write(defaults, ('VERIFY_OPTS="--endpoint %s --ca-file %s -n %s -r '
                     '--stats-file %s %s %s"\n' % (
                         ctx.env["RGW_HTTPS_URL"], ctx.env["RGW_CA"], NAME,
                         stats, ctx.bucket, ctx.dir)).encode())
    env = ctx.run_env({"DEFAULTS": defaults, "VERIFY_EVERY": "1",
                       "TABLEVERIFY": link})
    p = subprocess.Popen(["sh", os.path.join(ROOT, "contrib",
                                             "tableverify-daily")],
                         stderr=subprocess.PIPE, env=env)
    runs = set()
    try:
        end = time.time() + 120
        while len(runs) < 2 and time.time() < end and p.poll() is None:
            if os.path.exists(stats):
                s = parse_prom(open(stats).read())
                runs.add(metric(s, "tableverify_last_run_timestamp_seconds"))
            time.sleep(0.2)
    finally:
        p.kill()
        err = p.communicate()[1].decode(errors="replace")
    check(len(runs) >= 2 and "tableverify exited 0" in err,
          "the loop ran %d times:\n%s" % (len(runs), err))
    if shutil.which("systemd-analyze") is None:
        print("     (no systemd-analyze: units not verified)")
        return
    units = [os.path.join(ROOT, "contrib", u)
             for u in ("tableverify.service", "tableverify.timer")]
    r = subprocess.run(["systemd-analyze", "verify", "--man=no"] + units,
                       capture_output=True, timeout=60)
    msgs = [m for m in (r.stdout + r.stderr).decode().splitlines()
            if "/usr/bin/tableverify is not executable" not in m]
    check(msgs == [], "systemd-analyze verify:\n%s" % "\n".join(msgs))


@test
def verify_complete_listing_and_all(ctx):
    """A newest listing that names a file missing from S3 is not complete:
    the age of the table's newest complete listing is the older one's;
    --all checks both listings, each file once; --as-of before the newer
    listing sees a sound backup."""
    d = os.path.join(ctx.dir, "ks", "t1")
    os.makedirs(d)
    for c in COMPONENTS:
        write(os.path.join(d, "ks-t1-ka-1-" + c), os.urandom(500))
    backup(ctx)
    first_ms = max(o["LastModified"].timestamp() for o in
                   ctx.s3.list_objects_v2(Bucket=ctx.bucket)["Contents"])
    time.sleep(1.5)
    for c in COMPONENTS:
        write(os.path.join(d, "ks-t1-ka-2-" + c), os.urandom(500))
    backup(ctx)
    gone = os.path.join(d, "ks-t1-ka-2-Index.db")
    ctx.s3.delete_object(Bucket=ctx.bucket, Key=ctx.key(gone))
    stats = os.path.join(ctx.tmp, "v.prom")
    rc, err = verify(ctx, "-r", "--stats-file", stats, ctx.bucket, ctx.dir)
    check(rc == 1 and len(error_lines(err)) == 1 and
          lines_naming(err, "missing: " + ctx.key(gone) + ": "),
          "exit %d:\n%s" % (rc, err))
    s = parse_prom(open(stats).read())
    age = metric(s, "tableverify_complete_listing_age_seconds", host=NAME,
                 dir=d)
    now = metric(s, "tableverify_last_run_timestamp_seconds")
    check(age is not None and abs((now - age) - first_ms) < 1.0,
          "the complete listing is the first one (%r): age %r, now %r" % (
              first_ms, age, now))
    check(metric(s, "tableverify_files_checked", host=NAME) == 6,
          "the newest listing names 6 files: %r" % s)
    rc, err = verify(ctx, "-r", "--all", "--stats-file", stats, ctx.bucket,
                     ctx.dir)
    s = parse_prom(open(stats).read())
    check(rc == 1 and "Table %s: 2 listings, 6 files, 1 problems" % d in err
          and metric(s, "tableverify_files_checked", host=NAME) == 6,
          "--all: exit %d:\n%s" % (rc, err))
    rc, err = verify(ctx, "-r", "--as-of", "@%d" % int(first_ms + 1),
                     ctx.bucket, ctx.dir)
    check(rc == 0 and "Table %s: 1 listings, 3 files, 0 problems" % d in err,
          "--as-of the first backup: exit %d:\n%s" % (rc, err))
