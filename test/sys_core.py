"""Core daemon tests (issue: inotify watch -> S3): events, filters, key
names, listing, metadata, addressing, start-up errors."""
import json
import os
import subprocess
import time

from systest import (BIN, NAME, ROOT, check, md5_file, move_in,
                     rgw_object_requests, tablesnap_requests, test, write)
from wireproxy import WireProxy


@test
def moved_in_file_is_stored_with_metadata(ctx):
    ctx.start()
    path = move_in(ctx, "ks-cf-ka-1-Index.db", os.urandom(100000))
    h = ctx.assert_stored(path)
    check(h["ETag"].strip('"') == md5_file(path), "ETag is not the MD5")
    check(ctx.keys() == [ctx.key(path)], "unexpected keys %r" % ctx.keys())
    check(ctx.stop() == 0, "exit status after SIGTERM is not 0")


@test
def written_in_place_is_stored_on_close(ctx):
    ctx.start()
    path = os.path.join(ctx.dir, "ks-cf-ka-1-Summary.db")
    with open(path, "wb") as f:
        f.write(b"a" * 5000)
        f.flush()
        time.sleep(0.5)
        check(ctx.head(ctx.key(path)) is None, "uploaded while still open")
        f.write(b"b" * 5000)
    ctx.assert_stored(path)


@test
def hard_link_is_stored_with_in_create(ctx):
    ctx.start("--listen-events", "IN_CREATE")
    src = os.path.join(ctx.outside, "CommitLog-6-1.log")
    write(src, os.urandom(3000))
    dst = os.path.join(ctx.dir, "CommitLog-6-1.log")
    os.link(src, dst)
    ctx.assert_stored(dst)
    # A file created and written in place is not finished: not uploaded.
    inplace = os.path.join(ctx.dir, "written.log")
    write(inplace, b"x" * 100)
    marker = os.path.join(ctx.dir, "marker.log")
    os.link(src, marker)
    ctx.assert_stored(marker)
    check(ctx.head(ctx.key(inplace)) is None,
          "a file created in place was uploaded on IN_CREATE")


@test
def new_subdirectories_with_auto_add(ctx):
    sub = os.path.join(ctx.dir, "existing")
    os.makedirs(sub)
    ctx.start("-r", "-a")
    f1 = move_in(ctx, "existing/a-Data.db", b"1" * 10)
    ctx.assert_stored(f1)
    new = os.path.join(ctx.dir, "ks2", "cf2")
    os.makedirs(new)
    time.sleep(0.3)
    f2 = os.path.join(new, "b-Index.db")
    src = os.path.join(ctx.outside, "b")
    write(src, b"2" * 20)
    os.rename(src, f2)
    ctx.assert_stored(f2)
    # A directory moved in with files already inside.
    tree = os.path.join(ctx.outside, "moved")
    os.makedirs(os.path.join(tree, "deep"))
    write(os.path.join(tree, "deep", "c-Index.db"), b"3" * 30)
    os.rename(tree, os.path.join(ctx.dir, "moved"))
    ctx.assert_stored(os.path.join(ctx.dir, "moved", "deep", "c-Index.db"))


@test
def backup_at_start_uploads_existing_files(ctx):
    paths = []
    for i in range(5):
        p = os.path.join(ctx.dir, "f%d-Index.db" % i)
        write(p, os.urandom(1000 + i))
        paths.append(p)
    sub = os.path.join(ctx.dir, "sub")
    os.makedirs(sub)
    deep = os.path.join(sub, "deep-Index.db")
    write(deep, b"deep")
    ctx.start("-B")
    for p in paths:
        ctx.assert_stored(p)
    ctx.stop()
    check(ctx.head(ctx.key(deep)) is None, "-B without -r went into sub/")
    ctx.start("-B", "-r")
    ctx.assert_stored(deep)
    # One listing answered for the five already there: no HEAD, no PUT.
    ctx.wait_log("Start-up scan done: 6 files scanned, 1 queued, "
                 "5 already in S3")
    check("Uploading %s\n" % paths[0] not in ctx.logtext(),
          "a file already in S3 was uploaded again")


@test
def exclude_and_include_filters(ctx):
    # -e takes every word after it (as the original's argparse did), so
    # the values are attached here.
    ctx.start("--exclude=skipme", r"-e\.tmp$")
    a = move_in(ctx, "skipme-1.db", b"a")
    b = move_in(ctx, "x.tmp", b"b")
    c = move_in(ctx, "keep-tmp.db", b"c")
    ctx.assert_stored(c)
    ctx.wait_log("Skipping %s due to exclusion rule" % a)
    ctx.wait_log("Skipping %s due to exclusion rule" % b)
    check(ctx.keys() == [ctx.key(c)], "filtered files stored: %r" %
          ctx.keys())
    ctx.stop()
    ctx.start("-i", "Data", "--")
    d = move_in(ctx, "k-Index.db", b"d")
    e = move_in(ctx, "k-Data.db", b"e")
    ctx.assert_stored(e)
    check(ctx.head(ctx.key(d)) is None, "-i let a non-match through")


@test
def default_filter_skips_tmp(ctx):
    ctx.start()
    a = move_in(ctx, "ks-cf-tmp-ka-1-Data.db", b"a")
    b = move_in(ctx, "ks-cf-ka-2-Data.db", b"b")
    ctx.assert_stored(b)
    ctx.wait_log("Skipping %s due to exclusion rule" % a)
    check(ctx.head(ctx.key(a)) is None, "-tmp file stored by default")


@test
def listing_json_for_data_files(ctx):
    write(os.path.join(ctx.dir, "ks-cf-ka-1-Index.db"), b"i")
    write(os.path.join(ctx.dir, "ks-cf-tmp-ka-2-Data.db"), b"t")
    os.makedirs(os.path.join(ctx.dir, "snapshots"))
    ctx.start()
    path = move_in(ctx, "ks-cf-ka-1-Data.db", b"data")
    ctx.assert_stored(path)
    lkey = ctx.key(path) + "-listdir.json"
    h = ctx.wait_object(lkey)
    body = ctx.get(lkey)
    want = json.dumps({ctx.dir: ["ks-cf-ka-1-Data.db",
                                 "ks-cf-ka-1-Index.db"]}).encode()
    check(body == want, "listing %r != %r" % (body, want))
    check(h["ContentType"] == "application/json", "listing content type")
    check("md5sum" not in h.get("Metadata", {}), "listing has metadata")


@test
def awkward_file_names(ctx):
    ctx.start()
    names = ["with space.db", "caf\u00e9-\u65e5\u672c.db", "a$b&c=d+e.db",
             "q'uo\"te.db", "per%cent#hash?.db", "new\nline.db",
             "tilde~star*.db", "emoji-\U0001f600.db"]
    paths = [move_in(ctx, n, n.encode() * 3) for n in names]
    for p in paths:
        ctx.assert_stored(p)
    check(sorted(ctx.keys()) == sorted(ctx.key(p) for p in paths),
          "keys differ: %r" % ctx.keys())


@test
def invalid_utf8_name_is_refused_clearly(ctx):
    ctx.start()
    bad = os.path.join(ctx.dir.encode(), b"bad-\xff\xfe.db")
    src = os.path.join(ctx.outside.encode(), b"bad")
    write(src, b"x")
    os.rename(src, bad)
    ctx.wait_log("not valid UTF-8")
    good = move_in(ctx, "good.db", b"g")
    ctx.assert_stored(good)
    check(ctx.keys() == [ctx.key(good)], "keys: %r" % ctx.keys())


@test
def plain_http_with_signed_payload(ctx):
    # Through a recording proxy: radosgw takes UNSIGNED-PAYLOAD over plain
    # HTTP as well, so only the wire shows that each payload was signed,
    # the single PUT's and each multipart part's.
    proxy = WireProxy("localhost", int(ctx.env["RGW_HTTP_PORT"]))
    port = proxy.start()
    try:
        ctx.start("--max-upload-size", "1", "--multipart-chunk-size", "5",
                  base=[BIN, "--endpoint", "http://localhost:%d" % port,
                        "-n", NAME])
        path = move_in(ctx, "h-Data.db", os.urandom(70000))
        ctx.assert_stored(path)
        big = move_in(ctx, "hbig-Index.db", os.urandom(6 * 1024 * 1024 + 1))
        h = ctx.assert_stored(big)
        check(h["ETag"].strip('"').endswith("-2"), "ETag %s not of 2 parts"
              % h["ETag"])
        check(ctx.stop() == 0, "exit status after SIGTERM is not 0")
    finally:
        proxy.close()
    reqs = proxy.requests()
    for r in reqs:
        check(r["sha256_header"] == r["body_sha256"],
              "%s %s sent x-amz-content-sha256 %r for a body of %d bytes "
              "with SHA-256 %s" % (r["method"], r["target"],
                                   r["sha256_header"], r["body_len"],
                                   r["body_sha256"]))
    # (A retry on a loaded machine may repeat a PUT: sets, not lists.)
    puts = [r for r in reqs if r["method"] == "PUT"]
    single = [r for r in puts if r["path"].endswith("/h-Data.db")]
    check({r["body_len"] for r in single} == {70000},
          "PUTs of h-Data.db: %r" % single)
    parts = [r for r in puts if r["path"].endswith("/hbig-Index.db")]
    check({r["body_len"] for r in parts} == {5 * 1024 * 1024,
                                             1 + 1024 * 1024} and
          all("partNumber=" in r["target"] for r in parts),
          "PUTs of hbig-Index.db: %r" % parts)


@test
def prefix_and_separator(ctx):
    ctx.start("-p", "backups/", "--keyname-separator", "#")
    path = move_in(ctx, "p.db", b"p")
    ctx.assert_stored(path, "backups/%s#%s" % (NAME, path))


@test
def multipart_upload(ctx):
    ctx.start("--max-upload-size", "1", "--multipart-chunk-size", "5")
    data = os.urandom(12 * 1024 * 1024 + 12345)
    path = move_in(ctx, "big-Data.db", data)
    h = ctx.assert_stored(path)
    check(h["ETag"].strip('"').endswith("-3"), "ETag %s not of 3 parts" %
          h["ETag"])
    ups = ctx.s3.list_multipart_uploads(Bucket=ctx.bucket).get("Uploads")
    check(not ups, "multipart uploads left: %r" % ups)


@test
def virtual_hosted_addressing(ctx):
    # Through a recording HTTPS proxy with radosgw's certificate: radosgw
    # answers path-style requests as well, so only the wire shows that the
    # bucket went into the Host header (and the server name) instead of the
    # path.
    tls = os.path.join(ctx.env["RGW_DIR"], "tls")
    proxy = WireProxy("localhost", int(ctx.env["RGW_HTTP_PORT"]),
                      tls=(os.path.join(tls, "server.pem"),
                           os.path.join(tls, "server.key")))
    port = proxy.start()
    try:
        ctx.start("--virtual-host",
                  env={"TABLESNAP_CONNECT_HOST": "127.0.0.1"},
                  base=[BIN, "--endpoint", "https://localhost:%d" % port,
                        "--ca-file", ctx.env["RGW_CA"], "-n", NAME])
        path = move_in(ctx, "v.db", b"v" * 10)
        ctx.assert_stored(path)
        check(ctx.stop() == 0, "exit status after SIGTERM is not 0")
    finally:
        proxy.close()
    reqs = proxy.requests()
    vhost = "%s.localhost:%d" % (ctx.bucket, port)
    for r in reqs:
        check(r["host"] == vhost, "%s %s sent Host %r, want %r" % (
            r["method"], r["target"], r["host"], vhost))
        check(r["path"] != "/" + ctx.bucket and
              not r["path"].startswith("/%s/" % ctx.bucket),
              "%s %s names the bucket in the path" % (r["method"],
                                                       r["target"]))
    check("PUT" in [r["method"] for r in reqs if r["path"].endswith("/v.db")],
          "no PUT of v.db without the bucket in the path: %r" % reqs)
    names = proxy.names()
    check(names and set(names) == {"%s.localhost" % ctx.bucket},
          "TLS server names %r" % names)


@test
def skip_rule_and_size_change(ctx):
    path = os.path.join(ctx.dir, "s.db")
    write(path, b"1234")
    ctx.s3.put_object(Bucket=ctx.bucket, Key=ctx.key(path), Body=b"abcd")
    ctx.start("-B")
    ctx.wait_log("Start-up scan done: 1 files scanned, 0 queued, "
                 "1 already in S3")
    check(ctx.get(ctx.key(path)) == b"abcd", "same-size object replaced")
    ctx.stop()
    ctx.start("-B", "--md5-on-start")
    ctx.wait_log("MD5 hashes differ")
    ctx.wait_log("Finished uploading %s" % path)
    check(ctx.get(ctx.key(path)) == b"1234", "MD5 mismatch not re-uploaded")


@test
def delete_on_backup(ctx):
    ctx.start("--delete-on-backup")
    path = move_in(ctx, "d.db", b"delete me")
    ctx.wait_object(ctx.key(path))
    ctx.wait_log("Deleted %s" % path)
    check(not os.path.exists(path), "file still there")
    check(ctx.get(ctx.key(path)) == b"delete me", "object wrong")


@test
def wrong_secret_is_one_clear_error(ctx):
    rc, out, err = ctx.run(env={"AWS_SECRET_ACCESS_KEY": "wrong" * 8})
    check(rc == 1, "exit %d, want 1" % rc)
    check("SignatureDoesNotMatch" in err, "stderr: %s" % err)


@test
def unknown_key_is_one_clear_error(ctx):
    rc, out, err = ctx.run(env={"AWS_ACCESS_KEY_ID": "NOSUCHKEY0000000"})
    check(rc == 1, "exit %d, want 1" % rc)
    check("InvalidAccessKeyId" in err, "stderr: %s" % err)


@test
def missing_bucket_is_one_clear_error(ctx):
    args = ctx.args() + ["no-such-bucket-here", ctx.dir]
    p = subprocess.run(args, capture_output=True, env=ctx.run_env())
    err = p.stderr.decode()
    check(p.returncode == 1, "exit %d, want 1" % p.returncode)
    check("NoSuchBucket" in err, "stderr: %s" % err)


@test
def unwatchable_path_exits_1(ctx):
    missing = os.path.join(ctx.tmp, "nope")
    rc, out, err = ctx.run(paths=[missing])
    check(rc == 1, "exit %d, want 1" % rc)
    check(missing in err, "stderr does not name the path: %s" % err)
    afile = os.path.join(ctx.tmp, "afile")
    write(afile, b"")
    rc, out, err = ctx.run(paths=[afile])
    check(rc == 1 and "not a directory" in err, "file as path: %d %s" %
          (rc, err))


@test
def usage_errors_exit_2(ctx):
    for args in (["--no-such-option"], ["-t"], ["-t", "0"],
                 ["-e", "a", "-i", "b"], ["--listen-events", "IN_BOGUS"],
                 ["-e", "("]):
        p = subprocess.run([BIN] + args + ["bucket", ctx.dir],
                           capture_output=True, env=ctx.run_env())
        check(p.returncode == 2, "%r: exit %d" % (args, p.returncode))
        check(b"usage:" in p.stderr and b"error:" in p.stderr,
              "%r: stderr %r" % (args, p.stderr))
    p = subprocess.run([BIN, "bucket"], capture_output=True)
    check(p.returncode == 2, "missing paths: exit %d" % p.returncode)
    p = subprocess.run([BIN, "-h"], capture_output=True)
    check(p.returncode == 0 and b"--listen-events" in p.stdout, "-h")


@test
def untrusted_certificate_is_refused(ctx):
    rc, out, err = ctx.run("--ca-file", "/etc/ssl/certs/ca-certificates.crt")
    check(rc == 1, "exit %d, want 1" % rc)
    check("not trusted" in err, "stderr: %s" % err)


@test
def binary_is_static(ctx):
    if "TABLESNAP_BIN" in os.environ:
        return  # a sanitizer build (make asan, make tsan) is dynamic
    out = subprocess.run(["file", BIN], capture_output=True).stdout
    check(b"statically linked" in out, "file says: %r" % out)




@test
def once_uploads_and_exits(ctx):
    paths = []
    for i in range(3):
        p = os.path.join(ctx.dir, "o%d.db" % i)
        write(p, os.urandom(2000))
        paths.append(p)
    rc, out, err = ctx.run("--once")
    check(rc == 0, "--once exit %d: %s" % (rc, err))
    for p in paths:
        check(ctx.get(ctx.key(p)) == open(p, "rb").read(), "%s differs" % p)
    # Nothing to do the second time: all already there, still 0.
    rc, out, err = ctx.run("--once")
    check(rc == 0 and "3 files scanned, 0 queued, 3 already in S3" in err,
          "second --once: %d %s" % (rc, err))


@test
def once_fails_when_server_unreachable(ctx):
    write(os.path.join(ctx.dir, "x.db"), b"x")
    args = [BIN, "--endpoint", "http://localhost:1", "-n", NAME, "--once",
            "--retries", "0", ctx.bucket, ctx.dir]
    p = subprocess.run(args, capture_output=True, env=ctx.run_env(),
                       timeout=120)
    check(p.returncode == 1, "exit %d, want 1" % p.returncode)
    check(b"localhost:1" in p.stderr, "stderr: %r" % p.stderr)


@test
def startup_scan_lists_instead_of_a_head_per_file(ctx):
    for i in range(20):
        write(os.path.join(ctx.dir, "n%02d.db" % i), b"%d" % i)
    rc, out, err = ctx.run("--once", "--without-index")
    check(rc == 0, "--once exit %d: %s" % (rc, err))
    check(len(ctx.keys()) == 20, "keys: %r" % ctx.keys())
    # Seen from the server: one listing answered for all twenty files.
    heads = rgw_object_requests(ctx, "HEAD")
    puts = rgw_object_requests(ctx, "PUT")
    check(not heads, "HEAD requests: %d" % len(heads))
    check(len(puts) == 20, "PUT requests: %d" % len(puts))


@test
def startup_listing_of_several_pages(ctx):
    # Over 1,000 keys: ListObjectsV2 answers in pages, which the start-up
    # scan takes one at a time.
    n = 1100
    for i in range(n):
        write(os.path.join(ctx.dir, "k%04d.db" % i), b"%d" % i)
    rc, out, err = ctx.run("--once", "-t", "8", "--without-index",
                           timeout=300)
    check(rc == 0, "first --once exit %d: %s" % (rc, err))
    check(len(ctx.keys()) == n, "keys: %d" % len(ctx.keys()))
    rc, out, err = ctx.run("--once", "--without-index", timeout=300)
    check(rc == 0, "second --once exit %d: %s" % (rc, err))
    check("Start-up scan done: %d files scanned, 0 queued, %d already in "
          "S3" % (n, n) in err, "stderr:\n" + err[-2000:])
    # The second run read two pages: the second with a continuation token.
    log = os.path.join(ctx.env["RGW_DIR"], "log", "client.rgw.a.log")
    with open(log, errors="replace") as f:
        pages = [line for line in f if '"tablesnap/' in line and
                 '"GET /%s?list-type=2' % ctx.bucket in line and
                 "&prefix=" in line]
    check(len(pages) == 3 and
          sum("continuation-token=" in p for p in pages) == 1,
          "listing requests: %r" % pages)
    check(not tablesnap_requests(ctx, "HEAD"), "HEAD requests")
    check(len(tablesnap_requests(ctx, "PUT")) == n, "PUT requests")


@test
def small_new_file_is_one_put_if_absent(ctx):
    ctx.start("--without-index")
    small = [move_in(ctx, "p%d.db" % i, os.urandom(1000 * i + 1))
             for i in range(3)]
    big = move_in(ctx, "big.db", os.urandom((1 << 20) + 1))
    for p in small + [big]:
        ctx.assert_stored(p)
        ctx.wait_log("Finished uploading %s" % p)
    # Seen from the server: a small file is one PUT (with If-None-Match),
    # a file over 1 MiB a HEAD and then a PUT.
    puts = tablesnap_requests(ctx, "PUT")
    heads = tablesnap_requests(ctx, "HEAD")
    check(len(puts) == 4 and all(st == 200 for _, st in puts),
          "PUT requests: %r" % puts)
    check(len(heads) == 1 and heads[0][0].endswith("/big.db") and
          heads[0][1] == 404, "HEAD requests: %r" % heads)


@test
def small_file_already_there_keeps_the_skip_rule(ctx):
    same = os.path.join(ctx.dir, "same.db")
    other = os.path.join(ctx.dir, "other.db")
    ctx.s3.put_object(Bucket=ctx.bucket, Key=ctx.key(same), Body=b"abcd")
    ctx.s3.put_object(Bucket=ctx.bucket, Key=ctx.key(other), Body=b"ab")
    ctx.start("--without-index")
    move_in(ctx, "same.db", b"1234")
    ctx.wait_log("Keyname %s already exists, skipping upload" %
                 ctx.key(same))
    move_in(ctx, "other.db", b"123456")
    ctx.wait_log("Finished uploading %s" % other)
    check(ctx.get(ctx.key(same)) == b"abcd", "same-size object replaced")
    check(ctx.get(ctx.key(other)) == b"123456", "other size not replaced")
    # The server refused the conditional PUTs (412); the HEADs then
    # decided: skip the same size, PUT the other one again.
    puts = tablesnap_requests(ctx, "PUT")
    check(sorted(st for _, st in puts) == [200, 412, 412],
          "PUT requests: %r" % puts)
    check(len(tablesnap_requests(ctx, "HEAD")) == 2, "HEAD requests")


@test
def tls_sessions_are_resumed_across_connections(ctx):
    """Seen from outside by a relay that reads the TLS hellos: only the
    first connection makes a full handshake."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    relay = subprocess.Popen(
        ["/usr/bin/python3", os.path.join(ROOT, "bench", "tlsproxy.py"),
         str(port), ctx.env["RGW_HTTPS_PORT"]],
        stdout=subprocess.PIPE, text=True)
    try:
        check(relay.stdout.readline().strip() == "ready", "relay not ready")
        for i in range(40):
            write(os.path.join(ctx.dir, "r%02d.db" % i), os.urandom(500))
        args = [BIN, "--endpoint", "https://localhost:%d" % port, "--ca-file",
                ctx.env["RGW_CA"], "-n", NAME, "--once", "-t", "4",
                ctx.bucket, ctx.dir]
        p = subprocess.run(args, capture_output=True, env=ctx.run_env(),
                           timeout=120)
        check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
    finally:
        relay.terminate()
        out, _ = relay.communicate(timeout=30)
    counts = json.loads(out.strip().splitlines()[-1])
    check(len(ctx.keys()) == 40, "keys: %d" % len(ctx.keys()))
    check(counts["connections"] >= 2, "counts %r" % counts)
    check(counts["full"] == 1 and counts["resumed"] == counts["handshakes"] - 1,
          "handshakes %r" % counts)
