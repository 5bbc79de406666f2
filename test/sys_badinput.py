"""Bad inputs (issue: fuzzing and bad input): every row of
test/bad_inputs.tsv run against the real binary, one test per kind. A row
fails when the exit status or the message differs, when tablesnap dies of a
signal, hangs, or a sanitizer reports; all failing rows of a kind are
listed together."""
import itertools
import json
import os
import shutil
import subprocess

from badserver import BadServer
from systest import (BIN, HERE, NAME, Failure, check_no_sanitizer_report,
                     test, write)

TABLE = os.path.join(HERE, "bad_inputs.tsv")
KINDS = ("option", "env", "path", "name", "server", "listing", "verify")
TIMEOUT = 60        # a run that takes longer has hung
NOBODY = 65534


def rows(kind):
    """The rows of one kind: (input, exit, message, why)."""
    out = []
    with open(TABLE, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 5 or cols[0] not in KINDS:
                raise Failure("%s:%d: not a row: %r" % (TABLE, n, line))
            if cols[0] == kind:
                out.append((json.loads(cols[1]), int(cols[2]), cols[3],
                            "%s:%d %s" % (os.path.basename(TABLE), n,
                                          cols[4])))
    if not out:
        raise Failure("no %s rows in %s" % (kind, TABLE))
    return out


def subst(s, names):
    for k, v in names.items():
        s = s.replace("{%s}" % k, v)
    return s


def log_escape(text):
    """A path as log.c writes it: control bytes as \\xNN."""
    return "".join("\\x%02x" % ord(c) if ord(c) < 0x20 or ord(c) == 0x7f
                   else c for c in text)


def error_lines(text):
    return [ln for ln in text.splitlines()
            if " CRITICAL " in ln or " ERROR " in ln]


def judge(ctx, args, env, want_exit, message, why, preexec=None):
    """Runs one bad input to its exit; returns None or what went wrong."""
    try:
        p = subprocess.run(args, capture_output=True, env=env,
                           timeout=TIMEOUT, preexec_fn=preexec)
    except subprocess.TimeoutExpired:
        return "%s: still running after %d s (hung)" % (why, TIMEOUT)
    out = p.stdout.decode(errors="replace")
    err = p.stderr.decode(errors="replace")
    try:
        check_no_sanitizer_report(err, why)
    except Failure as e:
        return str(e)
    what = "%s: %r exit %d\n%s" % (why, args[1:], p.returncode, err[-2000:])
    if p.returncode != want_exit:
        return "want exit %d; %s" % (want_exit, what)
    if message not in err:
        return "want %r in stderr; %s" % (message, what)
    if ctx.env["AWS_SECRET_ACCESS_KEY"] in out + err:
        return "the secret key is in the output; %s" % what
    if want_exit == 2:
        if "usage:" not in err or "error:" not in err or out:
            return "no usage message; %s" % what
    elif want_exit == 1:
        lines = error_lines(err)
        if len(lines) != 1 or message not in lines[0]:
            return "want one error line with %r; %s" % (message, what)
    return None


def report(bad, n):
    if bad:
        raise Failure("%d of %d rows failed:\n\n%s" % (
            len(bad), n, "\n\n".join(bad)))


@test
def badinput_options(ctx):
    names = {"bucket": ctx.bucket, "dir": ctx.dir, "tmp": ctx.tmp,
             "secret": ctx.env["AWS_SECRET_ACCESS_KEY"]}
    bad, table = [], rows("option")
    for words, code, message, why in table:
        args = ctx.args(http=True)
        if not any("{bucket}" in w or "{dir}" in w or w == "{none}"
                   for w in words):
            args += [ctx.bucket, ctx.dir]
        words = [subst(w, names) for w in words if w != "{none}"]
        res = judge(ctx, args + words, ctx.run_env(), code,
                    subst(message, names), why)
        if res:
            bad.append(res)
    report(bad, len(table))


def set_env(ctx, env, spec, server=""):
    """Applies a row's variables to env: null removes one; {tmp} and
    {server} are replaced; "FILES" ({path under {tmp}: text}) are
    written first."""
    for rel, text in spec.get("FILES", {}).items():
        path = os.path.join(ctx.tmp, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write(path, text.encode())
    for k, v in spec.items():
        if k == "FILES":
            continue
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v.replace("{garbage-pem}", getattr(
                ctx, "garbage_pem", "")).replace(
                "{tmp}", ctx.tmp).replace("{server}", server)


@test
def badinput_verify_options(ctx):
    """The option rows of tableverify: tablesnap verify --endpoint URL
    --ca-file CA -n testhost, then the words (and BUCKET DIR unless the row
    names {bucket}, {dir} or {none})."""
    names = {"bucket": ctx.bucket, "dir": ctx.dir, "tmp": ctx.tmp}
    bad, table = [], rows("verify")
    for words, code, message, why in table:
        args = [BIN, "verify"] + ctx.args(http=True)[1:]
        if not any("{bucket}" in w or "{dir}" in w or w == "{none}"
                   for w in words):
            words = words + ["{bucket}", "{dir}"]
        words = [subst(w, names) for w in words if w != "{none}"]
        res = judge(ctx, args + words, ctx.run_env(), code,
                    subst(message, names), why)
        if res:
            bad.append(res)
    report(bad, len(table))


def env_case(ctx, spec):
    """The command line and environment of one env row."""
    spec = dict(spec)
    endpoint = spec.pop("ENDPOINT", "http")
    env = ctx.run_env()
    set_env(ctx, env, spec)
    args = [BIN, "-n", NAME]
    if "AWS_ENDPOINT_URL" in spec:
        pass
    elif endpoint == "http":
        args += ["--endpoint", ctx.env["RGW_HTTP_URL"]]
    elif endpoint == "https":
        args += ["--endpoint", ctx.env["RGW_HTTPS_URL"]]
    elif endpoint == "https-by-ip":
        args += ["--endpoint", "https://127.0.0.1:%s" %
                 ctx.env["RGW_HTTPS_PORT"], "--ca-file", ctx.env["RGW_CA"]]
    elif endpoint == "https-system-ca":
        args += ["--endpoint", ctx.env["RGW_HTTPS_URL"], "--ca-file",
                 "/etc/ssl/certs/ca-certificates.crt"]
    else:
        raise Failure("unknown ENDPOINT %r" % endpoint)
    return args + ["--retries", "1", ctx.bucket, ctx.dir], env


@test
def badinput_environment(ctx):
    ctx.garbage_pem = os.path.join(ctx.tmp, "garbage.pem")
    write(ctx.garbage_pem, b"-----BEGIN CERTIFICATE-----\n!!! not base64 "
          b"!!!\n-----END CERTIFICATE-----\n")
    bad, table = [], rows("env")
    for spec, code, message, why in table:
        args, env = env_case(ctx, spec)
        res = judge(ctx, args, env, code, message, why)
        if res:
            bad.append(res)
    report(bad, len(table))


def make_paths(ctx):
    """The special paths of the path rows."""
    p = {"tmp": ctx.tmp, "dir": ctx.dir}
    p["file"] = os.path.join(ctx.tmp, "afile")
    write(p["file"], b"x")
    p["fifo"] = os.path.join(ctx.tmp, "afifo")
    os.mkfifo(p["fifo"])
    p["symlink-file"] = os.path.join(ctx.tmp, "link-to-file")
    os.symlink(p["file"], p["symlink-file"])
    p["dangling"] = os.path.join(ctx.tmp, "dangling")
    os.symlink(os.path.join(ctx.tmp, "nowhere"), p["dangling"])
    p["long"] = ctx.dir + "/" + "/".join(["d" * 200] * 25)
    # Only a user other than root meets permissions: the run of this row
    # drops to nobody, who must reach the directory and nothing more.
    os.chmod(ctx.tmp, 0o755)
    p["locked"] = os.path.join(ctx.tmp, "locked")
    os.makedirs(p["locked"])
    os.chmod(p["locked"], 0)
    # The checkout may be closed to other users: nobody runs a copy.
    ctx.nobody_bin = os.path.join(ctx.tmp, "tablesnap-copy")
    shutil.copy(BIN, ctx.nobody_bin)
    return p


def as_nobody():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


@test
def badinput_paths(ctx):
    paths = make_paths(ctx)
    bad, table = [], rows("path")
    for path, code, message, why in table:
        locked = path == "{locked}"
        if locked and os.getuid() != 0:
            continue    # not root: the directory is unreadable anyway
        path = subst(path, paths)
        args = ctx.args(http=True) + [ctx.bucket, path]
        if locked:
            args[0] = ctx.nobody_bin
        res = judge(ctx, args, ctx.run_env(), code, subst(message, paths),
                    why, preexec=as_nobody if locked else None)
        if res:
            bad.append(res)
    report(bad, len(table))


def name_bytes(name):
    if name == "LONG255":
        name = "L" * 248 + "-255.db"
    return os.fsencode(name)


@test
def badinput_file_names(ctx):
    table = rows("name")
    ctx.start()
    cases = []
    for name, code, message, why in table:
        raw = name_bytes(name)
        src = os.path.join(os.fsencode(ctx.outside), b"f%d" % len(cases))
        write(src, raw * 3)
        dst = os.path.join(os.fsencode(ctx.dir), raw)
        os.rename(src, dst)
        cases.append((dst, code, message, why))
    bad = []
    for dst, code, message, why in cases:
        if message == "Finished uploading":
            path = os.fsdecode(dst)
            try:
                h = ctx.wait_object(ctx.key(path))
                ctx.wait_log("Finished uploading %s" % log_escape(path))
                body = ctx.get(ctx.key(path))
                with open(dst, "rb") as f:
                    if body != f.read():
                        bad.append("%s: object differs" % why)
                if "md5sum" not in h.get("Metadata", {}):
                    bad.append("%s: no md5sum metadata" % why)
            except Failure as e:
                bad.append("%s: %s" % (why, str(e)[:500]))
    # The refused ones: one line each, naming the file, and no object.
    keys = ctx.keys()
    for dst, code, message, why in cases:
        if message == "Finished uploading":
            continue
        stem = bytes(itertools.takewhile(lambda b: b < 0x80,
                                         os.path.basename(dst)))[:6].decode()
        try:
            ctx.wait_log(message)
        except Failure as e:
            bad.append("%s: %s" % (why, str(e)[:500]))
            continue
        lines = [ln for ln in ctx.logtext().splitlines()
                 if message in ln and "/" + stem in ln]
        if len(lines) != 1:
            bad.append("%s: want one %r line for %s, got %r" % (
                why, message, stem, lines))
        if any("/" + stem in k for k in keys):
            bad.append("%s: stored although refused" % why)
    rc = ctx.stop()
    if rc != 0:
        bad.append("exit %r after SIGTERM, want 0" % rc)
    if bad:
        raise Failure("%d problems:\n%s\nlog:\n%s" % (
            len(bad), "\n".join(bad), ctx.logtext()[-3000:]))


def answer_bytes(spec):
    if isinstance(spec, dict):
        return answer_bytes(spec["answer"])
    if isinstance(spec, str):
        return spec.encode("latin-1")
    out = b""
    for piece in spec:
        if isinstance(piece, list):
            out += piece[1].encode("latin-1") * piece[0]
        else:
            out += piece.encode("latin-1")
    return out


@test
def badinput_server_answers(ctx):
    bad, table = [], rows("server")
    for spec, code, message, why in table:
        hold = isinstance(spec, dict) and spec.get("hold", False)
        tls = isinstance(spec, dict) and spec.get("tls", False)
        with BadServer(answer_bytes(spec), close_after=not hold) as srv:
            url = srv.url
            if tls:     # the answer comes where a TLS handshake should
                url = "https://localhost:%d" % srv.port
            args = ctx.args(http=True) + ["--endpoint", url,
                                          "--retries", "1", ctx.bucket,
                                          ctx.dir]
            env = ctx.run_env()
            if isinstance(spec, dict):  # the server as STS, say
                set_env(ctx, env, spec.get("env", {}), srv.url)
            res = judge(ctx, args, env, code, message, why)
            if res is None and not srv.requests:
                res = "%s: the server got no request" % why
        if res:
            bad.append(res)
    report(bad, len(table))

