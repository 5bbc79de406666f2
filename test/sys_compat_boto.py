"""The original's boto 2 configuration (issue 13 item 3): keys in
[Credentials] of BOTO_CONFIG, /etc/boto.cfg or ~/.boto, and the
S3-compatible server named there (s3_host, s3_port, is_secure,
calling_format, ca_certificates_file), against the real radosgw. HOME is
the test's empty temporary directory: no ~/.aws, no ~/.boto unless a test
writes one."""
import os

from sys_creds import NO_KEYS, WRONG, good, https, once_uploads, \
    refused_at_start, run
from systest import NAME, check, test, write


def boto_file(ctx, name, text):
    path = os.path.join(ctx.tmp, name)
    write(path, text.encode())
    return path


def creds_section(ak, sk, extra=""):
    return "[Credentials]\naws_access_key_id = %s\n" \
           "aws_secret_access_key = %s\n%s" % (ak, sk, extra)


@test
def boto_config_keys(ctx):
    ak, sk = good(ctx)
    # Keys only in the file BOTO_CONFIG names: no AWS variables, no
    # ~/.aws. A ~/.boto with a wrong secret is not read: boto reads
    # BOTO_CONFIG alone when it is set.
    cfg = boto_file(ctx, "boto.cfg", "# the original's\n" + creds_section(
        ak, sk, "[Boto]\nhttps_validate_certificates = True\n"))
    boto_file(ctx, ".boto", creds_section(ak, WRONG))
    once_uploads(ctx, "b1.db", https(ctx), dict(NO_KEYS, BOTO_CONFIG=cfg),
                 "the boto config %s" % cfg)
    # Without BOTO_CONFIG, ~/.boto is read (HOME is the test's directory).
    home = boto_file(ctx, ".boto", creds_section(ak, sk))
    once_uploads(ctx, "b2.db", https(ctx), NO_KEYS,
                 "the boto config %s" % home)


@test
def boto_config_loses_to_environment_and_aws_files(ctx):
    ak, sk = good(ctx)
    cfg = boto_file(ctx, "boto.cfg", creds_section(ak, WRONG))
    # The environment's keys win over the boto file's (wrong) ones.
    once_uploads(ctx, "e1.db", https(ctx), {"BOTO_CONFIG": cfg},
                 "the environment")
    # So do ~/.aws/credentials'.
    os.makedirs(os.path.join(ctx.tmp, ".aws"))
    cred = os.path.join(ctx.tmp, ".aws", "credentials")
    write(cred, ("[default]\naws_access_key_id = %s\n"
                 "aws_secret_access_key = %s\n" % (ak, sk)).encode())
    once_uploads(ctx, "e2.db", https(ctx), dict(NO_KEYS, BOTO_CONFIG=cfg),
                 "profile 'default' of %s" % cred)


@test
def boto_config_endpoint(ctx):
    ak, sk = good(ctx)
    # An S3-compatible install: the server only in the boto file, plain
    # HTTP, path style; no --endpoint, no AWS_ENDPOINT_URL.
    cfg = boto_file(ctx, "boto.cfg", creds_section(
        ak, sk, "s3_host = localhost\ns3_port = %s\n[Boto]\n"
        "is_secure = False\n[s3]\ncalling_format = "
        "boto.s3.connection.OrdinaryCallingFormat\n" %
        ctx.env["RGW_HTTP_PORT"]))
    err = once_uploads(ctx, "h1.db", ["-n", NAME],
                       dict(NO_KEYS, BOTO_CONFIG=cfg),
                       "the boto config %s" % cfg)
    check("Endpoint http://localhost:%s from %s" % (
        ctx.env["RGW_HTTP_PORT"], cfg) in err, "endpoint not logged:\n" + err)
    # HTTPS with the CA of ca_certificates_file; a file that asks not to
    # check certificates gets a warning, and they are checked all the same.
    cfg2 = boto_file(ctx, "boto2.cfg", creds_section(
        ak, sk, "s3_host = localhost\ns3_port = %s\n[Boto]\n"
        "is_secure = True\nhttps_validate_certificates = False\n"
        "ca_certificates_file = %s\n" % (ctx.env["RGW_HTTPS_PORT"],
                                         ctx.env["RGW_CA"])))
    err = once_uploads(ctx, "h2.db", ["-n", NAME],
                       dict(NO_KEYS, BOTO_CONFIG=cfg2),
                       "the boto config %s" % cfg2)
    check("tablesnap always checks certificates" in err,
          "no warning about https_validate_certificates:\n" + err)
    # Without the CA, the server's certificate is not trusted: refused,
    # although the file says not to check.
    cfg3 = boto_file(ctx, "boto3.cfg", creds_section(
        ak, sk, "s3_host = localhost\ns3_port = %s\n[Boto]\n"
        "https_validate_certificates = False\n" %
        ctx.env["RGW_HTTPS_PORT"]))
    rc, err = run(ctx, ["-n", NAME, "--once"],
                  dict(NO_KEYS, BOTO_CONFIG=cfg3))
    check(rc == 1 and "certificate not trusted" in err,
          "an unverified server was used (exit %d):\n%s" % (rc, err))
    # --endpoint wins over s3_host (a host that does not resolve).
    cfg4 = boto_file(ctx, "boto4.cfg", creds_section(
        ak, sk, "s3_host = nowhere.invalid\n"))
    once_uploads(ctx, "h4.db", https(ctx), dict(NO_KEYS, BOTO_CONFIG=cfg4),
                 "the boto config %s" % cfg4)


@test
def boto_config_malformed(ctx):
    # Refused even when the keys come from the environment: the original
    # read boto's files at start and stopped on a broken one.
    cfg = boto_file(ctx, "boto.cfg", "[Credentials]\naws_access_key_id\n")
    refused_at_start(ctx, https(ctx), {"BOTO_CONFIG": cfg}, cfg, "line 2")
    cfg = boto_file(ctx, "boto2.cfg", "[Boto]\nis_secure = sometimes\n")
    refused_at_start(ctx, https(ctx), {"BOTO_CONFIG": cfg}, cfg, "is_secure")
    refused_at_start(ctx, https(ctx), {"BOTO_CONFIG": ctx.tmp}, ctx.tmp,
                     "not a regular file")
