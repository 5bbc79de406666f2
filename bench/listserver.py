#!/usr/bin/python3
"""listserver.py: a small S3 stand-in for the scale benchmarks (issue 17):
answers ListObjectsV2 over a bucket of DIRS x FILES keys that it makes up
on the fly (no storage): ROOT/dNNNN/fNNNNNN-Data.db, each SIZE bytes, in
S3's order, with prefix, delimiter, max-keys (at most 1000) and
continuation tokens. PUTs are taken (the body read and dropped, the key
remembered) and HEADs answered for those keys, so tablesnap can upload to
it too. No signature is checked.

    listserver.py --port P --root ROOT [--dirs N] [--files N] [--size N]

GET /__stats answers JSON: requests counted by kind, and the keys PUT.
"""
import argparse
import bisect
import hashlib
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MTIME = "2026-01-01T00:00:00.000Z"


class Keys:
    """The made-up keys, in order: a sequence bisect can search."""

    def __init__(self, root, dirs, files):
        self.root, self.dirs, self.files = root, dirs, files

    def __len__(self):
        return self.dirs * self.files

    def __getitem__(self, i):
        return "%s/d%04d/f%06d-Data.db" % (self.root, i // self.files,
                                           i % self.files)


def after(prefix):
    """The least string above every string that starts with prefix."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else None


def esc(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def count(self, kind):
        with self.server.lock:
            self.server.stats[kind] = self.server.stats.get(kind, 0) + 1

    def key(self):
        path = urllib.parse.urlsplit(self.path).path
        parts = path.lstrip("/").split("/", 1)
        return urllib.parse.unquote(parts[1]) if len(parts) > 1 else ""

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path == "/__stats":
            with self.server.lock:
                body = json.dumps({"stats": self.server.stats,
                                   "put": sorted(self.server.put)})
            return self.reply(200, body.encode())
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        if q.get("list-type") != "2":
            self.count("other")
            return self.reply(400, b"<Error><Code>NotImplemented</Code>"
                              b"</Error>")
        self.count("list")
        self.reply(200, self.listing(q).encode(),
                   [("Content-Type", "application/xml")])

    def listing(self, q):
        keys = self.server.keys
        prefix = q.get("prefix", "")
        delim = q.get("delimiter", "")
        limit = max(1, min(1000, int(q.get("max-keys", "1000"))))
        token = q.get("continuation-token")
        i = int(token) if token else bisect.bisect_left(keys, prefix)
        end = len(keys) if not prefix else bisect.bisect_left(
            keys, after(prefix))
        contents, prefixes, n = [], [], 0
        while i < end and n < limit:
            k = keys[i]
            rest = k[len(prefix):]
            if delim and delim in rest:
                cp = prefix + rest[:rest.index(delim) + len(delim)]
                prefixes.append("<CommonPrefixes><Prefix>%s</Prefix>"
                                "</CommonPrefixes>" % esc(cp))
                i = bisect.bisect_left(keys, after(cp))
            else:
                contents.append("<Contents><Key>%s</Key><LastModified>%s"
                                "</LastModified><ETag>&quot;%s&quot;</ETag>"
                                "<Size>%d</Size><StorageClass>STANDARD"
                                "</StorageClass></Contents>"
                                % (esc(k), MTIME, self.server.etag,
                                   self.server.size))
                i += 1
            n += 1
        more = i < end
        return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<ListBucketResult><Name>b</Name><Prefix>%s</Prefix>"
                "<KeyCount>%d</KeyCount><MaxKeys>%d</MaxKeys>"
                "<IsTruncated>%s</IsTruncated>%s%s%s</ListBucketResult>"
                % (esc(prefix), n, limit, "true" if more else "false",
                   "<NextContinuationToken>%d</NextContinuationToken>" % i
                   if more else "", "".join(contents), "".join(prefixes)))

    def do_HEAD(self):
        self.count("head")
        with self.server.lock:
            etag = self.server.put.get(self.key())
        if etag is None:
            return self.reply(404)
        self.send_response(200)
        self.send_header("ETag", '"%s"' % etag[0])
        self.send_header("Content-Length", str(etag[1]))
        self.end_headers()

    def do_PUT(self):
        self.count("put")
        n = size = int(self.headers.get("Content-Length", "0"))
        h = hashlib.md5()
        while n > 0:
            b = self.rfile.read(min(n, 65536))
            if not b:
                return
            h.update(b)
            n -= len(b)
        with self.server.lock:
            self.server.put[self.key()] = (h.hexdigest(), size)
        self.reply(200, headers=[("ETag", '"%s"' % h.hexdigest())])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--root", default="", help="key prefix of the tree")
    ap.add_argument("--dirs", type=int, default=0)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--size", type=int, default=0)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.keys = Keys(a.root, a.dirs, a.files)
    srv.size = a.size
    srv.etag = hashlib.md5(b"\0" * a.size).hexdigest()
    srv.lock = threading.Lock()
    srv.stats, srv.put = {}, {}
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
