"""The system-test framework: a bucket, directories and a tablesnap
process per test (Ctx), checks, and the @test registry that test/system.py
runs. Test modules are test/sys_*.py."""
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import s3check  # noqa: E402

BIN = os.environ.get("TABLESNAP_BIN", os.path.join(ROOT, "tablesnap"))
RGW_DIR = os.environ.get("RGW_DIR", "/tmp/tablesnap-rgw")
WAIT = float(os.environ.get("TEST_WAIT", "90"))   # generous: loaded machines
NAME = "testhost"

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


# What ASan, UBSan, LSan and TSan write to stderr (make asan, make tsan).
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:",
                   "WARNING: ThreadSanitizer", "ERROR: LeakSanitizer")


def check_no_sanitizer_report(text, where):
    """Fails the test when text holds a sanitizer report."""
    for mark in SANITIZER_MARKS:
        at = text.find(mark)
        if at >= 0:
            raise Failure("sanitizer report in %s:\n%s" % (
                where, text[max(0, at - 200):at + 3000]))


def md5_file(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Ctx:
    """One test's bucket, directories and tablesnap process."""

    counter = 0

    def __init__(self, env, s3, name):
        Ctx.counter += 1
        self.env, self.s3 = env, s3
        self.bucket = "t%d-%d" % (os.getpid() % 100000, Ctx.counter)
        s3check.make_bucket(s3, self.bucket)
        self.tmp = tempfile.mkdtemp(prefix="tablesnap-test-")
        self.dir = os.path.join(self.tmp, "data")
        self.outside = os.path.join(self.tmp, "outside")
        os.makedirs(self.dir)
        os.makedirs(self.outside)
        self.proc = None
        self.logpath = os.path.join(self.tmp, "tablesnap.log")
        self.since = 0

    def key(self, path, prefix=""):
        return "%s%s:%s" % (prefix, NAME, path)

    def run_env(self, extra=None):
        # No test may reach the real EC2 metadata address (169.254.169.254):
        # the credential-chain tests point it at test/credserver.py.
        e = {"PATH": "/usr/bin:/bin", "HOME": self.tmp,
             "AWS_EC2_METADATA_DISABLED": "true",
             "AWS_ACCESS_KEY_ID": self.env["AWS_ACCESS_KEY_ID"],
             "AWS_SECRET_ACCESS_KEY": self.env["AWS_SECRET_ACCESS_KEY"]}
        if extra:
            e.update(extra)
        return e

    def args(self, http=False):
        url = self.env["RGW_HTTP_URL"] if http else self.env["RGW_HTTPS_URL"]
        return [BIN, "--endpoint", url, "--ca-file", self.env["RGW_CA"],
                "-n", NAME]

    def start(self, *extra, http=False, env=None, paths=None, base=None,
              wait="Watching "):
        args = (base if base is not None else self.args(http)) + list(extra)
        args += [self.bucket] + (paths or [self.dir])
        self.log = open(self.logpath, "ab")
        self.since = self.log.tell()
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log,
                                     env=self.run_env(env))
        if wait:    # None: the caller waits for readiness its own way
            self.wait_log(wait)
        return self.proc

    def run(self, *extra, http=False, env=None, paths=None, timeout=60):
        """Runs tablesnap to its exit (for start-up errors)."""
        args = self.args(http) + list(extra) + [self.bucket] + (
            paths or [self.dir])
        p = subprocess.run(args, capture_output=True, env=self.run_env(env),
                           timeout=timeout)
        err = p.stderr.decode(errors="replace")
        check_no_sanitizer_report(err, "the stderr of %r" % args)
        return p.returncode, p.stdout.decode(errors="replace"), err

    def logtext(self):
        """The log of the current (or last) run."""
        with open(self.logpath, "rb") as f:
            f.seek(self.since)
            return f.read().decode(errors="replace")

    def wait_log(self, text, timeout=WAIT):
        end = time.time() + timeout
        while time.time() < end:
            if text in self.logtext():
                return
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise Failure("log never said %r; log:\n%s" % (text, self.logtext()))

    def stop(self):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise Failure("tablesnap did not exit on SIGTERM")
        self.log.close()
        rc = self.proc.returncode
        self.proc = None
        check_no_sanitizer_report(self.logtext(), self.logpath)
        return rc

    def head(self, key):
        try:
            return self.s3.head_object(Bucket=self.bucket, Key=key)
        except self.s3.exceptions.ClientError:
            return None

    def wait_object(self, key, timeout=WAIT):
        end = time.time() + timeout
        while time.time() < end:
            h = self.head(key)
            if h is not None:
                return h
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise Failure("object %r never appeared; keys: %r; log:\n%s" % (
            key, self.keys(), self.logtext()))

    def keys(self):
        out = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket):
            out += [o["Key"] for o in page.get("Contents", [])]
        return sorted(out)

    def get(self, key):
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def assert_stored(self, path, key=None):
        """The object of path exists, byte-identical, with its metadata."""
        key = key or self.key(path)
        self.wait_object(key)
        self.wait_log("Finished uploading %s" % path.replace("\n", "\\x0a"))
        h = self.head(key)
        body = self.get(key)
        with open(path, "rb") as f:
            local = f.read()
        check(body == local, "object %r differs from %s" % (key, path))
        md5 = hashlib.md5(local).hexdigest()
        meta = h.get("Metadata", {})
        check(meta.get("md5sum") == md5, "md5sum metadata %r != %s" % (
            meta.get("md5sum"), md5))
        st = os.stat(path)
        stat = json.loads(meta.get("stat", "{}"))
        check(stat.get("uid") == st.st_uid and stat.get("gid") == st.st_gid
              and stat.get("mode") == st.st_mode,
              "stat metadata %r does not match %r" % (stat, st))
        return h

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        try:
            s3check.remove_bucket(self.s3, self.bucket)
        except Exception:
            pass
        shutil.rmtree(self.tmp, ignore_errors=True)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def move_in(ctx, name, data):
    """Writes a file outside the watched directory, then renames it in."""
    src = os.path.join(ctx.outside, os.path.basename(name))
    write(src, data)
    dst = os.path.join(ctx.dir, name)
    os.rename(src, dst)
    return dst


def rgw_object_requests(ctx, method):
    """The object requests radosgw logged for this test's bucket (its own
    access log, path style: "PUT /bucket/key")."""
    log = os.path.join(ctx.env["RGW_DIR"], "log", "client.rgw.a.log")
    needle = '"%s /%s/' % (method, ctx.bucket)
    with open(log, errors="replace") as f:
        return [line for line in f if needle in line]


def tablesnap_requests(ctx, method):
    """rgw_object_requests made by tablesnap (not by the checking client),
    as (key path, HTTP status) pairs."""
    out = []
    for line in rgw_object_requests(ctx, method):
        if '"tablesnap/' in line:
            m = re.search(r'"%s (\S+) HTTP/1.1" (\d+)' % method, line)
            out.append((m.group(1), int(m.group(2))))
    return out
