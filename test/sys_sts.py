"""Credentials from STS, SSO and credential_process (issue 16): web
identity, assumed roles (chains, credential_source), credential_process
and SSO against test/stsserver.py, each end to end (a file in radosgw with
keys from it, and their refresh seen), their errors, and the process
hardening (PR_SET_DUMPABLE)."""
import hashlib
import json
import os
import shutil
import subprocess
import time

from sys_creds import (NO_KEYS, PY, Servers, good, https, no_failures,
                       once_uploads, refused_at_start, run, write_json)
from systest import BIN, NAME, check, move_in, test, write

ROLE = "arn:aws:iam::111122223333:role/cassandra-backup"
ROLE2 = "arn:aws:iam::444455556666:role/jump"
SRC_AK, SRC_SK = "AKIDSOURCEPROFILE01", "source-secret-key-0123456789"
NOBODY = 65534


def sts_state(ctx, path, **extra):
    ak, sk = good(ctx)
    doc = {"keys": {"AccessKeyId": ak, "SecretAccessKey": sk},
           "ttl": 3600, "roles": [ROLE, ROLE2], "web_token": "jwt-1",
           "sources": {SRC_AK: SRC_SK, ak: sk}}
    doc.update(extra)
    write_json(path, doc)


def served(server, action, since=0):
    return [e for e in server.entries(since)
            if e.get("action") == action and e.get("ok")]


def via_front(ctx, srv, expiry_margin=1):
    """test/regionserver.py in front of radosgw, checking the tokens."""
    state = os.path.join(ctx.tmp, "front.json")
    write_json(state, {"region": "us-east-1", "tokens": True,
                       "expiry_margin": expiry_margin})
    rs = srv.start("regionserver.py", "--upstream", ctx.env["RGW_HTTP_URL"],
                   "--state", state)
    return rs, [BIN, "--endpoint", "http://localhost:%d" % rs.port, "-n",
                NAME]


def refreshed(ctx, sts, action, rs, n=3, prefix="r"):
    """Uploads files until STS gave keys n times; every token used was
    one served, none refused."""
    i = 0
    while len(served(sts, action)) < n:
        i += 1
        check(i < 200, "only %d answers" % len(served(sts, action)))
        ctx.assert_stored(move_in(ctx, "%s%d.db" % (prefix, i),
                                  os.urandom(700)))
        time.sleep(0.3)
    sent = rs.entries()
    bad = [e for e in sent if e.get("expired") or e.get("invalid")]
    check(not bad, "refused tokens: %r" % bad)
    used = {e["token"] for e in sent}
    given = {e["served_token"] for e in served(sts, action)}
    check(used <= given and len(used) >= 2, "tokens used %r of %r" % (
        used, given))


@test
def web_identity_credentials(ctx):
    state = os.path.join(ctx.tmp, "sts.json")
    tok = os.path.join(ctx.tmp, "token")
    write(tok, b"jwt-1\n")
    sts_state(ctx, state, ttl=6)
    with Servers(ctx) as srv:
        sts = srv.start("stsserver.py", "--state", state)
        env = dict(NO_KEYS, AWS_WEB_IDENTITY_TOKEN_FILE=tok,
                   AWS_ROLE_ARN=ROLE, AWS_ROLE_SESSION_NAME="pod-1",
                   AWS_ENDPOINT_URL_STS=sts.url)
        rs, base = via_front(ctx, srv)
        ctx.start(base=base, env=env)
        ctx.wait_log("Credentials from web identity (role %s)" % ROLE)
        refreshed(ctx, sts, "AssumeRoleWithWebIdentity", rs, n=2)
        # The token file rotates: the next call sends the new token.
        write(tok, b"jwt-2")
        sts_state(ctx, state, ttl=6, web_token="jwt-2")
        n = len(served(sts, "AssumeRoleWithWebIdentity"))
        refreshed(ctx, sts, "AssumeRoleWithWebIdentity", rs, n=n + 2,
                  prefix="s")
        calls = [e for e in sts.entries() if e["action"]]
        check(all(not e["signed"] and e["session"] == "pod-1" and
                  e["role"] == ROLE and e["ctype"].startswith(
                      "application/x-www-form-urlencoded") for e in calls),
              "calls: %r" % calls)
        check(ctx.logtext().count("New credentials from web identity") >= 2,
              "refreshes not logged")
        no_failures(ctx)


@test
def web_identity_from_a_profile_and_its_errors(ctx):
    state = os.path.join(ctx.tmp, "sts.json")
    tok = os.path.join(ctx.tmp, "token")
    write(tok, b"jwt-1")
    conf = os.path.join(ctx.tmp, "config")
    sts_state(ctx, state)
    with Servers(ctx) as srv:
        sts = srv.start("stsserver.py", "--state", state)
        write(conf, ("[profile k8s]\nweb_identity_token_file = %s\n"
                     "role_arn = %s\nendpoint_url = %s\n" % (
                         tok, ROLE, sts.url)).encode())
        env = dict(NO_KEYS, AWS_CONFIG_FILE=conf, AWS_PROFILE="k8s")
        once_uploads(ctx, "w1.db", https(ctx), env,
                     "web identity (role %s)" % ROLE)
        check(len(served(sts, "AssumeRoleWithWebIdentity")) == 1,
              "calls: %r" % sts.entries())
        # STS says no: its code and message, and the source.
        sts_state(ctx, state, fail={"Code": "AccessDenied", "Message":
                                    "Not authorized to assume the role"})
        refused_at_start(ctx, https(ctx), env, "web identity", "AccessDenied",
                         "Not authorized")
        sts_state(ctx, state)
        os.unlink(tok)
        refused_at_start(ctx, https(ctx), env, "web identity", tok)


def role_config(sts_url, extra=""):
    return ("[profile backup]\nrole_arn = %s\nsource_profile = jump\n"
            "external_id = ext-42\nrole_session_name = cassandra-1\n"
            "duration_seconds = 900\nendpoint_url = %s\n%s\n"
            "[profile jump]\nrole_arn = %s\nsource_profile = base\n"
            "endpoint_url = %s\n" % (ROLE, sts_url, extra, ROLE2, sts_url))


@test
def assumed_role_chain(ctx):
    state = os.path.join(ctx.tmp, "sts.json")
    conf, cred = (os.path.join(ctx.tmp, n) for n in ("config", "cred"))
    sts_state(ctx, state, external_ids={ROLE: "ext-42"}, ttl=6)
    write(cred, ("[base]\naws_access_key_id = %s\naws_secret_access_key = "
                 "%s\n" % (SRC_AK, SRC_SK)).encode())
    with Servers(ctx) as srv:
        sts = srv.start("stsserver.py", "--state", state)
        write(conf, role_config(sts.url).encode())
        env = dict(NO_KEYS, AWS_CONFIG_FILE=conf, AWS_PROFILE="backup",
                   AWS_SHARED_CREDENTIALS_FILE=cred)
        rs, base = via_front(ctx, srv)
        ctx.start(base=base, env=env)
        ctx.wait_log("Credentials from role %s of profile 'backup', source "
                     "role %s of profile 'jump', source profile 'base' of %s"
                     % (ROLE, ROLE2, cred))
        # base's keys sign AssumeRole of jump's role, whose keys sign
        # backup's, every time.
        first = served(sts, "AssumeRole")
        check([e["role"] for e in first] == [ROLE2, ROLE], "order: %r" %
              first)
        check(first[1]["external_id"] == "ext-42" and first[1]["session"] ==
              "cassandra-1" and first[1]["duration"] == "900" and
              first[0]["external_id"] is None, "calls: %r" % first)
        refreshed(ctx, sts, "AssumeRole", rs, n=6)
        no_failures(ctx)


@test
def assumed_role_errors(ctx):
    state = os.path.join(ctx.tmp, "sts.json")
    conf, cred = (os.path.join(ctx.tmp, n) for n in ("config", "cred"))
    sts_state(ctx, state, external_ids={ROLE: "ext-42"})
    write(cred, ("[base]\naws_access_key_id = %s\naws_secret_access_key = "
                 "%s\n" % (SRC_AK, "wrong" * 6)).encode())
    with Servers(ctx) as srv:
        sts = srv.start("stsserver.py", "--state", state)
        env = dict(NO_KEYS, AWS_CONFIG_FILE=conf, AWS_PROFILE="backup",
                   AWS_SHARED_CREDENTIALS_FILE=cred)
        write(conf, role_config(sts.url).encode())
        # A wrong source secret: STS refuses the signature, and the server
        # saw a well-formed request signed with the source key.
        refused_at_start(ctx, https(ctx), env, "SignatureDoesNotMatch",
                         "role %s of profile 'jump'" % ROLE2)
        check(any("bad signature" in (e.get("why") or "")
                  for e in sts.entries()), "entries: %r" % sts.entries())
        n = len(sts.entries())
        # A loop, an MFA device, no source: refused before any call.
        write(conf, ("[profile backup]\nrole_arn = %s\nsource_profile = a\n"
                     "[profile a]\nrole_arn = %s\nsource_profile = b\n"
                     "[profile b]\nrole_arn = %s\nsource_profile = a\n" % (
                         ROLE, ROLE, ROLE)).encode())
        refused_at_start(ctx, https(ctx), env, "loop",
                         "'backup' -> 'a' -> 'b' -> 'a'")
        write(conf, role_config(sts.url, "mfa_serial = arn:aws:iam::1:mfa/u"
                                ).encode())
        refused_at_start(ctx, https(ctx), env, "profile 'backup'",
                         "mfa_serial")
        write(conf, ("[profile backup]\nrole_arn = %s\n" % ROLE).encode())
        refused_at_start(ctx, https(ctx), env, "source_profile or "
                         "credential_source")
        check(len(sts.entries()) == n, "STS was asked")


@test
def assumed_role_from_a_credential_source(ctx):
    state = os.path.join(ctx.tmp, "sts.json")
    keys = os.path.join(ctx.tmp, "keys.json")
    conf = os.path.join(ctx.tmp, "config")
    sts_state(ctx, state)
    write_json(keys, {"AccessKeyId": SRC_AK, "SecretAccessKey": SRC_SK,
                      "Token": "container-token"})
    with Servers(ctx) as srv:
        sts = srv.start("stsserver.py", "--state", state)
        cs = srv.start("credserver.py", "--keys", keys)
        write(conf, ("[default]\nrole_arn = %s\ncredential_source = "
                     "EcsContainer\nendpoint_url = %s\n" % (
                         ROLE, sts.url)).encode())
        once_uploads(ctx, "c1.db", https(ctx), dict(
            NO_KEYS, AWS_CONFIG_FILE=conf,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=cs.url + "/container/x"),
            "role %s of profile 'default', source container credentials "
            "at %s/container/x" % (ROLE, cs.url))
        check(len(served(sts, "AssumeRole")) == 1, "%r" % sts.entries())


CRED_PROCESS = r"""
import datetime, json, sys, time
cfg = json.load(open(sys.argv[1]))
with open(sys.argv[1] + ".calls", "a") as f:
    f.write(json.dumps(sys.argv[2:]) + "\n")
with open("/proc/self/status") as st, open(sys.argv[1] + ".sigblk", "a") as f:
    f.write([l.split()[1] for l in st if l.startswith("SigBlk:")][0] + "\n")
print("helper: fetching keys for", sys.argv[2], file=sys.stderr)
if cfg.get("exit"):
    print("helper: the vault is sealed", file=sys.stderr)
    sys.exit(cfg["exit"])
n = sum(1 for _ in open(sys.argv[1] + ".calls"))
exp = int(time.time() + cfg["ttl"])
print(json.dumps({"Version": 1, "AccessKeyId": cfg["ak"],
    "SecretAccessKey": cfg["sk"], "SessionToken": "tok-%d-%d-x" % (exp, n),
    "Expiration": datetime.datetime.fromtimestamp(exp,
        datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}))
"""


@test
def credential_process_credentials(ctx):
    ak, sk = good(ctx)
    script = os.path.join(ctx.tmp, "helper.py")
    cfg = os.path.join(ctx.tmp, "helper.json")
    conf = os.path.join(ctx.tmp, "config")
    write(script, CRED_PROCESS.encode())
    write_json(cfg, {"ak": ak, "sk": sk, "ttl": 6})
    # No shell: quotes and a backslash as the CLI splits them.
    write(conf, ("[default]\ncredential_process = %s %s %s 'two words' "
                 "a\\ b \"q\\\"uote\" '$HOME'\n" % (PY, script, cfg)
                 ).encode())
    with Servers(ctx) as srv:
        rs, base = via_front(ctx, srv)
        ctx.start(base=base, env=dict(NO_KEYS, AWS_CONFIG_FILE=conf))
        ctx.wait_log("Credentials from credential_process of profile "
                     "'default'")
        ctx.wait_log("credential_process: helper: fetching keys for two "
                     "words")
        i = 0
        while sum(1 for _ in open(cfg + ".calls")) < 3:
            i += 1
            check(i < 200, "the helper ran too few times")
            ctx.assert_stored(move_in(ctx, "p%d.db" % i, os.urandom(500)))
            time.sleep(0.3)
        with open(cfg + ".calls") as f:
            calls = [json.loads(x) for x in f]
        check(calls[0] == ["two words", "a b", 'q"uote', "$HOME"],
              "argv: %r" % calls[0])
        # Started with no signal blocked (a mask outlives exec; the
        # daemon's threads block SIGTERM and others for their signalfd).
        with open(cfg + ".sigblk") as f:
            masks = f.read().split()
        check(masks and all(int(m, 16) == 0 for m in masks),
              "the helper started with signals blocked: %r" % masks)
        bad = [e for e in rs.entries() if e.get("expired") or
               e.get("invalid")]
        check(not bad, "refused tokens: %r" % bad)
        check(ctx.logtext().count("New credentials from credential_process")
              >= 2, "refreshes not logged")
        no_failures(ctx)
    # A failing helper: its exit status and its stderr, one error line.
    write_json(cfg, {"ak": ak, "sk": sk, "ttl": 6, "exit": 3})
    env = dict(NO_KEYS, AWS_CONFIG_FILE=conf)
    refused_at_start(ctx, https(ctx), env,
                     "credential_process of profile 'default'",
                     "exit status 3")
    rc, err = run(ctx, https(ctx) + ["-B"], env)
    check("INFO credential_process: helper: the vault is sealed" in err,
          "its stderr is not in the log:\n%s" % err)
    # A program that is not there: its error, and the shell's 127.
    write(conf, b"[default]\ncredential_process = /nonexistent/helper\n")
    rc, err = run(ctx, https(ctx) + ["-B"], env)
    check(rc == 1 and "exit status 127" in err and
          "credential_process: No such file or directory" in err,
          "exit %d:\n%s" % (rc, err))


def sso_config(url, legacy=False):
    if legacy:
        return ("[profile dev]\nsso_start_url = https://example.awsapps.com/"
                "start\nsso_region = eu-west-1\nsso_account_id = "
                "111122223333\nsso_role_name = Backup\n")
    return ("[profile dev]\nsso_session = corp\nsso_account_id = "
            "111122223333\nsso_role_name = Backup\nregion = us-east-1\n\n"
            "[sso-session corp]\nsso_start_url = https://example.awsapps.com"
            "/start\nsso_region = eu-west-1\n")


def sso_cache(ctx, key, token, expires):
    d = os.path.join(ctx.tmp, ".aws", "sso", "cache")
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(key.encode()).hexdigest() + ".json"
    write_json(os.path.join(d, name), {
        "startUrl": "https://example.awsapps.com/start", "region":
        "eu-west-1", "accessToken": token, "expiresAt": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))})


@test
def sso_credentials(ctx):
    state = os.path.join(ctx.tmp, "sts.json")
    conf = os.path.join(ctx.tmp, "config")
    sts_state(ctx, state, ttl=6, sso_token="sso-bearer-1",
              sso_account="111122223333", sso_role="Backup")
    sso_cache(ctx, "corp", "sso-bearer-1", time.time() + 3600)
    write(conf, sso_config(None).encode())
    with Servers(ctx) as srv:
        sts = srv.start("stsserver.py", "--state", state)
        env = dict(NO_KEYS, AWS_CONFIG_FILE=conf, AWS_PROFILE="dev",
                   AWS_ENDPOINT_URL_SSO=sts.url)
        rs, base = via_front(ctx, srv)
        ctx.start(base=base, env=env)
        ctx.wait_log("Credentials from SSO (account 111122223333, role "
                     "Backup)")
        refreshed(ctx, sts, "GetRoleCredentials", rs, n=3)
        check(all(e["bearer_ok"] for e in sts.entries()), "bearer token")
        no_failures(ctx)
        ctx.stop()
    # The legacy form: the cache file named after the start URL.
    write(conf, sso_config(None, legacy=True).encode())
    sso_cache(ctx, "https://example.awsapps.com/start", "sso-bearer-1",
              time.time() + 3600)
    with Servers(ctx) as srv:
        sts = srv.start("stsserver.py", "--state", state)
        env = dict(NO_KEYS, AWS_CONFIG_FILE=conf, AWS_PROFILE="dev",
                   AWS_ENDPOINT_URL_SSO=sts.url)
        once_uploads(ctx, "l1.db", https(ctx), env,
                     "SSO (account 111122223333, role Backup)")
        # Expired, or refused by the portal: "run aws sso login".
        sso_cache(ctx, "https://example.awsapps.com/start", "sso-bearer-1",
                  time.time() - 60)
        refused_at_start(ctx, https(ctx), env, "expired",
                         "run aws sso login")
        sso_cache(ctx, "https://example.awsapps.com/start", "stale",
                  time.time() + 3600)
        refused_at_start(ctx, https(ctx), env, "HTTP 401",
                         "run aws sso login")


READ_MEM = r"""
import os, subprocess, sys, time
log = open(sys.argv[1], "ab")
p = subprocess.Popen(sys.argv[3:], stdout=log, stderr=log)
end = time.time() + 60
while sys.argv[2] not in open(sys.argv[1], errors="replace").read():
    if time.time() > end or p.poll() is not None:
        print("not ready")
        p.kill()
        sys.exit(1)
    time.sleep(0.1)
try:
    with open("/proc/%d/maps" % p.pid) as f:
        start = int(f.readline().split("-")[0], 16)
    with open("/proc/%d/mem" % p.pid, "rb") as f:
        f.seek(start)
        f.read(16)
    print("readable")
except OSError as e:
    print("denied:", e)
p.terminate()
p.wait()
"""


def as_nobody():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


@test
def memory_is_not_readable_by_the_same_user(ctx):
    if os.getuid() != 0:
        check(False, "needs root to run the processes as nobody")
    os.chmod(ctx.tmp, 0o755)
    os.chmod(ctx.dir, 0o755)
    binc = os.path.join(ctx.tmp, "tablesnap-copy")
    shutil.copy(BIN, binc)
    script = os.path.join(ctx.tmp, "readmem.py")
    write(script, READ_MEM.encode())
    log = os.path.join(ctx.tmp, "nobody.log")
    write(log, b"")
    os.chmod(log, 0o666)

    def attempt(ready, *cmd):
        p = subprocess.run([PY, script, log, ready] + list(cmd),
                           capture_output=True, timeout=120,
                           env=ctx.run_env(), preexec_fn=as_nobody)
        return p.stdout.decode().strip()

    # The check itself works: nobody reads the memory of its own sleep.
    got = attempt("", "/bin/sleep", "60")
    check(got == "readable", "control: %r" % got)
    # Not that of its own tablesnap, whose keys are in it.
    for argv in ([binc, "--endpoint", ctx.env["RGW_HTTP_URL"], "-n", NAME,
                  ctx.bucket, ctx.dir],):
        got = attempt("Watching ", *argv)
        check(got.startswith("denied"), "tablesnap: %r\n%s" % (
            got, open(log, errors="replace").read()[-2000:]))


@test
def expired_token_refetches_assumed_role_keys_at_once(ctx):
    state = os.path.join(ctx.tmp, "sts.json")
    conf, cred = (os.path.join(ctx.tmp, n) for n in ("config", "cred"))
    sts_state(ctx, state, ttl=3600)
    write(cred, ("[base]\naws_access_key_id = %s\naws_secret_access_key = "
                 "%s\n" % (SRC_AK, SRC_SK)).encode())
    with Servers(ctx) as srv:
        sts = srv.start("stsserver.py", "--state", state)
        write(conf, ("[profile backup]\nrole_arn = %s\nsource_profile = "
                     "base\nendpoint_url = %s\n" % (ROLE, sts.url)).encode())
        rs, base = via_front(ctx, srv, expiry_margin=0)
        front = os.path.join(ctx.tmp, "front.json")
        ctx.start(base=base, env=dict(NO_KEYS, AWS_CONFIG_FILE=conf,
                                      AWS_PROFILE="backup",
                                      AWS_SHARED_CREDENTIALS_FILE=cred))
        ctx.assert_stored(move_in(ctx, "x1.db", b"1" * 300))
        check(len(served(sts, "AssumeRole")) == 1, "fetched more than once")
        # The S3 front takes the token for expired an hour early: the
        # role is assumed again at once and the upload goes through.
        write_json(front, {"region": "us-east-1", "tokens": True,
                           "min_serial": 2})
        ctx.assert_stored(move_in(ctx, "x2.db", b"2" * 300))
        check(len(served(sts, "AssumeRole")) == 2, "calls: %r" %
              sts.entries())
        check(len([e for e in rs.entries() if e.get("expired")]) == 1,
              "refusals: %r" % rs.entries())
        ctx.wait_log("S3 refused the credentials from role %s" % ROLE)
        no_failures(ctx)
