#!/usr/bin/python3
"""A scripted S3 front for the system tests, on loopback, in front of the
real radosgw (plain HTTP): it answers as AWS S3 does when a request is
signed for the wrong region, and passes every other request through, so
that radosgw still checks signatures and stores what lands.

    regionserver.py --upstream http://localhost:7480 --state STATE.json \
        --log LOG.jsonl

Prints "PORT <n>" once it listens on 127.0.0.1:<n>. STATE.json is read
again on every request:

    {"region": "eu-west-3",      the bucket's region
     "form": "permanent",        how a wrong region is answered:
        permanent  301 PermanentRedirect, x-amz-bucket-region and <Endpoint>
        endpoint   301 PermanentRedirect, <Endpoint> only
        malformed  400 AuthorizationHeaderMalformed with <Region> only
        illegal    400 IllegalLocationConstraintException, no region at all
       (a HEAD gets 301 -- 400 for malformed -- with only the header)
     "tokens": false,            true: x-amz-security-token must be there
                                 and signed; a token "tok-<expiry>-<serial>-…"
                                 (test/credserver.py) whose expiry passed,
     "min_serial": 0,            or whose serial is below this, gets 400
                                 ExpiredToken
     "expiry_margin": 0,         seconds before its expiry a token already
                                 counts as expired (a client must refresh
                                 ahead of time)
     "token_methods": ["PUT"]    only these methods' tokens are refused
                                 (default: all)}

The region is the one in the Authorization header's credential scope.
Each request is appended to LOG.jsonl: method, path, region, status, and
"wrong" / "expired" when it was refused for that.
"""
import argparse
import http.client
import json
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/s3/aws4_request")
SIGNED = re.compile(r"SignedHeaders=([^,]+)")
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer",
       "upgrade", "proxy-authorization", "proxy-authenticate"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AmazonS3"

    def log_message(self, fmt, *args):
        pass

    def record(self, entry):
        entry.update(method=self.command, path=self.path, t=time.time())
        srv = self.server
        with srv.lock, open(srv.log_path, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def reply(self, status, headers, body, entry):
        self.record(dict(entry, status=status))
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if not any(k.lower() == "content-length" for k, _ in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message, extra_xml="", headers=(),
              entry=None):
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s"
                "</Code><Message>%s</Message>%s<RequestId>0</RequestId>"
                "</Error>" % (code, message, extra_xml)).encode()
        hdrs = list(headers)
        if self.command == "HEAD":
            body = b""
        else:
            hdrs.append(("Content-Type", "application/xml"))
        self.reply(status, hdrs, body, entry or {})

    def bucket(self):
        path = urllib.parse.urlsplit(self.path).path
        return path.lstrip("/").split("/", 1)[0]

    def wrong_region(self, state, signed):
        want, form = state["region"], state.get("form", "permanent")
        entry = {"region": signed, "wrong": True}
        hdr = [("x-amz-bucket-region", want)]
        endpoint = "<Endpoint>%s.s3.%s.amazonaws.com</Endpoint><Bucket>%s" \
            "</Bucket>" % (self.bucket(), want, self.bucket())
        if self.command == "HEAD":
            status = 400 if form == "malformed" else 301
            return self.reply(status, hdr, b"", entry)
        if form == "permanent":
            return self.error(301, "PermanentRedirect", "The bucket you are "
                              "attempting to access must be addressed using "
                              "the specified endpoint.", endpoint, hdr, entry)
        if form == "endpoint":
            return self.error(301, "PermanentRedirect", "The bucket you are "
                              "attempting to access must be addressed using "
                              "the specified endpoint.", endpoint, (), entry)
        if form == "malformed":
            return self.error(400, "AuthorizationHeaderMalformed",
                              "The authorization header is malformed; the "
                              "region '%s' is wrong; expecting '%s'" % (
                                  signed, want),
                              "<Region>%s</Region>" % want, (), entry)
        return self.error(400, "IllegalLocationConstraintException",
                          "The %s location constraint is incompatible for "
                          "the region specific endpoint this request was "
                          "sent to." % want, "", (), entry)

    def token_refused(self, state, region, auth):
        """False when the token is acceptable; else refuses it, True."""
        tok = self.headers.get("x-amz-security-token")
        m = SIGNED.search(auth)
        signed = m.group(1).split(";") if m else []
        entry = {"region": region, "token": tok}
        parts = (tok or "").split("-")
        try:
            expiry, serial = int(parts[1]), int(parts[2])
        except (IndexError, ValueError):
            expiry = serial = None
        if serial is None or "x-amz-security-token" not in signed:
            self.error(400, "InvalidToken", "The provided token is "
                       "malformed or otherwise invalid.",
                       entry=dict(entry, invalid=True))
            return True
        methods = state.get("token_methods")
        if methods is not None and self.command not in methods:
            return False
        margin = float(state.get("expiry_margin", 0))
        if time.time() >= expiry - margin or \
                serial < state.get("min_serial", 0):
            self.error(400, "ExpiredToken", "The provided token has "
                       "expired.", entry=dict(entry, expired=True))
            return True
        return False

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with open(self.server.state_path) as f:
            state = json.load(f)
        auth = self.headers.get("Authorization", "")
        m = SCOPE.search(auth)
        region = m.group(1) if m else None
        if region is None:
            return self.error(403, "AccessDenied", "Anonymous access denied",
                              entry={"region": None})
        if region != state["region"]:
            return self.wrong_region(state, region)
        if state.get("tokens") and self.token_refused(state, region, auth):
            return
        self.forward(body, {"region": region,
                            "token": self.headers.get(
                                "x-amz-security-token")})

    def forward(self, body, entry):
        up = self.server.upstream
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        try:
            conn.putrequest(self.command, self.path, skip_host=True,
                            skip_accept_encoding=True)
            for k, v in self.headers.items():
                if k.lower() not in HOP:
                    conn.putheader(k, v)
            conn.endheaders(body if body else None)
            r = conn.getresponse()
            data = r.read()
            hdrs = [(k, v) for k, v in r.getheaders()
                    if k.lower() not in HOP and k.lower() != "content-length"]
            if self.command == "HEAD":
                hdrs.append(("Content-Length",
                             r.getheader("Content-Length", "0")))
            self.reply(r.status, hdrs, data, entry)
        finally:
            conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.upstream = urllib.parse.urlsplit(a.upstream)
    srv.state_path, srv.log_path = a.state, a.log
    srv.lock = threading.Lock()
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
