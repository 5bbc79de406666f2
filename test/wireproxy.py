#!/usr/bin/python3
"""A recording proxy for the system tests: it relays every request to
radosgw's plain HTTP port unchanged (test/faultproxy.py without faults) and
keeps, for each one, what reached the server: method, target, Host,
x-amz-content-sha256 and the SHA-256 of the body that really came. With
tls=(cert, key) it speaks HTTPS to the client and records the server name
the client asked for (SNI).

radosgw accepts UNSIGNED-PAYLOAD over plain HTTP and path-style requests
beside virtual-hosted ones, so only a look at the wire tells a signed
payload and a virtual-hosted request from their fallbacks.

    p = WireProxy("localhost", 7480)
    port = p.start()
    ...                       # tablesnap --endpoint http://localhost:PORT
    for r in p.requests():    # dicts, in arrival order
        r["method"], r["path"], r["host"], r["sha256_header"], r["body_sha256"]
    p.close()
"""
import hashlib
import ssl
import threading

from faultproxy import FaultProxy, parse_head


class WireProxy(FaultProxy):
    def __init__(self, upstream_host, upstream_port, tls=None):
        super().__init__(upstream_host, upstream_port)
        self.seen, self.server_names = [], []
        self.seen_lock = threading.Lock()
        self.tls = None
        if tls is not None:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(*tls)
            self.tls.sni_callback = self._sni

    def _sni(self, sock, name, context):
        with self.seen_lock:
            self.server_names.append(name)

    def _serve(self, client):
        if self.tls is not None:
            try:
                client = self.tls.wrap_socket(client, server_side=True)
            except (OSError, ssl.SSLError):
                client.close()
                return
        super()._serve(client)

    def _forward(self, up, head, body, method):
        first, fields = parse_head(head)
        rec = {"method": method, "target": first[1],
               "path": first[1].split("?", 1)[0],
               "host": fields.get("host"),
               "sha256_header": fields.get("x-amz-content-sha256"),
               "body_sha256": hashlib.sha256(body).hexdigest(),
               "body_len": len(body)}
        with self.seen_lock:
            self.seen.append(rec)
        return super()._forward(up, head, body, method)

    def requests(self):
        with self.seen_lock:
            return list(self.seen)

    def names(self):
        with self.seen_lock:
            return list(self.server_names)
