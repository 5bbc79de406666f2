"""Issue 14, the restore half: tableslurp restores from the newest
*complete* listing (every file it names is in the bucket) unless told
otherwise, restores a rebuilt node's tables into their new directories
(`<table>-<new id>`), says how far it is every 10 s, and downloads in
constant memory. Buckets are made with boto3; what landed is checked on
disk."""
import hashlib
import json
import os
import time

from systest import BIN, NAME, ROOT, check, test
from sys_restore import tool
from sys_hostile_restore import prepare, tree

OLD = "0123456789abcdef0123456789abcdef"
NEW = "fedcba9876543210fedcba9876543210"


def put(ctx, key, body, **kw):
    ctx.s3.put_object(Bucket=ctx.bucket, Key=key, Body=body, Metadata={
        "md5sum": hashlib.md5(body).hexdigest()}, **kw)


def listing(ctx, key, members):
    ctx.s3.put_object(Bucket=ctx.bucket, Key=key,
                      Body=json.dumps(members).encode(),
                      ContentType="application/json")


def incomplete_backup(ctx, d):
    """A table with an old complete listing (a-1) and a newer one naming
    a-2 (there) and a-3 (never uploaded). Returns the file bodies."""
    base = "%s:%s/" % (NAME, d)
    bodies = {"a-1-Data.db": os.urandom(3000), "a-2-Data.db": os.urandom(2000)}
    for n, b in bodies.items():
        put(ctx, base + n, b)
    listing(ctx, base + "a-1-Data.db-listdir.json", {d: ["a-1-Data.db"]})
    time.sleep(1.1)     # LastModified has a resolution of one second
    listing(ctx, base + "a-3-Data.db-listdir.json",
            {d: ["a-1-Data.db", "a-2-Data.db", "a-3-Data.db"]})
    return bodies


def read(path):
    with open(path, "rb") as f:
        return f.read()


@test
def restore_complete_skips_incomplete_listing(ctx):
    """The newest listing names a file that is not in the bucket: the
    previous (complete) listing is restored, the log says which and why,
    exit 0."""
    d = "/data/ks/cf"
    bodies = incomplete_backup(ctx, d)
    target = os.path.join(ctx.tmp, "target")
    rc, err = tool(ctx, "tableslurp", ctx.bucket, d, target)
    check(rc == 0, "tableslurp exited %d:\n%s" % (rc, err))
    newest = "%s:%s/a-3-Data.db-listdir.json" % (NAME, d)
    check("Skipping listing %s: a-3-Data.db is not in the bucket" % newest
          in err, "no line says why:\n" + err)
    check("from %s:%s/a-1-Data.db-listdir.json, its newest complete "
          "listing" % (NAME, d) in err, "no line says which:\n" + err)
    check(sorted(os.listdir(target)) == ["a-1-Data.db"],
          repr(os.listdir(target)))
    check(read(os.path.join(target, "a-1-Data.db")) == bodies["a-1-Data.db"],
          "a-1-Data.db differs")
    # With -r, the same choice per table.
    rc, err = tool(ctx, "tableslurp", "-r", ctx.bucket, "/data",
                   os.path.join(ctx.tmp, "r"))
    check(rc == 0 and "Skipping listing %s" % newest in err, err)
    check(os.listdir(os.path.join(ctx.tmp, "r", "ks", "cf")) ==
          ["a-1-Data.db"], "-r restored another listing")


@test
def restore_allow_incomplete_exits_1(ctx):
    """--allow-incomplete takes the newest listing anyway, restores what
    is there and exits 1 naming the missing file."""
    d = "/data/ks/cf"
    bodies = incomplete_backup(ctx, d)
    target = os.path.join(ctx.tmp, "target")
    rc, err = tool(ctx, "tableslurp", "--allow-incomplete", ctx.bucket, d,
                   target)
    check(rc == 1, "tableslurp --allow-incomplete exited %d:\n%s" % (rc, err))
    check("%s:%s/a-3-Data.db is in" % (NAME, d) in err and
          "not in S3: %s/a-3-Data.db not restored" % target in err,
          "no line names the missing file:\n" + err)
    check("Skipping" not in err, err)
    check(sorted(os.listdir(target)) == sorted(bodies),
          repr(os.listdir(target)))
    for n, b in bodies.items():
        check(read(os.path.join(target, n)) == b, "%s differs" % n)


@test
def restore_no_complete_listing(ctx):
    """No listing is complete: the newest is restored without the missing
    file, which a line names; exit 1."""
    d = "/data/ks/cf"
    base = "%s:%s/" % (NAME, d)
    put(ctx, base + "b-1-Data.db", b"one")
    listing(ctx, base + "b-1-Data.db-listdir.json",
            {d: ["b-1-Data.db", "b-0-Data.db"]})
    time.sleep(1.1)
    listing(ctx, base + "b-2-Data.db-listdir.json",
            {d: ["b-1-Data.db", "b-2-Data.db"]})
    target = os.path.join(ctx.tmp, "target")
    rc, err = tool(ctx, "tableslurp", ctx.bucket, d, target)
    check(rc == 1, "exit %d:\n%s" % (rc, err))
    check("No complete listing of %s: restoring the newest, "
          "%sb-2-Data.db-listdir.json" % (d, base) in err, err)
    check("%sb-2-Data.db is in" % base in err, err)
    check(os.listdir(target) == ["b-1-Data.db"], repr(os.listdir(target)))


def table_backup(ctx):
    """ks/t1-<OLD> in the bucket, two files and a complete listing."""
    d = "/data/ks/t1-" + OLD
    bodies = {"nb-1-big-Data.db": os.urandom(4000),
              "nb-1-big-TOC.txt": b"Data.db\n"}
    for n, b in bodies.items():
        put(ctx, "%s:%s/%s" % (NAME, d, n), b)
    listing(ctx, "%s:%s/nb-1-big-TOC.txt-listdir.json" % (NAME, d),
            {d: sorted(bodies)})
    return bodies


@test
def restore_into_rebuilt_node(ctx):
    """The target has ks/t1-<NEW> (the schema made again): -r restores
    the backup's ks/t1-<OLD> there, and says so."""
    bodies = table_backup(ctx)
    target = os.path.join(ctx.tmp, "target")
    os.makedirs(os.path.join(target, "ks", "t1-" + NEW))
    os.makedirs(os.path.join(target, "ks", "t2-" + OLD))   # another table
    rc, err = tool(ctx, "tableslurp", "-r", ctx.bucket, "/data", target)
    check(rc == 0, "tableslurp -r exited %d:\n%s" % (rc, err))
    check("Restoring ks/t1-%s into %s/ks/t1-%s" % (OLD, target, NEW) in err,
          "no line says where:\n" + err)
    check(sorted(os.listdir(os.path.join(target, "ks"))) ==
          ["t1-" + NEW, "t2-" + OLD], repr(os.listdir(os.path.join(target,
                                                                   "ks"))))
    for n, b in bodies.items():
        check(read(os.path.join(target, "ks", "t1-" + NEW, n)) == b,
              "%s not restored into the new directory" % n)
    # No such directory: the backup's own name.
    other = os.path.join(ctx.tmp, "fresh")
    rc, err = tool(ctx, "tableslurp", "-r", ctx.bucket, "/data", other)
    check(rc == 0 and os.listdir(os.path.join(other, "ks")) ==
          ["t1-" + OLD], "fresh target: exit %d %r\n%s" % (
              rc, os.listdir(os.path.join(other, "ks")), err))


@test
def restore_two_table_directories(ctx):
    """Two directories of table t1 in the target: a line naming both,
    exit 1, nothing written."""
    table_backup(ctx)
    target = os.path.join(ctx.tmp, "target")
    a = os.path.join(target, "ks", "t1-" + NEW)
    b = os.path.join(target, "ks", "t1-" + "1" * 32)
    os.makedirs(a)
    os.makedirs(b)
    prepare(ctx)
    before = tree(ctx.tmp)
    rc, err = tool(ctx, "tableslurp", "-r", ctx.bucket, "/data", target)
    check(rc == 1, "exit %d:\n%s" % (rc, err))
    lines = [ln for ln in err.splitlines()
             if os.path.join(target, "ks") + "/t1-" in ln and
             os.path.basename(a) in ln and os.path.basename(b) in ln]
    check(len(lines) == 1 and "--keep-table-ids" in lines[0],
          "no one line names both:\n" + err)
    check(tree(ctx.tmp) == before, "something was written: %r" % (
        tree(ctx.tmp) - before))


@test
def restore_keep_table_ids(ctx):
    """--keep-table-ids: the backup's directory name, whatever the target
    has."""
    bodies = table_backup(ctx)
    target = os.path.join(ctx.tmp, "target")
    os.makedirs(os.path.join(target, "ks", "t1-" + NEW))
    rc, err = tool(ctx, "tableslurp", "-r", "--keep-table-ids", ctx.bucket,
                   "/data", target)
    check(rc == 0, "exit %d:\n%s" % (rc, err))
    check(os.listdir(os.path.join(target, "ks", "t1-" + NEW)) == [],
          "the new directory got files")
    for n, b in bodies.items():
        check(read(os.path.join(target, "ks", "t1-" + OLD, n)) == b,
              "%s not in the old name" % n)


@test
def restore_table_directory_link(ctx):
    """A link planted as ks/t1-<NEW> in the target, pointing outside it:
    the mapping finds it, but nothing is written through it."""
    table_backup(ctx)
    target = os.path.join(ctx.tmp, "target")
    outside = os.path.join(ctx.tmp, "elsewhere")
    os.makedirs(os.path.join(target, "ks"))
    os.makedirs(outside)
    os.symlink(outside, os.path.join(target, "ks", "t1-" + NEW))
    rc, err = tool(ctx, "tableslurp", "-r", ctx.bucket, "/data", target)
    check(rc == 1, "exit %d:\n%s" % (rc, err))
    check("is a symbolic link, not followed" in err, err)
    check(os.listdir(outside) == [], "written through the link: %r" %
          os.listdir(outside))


@test
def restore_progress_and_memory(ctx):
    """A progress line (files and bytes of the total, MiB/s, time left)
    at each interval (10 s, shortened here by a variable the tests
    alone use), none on a short restore by default; a 64 MiB file
    restored within a few MiB of memory: streamed from the socket to
    the disk, its MD5 on the way."""
    d = "/data/ks/cf"
    base = "%s:%s/" % (NAME, d)
    big = os.urandom(64 * 1024 * 1024)
    put(ctx, base + "big-Data.db", big)
    small = {"s-%d-Data.db" % i: os.urandom(100000) for i in range(5)}
    for n, b in small.items():
        put(ctx, base + n, b)
    listing(ctx, base + "big-Data.db-listdir.json",
            {d: sorted(small) + ["big-Data.db"]})
    target = os.path.join(ctx.tmp, "target")
    # /usr/bin/time: a child of this (large) process would report its
    # size, as the peak survives fork and exec.
    rc, err = tool(ctx, "tableslurp", "-t", "2", ctx.bucket, d, target,
                   env={"TABLESNAP_TEST_PROGRESS_MS": "100"},
                   wrap=["/usr/bin/time", "-f", "maxrss=%M"])
    check(rc == 0, "exit %d:\n%s" % (rc, err))
    check(read(os.path.join(target, "big-Data.db")) == big, "big differs")
    lines = [ln for ln in err.splitlines() if "Progress: " in ln]
    check(lines, "no progress line:\n" + err)
    total = (len(big) + sum(map(len, small.values()))) * 10 // 1048576
    want = "of 6 files, "
    for ln in lines:
        check(want in ln and " of %d.%d MiB, " % (total // 10, total % 10)
              in ln and " MiB/s, about " in ln and ln.endswith("s left"),
              "progress line: %r" % ln)
    # The static binary (not a sanitizer build): constant memory.
    rss = int(err.rsplit("maxrss=", 1)[1])
    if BIN == os.path.join(ROOT, "tablesnap"):
        check(rss < 8 * 1024, "peak RSS %d KiB restoring a 64 MiB file" %
              rss)
    # By default every 10 s: none on a restore this short.
    rc, err = tool(ctx, "tableslurp", "--force", ctx.bucket, d,
                   os.path.join(ctx.tmp, "again"))
    check(rc == 0 and "Progress: " not in err, err)
