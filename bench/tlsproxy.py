#!/usr/bin/python3
"""tlsproxy.py: a counting TCP relay for the benchmark: counts connections
and TLS handshakes, full and resumed, of whatever client goes through it.

Why a relay: it sees every client the same way from outside and needs no
decryption, since the ClientHello and ServerHello of TLS 1.2 and 1.3 travel
in the clear. (A packet capture on loopback would cost the clients nothing,
but on the benchmark machine it lost most packets.) The relay adds a hop,
so bench.py counts in runs of their own and times other runs without it.

A handshake counts as resumed when:
- TLS 1.3 (the ServerHello's supported_versions says 0x0304): the ServerHello
  carries pre_shared_key (extension 41): the server took the client's ticket;
- TLS 1.2: the ServerHello echoes the non-empty session id the client
  offered (session-id resumption, and RFC 5077 tickets, for which the
  server echoes the id sent beside the ticket).

    tlsproxy.py LISTEN_PORT TARGET_PORT
Listens on 127.0.0.1, prints "ready" when it does; on SIGTERM or SIGINT
prints one JSON line of counts and exits.
"""
import asyncio
import json
import signal
import struct
import sys

HELLO_MAX = 1 << 16     # stop looking for a hello after this many bytes

counts = {"connections": 0, "handshakes": 0, "full": 0, "resumed": 0,
          "tls12": 0, "tls13": 0, "bytes_up": 0, "bytes_down": 0}


def extensions(body, pos):
    """Parses a hello's extensions block at pos: {type: data}."""
    out = {}
    if pos + 2 > len(body):
        return out
    end = min(len(body), pos + 2 + struct.unpack(">H", body[pos:pos + 2])[0])
    pos += 2
    while pos + 4 <= end:
        etype, elen = struct.unpack(">HH", body[pos:pos + 4])
        out[etype] = body[pos + 4:pos + 4 + elen]
        pos += 4 + elen
    return out


def hello(data):
    """(type, session id, extensions) of the hello message at the start of
    data, None when more bytes are needed, False when it is not a hello."""
    if len(data) < 9:
        return None
    if data[0] != 0x16 or data[5] not in (1, 2):
        return False
    need = 9 + int.from_bytes(data[6:9], "big")
    if len(data) < need:
        return None
    # A hello longer than one record would continue in the next record;
    # hellos here are a few hundred bytes, far below the 16 KiB record.
    body = data[9:need]
    if len(body) < 35:
        return False
    sid_len = body[34]
    sid = bytes(body[35:35 + sid_len])
    pos = 35 + sid_len
    if data[5] == 1:
        if pos + 2 > len(body):
            return 1, sid, {}
        pos += 2 + struct.unpack(">H", body[pos:pos + 2])[0]
        if pos >= len(body):
            return 1, sid, {}
        pos += 1 + body[pos]
    else:
        pos += 3    # cipher suite, compression method
    return data[5], sid, extensions(body, pos)


class Conn:
    def __init__(self):
        self.offered = None     # the ClientHello's session id
        self.done = {1: False, 2: False}
        self.seen = {1: bytearray(), 2: bytearray()}

    def look(self, direction, chunk):
        """direction 1: client to server, 2: server to client."""
        if self.done[direction]:
            return
        buf = self.seen[direction]
        buf += chunk
        h = hello(buf)
        if h is None and len(buf) < HELLO_MAX:
            return
        self.done[direction] = True
        self.seen[direction] = None
        if not h or h[0] != direction:
            return
        _, sid, ext = h
        if direction == 1:
            self.offered = sid
            return
        counts["handshakes"] += 1
        sv = ext.get(43)
        if sv is not None and sv[:2] == b"\x03\x04":
            counts["tls13"] += 1
            resumed = 41 in ext
        else:
            counts["tls12"] += 1
            resumed = len(sid) > 0 and sid == self.offered
        counts["resumed" if resumed else "full"] += 1


async def pipe(reader, writer, conn, direction):
    key = "bytes_up" if direction == 1 else "bytes_down"
    try:
        while True:
            chunk = await reader.read(256 * 1024)
            if not chunk:
                break
            conn.look(direction, chunk)
            counts[key] += len(chunk)
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            if writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            pass


async def handle(creader, cwriter, target):
    counts["connections"] += 1
    swriter = None
    try:
        sreader, swriter = await asyncio.open_connection("127.0.0.1", target)
        conn = Conn()
        up = asyncio.ensure_future(pipe(creader, swriter, conn, 1))
        down = asyncio.ensure_future(pipe(sreader, cwriter, conn, 2))
        # When one side is done, give the other a moment to finish (the
        # last response), then drop the connection.
        _, pending = await asyncio.wait({up, down},
                                        return_when=asyncio.FIRST_COMPLETED)
        if pending:
            _, pending = await asyncio.wait(pending, timeout=2)
        for t in pending:
            t.cancel()
    except (OSError, asyncio.CancelledError):
        pass
    finally:
        for w in (cwriter, swriter):
            if w is not None:
                w.close()


async def main(listen, target):
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, target), "127.0.0.1", listen,
        reuse_address=True)
    print("ready", flush=True)
    await stop.wait()
    server.close()
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: tlsproxy.py LISTEN_PORT TARGET_PORT")
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
