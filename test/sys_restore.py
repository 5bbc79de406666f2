"""Restore (tableslurp) and retention (tablechop) against radosgw: backups
made by the static ./tablesnap (or, in the original's format, by boto3)
restored byte for byte with modes and owners; corruption caught; the
retention rule over generations, ages, tables and directory boundaries."""
import concurrent.futures
import hashlib
import json
import os
import shutil
import stat
import subprocess
import time

from systest import (BIN, NAME, check, check_no_sanitizer_report, md5_file,
                     test, write)


def tool(ctx, prog, *args, env=None, timeout=120, wrap=()):
    """Runs the binary as prog (tableslurp, tablechop: a symlink of that
    name, as `make install` makes) or, for "restore"/"chop", as
    `tablesnap restore ...`, under wrap (e.g. strace) when given. Returns
    the exit status and the log."""
    if prog in ("restore", "chop"):
        argv = [BIN, prog]
    else:
        link = os.path.join(ctx.tmp, prog)
        if not os.path.lexists(link):
            os.symlink(BIN, link)
        argv = [link]
    argv += ["--endpoint", ctx.env["RGW_HTTPS_URL"], "--ca-file",
             ctx.env["RGW_CA"], "-n", NAME] + list(args)
    p = subprocess.run(list(wrap) + argv, capture_output=True,
                       env=ctx.run_env(env), timeout=timeout)
    err = p.stderr.decode(errors="replace")
    check_no_sanitizer_report(err, "the stderr of %r" % argv)
    return p.returncode, err


def backup(ctx, *extra, paths=None):
    rc, out, err = ctx.run("--once", *extra, paths=paths)
    check(rc == 0, "tablesnap --once exited %d:\n%s" % (rc, err))
    return err


def make_files(dirpath, files):
    """files: name -> (bytes, mode, (uid, gid))."""
    os.makedirs(dirpath, exist_ok=True)
    for name, (data, mode, (uid, gid)) in files.items():
        p = os.path.join(dirpath, name)
        write(p, data)
        os.chown(p, uid, gid)
        os.chmod(p, mode)


def check_same(src, dst, owner=True):
    """dst holds exactly the bytes of src, with its mode (and owner)."""
    check(os.path.isfile(dst), "%s was not restored" % dst)
    with open(src, "rb") as a, open(dst, "rb") as b:
        check(a.read() == b.read(), "%s differs from %s" % (dst, src))
    s, d = os.stat(src), os.stat(dst)
    check(stat.S_IMODE(s.st_mode) == stat.S_IMODE(d.st_mode),
          "%s mode %o, want %o" % (dst, stat.S_IMODE(d.st_mode),
                                   stat.S_IMODE(s.st_mode)))
    if owner:
        check((d.st_uid, d.st_gid) == (s.st_uid, s.st_gid),
              "%s owner %d:%d, want %d:%d" % (dst, d.st_uid, d.st_gid,
                                              s.st_uid, s.st_gid))


def no_temporaries(dirpath):
    left = [n for n in os.listdir(dirpath) if n.startswith(".tableslurp")]
    check(not left, "temporary files left in %s: %r" % (dirpath, left))


def last_modified_ms(ctx):
    out = {}
    for page in ctx.s3.get_paginator("list_objects_v2").paginate(
            Bucket=ctx.bucket):
        for o in page.get("Contents", []):
            out[o["Key"]] = int(o["LastModified"].timestamp() * 1000)
    return out


def put(ctx, key, body=b"x", **kw):
    ctx.s3.put_object(Bucket=ctx.bucket, Key=key, Body=body, **kw)


@test
def restore_table_with_modes_and_owners(ctx):
    table = os.path.join(ctx.dir, "ks", "cf")
    files = {
        "ks-cf-ka-1-Data.db": (os.urandom(300000), 0o644, (0, 0)),
        "ks-cf-ka-1-Index.db": (os.urandom(5000), 0o600, (1234, 2345)),
        "ks-cf-ka-1-Summary.db": (b"", 0o640, (65534, 65534)),
        "ks-cf-ka-1-TOC.txt": (b"Data.db\nIndex.db\n", 0o444, (4242, 0)),
        "a+b c%41\u00e9-Filter.db": (os.urandom(777), 0o604, (0, 4243)),
    }
    make_files(table, files)
    backup(ctx, "-r")
    out = os.path.join(ctx.tmp, "restored", "cf")
    rc, err = tool(ctx, "tableslurp", "-p", ctx.bucket, table, out)
    check(rc == 0, "tableslurp -p exited %d:\n%s" % (rc, err))
    check("Fileset contains 5 files to download" in err, err)
    for name in files:
        check_same(os.path.join(table, name), os.path.join(out, name))
    check(sorted(os.listdir(out)) == sorted(files),
          "unexpected files %r" % os.listdir(out))

    # Again: identical files are kept as they are.
    ino = os.stat(os.path.join(out, "ks-cf-ka-1-Data.db")).st_ino
    rc, err = tool(ctx, "tableslurp", "-p", ctx.bucket, table, out)
    check(rc == 0 and "kept 5 identical" in err, "second run:\n" + err)
    check(os.stat(os.path.join(out, "ks-cf-ka-1-Data.db")).st_ino == ino,
          "an identical file was replaced")
    # A local file of the same size but other bytes is replaced.
    victim = os.path.join(out, "ks-cf-ka-1-Index.db")
    write(victim, os.urandom(5000))
    rc, err = tool(ctx, "tableslurp", "-p", ctx.bucket, table, out)
    check(rc == 0 and "Restored 1 files, kept 4" in err, "third run:\n" + err)
    check_same(os.path.join(table, "ks-cf-ka-1-Index.db"), victim)
    no_temporaries(out)

    # -o/-g instead of -p: every file and the new directory get them.
    out2 = os.path.join(ctx.tmp, "restored2")
    rc, err = tool(ctx, "tableslurp", "-o", "4321", "-g", "4322",
                   ctx.bucket, table + "/", out2)
    check(rc == 0, "tableslurp -o -g exited %d:\n%s" % (rc, err))
    umask = os.umask(0)
    os.umask(umask)
    for name in files:
        st = os.stat(os.path.join(out2, name))
        check((st.st_uid, st.st_gid) == (4321, 4322),
              "%s owned by %d:%d" % (name, st.st_uid, st.st_gid))
        check(stat.S_IMODE(st.st_mode) == 0o666 & ~umask,
              "%s mode %o without -p" % (name, stat.S_IMODE(st.st_mode)))
    st = os.stat(out2)
    check((st.st_uid, st.st_gid) == (4321, 4322), "new directory owner")


@test
def restore_recursive_tables_and_commitlogs(ctx):
    cl = os.path.join(ctx.tmp, "commitlog")
    os.makedirs(cl)
    future = int(time.time() * 1000) + 10 ** 9
    old, late = "CommitLog-6-1000.log", "CommitLog-6-2000.log"
    newer_id = "CommitLog-6-%d.log" % future
    write(os.path.join(cl, old), os.urandom(1000))
    write(os.path.join(cl, newer_id), os.urandom(1001))
    backup(ctx, paths=[cl])
    time.sleep(1.1)     # LastModified order: segments, then listings

    tables = {}
    for ks, cf in (("ks1", "cf1"), ("ks1", "cf2"), ("ks2", "cf1")):
        d = os.path.join(ctx.dir, ks, cf)
        tables[(ks, cf)] = d
        make_files(d, {
            "%s-%s-ka-1-Data.db" % (ks, cf): (os.urandom(4000), 0o644,
                                              (0, 0)),
            "%s-%s-ka-1-Index.db" % (ks, cf): (os.urandom(400), 0o644,
                                               (0, 0)),
        })
    snap = os.path.join(ctx.dir, "ks1", "cf1", "snapshots", "s1")
    make_files(snap, {"snap-Data.db": (b"s", 0o644, (0, 0))})
    backup(ctx, "-r")
    time.sleep(1.1)
    write(os.path.join(cl, late), os.urandom(1002))
    backup(ctx, paths=[cl])

    target = os.path.join(ctx.tmp, "target")
    rc, err = tool(ctx, "restore", "-r", "-t", "3", "--commitlogs", cl,
                   ctx.bucket, ctx.dir, target)
    check(rc == 0, "tablesnap restore -r exited %d:\n%s" % (rc, err))
    for (ks, cf), d in tables.items():
        check("Found %s/%s with 2 files" % (ks, cf) in err, err)
        for name in os.listdir(d):
            if name != "snapshots":
                check_same(os.path.join(d, name),
                           os.path.join(target, ks, cf, name))
    check(not os.path.exists(os.path.join(target, "ks1", "cf1",
                                          "snapshots")),
          "-r restored a snapshot directory")
    got = sorted(os.listdir(os.path.join(target, "commitlog")))
    # By id (numerically, not as strings) or by upload after the listings.
    check(got == sorted([late, newer_id]), "commit logs restored: %r" % got)
    check_same(os.path.join(cl, late), os.path.join(target, "commitlog",
                                                    late))


@test
def restore_multipart_with_prefix_and_separator(ctx):
    table = os.path.join(ctx.dir, "ks", "cf")
    big = os.urandom(6 * 1024 * 1024 + 12345)
    make_files(table, {"ks-cf-ka-1-Data.db": (big, 0o644, (0, 0)),
                       "ks-cf-ka-1-Index.db": (b"i" * 99, 0o644, (0, 0))})
    backup(ctx, "-r", "-p", "backups/", "--keyname-separator", "|",
           "--max-upload-size", "1", "--multipart-chunk-size", "5")
    key = "backups/%s|%s/ks-cf-ka-1-Data.db" % (NAME, table)
    h = ctx.head(key)
    check(h is not None and h["ETag"].strip('"').endswith("-2"),
          "not a 2-part object: %r" % (h and h["ETag"]))
    out = os.path.join(ctx.tmp, "out")
    rc, err = tool(ctx, "tableslurp", "-P", "backups/",
                   "--keyname-separator", "|", ctx.bucket, table, out)
    check(rc == 0, "tableslurp exited %d:\n%s" % (rc, err))
    check("Cannot verify" not in err, "the multipart object was not "
          "checked against its md5sum:\n" + err)
    check_same(os.path.join(table, "ks-cf-ka-1-Data.db"),
               os.path.join(out, "ks-cf-ka-1-Data.db"))
    check_same(os.path.join(table, "ks-cf-ka-1-Index.db"),
               os.path.join(out, "ks-cf-ka-1-Index.db"))
    # Without the prefix there is nothing: said so, exit 1.
    rc, err = tool(ctx, "tableslurp", ctx.bucket, table,
                   os.path.join(ctx.tmp, "out2"))
    check(rc == 1 and "Cannot find anything to restore" in err,
          "no listing: %d\n%s" % (rc, err))
    # Command-line errors and help, without S3.
    rc, err = tool(ctx, "tableslurp", "only-a-bucket")
    check(rc == 2 and "required: origin, target" in err, err)
    rc, err = tool(ctx, "tableslurp", ctx.bucket, "relative", "t")
    check(rc == 2 and "absolute" in err, err)
    p = subprocess.run([BIN, "chop", "--help"], capture_output=True)
    check(p.returncode == 0 and b"usage: tablechop" in p.stdout,
          "tablesnap chop --help")


@test
def corrupted_object_is_detected_never_written(ctx):
    table = os.path.join(ctx.dir, "ks", "cf")
    make_files(table, {
        "ks-cf-ka-1-Data.db": (os.urandom(20000), 0o644, (0, 0)),
        "ks-cf-ka-1-Index.db": (os.urandom(3000), 0o644, (0, 0)),
        "ks-cf-ka-1-Summary.db": (os.urandom(300), 0o644, (0, 0)),
    })
    backup(ctx, "-r")
    index = os.path.join(table, "ks-cf-ka-1-Index.db")
    key = ctx.key(index)
    meta = ctx.head(key)["Metadata"]
    # Another client overwrites the object, keeping its metadata.
    put(ctx, key, os.urandom(3000), Metadata=meta)
    out = os.path.join(ctx.tmp, "out")
    rc, err = tool(ctx, "tableslurp", ctx.bucket, table, out)
    check(rc == 1, "a corrupt object restored with exit %d:\n%s" % (rc, err))
    check("MD5 mismatch for %s" % key in err and "Giving up" in err, err)
    check(not os.path.exists(os.path.join(out, "ks-cf-ka-1-Index.db")),
          "the corrupt object was written into place")
    for name in ("ks-cf-ka-1-Data.db", "ks-cf-ka-1-Summary.db"):
        check_same(os.path.join(table, name), os.path.join(out, name))
    no_temporaries(out)
    # A good local copy is what the backup recorded: kept; with --force
    # the corrupt object is fetched, refused, and the copy stays.
    shutil.copy(index, os.path.join(out, "ks-cf-ka-1-Index.db"))
    rc, err = tool(ctx, "tableslurp", ctx.bucket, table, out)
    check(rc == 0 and "kept 3 identical" in err, err)
    rc, err = tool(ctx, "tableslurp", "--force", ctx.bucket, table, out)
    check(rc == 1 and "MD5 mismatch" in err, err)
    check(md5_file(os.path.join(out, "ks-cf-ka-1-Index.db")) ==
          md5_file(index), "--force overwrote a good file with a bad one")
    no_temporaries(out)


def original_stat(user, uid, group, gid, mode):
    """x-amz-meta-stat in the original's (Python 2 dict) key order."""
    parts = []
    if user is not None:
        parts.append('"user": "%s"' % user)
    parts.append('"gid": %d' % gid)
    if group is not None:
        parts.append('"group": "%s"' % group)
    parts.append('"uid": %d' % uid)
    parts.append('"mode": %d' % mode)
    return "{" + ", ".join(parts) + "}"


@test
def restore_backup_in_original_format(ctx):
    d = "/var/lib/cassandra/data/ks/cf"   # as the original's host saw it
    base = "%s:%s/" % (NAME, d)
    objs = {
        "ks-cf-ka-1-Data.db": (os.urandom(10000),
                               original_stat("nobody", 65534, "nogroup",
                                             65534, 0o100640)),
        "ks-cf-ka-1-Index.db": (os.urandom(1000),
                                original_stat(None, 4242, None, 4243,
                                              0o100644)),
        "ks-cf-ka-1-Statistics.db": (os.urandom(100),
                                     original_stat("no-such-user-x", 4244,
                                                   None, 0, 0o100600)),
    }
    for name, (body, st) in objs.items():
        put(ctx, base + name, body, ContentType="application/octet-stream",
            Metadata={"md5sum": hashlib.md5(body).hexdigest(), "stat": st})
    # A multipart object as the original made them (ETag "…-2").
    big = os.urandom(5 * 1024 * 1024 + 100)
    st = original_stat("nobody", 65534, "nogroup", 65534, 0o100644)
    mpu = ctx.s3.create_multipart_upload(
        Bucket=ctx.bucket, Key=base + "ks-cf-ka-2-Data.db",
        Metadata={"md5sum": hashlib.md5(big).hexdigest(), "stat": st})
    parts = []
    for n, chunk in ((1, big[:5 * 1024 * 1024]), (2, big[5 * 1024 * 1024:])):
        r = ctx.s3.upload_part(Bucket=ctx.bucket, Key=base +
                               "ks-cf-ka-2-Data.db", PartNumber=n,
                               UploadId=mpu["UploadId"], Body=chunk)
        parts.append({"PartNumber": n, "ETag": r["ETag"]})
    ctx.s3.complete_multipart_upload(
        Bucket=ctx.bucket, Key=base + "ks-cf-ka-2-Data.db",
        UploadId=mpu["UploadId"], MultipartUpload={"Parts": parts})
    objs["ks-cf-ka-2-Data.db"] = (big, st)
    # Listings: json.dumps as Python 2 wrote them, unsorted, with the name
    # of a directory among the files.
    first = ["ks-cf-ka-1-Index.db", "ks-cf-ka-1-Data.db"]
    put(ctx, base + "ks-cf-ka-1-Data.db-listdir.json",
        json.dumps({d: first}).encode(), ContentType="application/json")
    time.sleep(1.1)
    names = ["ks-cf-ka-1-Statistics.db", "snapshots", "ks-cf-ka-2-Data.db",
             "ks-cf-ka-1-Index.db", "ks-cf-ka-1-Data.db"]
    put(ctx, base + "ks-cf-ka-2-Data.db-listdir.json",
        json.dumps({d: names}).encode(), ContentType="application/json")

    out = os.path.join(ctx.tmp, "out")
    rc, err = tool(ctx, "tableslurp", "-p", ctx.bucket, d, out)
    # The original listed directories too: "snapshots" is named but not in
    # S3; a name without an extension is taken for one and passed over.
    check(rc == 0, "tableslurp exited %d:\n%s" % (rc, err))
    check("a directory the original tablesnap listed" in err, err)
    check("Fileset contains 5 files" in err and
          "1 listed but not in S3" in err and
          "%ssnapshots is in" % base in err, err)
    want = {  # name: (uid, gid, mode): names first, else the ids
        "ks-cf-ka-1-Data.db": (65534, 65534, 0o640),
        "ks-cf-ka-1-Index.db": (4242, 4243, 0o644),
        "ks-cf-ka-1-Statistics.db": (4244, 0, 0o600),
        "ks-cf-ka-2-Data.db": (65534, 65534, 0o644),
    }
    check(sorted(os.listdir(out)) == sorted(want), repr(os.listdir(out)))
    for name, (uid, gid, mode) in want.items():
        p = os.path.join(out, name)
        with open(p, "rb") as f:
            check(f.read() == objs[name][0], "%s differs" % name)
        s = os.stat(p)
        check((s.st_uid, s.st_gid, stat.S_IMODE(s.st_mode)) ==
              (uid, gid, mode), "%s: %d:%d %o, want %d:%d %o" % (
                  name, s.st_uid, s.st_gid, stat.S_IMODE(s.st_mode), uid,
                  gid, mode))
    # -f: the older listing's set instead of the newest.
    out2 = os.path.join(ctx.tmp, "out2")
    rc, err = tool(ctx, "tableslurp", "-f", "ks-cf-ka-1-Data.db",
                   ctx.bucket, d, out2)
    check(rc == 0 and sorted(os.listdir(out2)) == sorted(first),
          "-f: %r\n%s" % (os.path.exists(out2) and os.listdir(out2), err))


@test
def chop_generations_as_observed(ctx):
    """As the original's tablechop was seen to act: generations 1/2/3
    aged 10/5/0 days; age=7 deletes only the generation-1 listing, age=3
    also the generation-1 and 2 files and listings. Here the generations are about
    1.2 s apart and the ages are given in seconds, as of generation 3."""
    base = "bk/%s:/d/ks/cf/" % NAME
    nbase = "bk/%s:/d/ks/cf2/" % NAME

    def gen(n):
        return ["ks-cf-ka-%d-Data.db" % n, "ks-cf-ka-%d-Index.db" % n]

    def listing(n, names):
        put(ctx, base + "ks-cf-ka-%d-Data.db-listdir.json" % n,
            json.dumps({"/d/ks/cf": names}).encode())

    # The neighbour /d/ks/cf2, older than everything: never in the way.
    put(ctx, nbase + "ks-cf2-ka-1-Data.db")
    put(ctx, nbase + "ks-cf2-ka-1-Data.db-listdir.json",
        json.dumps({"/d/ks/cf2": ["ks-cf2-ka-1-Data.db"]}).encode())
    for n, listed in ((1, gen(1)), (2, gen(1) + gen(2)), (3, gen(3))):
        if n > 1:
            time.sleep(1.2)
        for name in gen(n):
            put(ctx, base + name)
        listing(n, listed)
    lm = last_modified_ms(ctx)
    t = [lm[base + "ks-cf-ka-%d-Data.db-listdir.json" % n]
         for n in (1, 2, 3)]
    as_of = "@%.3f" % (t[2] / 1000)
    age7 = "%.3fs" % ((2 * t[2] - t[0] - t[1]) / 2000)  # between 5 and 10
    age3 = "%.3fs" % ((t[2] - t[1]) / 2000)             # between 0 and 5
    keys0 = set(ctx.keys())
    common = ["-P", "bk/", "--as-of", as_of, ctx.bucket, "/d/ks/cf"]

    # Whole days, as of 10 days later: every listing is 10 days old.
    ten = "@%.3f" % (t[2] / 1000 + 10 * 86400)
    rc, err = tool(ctx, "tablechop", "-d", "-P", "bk/", "--as-of", ten,
                   ctx.bucket, "/d/ks/cf", "10")
    check(rc == 0 and "Would delete 0/9 files" in err, err)
    rc, err = tool(ctx, "tablechop", "-d", "-P", "bk/", "--as-of", ten,
                   ctx.bucket, "/d/ks/cf", "9")
    check(rc == 0 and "Would delete 6/9 files" in err, err)

    rc, err = tool(ctx, "tablechop", "-d", "-l", *common, age7)
    check(rc == 0 and "Would delete %sks-cf-ka-1-Data.db-listdir.json" %
          base in err and "Test mode, nothing deleted" in err, err)
    check(set(ctx.keys()) == keys0, "a dry run deleted something")

    rc, err = tool(ctx, "tablechop", *common, age7)
    check(rc == 0, "tablechop exited %d:\n%s" % (rc, err))
    gone = keys0 - set(ctx.keys())
    check(gone == {base + "ks-cf-ka-1-Data.db-listdir.json"},
          "age 7 deleted %r" % sorted(gone))

    rc, err = tool(ctx, "tablechop", "-l", *common, age3)
    check(rc == 0, "tablechop exited %d:\n%s" % (rc, err))
    left = set(ctx.keys())
    want = {base + n for n in gen(3) + ["ks-cf-ka-3-Data.db-listdir.json"]}
    want |= {nbase + "ks-cf2-ka-1-Data.db",
             nbase + "ks-cf2-ka-1-Data.db-listdir.json"}
    check(left == want, "age 3 left %r" % sorted(left))
    check("Deleting %sks-cf-ka-2-Index.db" % base in err, err)


@test
def chop_keyspace_batches_and_refusals(ctx):
    ks = "%s:/d/ks/" % NAME

    def listing(table, names):
        put(ctx, ks + table + "/" + names[0] + "-listdir.json",
            json.dumps({"/d/ks/" + table: names}).encode())

    # Table a: one old listing: kept with its file (rule per table).
    put(ctx, ks + "a/x-1-Data.db")
    listing("a", ["x-1-Data.db"])
    # Table b: 1,001 leftovers older than its listing, named by none.
    orphans = [ks + "b/old-%04d-Index.db" % i for i in range(1001)]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: put(ctx, k), orphans))
    time.sleep(1.1)
    put(ctx, ks + "b/y-2-Data.db")
    listing("b", ["y-2-Data.db"])
    # A directory without any listing is left alone.
    put(ctx, ks + "c/z-Index.db")
    rc, err = tool(ctx, "tablechop", ctx.bucket, "/d/ks", "-1",
                   env={"TDEBUG": "1"})
    check(rc == 0, "tablechop exited %d:\n%s" % (rc, err[-3000:]))
    want = {ks + "a/x-1-Data.db", ks + "a/x-1-Data.db-listdir.json",
            ks + "b/y-2-Data.db", ks + "b/y-2-Data.db-listdir.json",
            ks + "c/z-Index.db"}
    check(set(ctx.keys()) == want, "left %r" % sorted(ctx.keys())[:10])
    check("Delete request for 1000 keys: 0 refused" in err and
          "Delete request for 1 keys: 0 refused" in err,
          "not two batches:\n" + err[-3000:])

    # No listing at all under a path: an error, nothing deleted.
    rc, err = tool(ctx, "tablechop", ctx.bucket, "/d/ks/c", "-1")
    check(rc == 1 and "No -listdir.json listing" in err, err)
    check(set(ctx.keys()) == want, "deleted without a listing")

    # Deletes the server refuses: each reported, exit 1, files kept.
    time.sleep(1.1)
    put(ctx, ks + "b/y-3-Data.db")
    listing("b", ["y-3-Data.db"])
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": {"AWS": ["*"]},
        "Action": ["s3:DeleteObject"],
        "Resource": ["arn:aws:s3:::%s/*" % ctx.bucket]}]}
    ctx.s3.put_bucket_policy(Bucket=ctx.bucket, Policy=json.dumps(policy))
    try:
        before = set(ctx.keys())
        rc, err = tool(ctx, "tablechop", ctx.bucket, "/d/ks/b", "-1")
    finally:
        ctx.s3.delete_bucket_policy(Bucket=ctx.bucket)
    check(rc == 1 and "Cannot delete %sb/y-2-Data.db-listdir.json: "
          "AccessDenied" % ks in err, "refused delete: %d\n%s" % (rc, err))
    check(set(ctx.keys()) == before, "keys changed although refused")
