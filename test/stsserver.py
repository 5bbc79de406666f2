#!/usr/bin/python3
"""A scripted STS and SSO portal on loopback for the system tests. It
checks what it receives and answers with temporary keys (the radosgw test
user's keys with a minted session token) that expire soon.

    stsserver.py --state STATE.json --log LOG.jsonl

Prints "PORT <n>" once it listens on 127.0.0.1:<n>. STATE.json, read again
on every request:

    {"keys": {"AccessKeyId": "...", "SecretAccessKey": "..."},
     "ttl": 3600,                 seconds from each answer to its expiry
     "web_token": "...",          AssumeRoleWithWebIdentity's WebIdentityToken
     "roles": ["arn:..."],        the RoleArn values accepted
     "sources": {"AK": "SK"},     keys whose SigV4 signature AssumeRole
                                  accepts (checked with botocore's signer)
     "external_ids": {"arn": "..."},  AssumeRole's ExternalId per role
     "sso_token": "...",          GetRoleCredentials' bearer token
     "sso_account": "...", "sso_role": "...",
     "fail": {"Code": "...", "Message": "...", "Status": 403}}
                                  every STS call answers this error

Tokens are "tok-<expiry>-<serial>-<hex>", which test/regionserver.py
checks. Each request is appended to LOG.jsonl: action, what was checked
("ok" true when everything matched, else "why"), and the token served.
"""
import argparse
import datetime
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def iso(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class State:
    def __init__(self, path, log):
        self.path, self.log = path, log
        self.lock = threading.Lock()
        self.serial = 0

    def read(self):
        with open(self.path) as f:
            return json.load(f)

    def mint(self, ttl):
        with self.lock:
            self.serial += 1
            serial = self.serial
        expires = int(time.time() + ttl)
        return expires, "tok-%d-%d-%s" % (expires, serial,
                                          secrets.token_hex(8))

    def record(self, entry):
        entry["t"] = time.time()
        with self.lock, open(self.log, "a") as f:
            f.write(json.dumps(entry) + "\n")


def check_sigv4(handler, body, sources):
    """None when the Authorization header is a SigV4 signature, made with
    one of the sources' keys, of this very request; else why not."""
    auth = handler.headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "not signed: %r" % auth[:40]
    parts = dict(p.strip().split("=", 1) for p in
                 auth[len("AWS4-HMAC-SHA256 "):].split(","))
    ak, date, region, service, term = parts["Credential"].split("/")
    if service != "sts" or term != "aws4_request":
        return "scope %s" % parts["Credential"]
    if ak not in sources:
        return "unknown source key %s" % ak
    signed = parts["SignedHeaders"].split(";")
    headers = {h: handler.headers.get(h) for h in signed}
    if None in headers.values():
        return "a signed header is missing"
    for need in ("host", "x-amz-date"):
        if need not in signed:
            return "%s not signed" % need
    if headers["x-amz-date"][:8] != date:
        return "date %s vs scope %s" % (headers["x-amz-date"], date)
    req = AWSRequest(method="POST", url="http://%s%s" % (
        headers["host"], handler.path), data=body, headers=headers)
    req.context["timestamp"] = headers["x-amz-date"]
    signer = SigV4Auth(Credentials(ak, sources[ak]), "sts", region)
    canonical = signer.canonical_request(req)
    want = signer.signature(signer.string_to_sign(req, canonical), req)
    if want != parts["Signature"]:
        return "bad signature (canonical request:\n%s)" % canonical
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stsserver"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, ctype, entry):
        entry.update({"method": self.command, "path": self.path,
                      "status": status})
        self.server.state.record(entry)
        body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def sts_error(self, status, code, message, entry):
        entry.setdefault("why", "%s: %s" % (code, message))
        self.send(status, "<ErrorResponse xmlns=\"https://sts.amazonaws.com"
                  "/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>%s"
                  "</Code><Message>%s</Message></Error><RequestId>1"
                  "</RequestId></ErrorResponse>" % (code, message),
                  "text/xml", entry)

    def do_POST(self):
        st = self.server.state
        state = st.read()
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(
            body.decode(), keep_blank_values=True).items()}
        action = form.get("Action")
        entry = {"action": action, "role": form.get("RoleArn"),
                 "session": form.get("RoleSessionName"),
                 "external_id": form.get("ExternalId"),
                 "duration": form.get("DurationSeconds"),
                 "ctype": self.headers.get("Content-Type"),
                 "signed": "Authorization" in self.headers}
        fail = state.get("fail")
        if fail:
            return self.sts_error(fail.get("Status", 403), fail["Code"],
                                  fail["Message"], entry)
        if form.get("Version") != "2011-06-15":
            return self.sts_error(400, "InvalidAction", "Version", entry)
        if form.get("RoleArn") not in state.get("roles", []):
            return self.sts_error(403, "AccessDenied", "role %s" %
                                  form.get("RoleArn"), entry)
        if not form.get("RoleSessionName"):
            return self.sts_error(400, "ValidationError", "no session",
                                  entry)
        if action == "AssumeRoleWithWebIdentity":
            entry["token_ok"] = (form.get("WebIdentityToken") ==
                                 state.get("web_token"))
            if entry["signed"] or not entry["token_ok"]:
                return self.sts_error(400, "InvalidIdentityToken",
                                      "token or signature", entry)
        elif action == "AssumeRole":
            why = check_sigv4(self, body, state.get("sources", {}))
            if why:
                entry["why"] = why
                return self.sts_error(403, "SignatureDoesNotMatch",
                                      "signature", entry)
            if form.get("ExternalId") != state.get("external_ids", {}).get(
                    form.get("RoleArn")):
                return self.sts_error(403, "AccessDenied", "external id",
                                      entry)
        else:
            return self.sts_error(400, "InvalidAction", str(action), entry)
        keys = state["keys"]
        expires, token = st.mint(float(state.get("ttl", 3600)))
        entry.update({"ok": True, "served_token": token,
                      "served_key": keys["AccessKeyId"]})
        self.send(200, "<%sResponse xmlns=\"https://sts.amazonaws.com/doc/"
                  "2011-06-15/\">\n <%sResult>\n  <Credentials>\n"
                  "   <AccessKeyId>%s</AccessKeyId>\n"
                  "   <SecretAccessKey>%s</SecretAccessKey>\n"
                  "   <SessionToken>%s</SessionToken>\n"
                  "   <Expiration>%s</Expiration>\n  </Credentials>\n"
                  "  <AssumedRoleUser><Arn>%s/s</Arn></AssumedRoleUser>\n"
                  " </%sResult>\n</%sResponse>\n" % (
                      action, action, keys["AccessKeyId"],
                      keys["SecretAccessKey"], token, iso(expires),
                      form["RoleArn"], action, action), "text/xml", entry)

    def do_GET(self):
        st = self.server.state
        state = st.read()
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        entry = {"action": "GetRoleCredentials",
                 "bearer_ok": self.headers.get("x-amz-sso_bearer_token") ==
                 state.get("sso_token"),
                 "account": q.get("account_id"), "role": q.get("role_name")}
        if url.path != "/federation/credentials":
            return self.send(404, "{}", "application/json", entry)
        if not entry["bearer_ok"]:
            return self.send(401, '{"message": "Session token not found or '
                             'invalid"}', "application/json", entry)
        if (q.get("account_id"), q.get("role_name")) != (
                state.get("sso_account"), state.get("sso_role")):
            return self.send(403, '{"message": "No access"}',
                             "application/json", entry)
        keys = state["keys"]
        expires, token = st.mint(float(state.get("ttl", 3600)))
        entry.update({"ok": True, "served_token": token})
        self.send(200, json.dumps({"roleCredentials": {
            "accessKeyId": keys["AccessKeyId"],
            "secretAccessKey": keys["SecretAccessKey"],
            "sessionToken": token, "expiration": expires * 1000}}),
            "application/json", entry)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--state", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.state = State(a.state, a.log)
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
