"""Peers that get stuck, for the tests of waits that must end (a signal, a
deadline). A loopback server in threads, one of three modes:

  silent   accept every connection, read what comes, never answer
  drip     read a request head, then send a valid answer one byte every
           `interval` seconds (a long one: many header lines)
  proxy    forward each request to `upstream` (radosgw's plain HTTP port),
           one connection each; for a request whose request line matches
           `stall` (a regular expression), send the answer's head and
           `stall_after` bytes of it, then nothing more, holding the
           connection open; for one that matches `drip`, send the answer
           one byte every `interval` seconds

    with StuckServer("silent") as srv:
        url = srv.url              # http://127.0.0.1:PORT
        srv.wait_connections(1)    # a client is connected and waiting
"""
import re
import socket
import threading
import time

from badserver import listen_loopback


class StuckServer:
    def __init__(self, mode, interval=1.0, upstream=None, stall=None,
                 stall_after=1 << 20, drip=None):
        self.mode, self.interval = mode, interval
        self.upstream, self.stall_after = upstream, stall_after
        self.stall = re.compile(stall) if stall else None
        self.drip = re.compile(drip) if drip else None
        self.connections = 0
        self.stalled = 0            # answers held back (proxy)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.held = []
        self.sock, self.port, self.url = listen_loopback(64)
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self.stopping.set()
        self.sock.close()
        for c in self.held:
            try:
                c.close()
            except OSError:
                pass

    def wait_connections(self, n, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                if self.connections >= n:
                    return True
            time.sleep(0.05)
        return False

    def wait_stalled(self, n, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                if self.stalled >= n:
                    return True
            time.sleep(0.05)
        return False

    def _accept(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
                self.held.append(conn)
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    def _serve(self, conn):
        try:
            getattr(self, "_" + self.mode)(conn)
        except OSError:
            pass

    def _silent(self, conn):
        conn.settimeout(0.5)
        while not self.stopping.is_set():
            try:
                if not conn.recv(65536):
                    return
            except socket.timeout:
                continue

    @staticmethod
    def _read_request(conn):
        """A request head and its Content-Length body, or None at EOF."""
        data = b""
        while b"\r\n\r\n" not in data:
            d = conn.recv(65536)
            if not d:
                return None
            data += d
        head, _, body = data.partition(b"\r\n\r\n")
        m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        want = int(m.group(1)) if m else 0
        while len(body) < want:
            d = conn.recv(65536)
            if not d:
                return None
            body += d
        return head, body

    def _drip(self, conn):
        if self._read_request(conn) is None:
            return
        answer = (b"HTTP/1.1 200 OK\r\n" +
                  b"".join(b"X-Drip-%03d: x\r\n" % i for i in range(200)) +
                  b"Content-Length: 0\r\n\r\n")
        for i in range(len(answer)):
            if self.stopping.wait(self.interval if i else 0):
                return
            conn.sendall(answer[i:i + 1])

    def _proxy(self, conn):
        while not self.stopping.is_set():
            req = self._read_request(conn)
            if req is None:
                return
            head, body = req
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            # One upstream connection per request, closed by the answer.
            head = re.sub(rb"(?im)^connection:[^\r\n]*\r\n", b"",
                          head + b"\r\n") + b"Connection: close\r\n\r\n"
            host, port = self.upstream
            with socket.create_connection((host, port), timeout=60) as up:
                up.sendall(head + body)
                answer = b""
                while True:
                    d = up.recv(1 << 20)
                    if not d:
                        break
                    answer += d
            if self.stall and self.stall.search(line):
                hlen = answer.find(b"\r\n\r\n") + 4
                conn.sendall(answer[:hlen + self.stall_after])
                with self.lock:
                    self.stalled += 1
                self.stopping.wait()        # nothing more, ever
                return
            if self.drip and self.drip.search(line):
                with self.lock:
                    self.stalled += 1
                for i in range(len(answer)):
                    if self.stopping.wait(self.interval if i else 0):
                        return
                    conn.sendall(answer[i:i + 1])
                return
            conn.sendall(answer)
            return          # the answer said Connection: close
