#!/usr/bin/python3
"""A fault-injecting HTTP/1.1 proxy for the system tests: it sits between
tablesnap and radosgw's plain HTTP port and, at chosen rates, breaks
requests the ways networks and S3 break them.

Faults (one at most per request, drawn independently for each request):

  error500   answer 500 InternalError (an S3 XML error body), not forwarded
  slowdown   answer 503 SlowDown (an S3 XML error body), not forwarded
  reset      read about half of the request body (or only the head when
             there is no body), then close with a TCP RST (SO_LINGER 0)
  stall      read the whole request, forward nothing, answer nothing for
             `stall` seconds (past the client's read timeout), then close
  stallbody  read at most 64 KiB of the request body, then nothing more for
             `stall` seconds, then close (only a body larger than what the
             socket buffers hold makes the client's writes time out: on
             loopback Linux grows them to tcp_rmem + tcp_wmem, 36 MiB)
  truncate   forward the request (S3 carries it out), send the first half
             of S3's answer, then close
  archived   answer 403 InvalidObjectState, as S3 answers a GET of an
             object in GLACIER or DEEP_ARCHIVE, not forwarded
  skew       answer 403 RequestTimeTooSkewed, with a Date header `skew`
             seconds (3600) ahead, to requests signed more than 15 minutes
             away from that clock: a client that believes it then signs
             with that clock, and is put right by the real S3

`match`, a regular expression, limits faults to the requests whose request
line ("POST /bucket/key?uploadId=... HTTP/1.1") it matches (re.search);
`limit` N stops the faults after N of them (None: no end).
Besides faults: `delay` seconds of latency before each forwarded request,
and `refuse` (the listening socket is closed and open connections are
reset: "connection refused" until it is cleared).

Counters: "requests" (request heads read), one per fault mode (faults
injected), "forwarded" (answers relayed whole), "upstream_errors" (radosgw
unreachable: answered 502) and "refused" (connections reset by refuse).

In a test (in-process, threads):

    p = FaultProxy("localhost", 7480, rates={"error500": 0.2}, seed=1)
    port = p.start()
    ...                       # tablesnap --endpoint http://localhost:PORT
    p.set(rates={"stall": 0.1}, stall=3)  # change the mode while it runs
    p.stats()["error500"]                 # faults really injected
    p.close()

From the command line (Ctrl-C or SIGTERM stops it and prints the counters):

    test/faultproxy.py --upstream localhost:7480 [--port N] [--rate MODE=R]...
        [--stall S] [--delay S] [--skew S] [--match REGEX] [--limit N]
        [--seed N] [--control FILE] [--stats FILE]

--control FILE: a JSON object {"rates": {...}, "stall": S, "delay": S,
"match": REGEX, "limit": N, "refuse": false}, read again whenever it
changes; --stats FILE: the counters as JSON, rewritten (atomically) after
every request.
"""
import argparse
import calendar
import json
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import time

MODES = ("error500", "slowdown", "reset", "stall", "stallbody", "truncate",
         "skew", "archived")
MAX_HEAD = 64 * 1024
CHUNK = 64 * 1024

ERRORS = {
    "error500": (500, "Internal Server Error", "InternalError",
                 "We encountered an internal error. Please try again."),
    "slowdown": (503, "Slow Down", "SlowDown",
                 "Please reduce your request rate."),
    "archived": (403, "Forbidden", "InvalidObjectState",
                 "The operation is not valid for the object's storage "
                 "class"),
    "skew": (403, "Forbidden", "RequestTimeTooSkewed",
             "The difference between the request time and the current "
             "time is too large."),
}


class ProtocolError(Exception):
    pass


class Reader:
    """Buffered reads from a socket: lines and exact byte counts."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def _fill(self):
        data = self.sock.recv(CHUNK)
        if not data:
            return False
        self.buf += data
        return True

    def _take(self, n):
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def head(self):
        """Bytes up to and including the blank line; None at a clean EOF."""
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > MAX_HEAD:
                raise ProtocolError("head too large")
            if not self._fill():
                if self.buf:
                    raise ProtocolError("EOF inside a head")
                return None
        end = self.buf.index(b"\r\n\r\n") + 4
        out, self.buf = self.buf[:end], self.buf[end:]
        return out

    def line(self):
        while b"\r\n" not in self.buf:
            if len(self.buf) > MAX_HEAD or not self._fill():
                raise ProtocolError("EOF or overlong line")
        end = self.buf.index(b"\r\n") + 2
        out, self.buf = self.buf[:end], self.buf[end:]
        return out

    def exact(self, n):
        # In pieces: growing one bytes object is quadratic for a large body.
        first = self._take(n)
        parts, need = [first], n - len(first)
        while need > 0:
            data = self.sock.recv(min(need, 1 << 20))
            if not data:
                raise ProtocolError("EOF inside a body")
            parts.append(data)
            need -= len(data)
        return b"".join(parts)

    def rest(self):
        """Everything until the peer closes."""
        parts = [self._take(len(self.buf))]
        while True:
            data = self.sock.recv(1 << 20)
            if not data:
                return b"".join(parts)
            parts.append(data)


def parse_head(head):
    """(first line words, {lower-case name: value}) of a request or answer."""
    lines = head.decode("latin-1").split("\r\n")
    first = lines[0].split(" ", 2)
    fields = {}
    for ln in lines[1:]:
        if ln:
            name, _, value = ln.partition(":")
            fields[name.strip().lower()] = value.strip()
    if len(first) < 2:
        raise ProtocolError("bad first line %r" % lines[0])
    return first, fields


def error_response(mode, resource, method, ahead=0):
    """An S3 error answer; its Date header is `ahead` seconds ahead."""
    status, reason, code, message = ERRORS[mode]
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
            '<Message>%s</Message><Resource>%s</Resource>'
            '<RequestId>faultproxy-%d</RequestId></Error>' % (
                code, message, resource.replace("&", "&amp;").replace(
                    "<", "&lt;"), random.getrandbits(32))).encode()
    head = ("HTTP/1.1 %d %s\r\nContent-Type: application/xml\r\n"
            "Content-Length: %d\r\nDate: %s\r\n\r\n" % (
                status, reason, len(body), http_date(ahead))).encode()
    # The answer to a HEAD never has a body (S3 sends the headers only).
    return head if method == "HEAD" else head + body


def http_date(ahead=0):
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                         time.gmtime(time.time() + ahead))


def rst_close(sock):
    """Closes with an RST instead of a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class FaultProxy:
    def __init__(self, upstream_host, upstream_port, port=0, rates=None,
                 stall=5.0, delay=0.0, skew=3600, match=None, limit=None,
                 seed=None, control=None, stats_file=None, host="127.0.0.1"):
        self.upstream = (upstream_host, int(upstream_port))
        self.host, self.port = host, port
        self.rates, self.stall, self.delay = {}, stall, delay
        self.skew = skew
        self.match = re.compile(match) if match else None
        self.limit = limit
        self.control, self.control_mtime = control, None
        self.stats_file = stats_file
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.counts = dict.fromkeys(
            ("requests", "forwarded", "upstream_errors", "refused") + MODES,
            0)
        self.listener = None
        self.refusing = False
        self.clients = set()
        self.set(rates=rates or {})

    # ---- configuration and counters ----

    def set(self, rates=None, stall=None, delay=None, refuse=None,
            match=None, limit=None):
        """Changes the faults while running; rates: {mode: probability};
        match: a regex, or "" to fault every request again; limit: N more
        faults at most, or -1 for no end."""
        with self.lock:
            if limit is not None:
                self.limit = None if limit < 0 else int(limit)
            if match is not None:
                self.match = re.compile(match) if match else None
            if rates is not None:
                for m, r in rates.items():
                    if m not in MODES or not 0 <= float(r) <= 1:
                        raise ValueError("bad fault rate %s=%r" % (m, r))
                if sum(float(r) for r in rates.values()) > 1:
                    raise ValueError("fault rates add up to more than 1")
                self.rates = {m: float(r) for m, r in rates.items()}
            if stall is not None:
                self.stall = float(stall)
            if delay is not None:
                self.delay = float(delay)
        if refuse is not None:
            self._set_refuse(bool(refuse))

    def stats(self):
        with self.lock:
            return dict(self.counts)

    def _count(self, name):
        with self.lock:
            self.counts[name] += 1
            snapshot = dict(self.counts) if self.stats_file else None
        if snapshot is not None:
            tmp = self.stats_file + ".tmp"
            with open(tmp, "w") as f:
                json.dump(snapshot, f)
            os.replace(tmp, self.stats_file)

    def _reload_control(self):
        if not self.control:
            return
        try:
            mtime = os.stat(self.control).st_mtime_ns
        except FileNotFoundError:
            return
        if mtime == self.control_mtime:
            return
        self.control_mtime = mtime
        try:
            with open(self.control) as f:
                c = json.load(f)
            self.set(rates=c.get("rates"), stall=c.get("stall"),
                     delay=c.get("delay"), refuse=c.get("refuse"),
                     match=c.get("match"), limit=c.get("limit"))
        except (ValueError, OSError, re.error) as e:
            print("faultproxy: control file %s: %s" % (self.control, e),
                  file=sys.stderr, flush=True)

    def _skewed(self, fields):
        """Would a server `skew` seconds ahead refuse this request's
        x-amz-date (more than S3's 15 minutes away)? A request the client
        already signed with that clock must pass."""
        try:
            signed = calendar.timegm(time.strptime(
                fields.get("x-amz-date", ""), "%Y%m%dT%H%M%SZ"))
        except ValueError:
            return True
        return abs(signed - (time.time() + self.skew)) > 15 * 60

    def _pick(self, request_line, fields):
        self._reload_control()
        with self.lock:
            if self.match is not None and \
                    not self.match.search(request_line):
                return None
            if self.limit is not None and self.limit <= 0:
                return None
            x = self.rng.random()
            for m in MODES:
                r = self.rates.get(m, 0.0)
                if x < r:
                    if m == "skew" and not self._skewed(fields):
                        return None
                    if self.limit is not None:
                        self.limit -= 1
                    return m
                x -= r
        return None

    # ---- listening ----

    def _listen(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, self.port))
        s.listen(128)
        s.settimeout(0.2)
        self.port = s.getsockname()[1]
        return s

    def start(self):
        """Starts listening (port 0: a free one); returns the port."""
        self.listener = self._listen()
        threading.Thread(target=self._accept_loop, daemon=True).start()
        return self.port

    def _set_refuse(self, on):
        with self.lock:
            if on == self.refusing:
                return
            self.refusing = on
            clients = list(self.clients) if on else []
        if on:
            # Connection refused for new clients, reset for kept-alive ones:
            # shutdown wakes the thread reading it, whose close sends the
            # RST (a close from here would wait for that read to end).
            for c in clients:
                try:
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self._count("refused")

    def _accept_loop(self):
        while not self.closing.is_set():
            if self.refusing:
                if self.listener is not None:
                    self.listener.close()
                    self.listener = None
                time.sleep(0.05)
                self._reload_control()
                continue
            if self.listener is None:
                try:
                    self.listener = self._listen()
                except OSError:
                    time.sleep(0.1)
                    continue
            try:
                c, _ = self.listener.accept()
            except socket.timeout:
                self._reload_control()
                continue
            except OSError:
                if self.closing.is_set() or self.refusing:
                    continue
                raise
            c.settimeout(None)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.clients.add(c)
            threading.Thread(target=self._serve, args=(c,),
                             daemon=True).start()

    def close(self):
        self.closing.set()
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        with self.lock:
            clients = list(self.clients)
        for c in clients:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # ---- one client connection ----

    def _serve(self, client):
        up = [None]
        try:
            r = Reader(client)
            while not self.closing.is_set():
                if not self._one_request(client, r, up):
                    break
        except (OSError, ProtocolError, ValueError):
            pass    # the client sees the connection end, as with a fault
        finally:
            with self.lock:
                self.clients.discard(client)
            for s in (client, up[0]):
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass

    def _one_request(self, client, r, up):
        """Relays (or breaks) one request; False when the connection ends."""
        head = r.head()
        if head is None:
            return False
        first, fields = parse_head(head)
        method, target = first[0], first[1]
        if "chunked" in fields.get("transfer-encoding", "").lower():
            raise ProtocolError("chunked request bodies are not supported")
        length = int(fields.get("content-length", "0"))
        if fields.get("expect", "").lower() == "100-continue":
            client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            head = b"".join(ln + b"\r\n" for ln in head.split(b"\r\n")
                            if not ln.lower().startswith(b"expect:"))[:-2]
        self._count("requests")
        mode = self._pick(head.split(b"\r\n", 1)[0].decode("latin-1"),
                          fields)
        if mode is not None:
            self._count(mode)
        if mode == "reset":
            if length > 0:
                r.exact(max(1, length // 2))
            rst_close(client)
            return False
        if mode == "stallbody":
            if length > 0:
                r.exact(min(length, 64 * 1024))
            self.closing.wait(self.stall)
            return False
        body = r.exact(length)
        close_after = fields.get("connection", "").lower() == "close"
        if mode in ERRORS:
            client.sendall(error_response(
                mode, target.split("?")[0], method,
                self.skew if mode == "skew" else 0))
            return not close_after
        if mode == "stall":
            self.closing.wait(self.stall)
            return False
        if self.delay > 0:
            self.closing.wait(self.delay)
        answer, keep = self._forward(up, head, body, method)
        if answer is None:
            self._count("upstream_errors")
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0"
                           b"\r\nConnection: close\r\n\r\n")
            return False
        if mode == "truncate":
            client.sendall(answer[:max(1, len(answer) // 2)])
            client.shutdown(socket.SHUT_WR)
            return False
        client.sendall(answer)
        self._count("forwarded")
        return keep and not close_after

    def _forward(self, up, head, body, method):
        """(whole answer bytes, keep-alive) from upstream, or (None, False).
        A kept-alive upstream connection that went stale is reopened once."""
        for attempt in (1, 2):
            fresh = up[0] is None
            try:
                if fresh:
                    up[0] = socket.create_connection(self.upstream,
                                                     timeout=120)
                up[0].sendall(head + body)
                return self._read_answer(up, method)
            except (OSError, ProtocolError):
                if up[0] is not None:
                    up[0].close()
                    up[0] = None
                if fresh:
                    return None, False
        return None, False

    def _read_answer(self, up, method):
        r = Reader(up[0])
        while True:
            head = r.head()
            if head is None:
                raise ProtocolError("upstream closed")
            first, fields = parse_head(head)
            status = int(first[1])
            if status >= 200 or status == 101:
                break
        out = [head]
        keep = fields.get("connection", "").lower() != "close"
        if method == "HEAD" or status in (204, 304):
            pass
        elif "chunked" in fields.get("transfer-encoding", "").lower():
            while True:
                line = r.line()
                out.append(line)
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while True:
                        t = r.line()
                        out.append(t)
                        if t == b"\r\n":
                            break
                    break
                out.append(r.exact(size + 2))
        elif "content-length" in fields:
            out.append(r.exact(int(fields["content-length"])))
        else:
            out.append(r.rest())
            keep = False
        if not keep:
            up[0].close()
            up[0] = None
        return b"".join(out), keep


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--upstream", required=True, help="HOST:PORT of S3")
    ap.add_argument("--port", type=int, default=0, help="listen port")
    ap.add_argument("--rate", action="append", default=[],
                    metavar="MODE=R", help="fault rate, one of %s" % (
                        ", ".join(MODES)))
    ap.add_argument("--stall", type=float, default=5.0)
    ap.add_argument("--skew", type=float, default=3600)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--match", help="fault only request lines matching")
    ap.add_argument("--limit", type=int, help="at most this many faults")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--control", help="JSON control file, re-read on change")
    ap.add_argument("--stats", help="write the counters there as JSON")
    a = ap.parse_args()
    host, _, port = a.upstream.rpartition(":")
    rates = {}
    for spec in a.rate:
        m, _, r = spec.partition("=")
        rates[m] = float(r)
    p = FaultProxy(host.strip("[]"), int(port), port=a.port, rates=rates,
                   stall=a.stall, delay=a.delay, skew=a.skew, match=a.match,
                   limit=a.limit, seed=a.seed,
                   control=a.control, stats_file=a.stats)
    print("faultproxy: listening on 127.0.0.1:%d" % p.start(), flush=True)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    p.close()
    print("faultproxy: %s" % json.dumps(p.stats()), flush=True)


if __name__ == "__main__":
    main()
