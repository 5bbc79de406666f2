"""A scripted HTTP server for the bad-answer tests: it listens on a free
loopback port and answers every request with the same fixed bytes, however
wrong they are, then closes the connection.

    with BadServer(b"HTTP/1.1 2OO OK\\r\\n\\r\\n") as srv:
        url = srv.url            # http://127.0.0.1:PORT
        ...
        srv.requests             # the request heads it received
"""
import socket
import threading


def listen_loopback(backlog):
    """A TCP socket listening on a free port of 127.0.0.1, its accept()
    timing out every 0.2 s so that a stop is seen; with its port and URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(backlog)
    sock.settimeout(0.2)
    port = sock.getsockname()[1]
    return sock, port, "http://127.0.0.1:%d" % port


class BadServer:
    def __init__(self, answer, close_after=True):
        self.answer = answer
        self.close_after = close_after
        self.requests = []
        self.sock, self.port, self.url = listen_loopback(16)
        self.stopping = False
        self.threads = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def _accept(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(conn,),
                                 daemon=True)
            t.start()
            self.threads.append(t)

    def _read_head(self, conn):
        """The request head (a body, if any, is left unread); for what is
        not HTTP (a TLS ClientHello), the first bytes."""
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            d = conn.recv(4096)
            if not d:
                break
            data += d
            if not data[:1].isalpha():
                break
        return data

    def _serve(self, conn):
        conn.settimeout(10)
        try:
            head = self._read_head(conn)
            self.requests.append(head)
            if self.answer:
                conn.sendall(self.answer)
            if not self.close_after:
                # Hold the connection until the client gives up on it.
                while not self.stopping and conn.recv(4096):
                    pass
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass    # the client may close first: that is its right
        finally:
            conn.close()

    def stop(self):
        self.stopping = True
        self.sock.close()
        self.acceptor.join(5)
        for t in self.threads:
            t.join(5)
