#!/usr/bin/python3
"""bench.py: tablesnap beside curl, awscli and rclone, on one machine in one
run, against a local radosgw and a local nginx PUT sink, both over HTTPS.
Prints one table and writes it as Markdown (see bench/RESULTS.md).

Started by bench/run.sh (`make bench`), which builds the C helpers first:
    bash bench/run.sh [--quick] [--reps N] [--only 1,3,...] [--rgw-dir DIR]

Sections: 1 one big file (1 GiB): CPU and wall time, and the floor program;
2 tablesnap's peak RSS (four big files, then 1,000 small ones); 3 2,000
files of 64 KiB: wall, CPU, requests, connections and TLS handshakes;
4 latency from a rename to the stored object; 5 -B over 20,000 files
already in S3; 6 the stripped binary's size; 7, 8, 9 production scale
(bench/scale.py: a million keys, 10,000 directories, a storm of queued
files); 10 restore (tableslurp) of 2,000 files of 64 KiB and of one 1 GiB
file beside aws s3 cp --recursive and rclone copy downloading the same
objects (runnable alone: `bash bench/run.sh --only 10 [--rgw-dir DIR]`).

How things are measured (details in bench/RESULTS.md):
- client CPU and peak RSS: GNU time (/usr/bin/time -f "%e %U %S %M") around
  the client command: user + system of the client and its children;
- server CPU: utime + stime of the server's processes from /proc;
- "other" CPU: the busy time of /proc/stat during the run minus client and
  server: other work on the machine. Runs are interleaved across tools so
  that a burst of other load hits all of them alike, and medians reported;
- requests: radosgw's own counter (perf dump, rgw.req), read before and
  after each run (outside the timing);
- connections and TLS handshakes (full or resumed): one extra run per tool
  through bench/tlsproxy.py, a counting relay, kept out of the timed runs.
Every run is checked: the objects must be in the bucket (or the sink) with
the right sizes, otherwise the benchmark stops.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import scale

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TABLESNAP = os.path.join(ROOT, "tablesnap")
RGW_SH = os.path.join(ROOT, "test", "rgw.sh")
GNU_TIME = "/usr/bin/time"
AWS = "/usr/bin/aws"
BUCKET = "bench"
NAME = "benchhost"      # tablesnap -n: the host part of every key
MIB = 1024 * 1024
HZ = os.sysconf("SC_CLK_TCK")

# Ports: the radosgw the benchmark starts, the sink and the counting relay.
PORTS = {
    "RGW_HTTP_PORT": os.environ.get("BENCH_RGW_HTTP_PORT", "7560"),
    "RGW_HTTPS_PORT": os.environ.get("BENCH_RGW_HTTPS_PORT", "7563"),
    "RGW_MON_PORT": os.environ.get("BENCH_RGW_MON_PORT", "13360"),
    "RGW_MON_V1_PORT": os.environ.get("BENCH_RGW_MON_V1_PORT", "16795"),
}
SINK_PORT = int(os.environ.get("BENCH_SINK_PORT", "7564"))
PROXY_PORT = int(os.environ.get("BENCH_PROXY_PORT", "7569"))

# The original Python tablesnap, as measured for issue 8 on a 2-core x86-64
# machine against radosgw over HTTPS. It needs Python 2 and boto 2, which
# Debian 12 lacks, so these cannot be re-measured here: quoted as given.
ORIGINAL = {"big_cpu": 4.7, "big_rss_mib": 22, "small1000_wall": 10.4,
            "small1000_requests": 2005, "lat_p50": 6.6, "lat_p99": 11.0}

SIZES = {
    "full": {"big_mib": 1024, "rss_big": 4, "rss_small": 1000,
             "small_n": 2000, "small_kib": 64, "lat_n": 500,
             "lat_bytes": 4096, "b_n": 20000, "b_dirs": 20, "reps": 3},
    "quick": {"big_mib": 64, "rss_big": 4, "rss_small": 100,
              "small_n": 200, "small_kib": 64, "lat_n": 50,
              "lat_bytes": 4096, "b_n": 1000, "b_dirs": 4, "reps": 1},
}


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# ---- CPU accounting -------------------------------------------------------

def busy_ticks():
    """Busy ticks of all CPUs (everything but idle and iowait)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v[:8]) - v[3] - v[4]


def proc_ticks(pids):
    """utime + stime of the processes (all their threads), in ticks."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def children_of(pid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            out.append(int(d))
    return out


def run_timed(cmd, env, server, what):
    """Runs cmd under GNU time. Returns a dict of wall, cpu, user, sys,
    rss_kib (the client), server_cpu, other_cpu, requests (radosgw only)."""
    tfile = tempfile.NamedTemporaryFile(prefix="bench-time.", delete=False)
    tfile.close()
    spids = server.pids() if server else []
    req0 = server.requests() if server else None
    b0, s0 = busy_ticks(), proc_ticks(spids)
    p = subprocess.run([GNU_TIME, "-f", "%e %U %S %M", "-o", tfile.name] +
                       cmd, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    b1, s1 = busy_ticks(), proc_ticks(spids)
    req1 = server.requests() if server else None
    with open(tfile.name) as f:
        lines = f.read().strip().splitlines()
    os.unlink(tfile.name)
    if p.returncode != 0:
        tail = p.stderr.decode(errors="replace").strip().splitlines()[-8:]
        raise BenchError("%s failed (exit %d):\n  %s" % (
            what, p.returncode, "\n  ".join(tail)))
    wall, user, sys_, rss = lines[-1].split()
    r = {"wall": float(wall), "user": float(user), "sys": float(sys_),
         "rss_kib": int(rss), "server_cpu": (s1 - s0) / HZ}
    r["cpu"] = r["user"] + r["sys"]
    r["other_cpu"] = max(0.0, (b1 - b0) / HZ - r["cpu"] - r["server_cpu"])
    if req0 is not None and req1 is not None:
        r["requests"] = req1 - req0
    r["log"] = p.stderr.decode(errors="replace")
    return r


def median(runs, key):
    v = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(v) if v else None


# ---- servers ---------------------------------------------------------------

def port_busy(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        return True
    except OSError:
        return False


def wait_port(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise BenchError("nothing listens on port %d" % port)


class Radosgw:
    """test/rgw.sh's radosgw: started (and stopped) here, or reused."""

    def __init__(self, dir, reuse):
        self.dir = dir
        self.reuse = reuse
        self.started = False
        if not reuse:
            env = dict(os.environ, **PORTS)
            log("starting radosgw in %s" % dir)
            subprocess.run(["bash", RGW_SH, "start", dir], env=env,
                           check=True, stdout=sys.stderr)
            self.started = True
        self.env = {}
        with open(os.path.join(dir, "env")) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                if k:
                    self.env[k] = v
        self.url = self.env["RGW_HTTPS_URL"]
        self.port = int(self.env["RGW_HTTPS_PORT"])
        self.ca = self.env["RGW_CA"]
        self.ak = self.env["AWS_ACCESS_KEY_ID"]
        self.sk = self.env["AWS_SECRET_ACCESS_KEY"]
        self.asok = os.path.join(dir, "run", "client.rgw.a.asok")
        import boto3
        from botocore.config import Config
        self.s3 = boto3.session.Session().client(
            "s3", endpoint_url=self.url, aws_access_key_id=self.ak,
            aws_secret_access_key=self.sk, region_name="us-east-1",
            verify=self.ca, config=Config(s3={"addressing_style": "path"},
                                          max_pool_connections=20))
        try:
            self.s3.create_bucket(Bucket=BUCKET)
        except self.s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        except self.s3.exceptions.BucketAlreadyExists:
            pass

    def pids(self):
        out = []
        try:
            with open(os.path.join(self.dir, "pids")) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 2:
                        out.append(int(parts[1]))
        except OSError:
            pass
        return out

    def requests(self):
        """radosgw's count of requests served so far (perf counter)."""
        p = subprocess.run(["ceph", "--admin-daemon", self.asok, "perf",
                            "dump", "rgw"], capture_output=True,
                           env=dict(os.environ,
                                    CEPH_CONF=self.env["CEPH_CONF"]))
        if p.returncode != 0:
            return None
        return json.loads(p.stdout)["rgw"]["req"]

    def keys(self, prefix):
        """{key: size} under prefix."""
        out = {}
        pages = self.s3.get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=BUCKET, Prefix=prefix):
            for o in page.get("Contents", []):
                out[o["Key"]] = o["Size"]
        return out

    def delete_prefix(self, prefix, gc=False):
        keys = list(self.keys(prefix))
        for i in range(0, len(keys), 1000):
            self.s3.delete_objects(Bucket=BUCKET, Delete={
                "Objects": [{"Key": k} for k in keys[i:i + 1000]],
                "Quiet": True})
        # Big objects stay on the OSD until garbage collection: run it so
        # that repeated 1 GiB uploads do not fill the 20 GiB block file.
        if gc:
            env = dict(os.environ, CEPH_CONF=self.env["CEPH_CONF"])
            subprocess.run(["radosgw-admin", "gc", "process", "--include-all"],
                           env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)

    def stop(self):
        if self.started:
            log("stopping radosgw")
            subprocess.run(["bash", RGW_SH, "stop", self.dir],
                           stdout=sys.stderr)
            self.started = False


NGINX_CONF = """\
# nginx PUT sink for the tablesnap benchmark (made by bench/bench.py)
daemon off;
master_process on;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format bench '$request_method $uri $status $request_length';
    access_log {prefix}/access.log bench;
    client_body_temp_path {data}/tmp;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size 0;
    client_body_buffer_size 1m;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:bench:1m;
        root {data}/root;
        # The bucket check and listings: an empty bucket.
        location = /{bucket} {{
            default_type application/xml;
            return 200 '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>{bucket}</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>';
        }}
        location /{bucket}/ {{
            # Every HEAD misses, so every run uploads.
            if ($request_method = HEAD) {{ return 404; }}
            # No S3 here: echo the client's own x-amz-meta-md5sum as the
            # ETag, so that tablesnap's ETag check passes (it would
            # otherwise upload again); nothing is verified.
            add_header ETag "\\"$http_x_amz_meta_md5sum\\"" always;
            # 200 as S3 answers, after reading the body and dropping it
            # (the dav module would answer 201, which tablesnap, like an
            # S3 client, takes for a failed PUT).
            return 200 "";
        }}
    }}
}}
"""


class Sink:
    """nginx over HTTPS answering every PUT with 200 after reading the body
    (test-servers.md section 6, its /null/ location): the client's own
    ceiling, with the least server CPU taken from the shared two cores."""

    def __init__(self, prefix, data, cert, key):
        self.prefix, self.data = prefix, data
        for d in (prefix, os.path.join(data, "root"),
                  os.path.join(data, "tmp")):
            os.makedirs(d, exist_ok=True)
        # Workers run as nobody.
        for d in ("", "root", "tmp"):
            shutil.chown(os.path.join(data, d), "nobody", "nogroup")
        if port_busy(SINK_PORT):
            raise BenchError("port %d is in use (BENCH_SINK_PORT)" % SINK_PORT)
        self.conf = os.path.join(prefix, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(NGINX_CONF.format(prefix=prefix, data=data,
                                      port=SINK_PORT, cert=cert, key=key,
                                      bucket=BUCKET))
        self.proc = subprocess.Popen(
            ["nginx", "-p", prefix, "-e", os.path.join(prefix, "error.log"),
             "-c", self.conf], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        try:
            wait_port(SINK_PORT)
            if self.proc.poll() is not None:
                raise BenchError("nginx exited")
        except BenchError:
            self.stop()
            raise BenchError("nginx did not start; see %s/error.log" % prefix)
        self.url = "https://localhost:%d" % SINK_PORT

    def pids(self):
        return [self.proc.pid] + children_of(self.proc.pid)

    def requests(self):
        return len(self.log_lines())

    def log_lines(self):
        try:
            with open(os.path.join(self.prefix, "access.log")) as f:
                return f.read().splitlines()
        except OSError:
            return []

    def answered(self, key):
        """Whether nginx answered a PUT of key with 200. (It does not
        count the bytes of a body it drops: see Bench.section1.)"""
        want = "PUT /%s/%s 200 " % (BUCKET, key)
        # nginx logs once it has drained the body, which may be just
        # after the client saw the answer and exited.
        for _ in range(50):
            if any(line.startswith(want) for line in self.log_lines()):
                return True
            time.sleep(0.1)
        return False

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()       # the master, by its PID
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Proxy:
    """bench/tlsproxy.py between a client and radosgw, for one run."""

    def __init__(self, target):
        if port_busy(PROXY_PORT):
            raise BenchError("port %d is in use (BENCH_PROXY_PORT)" %
                             PROXY_PORT)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "tlsproxy.py"),
             str(PROXY_PORT), str(target)], stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL, start_new_session=True)
        if self.proc.stdout.readline().strip() != b"ready":
            self.proc.kill()
            raise BenchError("tlsproxy.py did not start")
        self.url = "https://localhost:%d" % PROXY_PORT

    def finish(self):
        self.proc.terminate()
        out = self.proc.stdout.read()
        self.proc.wait()
        return json.loads(out.strip().splitlines()[-1])

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# ---- data ------------------------------------------------------------------

def write_random(path, size):
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, 4 * MIB)
            f.write(os.urandom(n))
            left -= n


def make_small(dir, n, size, per_dir=None):
    """n files of size bytes, distinct content; in subdirectories of
    per_dir files when given. Returns the paths."""
    os.makedirs(dir, exist_ok=True)
    block = os.urandom(size)
    paths = []
    for i in range(n):
        d = dir if per_dir is None else os.path.join(
            dir, "ks%02d" % (i // per_dir), "cf")
        if per_dir is not None:
            os.makedirs(d, exist_ok=True)
        p = os.path.join(d, "f-%06d-Index.db" % i)
        with open(p, "wb") as f:
            f.write(i.to_bytes(8, "little") + block[8:])
        paths.append(p)
    return paths


# ---- the clients -------------------------------------------------------------

class Bench:
    def __init__(self, args, sizes, work, data, bindir):
        self.args, self.sz, self.work, self.data = args, sizes, work, data
        self.bindir = bindir
        self.rgw = self.sink = None
        self.results = {}
        self.notes = []
        self.run_id = 0

    def env(self, extra=None):
        e = dict(os.environ)
        for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
                  "AWS_CA_BUNDLE", "TDEBUG", "TABLESNAP_SYSLOG"):
            e.pop(k, None)
        e.update(AWS_ACCESS_KEY_ID=self.rgw.ak,
                 AWS_SECRET_ACCESS_KEY=self.rgw.sk,
                 AWS_DEFAULT_REGION="us-east-1",
                 AWS_CONFIG_FILE=os.path.join(self.work, "aws-config"),
                 AWS_SHARED_CREDENTIALS_FILE=os.path.join(self.work,
                                                          "aws-none"),
                 RCLONE_CONFIG=os.path.join(self.work, "rclone.conf"))
        if extra:
            e.update(extra)
        return e

    def next_id(self):
        self.run_id += 1
        return self.run_id

    # Client command lines. url: https://localhost:PORT.
    def tablesnap(self, url, prefix, paths, *more):
        return [TABLESNAP, "--once", "--endpoint", url, "--ca-file",
                self.rgw.ca, "-n", NAME, "-p", prefix] + list(more) + \
            [BUCKET] + list(paths)

    def curl(self, url, path, key):
        return ["curl", "-sS", "-f", "--aws-sigv4", "aws:amz:us-east-1:s3",
                "-u", "%s:%s" % (self.rgw.ak, self.rgw.sk),
                "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
                "--cacert", self.rgw.ca, "-o", "/dev/null",
                "-T", path, "%s/%s/%s" % (url, BUCKET, key)]

    def aws(self, url, *args):
        return [AWS, "--endpoint-url", url, "--ca-bundle", self.rgw.ca,
                "s3"] + list(args) + ["--only-show-errors"]

    def rclone(self, url, src, dst):
        return ["rclone", "--ca-cert", self.rgw.ca, "copy", src,
                "rgw:%s/%s" % (BUCKET, dst)]

    def rclone_env(self, url):
        return self.env({
            "RCLONE_CONFIG_RGW_TYPE": "s3",
            "RCLONE_CONFIG_RGW_PROVIDER": "Ceph",
            "RCLONE_CONFIG_RGW_ENDPOINT": url,
            "RCLONE_CONFIG_RGW_ACCESS_KEY_ID": self.rgw.ak,
            "RCLONE_CONFIG_RGW_SECRET_ACCESS_KEY": self.rgw.sk,
            "RCLONE_CONFIG_RGW_REGION": "us-east-1"})

    def ts_key(self, prefix, path):
        return "%s%s:%s" % (prefix, NAME, path)

    def check_rgw(self, prefix, want):
        """want: {key: size}; every key must be there with its size."""
        got = self.rgw.keys(prefix)
        missing = [k for k, s in want.items() if got.get(k) != s]
        if missing:
            raise BenchError("%d of %d objects missing or wrong under %s, "
                             "e.g. %s" % (len(missing), len(want), prefix,
                                          missing[0]))

    # ---- section 1 ----

    def section1(self):
        sz = self.sz
        big = os.path.join(self.data, "big", "one")
        os.makedirs(big)
        path = os.path.join(big, "big-Data.bin")
        log("section 1: writing a %d MiB file" % sz["big_mib"])
        write_random(path, sz["big_mib"] * MIB)
        size = sz["big_mib"] * MIB
        log("section 1: floor program")
        p = subprocess.run([os.path.join(self.bindir, "floor"), "-m",
                            str(sz["big_mib"]), "-r", str(max(3, sz["reps"]))],
                           capture_output=True, check=True, text=True)
        floor = dict(line.split() for line in p.stdout.splitlines())
        self.results["floor"] = {k: float(v) for k, v in floor.items()}
        scale = 1024.0 / sz["big_mib"]     # report per GiB

        runs = {}
        tools = ["tablesnap", "curl", "aws"]
        for rep in range(sz["reps"]):
            for server in ("rgw", "sink"):
                for tool in tools:
                    r = self.big_once(server, tool, path, size, big)
                    runs.setdefault((server, tool), []).append(r)
                    log("1 %s %-9s wall %6.2f s cpu %6.2f s rss %6d KiB "
                        "other %.2f" % (server, tool, r["wall"], r["cpu"],
                                        r["rss_kib"], r["other_cpu"]))
            self.rgw.delete_prefix("big-", gc=True)
        # The sink drops bodies unseen: check once, through the counting
        # relay (untimed), that each client really sent the whole file.
        sent = {}
        for tool in tools:
            proxy = Proxy(SINK_PORT)
            try:
                self.big_once("sink", tool, path, size, big, proxy.url)
            finally:
                c = proxy.finish()
            if c["bytes_up"] < size:
                raise BenchError("%s sent %d bytes to the sink for a file of "
                                 "%d" % (tool, c["bytes_up"], size))
            sent[tool] = c["bytes_up"]
        self.results["sink_bytes_sent"] = sent
        if self.args.profile:
            self.profile(path, big)
        out = {}
        for (server, tool), rs in runs.items():
            out["%s/%s" % (server, tool)] = {
                "wall": median(rs, "wall") * scale,
                "cpu": median(rs, "cpu") * scale,
                "user": median(rs, "user") * scale,
                "sys": median(rs, "sys") * scale,
                "rss_kib": median(rs, "rss_kib"),
                "server_cpu": median(rs, "server_cpu") * scale,
                "other_cpu_max": max(r["other_cpu"] for r in rs),
                "runs": len(rs),
                "all_cpu": [round(r["cpu"] * scale, 2) for r in rs],
                "all_wall": [round(r["wall"] * scale, 2) for r in rs]}
        self.results["big"] = out

    def big_once(self, server, tool, path, size, dir, url=None):
        i = self.next_id()
        prefix = "big-%d/" % i
        if server == "rgw":
            srv, url = self.rgw, url or self.rgw.url
            env = self.env()
        else:
            srv, url = self.sink, url or self.sink.url
            # The sink has no multipart: awscli must send one PUT.
            env = self.env({"AWS_CONFIG_FILE":
                            os.path.join(self.work, "aws-config-single")})
        if tool == "tablesnap":
            key = self.ts_key(prefix, path)
            cmd = self.tablesnap(url, prefix, [dir])
        elif tool == "curl":
            key = prefix + "curl"
            cmd = self.curl(url, path, key)
        else:
            key = prefix + "aws"
            cmd = self.aws(url, "cp", path, "s3://%s/%s" % (BUCKET, key))
        r = run_timed(cmd, env, srv, "%s to %s" % (tool, server))
        if server == "rgw":
            self.check_rgw(prefix, {key: size})
        else:
            if not srv.answered(key):
                raise BenchError("%s: no PUT of %s in the sink's log" % (
                    tool, key))
        return r

    def profile(self, path, dir):
        """perf record of tablesnap sending the big file to the sink: where
        its CPU goes (symbols; user code against the kernel)."""
        if shutil.which("perf") is None:
            self.notes.append("--profile: perf is not installed (linux-perf)")
            return
        data = os.path.join(self.work, "perf.data")
        log("profiling tablesnap --once to the sink")
        subprocess.run(["perf", "record", "-q", "-F", "1999", "-g", "-o",
                        data, "--"] + self.tablesnap(self.sink.url, "prof/",
                                                     [dir]),
                       env=self.env(), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

        def top(sort, n, children=False):
            p = subprocess.run(["perf", "report", "-i", data, "--stdio",
                                "--children" if children else "--no-children",
                                "--sort", sort, "-g", "none"],
                               capture_output=True, text=True)
            rows = []
            for line in p.stdout.splitlines():
                f = line.split()
                if len(f) >= 2 and f[0].endswith("%") and \
                        not line.startswith("#"):
                    rows.append((f[0], " ".join(f[2:] if children
                                                else f[1:])))
            return rows[:n]
        self.results["profile"] = {
            "symbols": top("sym", 14), "dso": top("dso", 4),
            "syscalls": [r for r in top("sym", 200, children=True)
                         if "__x64_sys_" in r[1]][:4]}

    # ---- section 2 ----

    def section2(self):
        sz = self.sz
        size = sz["big_mib"] * MIB
        src = os.path.join(self.data, "big", "one", "big-Data.bin")
        if not os.path.exists(src):
            os.makedirs(os.path.dirname(src), exist_ok=True)
            write_random(src, size)
        four = os.path.join(self.data, "big", "four")
        os.makedirs(four)
        want = {}
        prefix = "big-rss-%d/" % self.next_id()
        for i in range(sz["rss_big"]):
            # Hard links: four files, one copy of the data in memory.
            p = os.path.join(four, "big-%d-Data.bin" % i)
            os.link(src, p)
            want[self.ts_key(prefix, p)] = size
        log("section 2: %d files of %d MiB at once" % (sz["rss_big"],
                                                    sz["big_mib"]))
        r1 = run_timed(self.tablesnap(self.rgw.url, prefix, [four]),
                       self.env(), self.rgw, "tablesnap, four big files")
        self.check_rgw(prefix, want)
        self.rgw.delete_prefix(prefix, gc=True)
        small = os.path.join(self.data, "rss-small")
        paths = make_small(small, sz["rss_small"], sz["small_kib"] * 1024)
        prefix = "rss-small-%d/" % self.next_id()
        log("section 2: %d small files" % len(paths))
        r2 = run_timed(self.tablesnap(self.rgw.url, prefix, [small]),
                       self.env(), self.rgw, "tablesnap, small files")
        self.check_rgw(prefix, {self.ts_key(prefix, p): sz["small_kib"] * 1024
                                for p in paths})
        self.rgw.delete_prefix(prefix)
        self.results["rss"] = {"big": r1["rss_kib"], "small": r2["rss_kib"],
                               "big_wall": r1["wall"],
                               "small_wall": r2["wall"]}
        log("2 rss four big %d KiB, small %d KiB" % (r1["rss_kib"],
                                                      r2["rss_kib"]))

    # ---- section 3 ----

    def section3(self):
        sz = self.sz
        n, fsize = sz["small_n"], sz["small_kib"] * 1024
        dir = os.path.join(self.data, "small")
        log("section 3: writing %d files of %d KiB" % (n, sz["small_kib"]))
        paths = make_small(dir, n, fsize)
        runs = {}
        counted = {}
        # tablesnap at its default -t 4, and at -t 10: awscli's 10
        # requests at a time (its max_concurrent_requests).
        tools = ["tablesnap", "tablesnap-t10", "aws", "rclone"]
        for rep in range(sz["reps"]):
            for tool in tools:
                r = self.small_once(tool, dir, paths, fsize, self.rgw.url)
                runs.setdefault(tool, []).append(r)
                log("3 %-9s wall %6.2f s cpu %6.2f s server %6.2f s "
                    "requests %s other %.2f"
                    % (tool, r["wall"], r["cpu"], r["server_cpu"],
                       r.get("requests"), r["other_cpu"]))
        for tool in tools:
            proxy = Proxy(self.rgw.port)
            try:
                r = self.small_once(tool, dir, paths, fsize, proxy.url)
            finally:
                c = proxy.finish()
            c["requests"] = r.get("requests")
            counted[tool] = c
            log("3 %-9s via relay: %s" % (tool, c))
        out = {}
        for tool, rs in runs.items():
            wall = median(rs, "wall")
            out[tool] = {"wall": wall, "cpu": median(rs, "cpu"),
                         "server_cpu": median(rs, "server_cpu"),
                         "files_per_s": n / wall,
                         "requests": median(rs, "requests"),
                         "other_cpu_max": max(r["other_cpu"] for r in rs),
                         "all_wall": [round(r["wall"], 2) for r in rs],
                         "counted": counted[tool]}
        self.results["small"] = out

    def small_once(self, tool, dir, paths, fsize, url):
        i = self.next_id()
        prefix = "small-%d/" % i
        if tool.startswith("tablesnap"):
            more = ["-t", "10"] if tool == "tablesnap-t10" else []
            cmd = self.tablesnap(url, prefix, [dir], *more)
            want = {self.ts_key(prefix, p): fsize for p in paths}
            env = self.env()
        elif tool == "aws":
            cmd = self.aws(url, "cp", "--recursive", dir,
                           "s3://%s/%s" % (BUCKET, prefix))
            env = self.env()
            want = {prefix + os.path.basename(p): fsize for p in paths}
        else:
            cmd = self.rclone(url, dir, prefix)
            env = self.rclone_env(url)
            want = {prefix + os.path.basename(p): fsize for p in paths}
        r = run_timed(cmd, env, self.rgw, "%s, small files" % tool)
        self.check_rgw(prefix, want)
        self.rgw.delete_prefix(prefix)
        return r

    # ---- section 4 ----

    def section4(self):
        sz = self.sz
        runs = []
        for rep in range(sz["reps"]):
            base = os.path.join(self.data, "lat-%d" % rep)
            stage, watch = os.path.join(base, "stage"), \
                os.path.join(base, "watch")
            os.makedirs(stage)
            os.makedirs(watch)
            prefix = "lat-%d/" % self.next_id()
            cmd = [os.path.join(self.bindir, "latency"), "-n",
                   str(sz["lat_n"]), "-s", str(sz["lat_bytes"]), "-l",
                   os.path.join(self.work, "latency-%d.log" % rep),
                   stage, watch, "--", TABLESNAP, "--endpoint",
                   self.rgw.url, "--ca-file", self.rgw.ca, "-n", NAME,
                   "-p", prefix, BUCKET, watch]
            p = subprocess.run(cmd, env=self.env(), capture_output=True,
                               text=True)
            if p.returncode != 0:
                raise BenchError("latency run failed: %s" % p.stderr.strip())
            r = {k: float(v) for k, v in
                 (line.split() for line in p.stdout.splitlines())}
            self.check_rgw(prefix, {
                self.ts_key(prefix, os.path.join(watch, "lat-%06d" % i)):
                sz["lat_bytes"] for i in range(sz["lat_n"])})
            self.rgw.delete_prefix(prefix)
            runs.append(r)
            log("4 latency p50 %.2f ms p99 %.2f ms max %.2f ms" % (
                r["p50_ms"], r["p99_ms"], r["max_ms"]))
        self.results["latency"] = {
            "p50": median(runs, "p50_ms"), "p90": median(runs, "p90_ms"),
            "p99": median(runs, "p99_ms"), "max": max(r["max_ms"]
                                                      for r in runs),
            "files": sz["lat_n"], "runs": len(runs),
            "all_p50": [r["p50_ms"] for r in runs],
            "all_p99": [r["p99_ms"] for r in runs]}

    # ---- section 5 ----

    def section5(self):
        sz = self.sz
        n = sz["b_n"]
        dir = os.path.join(self.data, "backup")
        log("section 5: writing %d files in %d directories" % (n, sz["b_dirs"]))
        paths = make_small(dir, n, 1024, per_dir=n // sz["b_dirs"])
        prefix = "backup-%d/" % self.next_id()
        log("section 5: uploading them")
        fill = run_timed(self.tablesnap(self.rgw.url, prefix, [dir], "-r"),
                         self.env(), self.rgw, "tablesnap, filling")
        want = {self.ts_key(prefix, p): 1024 for p in paths}
        self.check_rgw(prefix, want)
        runs = []
        for rep in range(sz["reps"]):
            r = run_timed(self.tablesnap(self.rgw.url, prefix, [dir], "-r",
                                         "-B"), self.env(), self.rgw,
                          "tablesnap -B")
            if "%d already there" % n not in r["log"]:
                raise BenchError("-B did not find all %d files in S3:\n%s"
                                 % (n, r["log"].strip().splitlines()[-1]))
            runs.append(r)
            log("5 -B wall %.2f s cpu %.2f s requests %s" % (
                r["wall"], r["cpu"], r.get("requests")))
        self.rgw.delete_prefix(prefix)
        self.results["backup"] = {
            "files": n, "wall": median(runs, "wall"),
            "cpu": median(runs, "cpu"), "requests": median(runs, "requests"),
            "rss_kib": median(runs, "rss_kib"),
            "all_wall": [round(r["wall"], 2) for r in runs],
            "fill_wall": fill["wall"], "fill_requests": fill.get("requests")}

    # ---- sections 7, 8, 9: bench/scale.py ----

    def scale(self, n, key):
        try:
            self.results[key] = scale.run({n}, self.bindir, self.data,
                                          self.sz["big_mib"] != 1024)[key]
        except scale.ScaleError as e:
            raise BenchError(str(e))

    def section7(self):
        self.scale(7, "keys")

    def section8(self):
        self.scale(8, "dirs")

    def section9(self):
        self.scale(9, "storm")

    # ---- section 10 ----

    def section10(self):
        """Restore: the backup made once by tablesnap --once (its keys and
        listings), then downloaded by tableslurp (which finds the newest
        complete listing and checks every MD5), by aws s3 cp --recursive
        and by rclone copy (the same data objects: listings excluded).
        Downloads go to tmpfs, removed after each run."""
        sz = self.sz
        n, fsize = sz["small_n"], sz["small_kib"] * 1024
        bsize = sz["big_mib"] * MIB
        src_small = os.path.join(self.data, "restore-src", "small")
        src_big = os.path.join(self.data, "restore-src", "big")
        log("section 10: writing %d files of %d KiB and one of %d MiB" % (
            n, sz["small_kib"], sz["big_mib"]))
        # Data.db files: tablesnap writes a listing for each of them.
        for p in make_small(src_small, n, fsize):
            os.rename(p, p.replace("-Index.db", "-Data.db"))
        os.makedirs(src_big)
        write_random(os.path.join(src_big, "big-Data.db"), bsize)
        sets = {}
        for what, src, files in (("small", src_small, {
                "f-%06d-Data.db" % i: fsize for i in range(n)}),
                ("big", src_big, {"big-Data.db": bsize})):
            prefix = "restore-%s-%d/" % (what, self.next_id())
            log("section 10: uploading the %s set with tablesnap" % what)
            run_timed(self.tablesnap(self.rgw.url, prefix, [src]),
                      self.env(), self.rgw, "tablesnap, restore set")
            self.check_rgw(prefix, {self.ts_key(prefix, os.path.join(
                src, f)): size for f, size in files.items()})
            sets[what] = (prefix, src, files)
        # The source files are not needed any more: room on tmpfs.
        shutil.rmtree(os.path.join(self.data, "restore-src"))
        runs = {}
        tools = {"small": ["tableslurp", "tableslurp-t10", "aws", "rclone"],
                 "big": ["tableslurp", "aws", "rclone"]}
        for rep in range(sz["reps"]):
            for what in ("small", "big"):
                for tool in tools[what]:
                    r = self.restore_once(tool, *sets[what])
                    runs.setdefault((what, tool), []).append(r)
                    log("10 %-5s %-14s wall %6.2f s cpu %6.2f s rss %6d KiB "
                        "server %6.2f s requests %s other %.2f" % (
                            what, tool, r["wall"], r["cpu"], r["rss_kib"],
                            r["server_cpu"], r.get("requests"),
                            r["other_cpu"]))
        for prefix, _, _ in sets.values():
            self.rgw.delete_prefix(prefix, gc=True)
        out = {}
        for (what, tool), rs in runs.items():
            out["%s/%s" % (what, tool)] = {
                "wall": median(rs, "wall"), "cpu": median(rs, "cpu"),
                "user": median(rs, "user"), "sys": median(rs, "sys"),
                "rss_kib": max(r["rss_kib"] for r in rs),
                "server_cpu": median(rs, "server_cpu"),
                "requests": median(rs, "requests"),
                "other_cpu_max": max(r["other_cpu"] for r in rs),
                "all_wall": [round(r["wall"], 2) for r in rs],
                "all_cpu": [round(r["cpu"], 2) for r in rs]}
        self.results["restore"] = out

    def restore_once(self, tool, prefix, src, files):
        """One download of a set into a new directory on tmpfs; every file
        must be there with its size."""
        dst = os.path.join(self.data, "restore-dst")
        shutil.rmtree(dst, ignore_errors=True)
        # The objects' common prefix: what aws and rclone copy from.
        keys = prefix + NAME + ":" + src + "/"
        excl = "*" + "-listdir.json"
        if tool.startswith("tableslurp"):
            more = ["-t", "10"] if tool == "tableslurp-t10" else []
            cmd = [TABLESNAP, "restore", "--endpoint", self.rgw.url,
                   "--ca-file", self.rgw.ca, "-n", NAME, "-P", prefix] + \
                more + [BUCKET, src, dst]
            env = self.env()
        elif tool == "aws":
            cmd = self.aws(self.rgw.url, "cp", "--recursive", "--exclude",
                           excl, "s3://%s/%s" % (BUCKET, keys), dst)
            env = self.env()
        else:
            cmd = ["rclone", "--ca-cert", self.rgw.ca, "copy", "--exclude",
                   excl, "rgw:%s/%s" % (BUCKET, keys), dst]
            env = self.rclone_env(self.rgw.url)
        r = run_timed(cmd, env, self.rgw, "%s, restore" % tool)
        got = {f: os.path.getsize(os.path.join(dst, f))
               for f in os.listdir(dst)}
        if got != files:
            raise BenchError("%s restored %d files, want %d (e.g. %s)" % (
                tool, len(got), len(files), sorted(set(files) ^ set(got))[:1]))
        shutil.rmtree(dst)
        return r

    # ---- section 6 ----

    def section6(self):
        out = os.path.join(self.work, "tablesnap.stripped")
        subprocess.run(["strip", "-o", out, TABLESNAP], check=True)
        self.results["size"] = {"stripped": os.path.getsize(out),
                                "unstripped": os.path.getsize(TABLESNAP)}


# ---- the table ---------------------------------------------------------------

def verdict(ok):
    return "yes" if ok else "NO"


def fmt(v, spec="%.2f"):
    return "-" if v is None else spec % v


def table(res, sz, machine):
    L = []
    add = L.append
    add("Machine: %s" % machine["cpu"])
    add("Load: loadavg %s at start, %s at end; 'other' CPU below is the "
        "largest seen in any run of that row." % (machine["load_start"],
                                                   machine["load_end"]))
    add("")
    f = res.get("floor")
    big = res.get("big")
    if big:
        add("### 1. One %s file over HTTPS (per GiB; median of %d)" % (
            "1 GiB" if sz["big_mib"] == 1024 else "%d MiB" % sz["big_mib"],
            sz["reps"]))
        add("")
        add("| client | server | wall s | client CPU s (user + sys) | "
            "peak RSS MiB | server CPU s | other CPU s (max) |")
        add("|---|---|---|---|---|---|---|")
        for server, sname in (("rgw", "radosgw"), ("sink", "nginx sink")):
            for tool in ("tablesnap", "curl", "aws"):
                r = big.get("%s/%s" % (server, tool))
                if r is None:
                    continue
                name = {"tablesnap": "tablesnap --once",
                        "curl": "curl --aws-sigv4 (no MD5)",
                        "aws": "aws s3 cp" + (" (one PUT)" if server == "sink"
                                              else "")}[tool]
                add("| %s | %s | %.2f | %.2f (%.2f + %.2f) | %.1f | %.2f | "
                    "%.2f |" % (name, sname, r["wall"], r["cpu"], r["user"],
                                r["sys"], r["rss_kib"] / 1024,
                                r["server_cpu"], r["other_cpu_max"]))
        add("| original tablesnap (quoted, not run) | radosgw | - | %.1f | %d "
            "| - | - |" % (ORIGINAL["big_cpu"], ORIGINAL["big_rss_mib"]))
        if f:
            add("| floor: MD5 + AES-128-GCM in memory | - | - | %.2f | - | - "
                "| - |" % f["floor_cpu_s_per_gib"])
            add("")
            add("Floor program (CPU s per GiB, median of %d): project MD5 "
                "%.2f, BearSSL br_md5 %.2f, AES-128-GCM (x86ni + pclmul) "
                "%.2f; floor %.2f (with br_md5: %.2f)." % (
                    int(f["repeats"]), f["md5_cpu_s_per_gib"],
                    f["br_md5_cpu_s_per_gib"], f["aes128gcm_cpu_s_per_gib"],
                    f["floor_cpu_s_per_gib"], f["br_floor_cpu_s_per_gib"]))
        add("")
    rss = res.get("rss")
    if rss:
        add("### 2. tablesnap peak RSS")
        add("")
        add("| case | peak RSS MiB | wall s |")
        add("|---|---|---|")
        add("| %d files of %d MiB at once (-t 4) | %.2f | %.2f |" % (
            sz["rss_big"], sz["big_mib"], rss["big"] / 1024, rss["big_wall"]))
        add("| %d files of %d KiB | %.2f | %.2f |" % (
            sz["rss_small"], sz["small_kib"], rss["small"] / 1024,
            rss["small_wall"]))
        add("")
    small = res.get("small")
    if small:
        add("### 3. %d files of %d KiB to radosgw (median of %d)" % (
            sz["small_n"], sz["small_kib"], sz["reps"]))
        add("")
        add("| client | wall s | files/s | client CPU s | server CPU s | "
            "HTTP requests | connections | TLS full / resumed | "
            "other CPU s (max) |")
        add("|---|---|---|---|---|---|---|---|---|")
        for tool, name in (("tablesnap", "tablesnap --once"),
                           ("tablesnap-t10", "tablesnap --once -t 10"),
                           ("aws", "aws s3 cp --recursive"),
                           ("rclone", "rclone copy")):
            r = small.get(tool)
            if r is None:
                continue
            c = r["counted"]
            add("| %s | %.2f | %.0f | %.2f | %.2f | %s | %d | %d / %d | %.2f |"
                % (name, r["wall"], r["files_per_s"], r["cpu"],
                   r["server_cpu"], fmt(r["requests"], "%d"),
                   c["connections"], c["full"], c["resumed"],
                   r["other_cpu_max"]))
        add("| original tablesnap, 1,000 files (quoted, not run) | %.1f | %.0f "
            "| - | - | %d | - | - | - |" % (
                ORIGINAL["small1000_wall"], 1000 / ORIGINAL["small1000_wall"],
                ORIGINAL["small1000_requests"]))
        add("")
    lat = res.get("latency")
    if lat:
        add("### 4. Rename into a watched directory to object stored "
            "(%d files of %d bytes, one at a time; median of %d runs)" % (
                lat["files"], sz["lat_bytes"], lat["runs"]))
        add("")
        add("| | p50 ms | p90 ms | p99 ms | max ms |")
        add("|---|---|---|---|---|")
        add("| tablesnap | %.2f | %.2f | %.2f | %.2f |" % (
            lat["p50"], lat["p90"], lat["p99"], lat["max"]))
        add("| original tablesnap (quoted, not run) | %.1f | - | %.1f | - |" % (
            ORIGINAL["lat_p50"], ORIGINAL["lat_p99"]))
        add("")
    b = res.get("backup")
    if b:
        add("### 5. -B start-up over %d files already in S3 (median of %d)" % (
            b["files"], sz["reps"]))
        add("")
        add("| | wall s | client CPU s | HTTP requests | peak RSS MiB |")
        add("|---|---|---|---|---|")
        add("| tablesnap -B --once | %.2f | %.2f | %s | %.2f |" % (
            b["wall"], b["cpu"], fmt(b["requests"], "%d"), b["rss_kib"] / 1024))
        add("")
        add("(Uploading them first took %.1f s and %s requests.)" % (
            b["fill_wall"], fmt(b["fill_requests"], "%d")))
        add("")
    prof = res.get("profile")
    if prof:
        add("### Profile: tablesnap --once, one big file to the nginx sink "
            "(perf record, self time)")
        add("")
        add("| share | where |")
        add("|---|---|")
        for pct, where in prof["dso"]:
            add("| %s | %s (all of it) |" % (pct, where))
        for pct, where in prof["symbols"]:
            add("| %s | %s |" % (pct, where))
        for pct, where in prof["syscalls"]:
            add("| %s | %s (with what it calls) |" % (pct, where))
        add("")
    s = res.get("size")
    rs = res.get("restore")
    if rs:
        add("### 10. Restore from radosgw over HTTPS (median of %d; peak RSS "
            "the largest)" % sz["reps"])
        add("")
        add("| set | client | wall s | client CPU s (user + sys) | peak RSS "
            "MiB | server CPU s | HTTP requests | other CPU s (max) |")
        add("|---|---|---|---|---|---|---|---|")
        names = {"tableslurp": "tableslurp (MD5 checked)",
                 "tableslurp-t10": "tableslurp -t 10 (MD5 checked)",
                 "aws": "aws s3 cp --recursive", "rclone": "rclone copy"}
        for what, label in (("small", "%d x %d KiB" % (sz["small_n"],
                                                       sz["small_kib"])),
                            ("big", "1 x %d MiB" % sz["big_mib"])):
            for tool in ("tableslurp", "tableslurp-t10", "aws", "rclone"):
                r = rs.get("%s/%s" % (what, tool))
                if r is None:
                    continue
                add("| %s | %s | %.2f | %.2f (%.2f + %.2f) | %.1f | %.2f | "
                    "%s | %.2f |" % (label, names[tool], r["wall"], r["cpu"],
                                     r["user"], r["sys"], r["rss_kib"] / 1024,
                                     r["server_cpu"],
                                     fmt(r["requests"], "%d"),
                                     r["other_cpu_max"]))
        add("")
    if s:
        add("### 6. Binary")
        add("")
        add("Stripped: %d bytes (%.1f KiB); unstripped %d bytes." % (
            s["stripped"], s["stripped"] / 1024, s["unstripped"]))
        add("")
    add("### Targets")
    add("")
    add("| target | measured | met |")
    add("|---|---|---|")
    full = sz["big_mib"] == 1024
    if big and f:
        t = big.get("rgw/tablesnap")
        a = big.get("rgw/aws")
        fl = f["floor_cpu_s_per_gib"]
        if t and a:
            add("| 1 GiB CPU <= 0.5 x aws s3 cp | %.2f vs %.2f (%.2fx) | %s |"
                % (t["cpu"], a["cpu"], t["cpu"] / a["cpu"],
                   verdict(t["cpu"] <= 0.5 * a["cpu"])))
        if t:
            add("| 1 GiB CPU <= 0.6 x original (%.1f, quoted) | %.2f | %s |"
                % (ORIGINAL["big_cpu"], t["cpu"],
                   verdict(t["cpu"] <= 0.6 * ORIGINAL["big_cpu"])))
            add("| 1 GiB CPU <= 1.15 x floor | %.2f vs %.2f (%.2fx) | %s |" % (
                t["cpu"], fl, t["cpu"] / fl, verdict(t["cpu"] <= 1.15 * fl)))
        ts = big.get("sink/tablesnap")
        if ts:
            add("| 1 GiB wall to nginx <= 1.2 x floor | %.2f vs %.2f (%.2fx) "
                "| %s |" % (ts["wall"], fl, ts["wall"] / fl,
                            verdict(ts["wall"] <= 1.2 * fl)))
    if rss:
        add("| peak RSS < 8 MiB (big; small) | %.2f; %.2f | %s |" % (
            rss["big"] / 1024, rss["small"] / 1024,
            verdict(max(rss["big"], rss["small"]) < 8 * 1024)))
    if small:
        a, r = small.get("aws"), small.get("rclone")
        for tool, how in (("tablesnap", "-t 4"), ("tablesnap-t10", "-t 10")):
            t = small.get(tool)
            if t and a:
                add("| small files >= 2 x aws s3 cp files/s (%s) | %.0f vs "
                    "%.0f (%.2fx) | %s |" % (
                        how, t["files_per_s"], a["files_per_s"],
                        t["files_per_s"] / a["files_per_s"],
                        verdict(t["files_per_s"] >= 2 * a["files_per_s"])))
            if t and r:
                add("| small files >= 1.5 x rclone files/s (%s) | %.0f vs "
                    "%.0f (%.2fx) | %s |" % (
                        how, t["files_per_s"], r["files_per_s"],
                        t["files_per_s"] / r["files_per_s"],
                        verdict(t["files_per_s"] >= 1.5 *
                                r["files_per_s"])))
        t = small.get("tablesnap")
        if t:
            c = t["counted"]
            add("| no HEAD per file; connections reused; TLS resumed | "
                "%s requests for %d files; %d connections; %d full / %d "
                "resumed handshakes | %s |" % (
                    fmt(t["requests"], "%d"), sz["small_n"], c["connections"],
                    c["full"], c["resumed"],
                    verdict(t["requests"] is not None and
                            t["requests"] <= sz["small_n"] + 10)))
    if lat:
        add("| latency p50 < 5 ms, p99 < 10 ms | %.2f / %.2f | %s |" % (
            lat["p50"], lat["p99"], verdict(lat["p50"] < 5 and
                                            lat["p99"] < 10)))
    if b:
        add("| -B over %d files < 10 s and < 100 requests | %.2f s, %s | %s |"
            % (b["files"], b["wall"], fmt(b["requests"], "%d"),
               verdict(b["wall"] < 10 and b["requests"] is not None and
                       b["requests"] < 100)))
    for what in ("small", "big") if rs else ():
        t, a, r = (rs.get("%s/%s" % (what, k)) for k in
                   ("tableslurp", "aws", "rclone"))
        if not (t and a and r):
            continue
        add("| restore %s: CPU <= 0.5 x aws | %.2f vs %.2f (%.2fx) | %s |" % (
            what, t["cpu"], a["cpu"], t["cpu"] / a["cpu"],
            verdict(t["cpu"] <= 0.5 * a["cpu"])))
        fast = min(a["wall"], r["wall"])
        add("| restore %s: wall <= the faster of aws and rclone | %.2f vs "
            "%.2f | %s |" % (what, t["wall"], fast,
                             verdict(t["wall"] <= fast)))
        add("| restore %s: peak RSS < 8 MiB | %.2f | %s |" % (
            what, t["rss_kib"] / 1024, verdict(t["rss_kib"] < 8 * 1024)))
    if s:
        add("| stripped binary < 256 KiB | %.1f KiB | %s |" % (
            s["stripped"] / 1024, verdict(s["stripped"] < 256 * 1024)))
    if not full:
        add("")
        add("(--quick sizes: the targets are meant for the full sizes.)")
    if any(k in res for k in ("keys", "dirs", "storm")):
        add("")
        add("## Production scale (issue 17)")
        add("")
        add(scale.table(res, full))
    return "\n".join(L) + "\n"


def machine_info():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    return {"cpu": "%s, %d CPUs, %s, kernel %s" % (
        cpu, os.cpu_count(), os.uname().machine, os.uname().release),
        "load_start": load}


def main():
    ap = argparse.ArgumentParser(description="tablesnap benchmark")
    ap.add_argument("--bin", required=True, help="floor and latency programs")
    ap.add_argument("--quick", action="store_true",
                    help="small sizes, one run each: to try the harness")
    ap.add_argument("--reps", type=int, help="runs per measurement")
    ap.add_argument("--only", help="sections to run, e.g. 1,3")
    ap.add_argument("--profile", action="store_true",
                    help="also perf record tablesnap in section 1")
    ap.add_argument("--rgw-dir", help="reuse the radosgw test/rgw.sh "
                    "started in this directory (left running)")
    ap.add_argument("--out", default=os.environ.get(
        "BENCH_OUT", "/tmp/tablesnap-bench-results.md"),
        help="where the Markdown table goes")
    args = ap.parse_args()
    sz = dict(SIZES["quick" if args.quick else "full"])
    if args.reps:
        sz["reps"] = args.reps
    only = set(int(x) for x in args.only.split(",")) if args.only else \
        set(range(1, 11))
    for tool in (TABLESNAP, GNU_TIME, AWS):
        if not os.access(tool, os.X_OK):
            sys.exit("bench: %s is missing (make deps, make tablesnap)" % tool)
    for tool in ("curl", "rclone", "nginx", "radosgw-admin", "ceph"):
        if shutil.which(tool) is None:
            sys.exit("bench: %s is missing (make bench installs it)" % tool)

    machine = machine_info()
    work = tempfile.mkdtemp(prefix="tablesnap-bench.", dir="/tmp")
    # Data and the sink's store on tmpfs: no disk in the client's numbers.
    data = tempfile.mkdtemp(prefix="tablesnap-bench.", dir="/dev/shm")
    os.chmod(data, 0o755)       # the sink's workers run as nobody
    for name, text in (("aws-config", "[default]\n"),
                       ("aws-config-single", "[default]\ns3 =\n"
                        "    multipart_threshold = 6GB\n"),
                       ("aws-none", ""), ("rclone.conf", "")):
        with open(os.path.join(work, name), "w") as f:
            f.write(text)
    b = Bench(args, sz, work, data, args.bin)

    def on_signal(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    status = 0
    try:
        if args.rgw_dir:
            b.rgw = Radosgw(os.path.abspath(args.rgw_dir), reuse=True)
        else:
            b.rgw = Radosgw(os.path.join(work, "rgw"), reuse=False)
        if 1 in only:
            b.sink = Sink(os.path.join(work, "nginx"),
                          os.path.join(data, "sink"),
                          os.path.join(b.rgw.dir, "tls", "server.pem"),
                          os.path.join(b.rgw.dir, "tls", "server.key"))
        # One untimed run of each client first: caches, Python imports.
        warm = os.path.join(data, "warm")
        make_small(warm, 3, 1000)
        for cmd, env in ((b.tablesnap(b.rgw.url, "warm/", [warm]), b.env()),
                         (b.aws(b.rgw.url, "cp", "--recursive", warm,
                                "s3://%s/warm/" % BUCKET), b.env()),
                         (b.rclone(b.rgw.url, warm, "warm"),
                          b.rclone_env(b.rgw.url))):
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        b.rgw.delete_prefix("warm")
        for n in sorted(only):
            getattr(b, "section%d" % n)()
    except BenchError as e:
        log("FAILED: %s" % e)
        status = 1
    except KeyboardInterrupt:
        log("interrupted")
        status = 130
    finally:
        if b.sink:
            b.sink.stop()
        if b.rgw:
            b.rgw.stop()
        shutil.rmtree(data, ignore_errors=True)
    with open("/proc/loadavg") as f:
        machine["load_end"] = " ".join(f.read().split()[:3])
    text = table(b.results, sz, machine)
    if b.notes:
        text += "\n" + "\n".join("Note: " + n for n in b.notes) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump({"machine": machine, "sizes": sz, "results": b.results},
                  f, indent=1)
    print(text)
    log("table in %s (raw numbers beside it, .json)%s" % (
        args.out, "" if status == 0 else "; logs kept in " + work))
    if status == 0:
        shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
