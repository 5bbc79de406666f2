"""Credentials, regions and endpoints (issue 4): every source of the
credential chain against the real radosgw, their precedence, refresh and
rotation of temporary keys served by test/credserver.py, and region
recovery against test/regionserver.py in front of radosgw."""
import json
import os
import secrets
import signal
import string
import subprocess
import threading
import time

import s3check
from systest import (BIN, HERE, NAME, WAIT, Failure, check,
                     check_no_sanitizer_report, move_in, test, write)

PY = "/usr/bin/python3"
WRONG = "wrong" * 8
# The environment keys off: the chain goes on to the files and services.
NO_KEYS = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
NOT_STARTED = ("Watching ", "Backing up", "Uploading ")


class Server:
    """test/credserver.py or test/regionserver.py on a free loopback port,
    stopped by its PID."""

    def __init__(self, ctx, script, *args):
        self.log = os.path.join(ctx.tmp, "%s-%s.jsonl" % (
            script.split(".")[0], secrets.token_hex(4)))
        open(self.log, "w").close()
        self.errlog = open(self.log + ".stderr", "wb")
        self.proc = subprocess.Popen(
            [PY, os.path.join(HERE, script), "--log", self.log] + list(args),
            stdout=subprocess.PIPE, stderr=self.errlog)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("PORT "):
            self.stop()
            raise Failure("%s did not start: %r" % (script, line))
        self.port = int(line.split()[1])
        self.url = "http://127.0.0.1:%d" % self.port

    def entries(self, since=0):
        with open(self.log) as f:
            return [json.loads(x) for x in f.read().splitlines()[since:]]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.errlog.close()


class Servers:
    """Stops every server it started, whatever happens in the test."""

    def __init__(self, ctx):
        self.ctx, self.all = ctx, []

    def __enter__(self):
        return self

    def start(self, script, *args):
        s = Server(self.ctx, script, *args)
        self.all.append(s)
        return s

    def __exit__(self, *exc):
        for s in self.all:
            s.stop()


def write_json(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f)
    os.rename(tmp, path)    # the servers never read half a file


def good(ctx):
    return ctx.env["AWS_ACCESS_KEY_ID"], ctx.env["AWS_SECRET_ACCESS_KEY"]


def admin(ctx, *args):
    subprocess.run(["radosgw-admin", "-c", ctx.env["CEPH_CONF"]] +
                   list(args), check=True, capture_output=True, timeout=120)


class Keys:
    """Extra radosgw keys of the test user, made with radosgw-admin and
    removed at the end."""

    def __init__(self, ctx):
        self.ctx, self.made = ctx, []

    def __enter__(self):
        return self

    def new(self):
        chars = string.ascii_uppercase + string.digits
        ak = "TSC" + "".join(secrets.choice(chars) for _ in range(17))
        sk = secrets.token_hex(20)
        admin(self.ctx, "key", "create", "--uid=test", "--key-type=s3",
              "--access-key=" + ak, "--secret-key=" + sk)
        self.made.append(ak)
        return ak, sk

    def remove(self, ak, sk):
        admin(self.ctx, "key", "rm", "--uid=test", "--key-type=s3",
              "--access-key=" + ak)
        self.made.remove(ak)
        # Wait until radosgw refuses it, so that what follows really runs
        # without it.
        s3 = s3check.client(self.ctx.env, aws_access_key_id=ak,
                            aws_secret_access_key=sk)
        end = time.time() + WAIT
        while time.time() < end:
            try:
                s3.head_bucket(Bucket=self.ctx.bucket)
            except Exception as e:
                if "403" in str(e) or "InvalidAccessKeyId" in str(e):
                    return
            time.sleep(0.2)
        raise Failure("radosgw still accepts the removed key %s" % ak)

    def __exit__(self, *exc):
        for ak in list(self.made):
            try:
                admin(self.ctx, "key", "rm", "--uid=test", "--key-type=s3",
                      "--access-key=" + ak)
            except subprocess.SubprocessError:
                pass


def run(ctx, args, env=None, timeout=60):
    """tablesnap to its exit with exactly these arguments."""
    p = subprocess.run([BIN] + args + [ctx.bucket, ctx.dir],
                       capture_output=True, env=ctx.run_env(env),
                       timeout=timeout)
    err = p.stderr.decode(errors="replace")
    check_no_sanitizer_report(err, "the stderr of %r" % args)
    return p.returncode, err


def https(ctx):
    return ["--endpoint", ctx.env["RGW_HTTPS_URL"], "--ca-file",
            ctx.env["RGW_CA"], "-n", NAME]


def once_uploads(ctx, name, args, env, want_source):
    """A --once run uploads a new file, naming where its keys came from."""
    path = os.path.join(ctx.dir, name)
    data = os.urandom(3000)
    write(path, data)
    rc, err = run(ctx, args + ["--once"], env)
    check(rc == 0, "%s: exit %d:\n%s" % (name, rc, err))
    check("Credentials from %s" % want_source in err,
          "%s: keys not from %r:\n%s" % (name, want_source, err))
    check(ctx.get(ctx.key(path)) == data, "%s: object differs" % name)
    return err


def refused_at_start(ctx, args, env, *texts):
    """Exit 1 with one line naming the problem, before any watch."""
    rc, err = run(ctx, args + ["-B"], env)
    check(rc == 1, "exit %d, want 1:\n%s" % (rc, err))
    crit = [x for x in err.splitlines() if " CRITICAL " in x]
    check(len(crit) == 1, "want one CRITICAL line:\n%s" % err)
    for t in texts:
        check(t in crit[0], "%r not in %r" % (t, crit[0]))
    for t in NOT_STARTED:
        check(t not in err, "%r before the credentials were good:\n%s" % (
            t, err))


def no_failures(ctx):
    log = ctx.logtext()
    for bad in ("failed", "Error uploading", "Retrying", "CRITICAL"):
        check(bad not in log, "log has %r:\n%s" % (bad, log))


def imds_env(server, extra=None):
    e = dict(NO_KEYS, AWS_EC2_METADATA_DISABLED="",
             AWS_EC2_METADATA_SERVICE_ENDPOINT=server.url)
    e.update(extra or {})
    return e


def creds_served(server, since=0):
    return [e for e in server.entries(since) if "served_key" in e]


def wait_for(cond, what, timeout=WAIT):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.1)
    raise Failure("timed out waiting for " + what)


# ---- the chain ----

@test
def credentials_from_shared_files(ctx):
    ak, sk = good(ctx)
    aws = os.path.join(ctx.tmp, ".aws")
    os.makedirs(aws)
    cred = os.path.join(aws, "credentials")
    # ~/.aws/credentials, [default]: CRLF, comments, an inline comment,
    # a nested section and keys in capitals, as the AWS CLI takes them.
    write(cred, ("# backup keys\r\n[default]\r\nAWS_ACCESS_KEY_ID = %s\r\n"
                 "aws_secret_access_key=%s ; inline\r\ns3 =\r\n"
                 "    addressing_style = path\r\n" % (ak, sk)).encode())
    once_uploads(ctx, "f1.db", https(ctx), NO_KEYS,
                 "profile 'default' of %s" % cred)
    # AWS_PROFILE picks a profile; the config file's [profile name] form,
    # found through AWS_CONFIG_FILE; the credentials file's [default] has a
    # wrong secret and does not matter.
    write(cred, b"[default]\naws_access_key_id = %s\n"
          b"aws_secret_access_key = %s\n" % (ak.encode(), WRONG.encode()))
    conf = os.path.join(ctx.tmp, "elsewhere.conf")
    write(conf, ("[default]\nregion = us-east-1\n\n[profile backup]\n"
                 "aws_access_key_id = %s\naws_secret_access_key = %s\n" % (
                     ak, sk)).encode())
    once_uploads(ctx, "f2.db", https(ctx), dict(
        NO_KEYS, AWS_PROFILE="backup", AWS_CONFIG_FILE=conf),
        "profile 'backup' of %s" % conf)
    # AWS_SHARED_CREDENTIALS_FILE elsewhere: its [backup] wins over the
    # config file's [profile backup] (now wrong).
    other = os.path.join(ctx.tmp, "other-credentials")
    write(other, ("[backup]\naws_access_key_id=%s\naws_secret_access_key=%s"
                  "\n" % (ak, sk)).encode())
    write(conf, ("[profile backup]\naws_access_key_id = %s\n"
                 "aws_secret_access_key = %s\n" % (ak, WRONG)).encode())
    once_uploads(ctx, "f3.db", https(ctx), dict(
        NO_KEYS, AWS_PROFILE="backup", AWS_CONFIG_FILE=conf,
        AWS_SHARED_CREDENTIALS_FILE=other), "profile 'backup' of %s" % other)


@test
def credential_chain_precedence(ctx):
    ak, sk = good(ctx)
    aws = os.path.join(ctx.tmp, ".aws")
    os.makedirs(aws)
    cred, conf = os.path.join(aws, "credentials"), os.path.join(aws, "config")
    keys = os.path.join(ctx.tmp, "keys.json")
    with Servers(ctx) as srv:
        write_json(keys, {"AccessKeyId": ak, "SecretAccessKey": WRONG})
        cs = srv.start("credserver.py", "--keys", keys)
        services = imds_env(cs, {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": cs.url + "/container/c"})
        # 1. The command line beats the environment (wrong keys there).
        err = once_uploads(ctx, "p1.db", https(ctx) + ["-k", ak, "-s", sk],
                           {"AWS_SECRET_ACCESS_KEY": WRONG},
                           "the command line")
        check("visible to every local user" in err, "no -k/-s warning")
        # 2. The environment beats the shared files (wrong keys there).
        write(cred, ("[default]\naws_access_key_id = %s\n"
                     "aws_secret_access_key = %s\n" % (ak, WRONG)).encode())
        once_uploads(ctx, "p2.db", https(ctx), None, "the environment")
        # 3. The credentials file beats the config file.
        write(cred, ("[default]\naws_access_key_id = %s\n"
                     "aws_secret_access_key = %s\n" % (ak, sk)).encode())
        write(conf, ("[default]\naws_access_key_id = %s\n"
                     "aws_secret_access_key = %s\n" % (ak, WRONG)).encode())
        once_uploads(ctx, "p3.db", https(ctx), NO_KEYS,
                     "profile 'default' of %s" % cred)
        # 4. The config file beats container and instance credentials,
        # which are not even asked.
        os.unlink(cred)
        write(conf, ("[default]\naws_access_key_id = %s\n"
                     "aws_secret_access_key = %s\n" % (ak, sk)).encode())
        once_uploads(ctx, "p4.db", https(ctx), services,
                     "profile 'default' of %s" % conf)
        check(cs.entries() == [], "a metadata service was asked: %r" %
              cs.entries())
        # 5. Container credentials beat the instance role.
        os.unlink(conf)
        write_json(keys, {"AccessKeyId": ak, "SecretAccessKey": sk})
        once_uploads(ctx, "p5.db", https(ctx), services,
                     "container credentials at %s/container/c" % cs.url)
        paths = {e["path"] for e in cs.entries()}
        check(paths == {"/container/c"}, "asked: %r" % paths)
        # 6. Last, the instance role.
        n = len(cs.entries())
        once_uploads(ctx, "p6.db", https(ctx), imds_env(cs),
                     "EC2 instance metadata at %s" % cs.url)
        check(all(e["path"].startswith("/latest/")
                  for e in cs.entries(n)), "asked: %r" % cs.entries(n))


@test
def instance_metadata_imdsv2(ctx):
    ak, sk = good(ctx)
    keys = os.path.join(ctx.tmp, "keys.json")
    write_json(keys, {"AccessKeyId": ak, "SecretAccessKey": sk,
                      "Token": "session-token-1", "role": "backup-role"})
    with Servers(ctx) as srv:
        cs = srv.start("credserver.py", "--keys", keys)
        ctx.start(env=imds_env(cs))
        path = move_in(ctx, "i-Data.db", os.urandom(20000))
        ctx.assert_stored(path)
        ctx.wait_log("Credentials from EC2 instance metadata at %s" %
                     cs.url)
        e = cs.entries()
        check(e[0]["method"] == "PUT" and e[0]["path"] ==
              "/latest/api/token" and e[0]["status"] == 200 and
              e[0]["ttl"] == 21600, "first: %r" % e[0])
        base = "/latest/meta-data/iam/security-credentials/"
        check([x["path"] for x in e[1:3]] == [base, base + "backup-role"],
              "then: %r" % e[1:3])
        check(all(x["imds_token"] and x["status"] == 200 for x in e[1:3]),
              "IMDSv2 session token not sent: %r" % e[1:3])
        no_failures(ctx)


@test
def container_credentials(ctx):
    ak, sk = good(ctx)
    keys = os.path.join(ctx.tmp, "keys.json")
    write_json(keys, {"AccessKeyId": ak, "SecretAccessKey": sk,
                      "auth": "Bearer pod-identity-1"})
    tokfile = os.path.join(ctx.tmp, "eks-token")
    write(tokfile, b"Bearer pod-identity-1\n")
    with Servers(ctx) as srv:
        cs = srv.start("credserver.py", "--keys", keys)
        uri = cs.url + "/container/v1/credentials"
        # The token file (EKS Pod Identity), read at each fetch.
        once_uploads(ctx, "c1.db", https(ctx), dict(
            NO_KEYS, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri,
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=tokfile),
            "container credentials at " + uri)
        # The token in the environment.
        once_uploads(ctx, "c2.db", https(ctx), dict(
            NO_KEYS, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri,
            AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer pod-identity-1"),
            "container credentials at " + uri)
        check([e["authorization"] for e in cs.entries()] ==
              ["Bearer pod-identity-1"] * 2, "Authorization: %r" %
              cs.entries())
        # A refused token: one line naming the source, nothing watched.
        refused_at_start(ctx, https(ctx), dict(
            NO_KEYS, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri,
            AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer stale"),
            "container credentials at " + uri, "HTTP 403")
        # Plain HTTP elsewhere than loopback or the agents: refused.
        refused_at_start(ctx, https(ctx), dict(
            NO_KEYS,
            AWS_CONTAINER_CREDENTIALS_FULL_URI="http://192.0.2.1/creds"),
            "AWS_CONTAINER_CREDENTIALS_FULL_URI", "192.0.2.1")


@test
def bad_credential_sources_are_one_clear_line(ctx):
    ak, sk = good(ctx)
    aws = os.path.join(ctx.tmp, ".aws")
    os.makedirs(aws)
    cred = os.path.join(aws, "credentials")
    write(cred, ("[default]\naws_access_key_id = %s\n"
                 "aws_secret_access_key = %s\n" % (ak, sk)).encode())
    # A profile that does not exist (even with keys in the environment).
    refused_at_start(ctx, https(ctx), {"AWS_PROFILE": "nosuch"},
                     "profile 'nosuch'", "not found", cred)
    # A credentials file that does not parse: the file and the line.
    write(cred, b"[default]\naws_access_key_id = A\nthis is not ini\n")
    refused_at_start(ctx, https(ctx), NO_KEYS, cred, "line 3")
    write(cred, b"[default]\naws_access_key_id = AKIDONLY\n")
    refused_at_start(ctx, https(ctx), NO_KEYS, cred,
                     "no aws_secret_access_key")
    write(cred, b"[default]\nrole_arn = arn:aws:iam::1:role/r\n")
    refused_at_start(ctx, https(ctx), NO_KEYS, "role_arn",
                     "source_profile or credential_source")
    os.unlink(cred)
    # The metadata service unreachable, nothing else: fails fast.
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()   # nothing listens there now
    t0 = time.time()
    refused_at_start(ctx, https(ctx), dict(
        NO_KEYS, AWS_EC2_METADATA_DISABLED="",
        AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:%d" % port),
        "no credentials", "EC2 instance metadata at http://127.0.0.1:%d" %
        port)
    check(time.time() - t0 < 30, "the metadata attempt hung")
    refused_at_start(ctx, https(ctx), NO_KEYS, "no credentials",
                     "AWS_EC2_METADATA_DISABLED")
    # Expired static credentials.
    refused_at_start(ctx, https(ctx), {
        "AWS_SESSION_TOKEN": "t", "AWS_CREDENTIAL_EXPIRATION":
        "2020-01-01T00:00:00Z"}, "the environment", "expired",
        "2020-01-01T00:00:00Z")
    # Keys that S3 refuses name their source too.
    refused_at_start(ctx, https(ctx), {"AWS_SECRET_ACCESS_KEY": WRONG},
                     "SignatureDoesNotMatch", "the environment")


@test
def command_line_keys_are_erased_from_proc(ctx):
    ak, sk = good(ctx)
    proc = ctx.start("-k", ak, "--aws-secret=" + sk, "--aws-token",
                     "tok-secret-123", env={"AWS_SECRET_ACCESS_KEY": WRONG})
    with open("/proc/%d/cmdline" % proc.pid, "rb") as f:
        cmdline = f.read()
    for secret in (ak, sk, "tok-secret-123"):
        check(secret.encode() not in cmdline, "%s... still in %r" % (
            secret[:4], cmdline))
    check(b"--aws-secret=xxxx" in cmdline, "cmdline: %r" % cmdline)
    ctx.wait_log("visible to every local user")
    check(sk not in ctx.logtext(), "the secret is in the log")
    path = move_in(ctx, "k.db", b"k" * 100)
    ctx.assert_stored(path)


# ---- refresh and rotation ----

@test
def temporary_keys_refreshed_before_expiry(ctx):
    ak, sk = good(ctx)
    keys = os.path.join(ctx.tmp, "keys.json")
    state = os.path.join(ctx.tmp, "state.json")
    # Keys that last 5 s, each answer with a new token; the S3 front
    # refuses a token from 1 s before its expiry: the keys must be
    # replaced ahead of time, not when S3 refuses them.
    write_json(keys, {"AccessKeyId": ak, "SecretAccessKey": sk, "ttl": 5,
                      "mint_tokens": True})
    write_json(state, {"region": "us-east-1", "tokens": True,
                       "expiry_margin": 1})
    with Servers(ctx) as srv:
        cs = srv.start("credserver.py", "--keys", keys)
        rs = srv.start("regionserver.py", "--upstream",
                       ctx.env["RGW_HTTP_URL"], "--state", state)
        ctx.start(base=[BIN, "--endpoint", "http://localhost:%d" % rs.port,
                        "-n", NAME], env=imds_env(cs))
        n = 0
        while len(creds_served(cs)) < 3:
            n += 1
            check(n < 200, "only %d fetches" % len(creds_served(cs)))
            path = move_in(ctx, "r%d.db" % n, os.urandom(1000))
            ctx.assert_stored(path)
            time.sleep(0.3)
        sent = rs.entries()
        check(not [e for e in sent if e.get("expired") or
                   e.get("invalid")], "refused tokens: %r" % [
            e for e in sent if e.get("expired") or e.get("invalid")])
        served = {e["served_token"] for e in creds_served(cs)}
        used = {e["token"] for e in sent}
        check(used <= served and len(used) >= 3, "tokens used %d of %d" % (
            len(used), len(served)))
        check(ctx.logtext().count("New credentials from EC2") >= 2,
              "refreshes not logged")
        no_failures(ctx)


@test
def expired_token_answer_refreshes_at_once(ctx):
    ak, sk = good(ctx)
    keys = os.path.join(ctx.tmp, "keys.json")
    state = os.path.join(ctx.tmp, "state.json")
    write_json(keys, {"AccessKeyId": ak, "SecretAccessKey": sk,
                      "ttl": 3600, "mint_tokens": True})
    write_json(state, {"region": "us-east-1", "tokens": True})
    with Servers(ctx) as srv:
        cs = srv.start("credserver.py", "--keys", keys)
        rs = srv.start("regionserver.py", "--upstream",
                       ctx.env["RGW_HTTP_URL"], "--state", state)
        ctx.start(base=[BIN, "--endpoint", "http://localhost:%d" % rs.port,
                        "-n", NAME], env=imds_env(cs))
        ctx.assert_stored(move_in(ctx, "e1.db", b"1" * 500))
        check(len(creds_served(cs)) == 1, "fetched more than once")
        # The S3 front now takes the token for expired, long before its
        # Expiration: for a HEAD (no body, no code), then for a PUT
        # (ExpiredToken in the body).
        write_json(state, {"region": "us-east-1", "tokens": True,
                           "min_serial": 2})
        ctx.assert_stored(move_in(ctx, "e2.db", b"2" * 500))
        write_json(state, {"region": "us-east-1", "tokens": True,
                           "min_serial": 3, "token_methods": ["PUT"]})
        path = move_in(ctx, "e3-Data.db", b"3" * 500)
        ctx.assert_stored(path)
        check(len(creds_served(cs)) == 3, "fetches: %d" %
              len(creds_served(cs)))
        refused = [e for e in rs.entries() if e.get("expired")]
        check(len(refused) == 2, "refusals: %r" % refused)
        check(ctx.logtext().count("S3 refused the credentials") == 2,
              "refusals not logged")
        no_failures(ctx)


@test
def key_rotation_while_uploading(ctx):
    keys = os.path.join(ctx.tmp, "keys.json")
    with Keys(ctx) as rgw, Servers(ctx) as srv:
        a_ak, a_sk = rgw.new()
        write_json(keys, {"AccessKeyId": a_ak, "SecretAccessKey": a_sk,
                          "ttl": 4})
        cs = srv.start("credserver.py", "--keys", keys)
        ctx.start(env=imds_env(cs))
        paths, stop = [], threading.Event()

        def uploader():
            i = 0
            while not stop.is_set():
                i += 1
                paths.append(move_in(ctx, "rot%d.db" % i, os.urandom(2000)))
                time.sleep(0.2)

        t = threading.Thread(target=uploader)
        t.start()
        try:
            wait_for(lambda: len(paths) >= 3, "uploads")
            b_ak, b_sk = rgw.new()
            write_json(keys, {"AccessKeyId": b_ak, "SecretAccessKey": b_sk,
                              "ttl": 4})
            wait_for(lambda: any(e["served_key"] == b_ak
                                 for e in creds_served(cs)), "key B served")
            rgw.remove(a_ak, a_sk)
            n = len(paths)
            wait_for(lambda: len(paths) >= n + 8, "uploads after removal")
        finally:
            stop.set()
            t.join()
        for p in paths:
            ctx.assert_stored(p)
        no_failures(ctx)


@test
def sighup_fetches_the_credentials_again(ctx):
    keys = os.path.join(ctx.tmp, "keys.json")
    with Keys(ctx) as rgw, Servers(ctx) as srv:
        a_ak, a_sk = rgw.new()
        write_json(keys, {"AccessKeyId": a_ak, "SecretAccessKey": a_sk,
                          "ttl": 3600})
        cs = srv.start("credserver.py", "--keys", keys)
        ctx.start(env=imds_env(cs))
        ctx.assert_stored(move_in(ctx, "h1.db", b"1" * 100))
        b_ak, b_sk = rgw.new()
        write_json(keys, {"AccessKeyId": b_ak, "SecretAccessKey": b_sk,
                          "ttl": 3600})
        ctx.proc.send_signal(signal.SIGHUP)
        ctx.wait_log("Credentials reloaded from EC2 instance metadata")
        check(creds_served(cs)[-1]["served_key"] == b_ak,
              "SIGHUP did not fetch the new key")
        rgw.remove(a_ak, a_sk)
        ctx.assert_stored(move_in(ctx, "h2.db", b"2" * 100))
        no_failures(ctx)


@test
def rewritten_credentials_file_is_read_again(ctx):
    aws = os.path.join(ctx.tmp, ".aws")
    os.makedirs(aws)
    cred = os.path.join(aws, "credentials")
    with Keys(ctx) as rgw:
        a_ak, a_sk = rgw.new()
        write(cred, ("[default]\naws_access_key_id = %s\n"
                     "aws_secret_access_key = %s\n" % (a_ak, a_sk)).encode())
        ctx.start(env=NO_KEYS)
        ctx.assert_stored(move_in(ctx, "w1.db", b"1" * 100))
        b_ak, b_sk = rgw.new()
        write(cred + ".new", ("[default]\naws_access_key_id = %s\n"
                              "aws_secret_access_key = %s\n" % (
                                  b_ak, b_sk)).encode())
        os.rename(cred + ".new", cred)
        rgw.remove(a_ak, a_sk)
        ctx.assert_stored(move_in(ctx, "w2.db", b"2" * 100))
        ctx.wait_log("New credentials from profile 'default' of %s" % cred)
        no_failures(ctx)


# ---- regions ----

def region_front(ctx, srv, region, form):
    state = os.path.join(ctx.tmp, "state.json")
    write_json(state, {"region": region, "form": form})
    rs = srv.start("regionserver.py", "--upstream", ctx.env["RGW_HTTP_URL"],
                   "--state", state)
    return rs, state, ["--endpoint", "http://localhost:%d" % rs.port, "-n",
                       NAME]


@test
def wrong_region_answers_are_recovered(ctx):
    with Servers(ctx) as srv:
        rs, state, args = region_front(ctx, srv, "eu-west-3", "permanent")
        # Each form S3 answers a request for the wrong region with; the
        # last one names no region: tablesnap asks with a HEAD.
        for i, (form, wrong) in enumerate((
                ("permanent", 1), ("endpoint", 1), ("malformed", 1),
                ("illegal", 2))):
            write_json(state, {"region": "eu-west-3", "form": form})
            n = len(rs.entries())
            path = os.path.join(ctx.dir, "g%d.db" % i)
            data = os.urandom(5000)
            write(path, data)
            rc, err = run(ctx, args + ["--aws-region", "us-east-1",
                                       "--once"])
            check(rc == 0, "%s: exit %d:\n%s" % (form, rc, err))
            check(ctx.get(ctx.key(path)) == data, "%s: object" % form)
            line = "is in region eu-west-3, not us-east-1"
            check(err.count(line) == 1, "%s: %r not logged once:\n%s" % (
                form, line, err))
            sent = rs.entries(n)
            got = [e for e in sent if e.get("wrong")]
            check(len(got) == wrong, "%s: %d wrong-region requests: %r" % (
                form, len(got), got))
            last = max(i for i, e in enumerate(sent) if e.get("wrong"))
            check(all(e["region"] == "eu-west-3" for e in sent[last + 1:]),
                  "%s: the region was not kept" % form)


@test
def wrong_region_head_answers_are_recovered(ctx):
    with Servers(ctx) as srv:
        rs, state, args = region_front(ctx, srv, "eu-west-3", "permanent")
        ctx.start(base=[BIN] + args + ["--aws-region", "eu-west-3"])
        ctx.assert_stored(move_in(ctx, "h0.db", b"0" * 100))
        check(not [e for e in rs.entries() if e.get("wrong")],
              "wrong region before any change")
        # HEAD answers have no body: only x-amz-bucket-region says it.
        # (A file over 1 MiB is looked up with a HEAD before its PUT.)
        for i, (region, form, status) in enumerate((
                ("ap-south-1", "malformed", 400),
                ("us-west-2", "permanent", 301))):
            write_json(state, {"region": region, "form": form})
            n = len(rs.entries())
            ctx.assert_stored(move_in(ctx, "h%d.db" % (i + 1),
                                      b"x" * ((1 << 20) + 1)))
            got = [e for e in rs.entries(n) if e.get("wrong")]
            check(len(got) == 1 and got[0]["method"] == "HEAD" and
                  got[0]["status"] == status, "%s: %r" % (form, got))
            check(ctx.logtext().count("is in region %s, not " % region) ==
                  1, "%s: correction not logged once" % region)
        no_failures(ctx)


@test
def region_from_the_config_file(ctx):
    aws = os.path.join(ctx.tmp, ".aws")
    os.makedirs(aws)
    conf = os.path.join(aws, "config")
    with Servers(ctx) as srv:
        rs, state, args = region_front(ctx, srv, "eu-west-3", "malformed")
        cases = (
            # the default profile's region
            ("[default]\nregion = eu-west-3\n", {}),
            # AWS_PROFILE's
            ("[default]\nregion = us-west-1\n[profile eu]\n"
             "region = eu-west-3\n", {"AWS_PROFILE": "eu"}),
            # AWS_REGION beats the file
            ("[default]\nregion = us-west-1\n", {"AWS_REGION": "eu-west-3"}),
        )
        for i, (text, env) in enumerate(cases):
            write(conf, text.encode())
            write(os.path.join(ctx.dir, "z%d.db" % i), b"z")
            n = len(rs.entries())
            rc, err = run(ctx, args + ["--once"], env)
            check(rc == 0, "case %d: exit %d:\n%s" % (i, rc, err))
            sent = rs.entries(n)
            check(sent and all(e["region"] == "eu-west-3" for e in sent),
                  "case %d: signed for %r" % (i, {e["region"] for e in
                                                    sent}))
        write(conf, b"[default]\nregion = Not_A_Region\n")
        refused_at_start(ctx, args, None, "Not_A_Region",
                         "not a region name")
