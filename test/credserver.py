#!/usr/bin/python3
"""A credentials server on loopback for the system tests: the EC2 instance
metadata service (IMDSv2: token, role name, credentials) and the container
credentials endpoint (ECS / EKS Pod Identity), both serving the keys of a
JSON file that is read again on every request, so that a test can rotate
them.

    credserver.py --keys KEYS.json --log LOG.jsonl

Prints "PORT <n>" once it listens on 127.0.0.1:<n>. KEYS.json:

    {"AccessKeyId": "...", "SecretAccessKey": "...",
     "Token": "..." (optional; absent: no token, unless "mint_tokens"),
     "mint_tokens": true (optional: every answer gets a new token
                          "tok-<expiry epoch>-<serial>", which
                          test/regionserver.py can check),
     "ttl": 3600 (seconds from each answer to its Expiration),
     "role": "tablesnap-test", "auth": "<container Authorization value>",
     "imds_v1": false (true: answer without a session token too)}

Each request is appended to LOG.jsonl as one JSON object: method, path,
status, and for credential answers the AccessKeyId and Token served.
"""
import argparse
import datetime
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CREDS_PREFIX = "/latest/meta-data/iam/security-credentials/"


class State:
    def __init__(self, keys, log):
        self.keys_path, self.log_path = keys, log
        self.lock = threading.Lock()
        self.tokens = {}        # IMDS session token -> expiry (monotonic)
        self.serial = 0

    def keys(self):
        with open(self.keys_path) as f:
            return json.load(f)

    def record(self, entry):
        entry["t"] = time.time()
        with self.lock, open(self.log_path, "a") as f:
            f.write(json.dumps(entry) + "\n")


def iso(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "credserver"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body=b"", ctype="text/plain", extra=None):
        entry = {"method": self.command, "path": self.path,
                 "status": status,
                 "imds_token": self.headers.get("X-aws-ec2-metadata-token")
                 is not None,
                 "authorization": self.headers.get("Authorization")}
        entry.update(extra or {})
        self.server.state.record(entry)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def credentials(self, keys):
        st = self.server.state
        expires = time.time() + float(keys.get("ttl", 3600))
        doc = {"Code": "Success", "LastUpdated": iso(time.time()),
               "Type": "AWS-HMAC", "AccessKeyId": keys["AccessKeyId"],
               "SecretAccessKey": keys["SecretAccessKey"],
               "Expiration": iso(expires)}
        if keys.get("mint_tokens"):
            with st.lock:
                st.serial += 1
                serial = st.serial
            doc["Token"] = "tok-%d-%d-%s" % (int(expires), serial,
                                             secrets.token_hex(8))
        elif keys.get("Token"):
            doc["Token"] = keys["Token"]
        body = json.dumps(doc, indent=2).encode()
        self.answer(200, body, "application/json",
                    {"served_key": doc["AccessKeyId"],
                     "served_token": doc.get("Token")})

    def imds_session_ok(self, keys):
        st = self.server.state
        tok = self.headers.get("X-aws-ec2-metadata-token")
        if tok is None:
            return bool(keys.get("imds_v1"))
        with st.lock:
            exp = st.tokens.get(tok)
        return exp is not None and time.monotonic() < exp

    def do_PUT(self):
        if self.path != "/latest/api/token":
            return self.answer(404)
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        if ttl is None or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return self.answer(400)
        tok = secrets.token_urlsafe(32)
        st = self.server.state
        with st.lock:
            st.tokens[tok] = time.monotonic() + int(ttl)
        self.answer(200, tok.encode(), extra={"ttl": int(ttl)})

    def do_GET(self):
        keys = self.server.state.keys()
        if self.path.startswith("/container"):
            want = keys.get("auth")
            if want is not None and self.headers.get("Authorization") != want:
                return self.answer(403, b'{"Message": "bad token"}')
            return self.credentials(keys)
        if not self.path.startswith(CREDS_PREFIX):
            return self.answer(404)
        if not self.imds_session_ok(keys):
            return self.answer(401)
        role = keys.get("role", "tablesnap-test")
        rest = self.path[len(CREDS_PREFIX):]
        if rest == "":
            return self.answer(200, role.encode())
        if rest != role:
            return self.answer(404)
        return self.credentials(keys)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.state = State(a.keys, a.log)
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
