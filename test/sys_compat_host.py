"""Drop-in compatibility (issue 13): the default host name in the keys is
Python's socket.getfqdn(), empty credential options are "not given", and
--once exits 1 when a file cannot be stored."""
import os
import shutil
import subprocess

from systest import BIN, check, check_no_sanitizer_report, test, write

PYTHON = "/usr/bin/python3"
GETFQDN = "import socket; print(socket.getfqdn())"


def args_without_name(ctx):
    return [BIN, "--endpoint", ctx.env["RGW_HTTPS_URL"], "--ca-file",
            ctx.env["RGW_CA"]]


def host_of(ctx, path):
    """The host part of the one key stored for path (checked with boto3)."""
    keys = [k for k in ctx.keys() if k.endswith(":" + path)]
    check(len(keys) == 1, "keys for %s: %r (all: %r)" % (path, keys,
                                                          ctx.keys()))
    return keys[0][:-len(":" + path)]


@test
def default_name_is_pythons_getfqdn(ctx):
    path = os.path.join(ctx.dir, "ks-cf-ka-1-Data.db")
    write(path, b"x" * 100)
    p = subprocess.run(args_without_name(ctx) + ["--once", ctx.bucket,
                                                 ctx.dir],
                       capture_output=True, env=ctx.run_env(), timeout=120)
    err = p.stderr.decode(errors="replace")
    check_no_sanitizer_report(err, "tablesnap's stderr")
    check(p.returncode == 0, "--once exit %d: %s" % (p.returncode, err))
    want = subprocess.run([PYTHON, "-c", GETFQDN], capture_output=True,
                          check=True, text=True).stdout.strip()
    got = host_of(ctx, path)
    check(got == want, "host part %r, Python's getfqdn() %r" % (got, want))


# (hosts file, hostname, what the original wrote): each run in a private
# mount and UTS namespace, so the real /etc/hosts and host name stay.
HOSTS_CASES = [
    ("127.0.0.1 localhost myhost\n", "myhost", "localhost"),
    ("127.0.0.1 localhost\n127.0.1.1 myhost.example.com myhost\n", "myhost",
     "myhost.example.com"),
    ("127.0.0.1 localhost\n127.0.1.1 myhost myhost.example.com\n", "myhost",
     "myhost.example.com"),
    ("127.0.0.1 localhost\n127.0.1.1 myhost\n", "myhost", "myhost"),
]

# In the namespace: set the name, bind the crafted file over /etc/hosts
# (private propagation: unshare's default), write getfqdn() to $3, run
# tablesnap.
NS_SCRIPT = ('hostname "$1" && mount --bind "$2" /etc/hosts && '
             '"$PYTHON" -c "$GETFQDN" > "$3" && shift 3 && exec "$@"')


@test
def default_name_from_crafted_hosts_files(ctx):
    probe = subprocess.run(["unshare", "-m", "-u", "true"],
                           capture_output=True)
    if probe.returncode != 0:
        print("  unshare -m -u not permitted here (%s): crafted hosts "
              "files covered by the unit table only" %
              probe.stderr.decode(errors="replace").strip())
        return
    real = open("/etc/hosts", "rb").read()
    for i, (text, hostname, want) in enumerate(HOSTS_CASES):
        d = os.path.join(ctx.tmp, "case%d" % i)
        os.makedirs(d)
        path = os.path.join(d, "ks-cf-ka-%d-Data.db" % i)
        write(path, b"%d" % i)
        hosts = os.path.join(ctx.tmp, "hosts%d" % i)
        write(hosts, text.encode())
        pyout = os.path.join(ctx.tmp, "getfqdn%d" % i)
        env = ctx.run_env({"PYTHON": PYTHON, "GETFQDN": GETFQDN})
        p = subprocess.run(
            ["unshare", "-m", "-u", "sh", "-c", NS_SCRIPT, "sh", hostname,
             hosts, pyout] + args_without_name(ctx) + ["--once", ctx.bucket,
                                                        d],
            capture_output=True, env=env, timeout=120)
        err = p.stderr.decode(errors="replace")
        check_no_sanitizer_report(err, "tablesnap's stderr")
        check(p.returncode == 0, "case %d: exit %d: %s" % (i, p.returncode,
                                                          err))
        python = open(pyout).read().strip()
        got = host_of(ctx, path)
        check(python == want, "case %d: Python's getfqdn() says %r, the "
              "test expects %r" % (i, python, want))
        check(got == want, "case %d (%r): host part %r, want %r" %
              (i, text, got, want))
    check(open("/etc/hosts", "rb").read() == real, "/etc/hosts changed")


def tool(ctx, prog, *args):
    link = os.path.join(ctx.tmp, prog)
    if not os.path.lexists(link):
        os.symlink(BIN, link)
    argv = [link, "--endpoint", ctx.env["RGW_HTTPS_URL"], "--ca-file",
            ctx.env["RGW_CA"], "-n", "testhost"] + list(args)
    p = subprocess.run(argv, capture_output=True, env=ctx.run_env(),
                       timeout=120)
    err = p.stderr.decode(errors="replace")
    check_no_sanitizer_report(err, "the stderr of %r" % argv)
    return p.returncode, err


@test
def empty_credential_options_mean_not_given(ctx):
    # /etc/default/tablesnap lines of the original: -k "" -s "" with the
    # keys in the environment.
    path = os.path.join(ctx.dir, "ks-cf-ka-1-Data.db")
    write(path, b"data" * 100)
    rc, out, err = ctx.run("--once", "-k", "", "-s", "", "--aws-token", "")
    check(rc == 0, "tablesnap -k '' -s '' exit %d: %s" % (rc, err))
    check(ctx.get(ctx.key(path)) == b"data" * 100, "not stored")
    target = os.path.join(ctx.tmp, "restored")
    rc, err = tool(ctx, "tableslurp", "-k", "", "-s", "", "--token", "",
                   ctx.bucket, ctx.dir, target)
    check(rc == 0, "tableslurp -k '' -s '' --token '' exit %d: %s" %
          (rc, err))
    got = os.path.join(target, os.path.basename(path))
    check(open(got, "rb").read() == b"data" * 100, "restored file differs")
    rc, err = tool(ctx, "tablechop", "--aws-key", "", "--aws-secret", "",
                   "--token", "", ctx.bucket, ctx.dir, "1")
    check(rc == 0, "tablechop with empty keys exit %d: %s" % (rc, err))


@test
def once_exits_1_for_a_file_it_cannot_store(ctx):
    good = os.path.join(ctx.dir, "ks-cf-ka-1-Data.db")
    write(good, b"g" * 100)
    bad = os.path.join(ctx.dir.encode(), b"ks-cf-ka-2-\xff-Data.db")
    with open(bad, "wb") as f:
        f.write(b"b" * 100)
    rc, out, err = ctx.run("--once")
    check(rc == 1, "--once with a non-UTF-8 name: exit %d, want 1: %s" %
          (rc, err))
    check("Done: 1 uploaded, 0 already there, 0 gone, 1 refused, 0 failed"
          in err, "the Done line does not count it: %s" % err)
    check(ctx.get(ctx.key(good)) == b"g" * 100, "the good file not stored")
    # Without it, a clean pass: exit 0.
    os.unlink(bad)
    rc, out, err = ctx.run("--once")
    check(rc == 0, "clean --once: exit %d: %s" % (rc, err))
    check("Done: 0 uploaded, 1 already there, 0 gone, 0 refused, 0 failed"
          in err, "clean Done line: %s" % err)
