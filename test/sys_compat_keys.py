"""Issue 13 item 1: the keys the original (boto 2) really stored. boto 2
sent a key as its request path and dropped the empty path elements, so
with --keyname-separator / it stored "node1/var/...", with -p /backups//
"backups/node1:/...". A host switched from it must find those objects
(-B uploads nothing again), and tableslurp and tablechop must restore and
prune them with the same options. Keys are written out in full here and
checked with boto3."""
import hashlib
import json
import os
import time

from systest import (NAME, check, tablesnap_requests, test)
from sys_restore import backup, check_same, make_files, put, tool

FILES = {
    "ks-cf-ka-1-Data.db": (b"d" * 3000, 0o644, (0, 0)),
    "ks-cf-ka-1-Index.db": (b"i" * 99, 0o600, (0, 0)),
    "ks-cf-ka-1-TOC.txt": (b"Data.db\nIndex.db\n", 0o644, (0, 0)),
}


def orphan_before_listing(ctx, orphan, listing):
    """An object older than the listing that does not name it: what
    tablechop deletes (newer ones it keeps, as files of a listing yet to
    come)."""
    put(ctx, orphan)
    time.sleep(1.1)
    put(ctx, listing, ctx.get(listing))


def no_empty_element(keys):
    bad = [k for k in keys if "//" in k or k.startswith("/")]
    check(not bad, "keys with an empty path element: %r" % bad)


@test
def compat_keys_separator_slash(ctx):
    """--keyname-separator /: "testhost/tmp/.../ks/cf/<file>", as boto 2
    stored it (not "testhost//tmp/..."); tableslurp (one table and the -r
    sweep) and tablechop find them with the same option."""
    table = os.path.join(ctx.dir, "ks", "cf")
    make_files(table, FILES)
    backup(ctx, "-r", "--keyname-separator", "/")
    # ctx.dir is absolute: "testhost" "/" "/tmp/..." collapses to one '/'.
    base = "testhost" + table + "/"
    check(base.startswith("testhost/tmp/"), base)
    want = {base + n for n in FILES} | {
        base + "ks-cf-ka-1-Data.db-listdir.json"}
    keys = ctx.keys()
    no_empty_element(keys)
    check(set(keys) == want, "keys %r, want %r" % (keys, sorted(want)))
    listing = json.loads(ctx.get(base + "ks-cf-ka-1-Data.db-listdir.json"))
    check(list(listing) == [table], "listing directory %r" % listing)

    out = os.path.join(ctx.tmp, "out")
    rc, err = tool(ctx, "tableslurp", "-p", "--keyname-separator", "/",
                   ctx.bucket, table, out)
    check(rc == 0, "tableslurp exited %d:\n%s" % (rc, err))
    for n in FILES:
        check_same(os.path.join(table, n), os.path.join(out, n))
    # The -r sweep: tables found below the collapsed prefix, their
    # directories taken back from the keys.
    out2 = os.path.join(ctx.tmp, "out2")
    rc, err = tool(ctx, "tableslurp", "-p", "-r", "--keyname-separator",
                   "/",
                   ctx.bucket, ctx.dir, out2)
    check(rc == 0, "tableslurp -r exited %d:\n%s" % (rc, err))
    for n in FILES:
        check_same(os.path.join(table, n), os.path.join(out2, "ks", "cf", n))

    # tablechop: an object no listing names goes, the listed ones stay;
    # the neighbour table "cf2" is another directory.
    neighbour = "testhost" + table + "2/ks-cf2-ka-1-Data.db"
    put(ctx, neighbour)
    orphan_before_listing(ctx, base + "ks-cf-ka-0-Index.db",
                          base + "ks-cf-ka-1-Data.db-listdir.json")
    rc, err = tool(ctx, "tablechop", "--keyname-separator", "/",
                   ctx.bucket, table, "-1")
    check(rc == 0, "tablechop exited %d:\n%s" % (rc, err))
    check("Found 1 index files and 4 data files" in err, err)
    left = set(ctx.keys())
    check(left == want | {neighbour}, "tablechop left %r" % sorted(left))


@test
def compat_keys_prefix_with_slashes(ctx):
    """-p /backups//: "backups/testhost:/tmp/...", the leading '/' gone
    and the run collapsed; tableslurp and tablechop with -P /backups//."""
    table = os.path.join(ctx.dir, "ks", "cf")
    make_files(table, FILES)
    backup(ctx, "-r", "-p", "/backups//")
    base = "backups/%s:%s/" % (NAME, table)
    check(base.startswith("backups/testhost:/tmp/"), base)
    want = {base + n for n in FILES} | {
        base + "ks-cf-ka-1-Data.db-listdir.json"}
    keys = ctx.keys()
    no_empty_element(keys)
    check(set(keys) == want, "keys %r, want %r" % (keys, sorted(want)))

    out = os.path.join(ctx.tmp, "out")
    rc, err = tool(ctx, "tableslurp", "-p", "-P", "/backups//", ctx.bucket,
                   table, out)
    check(rc == 0, "tableslurp exited %d:\n%s" % (rc, err))
    for n in FILES:
        check_same(os.path.join(table, n), os.path.join(out, n))
    orphan_before_listing(ctx, base + "ks-cf-ka-0-Index.db",
                          base + "ks-cf-ka-1-Data.db-listdir.json")
    rc, err = tool(ctx, "tablechop", "-P", "/backups//", ctx.bucket, table,
                   "-1")
    check(rc == 0, "tablechop exited %d:\n%s" % (rc, err))
    check(set(ctx.keys()) == want, "tablechop left %r" % ctx.keys())


def seed_as_original(ctx, base, table):
    """The objects the original stored for table's files under base: the
    same bytes (-B compares sizes), its md5sum and stat metadata."""
    for n, (data, mode, (uid, gid)) in FILES.items():
        put(ctx, base + n, data, Metadata={
            "md5sum": hashlib.md5(data).hexdigest(),
            "stat": json.dumps({"gid": gid, "uid": uid,
                                "mode": 0o100000 | mode})})
    put(ctx, base + "ks-cf-ka-1-Data.db-listdir.json",
        json.dumps({table: sorted(FILES)}).encode())


@test
def compat_keys_backup_finds_originals_objects(ctx):
    """A host switched from the original: -B with its options lists the
    collapsed prefix and compares the collapsed keys, so it neither PUTs
    nor HEADs anything (no second copy under "testhost//...")."""
    table = os.path.join(ctx.dir, "ks", "cf")
    make_files(table, FILES)
    seed_as_original(ctx, "testhost" + table + "/", table)
    keys0 = set(ctx.keys())
    backup(ctx, "-r", "--keyname-separator", "/")
    check(set(ctx.keys()) == keys0,
          "new keys: %r" % sorted(set(ctx.keys()) - keys0))
    puts, heads = tablesnap_requests(ctx, "PUT"), tablesnap_requests(
        ctx, "HEAD")
    check(not puts and not heads,
          "separator /: -B sent PUT %r HEAD %r" % (puts, heads))

    # The same with -p /backups//, on a root given with a final '/'.
    seed_as_original(ctx, "backups/%s:%s/" % (NAME, table), table)
    keys1 = set(ctx.keys())
    backup(ctx, "-r", "-p", "/backups//", paths=[ctx.dir + "/"])
    check(set(ctx.keys()) == keys1,
          "new keys: %r" % sorted(set(ctx.keys()) - keys1))
    puts, heads = tablesnap_requests(ctx, "PUT"), tablesnap_requests(
        ctx, "HEAD")
    check(not puts and not heads,
          "-p /backups//: -B sent PUT %r HEAD %r" % (puts, heads))


@test
def compat_keys_restore_and_chop_originals_objects(ctx):
    """Objects the original stored with --keyname-separator / (put here
    with boto3 under "testhost/tmp/..."): tableslurp restores them and
    tablechop finds them, with the same option."""
    table = os.path.join(ctx.dir, "ks", "cf")
    make_files(table, FILES)
    base = "testhost" + table + "/"
    seed_as_original(ctx, base, table)
    out = os.path.join(ctx.tmp, "out")
    rc, err = tool(ctx, "tableslurp", "-p", "--keyname-separator", "/",
                   ctx.bucket, table, out)
    check(rc == 0, "tableslurp exited %d:\n%s" % (rc, err))
    for n in FILES:
        check_same(os.path.join(table, n), os.path.join(out, n))
    rc, err = tool(ctx, "tablechop", "-d", "--keyname-separator", "/",
                   ctx.bucket, table, "-1")
    check(rc == 0 and "Found 1 index files and 3 data files" in err and
          "Would delete 0/4 files" in err, "tablechop %d:\n%s" % (rc, err))


@test
def compat_restore_passes_over_listed_directories(ctx):
    """Issue 13 item 8: the original's listings name the table's
    subdirectories ("snapshots", "backups"); where the bucket holds keys
    under them, tableslurp passes over them without a GET and without a
    line (it knows them from the listing it made anyway)."""
    d = "/var/lib/cassandra/data/ks/cf"
    base = "%s:%s/" % (NAME, d)
    for n, (data, mode, (uid, gid)) in FILES.items():
        put(ctx, base + n, data, Metadata={
            "md5sum": hashlib.md5(data).hexdigest(),
            "stat": json.dumps({"gid": gid, "uid": uid,
                                "mode": 0o100000 | mode})})
    put(ctx, base + "snapshots/1700000000/ks-cf-ka-1-Data.db", b"s")
    put(ctx, base + "backups/ks-cf-ka-1-Data.db", b"b")
    put(ctx, base + "ks-cf-ka-1-Data.db-listdir.json", json.dumps(
        {d: ["backups", "ks-cf-ka-1-Data.db", "snapshots",
             "ks-cf-ka-1-Index.db", "ks-cf-ka-1-TOC.txt"]}).encode())
    for args, out in ((["-p", ctx.bucket, d], "out"),
                      (["-p", "-r", ctx.bucket, "/var/lib/cassandra/data"],
                       "out-r")):
        target = os.path.join(ctx.tmp, out)
        rc, err = tool(ctx, "tableslurp", *args, target)
        check(rc == 0, "tableslurp %r exited %d:\n%s" % (args, rc, err))
        check("not in S3:" not in err and "0 listed but not in S3" in err,
              "a listed directory reported:\n" + err)
        check("Found ks/cf with 3 files" in err if "-r" in args else
              "Fileset contains 3 files" in err, err)
        tdir = os.path.join(target, "ks", "cf") if "-r" in args else target
        check(sorted(os.listdir(tdir)) == sorted(FILES),
              "restored %r" % os.listdir(tdir))
    gets = [k for k, _ in tablesnap_requests(ctx, "GET")
            if k.endswith("/snapshots") or k.endswith("/backups")]
    check(not gets, "GET of listed directories: %r" % gets)
