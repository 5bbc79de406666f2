#!/usr/bin/python3
"""scale.py: the production-scale benchmarks of issue 17, against
bench/listserver.py (an S3 stand-in that makes its keys up, so a million
of them cost nothing to store), not radosgw:

7  -B and --once over DIRS x FILES files already in S3 (1,000 x 1,000):
   wall, client CPU, peak RSS, LIST requests;
8  10,000 watched directories: -r over a tree of them (start-up time, RSS,
   one file moved into each, all landed), and -r -a while they are made at
   1,000 a second with a file each (RSS, all landed);
9  a storm of 1,000,000 queued files: the queue's memory per file
   (bench/queuemem.c, queue.c as the product builds it).

Run by bench.py (make bench: sections 7, 8, 9) or alone:
    python3 bench/scale.py --bin DIR [--quick] [--only 7,8,9]
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TABLESNAP = os.path.join(os.path.dirname(HERE), "tablesnap")
NAME = "benchhost"
PORT = int(os.environ.get("BENCH_LIST_PORT", "7566"))
GNU_TIME = "/usr/bin/time"

SIZES = {"full": {"k_dirs": 1000, "k_files": 1000, "d_dirs": 10000,
                  "storm": 1000000},
         "quick": {"k_dirs": 50, "k_files": 1000, "d_dirs": 1000,
                   "storm": 100000}}


class ScaleError(Exception):
    pass


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


class ListServer:
    def __init__(self, root="", dirs=0, files=1000):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "listserver.py"), "--port",
             str(PORT), "--root", root, "--dirs", str(dirs), "--files",
             str(files)], stdout=subprocess.PIPE)
        if self.proc.stdout.readline().strip() != b"listening":
            raise ScaleError("listserver.py did not start")
        self.url = "http://127.0.0.1:%d" % PORT

    def stats(self):
        with urllib.request.urlopen(self.url + "/__stats", timeout=30) as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def env():
    return {"PATH": "/usr/bin:/bin", "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench", "HOME": "/nonexistent"}


def cmd(srv, *args):
    return [TABLESNAP, "--endpoint", srv.url, "-n", NAME] + list(args)


def proc_usage(pid):
    """CPU seconds (user + system) and peak RSS (KiB) of a live process."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with open("/proc/%d/status" % pid) as f:
        hwm = [int(line.split()[1]) for line in f
               if line.startswith("VmHWM:")][0]
    return cpu, hwm


class Daemon:
    """tablesnap in the background, its log in a file."""

    def __init__(self, args, logpath):
        self.logpath = logpath
        self.log = open(logpath, "wb")
        self.t0 = time.time()
        self.proc = subprocess.Popen(args, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env())

    def text(self):
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def wait_log(self, needle, timeout):
        end = time.time() + timeout
        while time.time() < end:
            if needle in self.text():
                return time.time() - self.t0
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise ScaleError("tablesnap never logged %r:\n%s" % (
            needle, self.text()[-2000:]))

    def stop(self):
        usage = proc_usage(self.proc.pid)
        self.proc.send_signal(signal.SIGTERM)
        if self.proc.wait(timeout=60) != 0:
            raise ScaleError("tablesnap exited %d:\n%s" % (
                self.proc.returncode, self.text()[-2000:]))
        self.log.close()
        return usage


def make_tree(root, dirs, files):
    for d in range(dirs):
        p = os.path.join(root, "d%04d" % d)
        os.makedirs(p)
        for i in range(files):
            os.close(os.open(os.path.join(p, "f%06d-Data.db" % i),
                             os.O_CREAT | os.O_WRONLY, 0o644))


# ---- 7: a million keys ----

def section7(data, sz):
    dirs, files = sz["k_dirs"], sz["k_files"]
    n = dirs * files
    tree = os.path.join(data, "keys")
    log("section 7: making %d empty files in %d directories" % (n, dirs))
    make_tree(tree, dirs, files)
    srv = ListServer(NAME + ":" + tree, dirs, files)
    res = {"files": n, "dirs": dirs}
    try:
        before = srv.stats()["stats"].get("list", 0)
        p = subprocess.run([GNU_TIME, "-f", "%e %U %S %M"] +
                           cmd(srv, "--once", "-r", "bench", tree),
                           capture_output=True, text=True, env=env())
        wall, user, sys_, rss = p.stderr.strip().splitlines()[-1].split()
        if p.returncode != 0 or "Done: 0 uploaded, %d already there" % n \
                not in p.stderr:
            raise ScaleError("--once did not find the %d files in S3:\n%s"
                             % (n, p.stderr[-2000:]))
        after = srv.stats()["stats"].get("list", 0)
        res["once"] = {"wall": float(wall), "cpu": float(user) +
                       float(sys_), "rss_kib": int(rss),
                       "lists": after - before}
        log("7 --once: %r" % res["once"])
        before = after
        d = Daemon(cmd(srv, "-B", "-r", "bench", tree),
                   os.path.join(data, "keys-B.log"))
        wall = d.wait_log("Start-up scan done: %d files scanned, 0 queued, "
                          "%d already in S3" % (n, n), 600)
        cpu, rss = d.stop()
        res["backup"] = {"wall": wall, "cpu": cpu, "rss_kib": rss,
                         "lists": srv.stats()["stats"].get("list", 0) -
                         before}
        log("7 -B: %r" % res["backup"])
    finally:
        srv.stop()
        shutil.rmtree(tree, ignore_errors=True)
    return res


# ---- 8: ten thousand directories ----

def dir_names(n):
    """n directories: tables of 1 + 9 (a table, its backups/ and
    snapshots of it)."""
    out = []
    for t in range((n + 9) // 10):
        out.append("t%04d" % t)
        out.append("t%04d/backups" % t)
        out += ["t%04d/snapshots-%d" % (t, s) for s in range(8)]
    return out[:n]


def wait_landed(srv, keys, timeout):
    end = time.time() + timeout
    while time.time() < end:
        got = set(srv.stats()["put"])
        if keys <= got:
            return
        time.sleep(0.5)
    raise ScaleError("%d of %d files never landed" % (len(keys - got),
                                                      len(keys)))


def move_in(root, outside, rel, i):
    tmp = os.path.join(outside, "f%d" % i)
    with open(tmp, "wb") as f:
        f.write(b"%d\n" % i)
    dst = os.path.join(root, rel, "nb-%d-big-Index.db" % i)
    os.rename(tmp, dst)
    return dst


def section8(data, sz):
    n = sz["d_dirs"]
    names = dir_names(n)
    root = os.path.join(data, "dirs")
    outside = os.path.join(data, "outside")
    os.makedirs(outside)
    res = {"dirs": n}
    srv = ListServer()
    try:
        # -r over the tree made beforehand.
        for rel in names:
            os.makedirs(os.path.join(root, rel))
        log("section 8: -r over %d directories" % n)
        d = Daemon(cmd(srv, "-r", "--without-index", "bench", root),
                   os.path.join(data, "dirs-r.log"))
        start = d.wait_log("Watching %d directories" % (n + 1), 120)
        cpu0, rss0 = proc_usage(d.proc.pid)
        t0 = time.time()
        keys = set(NAME + ":" + move_in(root, outside, rel, i)
                   for i, rel in enumerate(names))
        wait_landed(srv, keys, 600)
        landed = time.time() - t0
        cpu, rss = d.stop()
        res["r"] = {"startup": start, "startup_rss_kib": rss0,
                    "startup_cpu": cpu0, "rss_kib": rss, "cpu": cpu,
                    "landed": len(keys), "land_wall": landed}
        log("8 -r: %r" % res["r"])
        shutil.rmtree(root)
        # -r -a while the directories are made, 1,000 a second.
        os.makedirs(root)
        log("section 8: -r -a while %d directories are made" % n)
        d = Daemon(cmd(srv, "-r", "-a", "--without-index", "bench", root),
                   os.path.join(data, "dirs-a.log"))
        d.wait_log("Watching 1 directories", 60)
        t0 = time.time()
        keys = set()
        for i, rel in enumerate(names):
            os.makedirs(os.path.join(root, rel))
            keys.add(NAME + ":" + move_in(root, outside, rel, n + i))
            ahead = t0 + (i + 1) / 1000.0 - time.time()
            if ahead > 0:
                time.sleep(ahead)
        made = time.time() - t0
        wait_landed(srv, keys, 600)
        landed = time.time() - t0
        cpu, rss = d.stop()
        res["a"] = {"make_wall": made, "land_wall": landed, "rss_kib": rss,
                    "cpu": cpu, "landed": len(keys)}
        log("8 -a: %r" % res["a"])
    finally:
        srv.stop()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(outside, ignore_errors=True)
    return res


# ---- 9: a storm of queued files ----

def section9(bindir, sz):
    p = subprocess.run([os.path.join(bindir, "queuemem"), str(sz["storm"])],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise ScaleError("queuemem failed: %s" % p.stderr)
    f = p.stdout.split()
    res = dict((f[i], float(f[i + 1])) for i in range(0, len(f), 2))
    log("9 storm: %r" % res)
    return res


# ---- the table ----

def table(res, full=True):
    L = []
    add = L.append
    k, d, s = res.get("keys"), res.get("dirs"), res.get("storm")
    if k:
        add("### 7. -B and --once over %d files already in S3 (%d "
            "directories; bench/listserver.py)" % (k["files"], k["dirs"]))
        add("")
        add("| run | wall s | client CPU s | peak RSS MiB | LIST requests |")
        add("|---|---|---|---|---|")
        for what, r in (("--once -r", k["once"]), ("-B -r (to the end of "
                                                    "the scan)", k["backup"])):
            add("| %s | %.2f | %.2f | %.2f | %d |" % (
                what, r["wall"], r["cpu"], r["rss_kib"] / 1024, r["lists"]))
        add("")
    if d:
        add("### 8. %d watched directories (bench/listserver.py)" % d["dirs"])
        add("")
        r, a = d["r"], d["a"]
        add("- -r over the tree: watching after %.2f s (CPU %.2f s, RSS "
            "%.2f MiB); one file moved into each directory: all %d landed "
            "in %.1f s; peak RSS %.2f MiB." % (
                r["startup"], r["startup_cpu"], r["startup_rss_kib"] / 1024,
                r["landed"], r["land_wall"], r["rss_kib"] / 1024))
        add("- -r -a while they are made (%.1f s for all, a file each): all "
            "%d landed %.1f s after the first was made; peak RSS %.2f MiB, "
            "CPU %.2f s." % (a["make_wall"], a["landed"], a["land_wall"],
                             a["rss_kib"] / 1024, a["cpu"]))
        add("")
    if s:
        add("### 9. A storm of %d queued files" % s["files"])
        add("")
        add("Queue memory (RSS growth of bench/queuemem.c, musl static): "
            "%.1f bytes a file, of which %.1f beyond the path's own bytes."
            % (s["per_file"], s["per_file_beyond_path"]))
        add("")
    add("| target (issue 17) | measured | met |")
    add("|---|---|---|")
    if k:
        for what, r in (("--once", k["once"]), ("-B", k["backup"])):
            limit = k["files"] // 1000 + k["dirs"] + 1
            add("| %s over %d keys: RSS < 16 MiB, wall < 60 s, CPU < 10 s, "
                "LISTs <= %d | %.2f MiB, %.2f s, %.2f s, %d | %s |" % (
                    what, k["files"], limit, r["rss_kib"] / 1024, r["wall"],
                    r["cpu"], r["lists"], yes(r["rss_kib"] < 16 * 1024 and
                                              r["wall"] < 60 and
                                              r["cpu"] < 10 and
                                              r["lists"] <= limit)))
    if d:
        r, a = d["r"], d["a"]
        add("| %d directories: start-up < 5 s, RSS < 16 MiB, all landed | "
            "%.2f s; %.2f / %.2f MiB; %d + %d | %s |" % (
                d["dirs"], r["startup"], r["rss_kib"] / 1024,
                a["rss_kib"] / 1024, r["landed"], a["landed"],
                yes(r["startup"] < 5 and max(r["rss_kib"], a["rss_kib"]) <
                    16 * 1024)))
    if s:
        add("| storm: < 64 bytes a file plus its path | %.1f | %s |" % (
            s["per_file_beyond_path"], yes(s["per_file_beyond_path"] < 64)))
    if not full:
        add("")
        add("(--quick sizes: the targets are meant for the full sizes.)")
    return "\n".join(L) + "\n"


def yes(ok):
    return "yes" if ok else "NO"


def run(only, bindir, data, quick):
    """Sections of only (7, 8, 9); their results."""
    sz = SIZES["quick" if quick else "full"]
    res = {}
    if 7 in only:
        res["keys"] = section7(data, sz)
    if 8 in only:
        res["dirs"] = section8(data, sz)
    if 9 in only:
        res["storm"] = section9(bindir, sz)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="where queuemem is")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="7,8,9")
    a = ap.parse_args()
    data = tempfile.mkdtemp(prefix="tablesnap-scale.", dir="/dev/shm")
    try:
        res = run(set(int(x) for x in a.only.split(",")), a.bin, data,
                  a.quick)
    except ScaleError as e:
        log("FAILED: %s" % e)
        return 1
    finally:
        shutil.rmtree(data, ignore_errors=True)
    print(table(res, not a.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
