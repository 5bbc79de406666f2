"""Operations tests (issue 7): readiness over NOTIFY_SOCKET, `make install`,
--version, the LSB init script against a test prefix, and the lint of the
man pages, the shell scripts and the systemd unit."""
import ctypes
import os
import re
import shutil
import socket
import stat
import subprocess
import threading

from systest import BIN, NAME, ROOT, Failure, check, move_in, test, write

CONTRIB = os.path.join(ROOT, "contrib")
MANS = ["tablesnap.1", "tableslurp.1", "tablechop.1", "tableverify.1"]
SCRIPTS = ["contrib/tablesnap.init", "contrib/tablesnap.openrc",
           "contrib/default", "contrib/runit/run", "contrib/runit/log/run",
           "contrib/tableverify-daily"]
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
PR_SET_CHILD_SUBREAPER = 36


def version():
    with open(os.path.join(ROOT, "version.h")) as f:
        m = re.search(r'TABLESNAP_VERSION\s+"([^"]+)"', f.read())
    check(m is not None, "no TABLESNAP_VERSION in version.h")
    return m.group(1)


def notify_listener(address):
    """A datagram socket as systemd's, passing the sender's credentials."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    s.bind(address)
    return s


def receive(sock, what, gone=None):
    """One message and the pid of its sender (SCM_CREDENTIALS). gone() says
    why none can come any more (tablesnap exited...), or None."""
    sock.settimeout(0.2)
    for _ in range(300):    # a bound on a hang, not a measured time
        try:
            data, anc, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(12))
            break
        except socket.timeout:
            why = gone() if gone is not None else None
            if why:
                raise Failure("no %s message: %s" % (what, why))
    else:
        raise Failure("no %s message on NOTIFY_SOCKET" % what)
    pid = None
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = int.from_bytes(payload[:4], "little")
    return data, pid


def readiness(ctx, address, env_value, ndirs=0):
    # Many directories make setting the watches take a while, so that a
    # READY=1 sent before they exist would be caught here (with them all
    # in place first, the check below never fails).
    for i in range(ndirs):
        os.makedirs(os.path.join(ctx.dir, "k%02d" % (i // 50),
                                 "t%02d" % (i % 50)))
    total = 1 + ndirs + (ndirs + 49) // 50
    sock = notify_listener(address)
    try:
        proc = ctx.start(*(["-r"] if ndirs else []),
                         env={"NOTIFY_SOCKET": env_value}, wait=None)
        data, pid = receive(sock, "READY=1", lambda: (
            "NOTIFY_SOCKET: " in ctx.logtext() or proc.poll() is not None)
            and "log:\n" + ctx.logtext())
        # Sent only after the watches exist: the log line is already there.
        check("Watching %d directories" % total in ctx.logtext(),
              "READY=1 came before the watches were set; log:\n%s" %
              ctx.logtext())
        check(data == b"READY=1", "first message %r, not READY=1" % data)
        check(pid == proc.pid, "READY=1 from pid %r, not the main pid %d" %
              (pid, proc.pid))
        # Ready means watching: a file moved in now is uploaded.
        path = move_in(ctx, "a-Index.db", b"ready" * 100)
        ctx.assert_stored(path)
        check(ctx.stop() == 0, "exit status after SIGTERM is not 0")
        data, pid = receive(sock, "STOPPING=1")
        check(data == b"STOPPING=1", "second message %r, not STOPPING=1" %
              data)
        check(pid == proc.pid, "STOPPING=1 not from the main pid")
        sock.setblocking(False)
        try:
            extra = sock.recv(4096)
        except BlockingIOError:
            extra = None
        check(extra is None, "unexpected third message %r" % extra)
    finally:
        sock.close()


@test
def notify_socket_readiness_after_watches(ctx):
    path = os.path.join(ctx.tmp, "notify.sock")
    readiness(ctx, path, path, ndirs=2000)


@test
def notify_socket_abstract_name(ctx):
    # An abstract name is all of its length: a wrong address length would
    # name another socket and the send would fail with ECONNREFUSED.
    name = "tablesnap-test-%d-%s" % (os.getpid(), ctx.bucket)
    readiness(ctx, "\0" + name, "@" + name)


@test
def notify_socket_unreachable_is_only_a_warning(ctx):
    ctx.start(env={"NOTIFY_SOCKET": os.path.join(ctx.tmp, "nobody.sock")})
    ctx.wait_log("NOTIFY_SOCKET: ")
    path = move_in(ctx, "b-Index.db", b"x" * 1000)
    ctx.assert_stored(path)


@test
def version_option_prints_the_version(ctx):
    p = subprocess.run([BIN, "--version"], capture_output=True, timeout=30)
    check(p.returncode == 0, "--version exited %d" % p.returncode)
    check(p.stdout == ("tablesnap %s\n" % version()).encode(),
          "--version printed %r" % p.stdout)


def make(*args):
    # -o tablesnap: install what was built and is under test; never rebuild
    # it in the middle of a test run.
    p = subprocess.run(["make", "-s", "-C", ROOT, "-o", "tablesnap"] +
                       list(args), capture_output=True, timeout=120)
    check(p.returncode == 0, "make %s failed:\n%s%s" % (
        " ".join(args), p.stdout.decode(errors="replace"),
        p.stderr.decode(errors="replace")))


def tree(root):
    """Every file and link under root, relative, with its link target."""
    out = {}
    for d, dirs, files in os.walk(root):
        for name in files + [x for x in dirs
                             if os.path.islink(os.path.join(d, x))]:
            full = os.path.join(d, name)
            rel = os.path.relpath(full, root)
            out[rel] = os.readlink(full) if os.path.islink(full) else None
    return out


@test
def make_install_into_destdir(ctx):
    dest = os.path.join(ctx.tmp, "root")
    make("install", "DESTDIR=" + dest, "PREFIX=/usr")
    want = {"usr/bin/tablesnap": None, "usr/bin/tableslurp": "tablesnap",
            "usr/bin/tablechop": "tablesnap",
            "usr/bin/tableverify": "tablesnap"}
    want.update(("usr/share/man/man1/" + m, None) for m in MANS)
    got = tree(dest)
    check(got == want, "installed %r, expected %r" % (got, want))
    binary = os.path.join(dest, "usr/bin/tablesnap")
    check(stat.S_IMODE(os.stat(binary).st_mode) == 0o755,
          "binary mode %o" % os.stat(binary).st_mode)
    with open(binary, "rb") as a, open(BIN, "rb") as b:
        check(a.read() == b.read(), "installed binary differs from ./tablesnap")
    for m in MANS:
        page = os.path.join(dest, "usr/share/man/man1", m)
        check(stat.S_IMODE(os.stat(page).st_mode) == 0o644,
              "%s mode %o" % (m, os.stat(page).st_mode))
    p = subprocess.run([binary, "--version"], capture_output=True,
                       timeout=30)
    check(p.returncode == 0 and version().encode() in p.stdout,
          "installed tablesnap --version: %r" % p.stdout)
    # The default prefix, and uninstall leaving nothing behind.
    local = os.path.join(ctx.tmp, "local")
    make("install", "DESTDIR=" + local)
    check("usr/local/bin/tablesnap" in tree(local),
          "PREFIX does not default to /usr/local: %r" % tree(local))
    make("uninstall", "DESTDIR=" + dest, "PREFIX=/usr")
    check(tree(dest) == {}, "left after uninstall: %r" % tree(dest))


class Reaper:
    """Makes this process the reaper of orphans for a while: the daemon that
    start-stop-daemon backgrounds is re-parented here instead of to PID 1,
    which in containers may never reap it, leaving a zombie that
    start-stop-daemon --stop would wait on as if it were still running."""

    def __init__(self):
        self.libc = ctypes.CDLL(None, use_errno=True)
        check(self.libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0,
              "prctl(PR_SET_CHILD_SUBREAPER)")
        self.threads = []

    def reap(self, pid):
        def wait():
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass    # not ours: PID 1 reaps it
        t = threading.Thread(target=wait, daemon=True)
        t.start()
        self.threads.append(t)

    def close(self):
        self.libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@test
def lsb_init_script_start_status_stop(ctx):
    etc = os.path.join(ctx.tmp, "etc")
    os.makedirs(os.path.join(etc, "default"))
    os.makedirs(os.path.join(ctx.tmp, "run"))
    pidfile = os.path.join(ctx.tmp, "run", "tablesnap.pid")
    defaults = os.path.join(etc, "default", "tablesnap")
    # The recommended set-up: credentials as plain assignments in the
    # defaults file, which the script must export; none in the environment.
    write(defaults, (
        "RUN=yes\n"
        'DAEMON_OPTS="--endpoint %s --ca-file %s -n %s %s %s"\n'
        "AWS_ACCESS_KEY_ID=%s\n"
        "AWS_SECRET_ACCESS_KEY=%s\n" % (
            ctx.env["RGW_HTTPS_URL"], ctx.env["RGW_CA"], NAME, ctx.bucket,
            ctx.dir, ctx.env["AWS_ACCESS_KEY_ID"],
            ctx.env["AWS_SECRET_ACCESS_KEY"])).encode())
    sockpath = os.path.join(ctx.tmp, "notify.sock")
    env = {"PATH": SYSTEM_PATH, "TABLESNAP_DAEMON": BIN,
           "TABLESNAP_PIDFILE": pidfile, "TABLESNAP_DEFAULTS": defaults,
           "NOTIFY_SOCKET": sockpath}
    script = os.path.join(CONTRIB, "tablesnap.init")
    write(ctx.logpath, b"")     # the daemon's output goes nowhere

    def init(cmd):
        p = subprocess.run(["/bin/sh", script, cmd], capture_output=True,
                           env=env, timeout=90)
        return p.returncode, (p.stdout + p.stderr).decode(errors="replace")

    sock = notify_listener(sockpath)
    reaper = Reaper()
    pid = None
    try:
        rc, out = init("start")
        check(rc == 0, "start exited %d: %s" % (rc, out))
        check(os.path.exists(pidfile), "no pid file after start: %s" % out)
        with open(pidfile) as f:
            pid = int(f.read().strip())
        reaper.reap(pid)
        # Readiness tells when the watches exist (no log to read here), and
        # that the pid file's process has become tablesnap: the pid file is
        # written by start-stop-daemon's child before it executes tablesnap.
        data, sender = receive(sock, "READY=1", lambda: not alive(pid) and
                               "tablesnap exited (run it by hand: %s)" % out)
        check(data == b"READY=1" and sender == pid,
              "readiness %r from %r, not from the pid file's %d" % (
                  data, sender, pid))
        # argv[0], not /proc/PID/exe: a rebuild of ./tablesnap during the run
        # would show the latter as "(deleted)".
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv0 = f.read().split(b"\0")[0].decode()
        check(alive(pid) and argv0 == BIN,
              "the pid file names another process (%r)" % argv0)
        rc, out = init("status")
        check(rc == 0 and "is running" in out,
              "status exited %d: %r" % (rc, out))
        # A second start finds it running and starts nothing more.
        rc, out = init("start")
        check(rc == 0, "second start exited %d: %s" % (rc, out))
        with open(pidfile) as f:
            check(int(f.read().strip()) == pid, "second start replaced the "
                  "pid file")
        # restart: the old one has exited before the new one starts.
        rc, out = init("restart")
        check(rc == 0, "restart exited %d: %s" % (rc, out))
        check(not alive(pid), "the old tablesnap survived restart")
        with open(pidfile) as f:
            pid = int(f.read().strip())
        reaper.reap(pid)
        data, sender = receive(sock, "STOPPING=1")
        check(data == b"STOPPING=1", "restart: %r, not STOPPING=1" % data)
        data, sender = receive(sock, "READY=1", lambda: not alive(pid) and
                               "tablesnap exited after restart")
        check(data == b"READY=1" and sender == pid,
              "after restart, %r from %r, not from %d" % (data, sender, pid))
        path = move_in(ctx, "ks-cf-ka-1-Index.db", os.urandom(20000))
        ctx.wait_object(ctx.key(path))
        with open(path, "rb") as f:
            check(ctx.get(ctx.key(path)) == f.read(), "stored object differs")
        rc, out = init("stop")
        check(rc == 0, "stop exited %d: %s" % (rc, out))
        check(not os.path.exists(pidfile), "pid file left after stop")
        check(not alive(pid), "tablesnap still running after stop")
        rc, out = init("status")
        check(rc == 3, "status after stop exited %d, not 3: %r" % (rc, out))
        # RUN=no: nothing starts, with the original's message.
        write(defaults, b"RUN=no\n")
        rc, out = init("start")
        check(rc == 0 and "Set RUN=yes in /etc/default/tablesnap" in out and
              not os.path.exists(pidfile), "RUN=no: %d %r" % (rc, out))
        write(defaults, b"RUN=yes\n")
        rc, out = init("bogus")
        check(rc == 1 and "Usage: /etc/init.d/tablesnap "
              "{start|stop|restart|status}" in out, "usage: %d %r" % (rc, out))
    finally:
        if pid is not None and alive(pid):
            os.kill(pid, 9)
        reaper.close()
        sock.close()


@test
def man_pages_are_lint_clean(ctx):
    check(shutil.which("mandoc") is not None, "mandoc missing (make deps)")
    for m in MANS:
        path = os.path.join(ROOT, m)
        check(os.path.exists(path), "no %s" % m)
        p = subprocess.run(["mandoc", "-T", "lint", "-W", "style", path],
                           capture_output=True, timeout=30)
        # Pages not installed on this machine cannot be found: not a defect.
        msgs = [x for x in (p.stdout + p.stderr).decode().splitlines()
                if "referenced manual not found" not in x and
                "outdated mandoc.db" not in x]
        check(msgs == [], "mandoc -T lint %s:\n%s" % (m, "\n".join(msgs)))
        if shutil.which("man") is not None:
            p = subprocess.run(["man", "--warnings", "-l", path],
                               capture_output=True, timeout=30,
                               env={"PATH": SYSTEM_PATH, "MANWIDTH": "80",
                                    "MANPAGER": "cat", "LANG": "C.UTF-8"})
            check(p.returncode == 0 and p.stderr == b"" and
                  b"EXIT STATUS" in p.stdout, "man -l %s: %r" % (
                      m, p.stderr))


def help_options(prog):
    """The long options of PROG's --help (through a link of that name)."""
    link = BIN
    if prog != "tablesnap":
        link = os.path.join("/tmp", "%s-%d" % (prog, os.getpid()))
        os.makedirs(link)
        link = os.path.join(link, prog)
        os.symlink(BIN, link)
    try:
        p = subprocess.run([link, "--help"], capture_output=True, timeout=30)
    finally:
        if link != BIN:
            shutil.rmtree(os.path.dirname(link))
    text = p.stdout.decode(errors="replace")
    if p.returncode != 0 or ("usage: %s" % prog) not in text:
        return None
    return set(re.findall(r"(?<![\w-])--([a-z0-9][a-z0-9-]*)", text))


@test
def man_pages_document_every_option(ctx):
    for prog in ("tablesnap", "tableslurp", "tablechop", "tableverify"):
        opts = help_options(prog)
        if opts is None:
            check(prog != "tablesnap", "tablesnap --help failed")
            print("     (%s: no --help from the binary yet; not compared)" %
                  prog)
            continue
        with open(os.path.join(ROOT, prog + ".1")) as f:
            page = f.read()
        missing = sorted(o for o in opts
                         if not re.search(r"Fl Fl %s\b" % re.escape(o), page))
        check(missing == [], "%s.1 lacks --%s" % (prog, ", --".join(missing)))


@test
def shell_scripts_pass_shellcheck(ctx):
    check(shutil.which("shellcheck") is not None,
          "shellcheck missing (make deps)")
    scripts = SCRIPTS + sorted(
        os.path.relpath(os.path.join(ROOT, "test", f), ROOT)
        for f in os.listdir(os.path.join(ROOT, "test")) if f.endswith(".sh"))
    p = subprocess.run(["shellcheck"] + scripts, cwd=ROOT,
                       capture_output=True, timeout=120)
    check(p.returncode == 0, "shellcheck:\n%s" % p.stdout.decode())
    for s in SCRIPTS:
        if s != "contrib/default":
            check(os.access(os.path.join(ROOT, s), os.X_OK),
                  "%s is not executable" % s)


@test
def systemd_unit_verifies(ctx):
    unit = os.path.join(CONTRIB, "tablesnap.service")
    with open(unit) as f:
        text = f.read()
    for line in ("Type=notify", "EnvironmentFile=-/etc/default/tablesnap",
                 "ExecStart=/usr/bin/tablesnap $DAEMON_OPTS",
                 "NoNewPrivileges=yes", "ProtectSystem=strict",
                 "Restart=on-failure"):
        check(re.search("^%s$" % re.escape(line), text, re.M),
              "the unit lacks %s" % line)
    if shutil.which("systemd-analyze") is None:
        print("     (no systemd-analyze: unit not verified)")
        return
    p = subprocess.run(["systemd-analyze", "verify", "--man=no", unit],
                       capture_output=True, timeout=60)
    msgs = (p.stdout + p.stderr).decode().splitlines()
    # /usr/bin/tablesnap is where the unit expects it: not on a build host.
    if not os.access("/usr/bin/tablesnap", os.X_OK):
        msgs = [m for m in msgs if "Command /usr/bin/tablesnap is not "
                "executable" not in m]
    elif p.returncode != 0:
        msgs.append("exit status %d" % p.returncode)
    check(msgs == [], "systemd-analyze verify:\n%s" % "\n".join(msgs))
