#!/usr/bin/env python3
"""netlab_probe.py - plain-socket timings inside the lab, independent of tlsprof.

Runs a TCP server thread and a client in one process (one clock), so one-way
delays can be measured directly: each message carries its send time
(CLOCK_MONOTONIC) and the server subtracts it from its arrival time.

  netlab_probe.py connect N        N sequential connections; per connection:
                                   connect() time, one-way delay of a burst of
                                   back-to-back messages, and a 1-byte ping RTT
  netlab_probe.py bulk N BYTES     N connections each sending BYTES to the server
                                   and waiting for its 1-byte acknowledgement

Prints one JSON object on stdout: {"port":..., "connect_ms": [...], ...}.
Every socket operation has a timeout, so a broken lab fails instead of hanging.
"""
import json
import socket
import struct
import sys
import threading
import time

BURST = 8  # within the initial congestion window, so no message waits for an ACK
MSG = struct.Struct("!QQ")  # sequence number, send time in ns
TIMEOUT_S = 30


def now_ns():
    return time.monotonic_ns()


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("peer closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def serve_connect(srv, count, oneway_ms):
    for _ in range(count):
        conn, _ = srv.accept()
        conn.settimeout(TIMEOUT_S)
        with conn:
            for _ in range(BURST):
                _, sent = MSG.unpack(recv_exact(conn, MSG.size))
                oneway_ms.append((now_ns() - sent) / 1e6)
            conn.sendall(b"k")  # burst done
            recv_exact(conn, 1)  # ping
            conn.sendall(b"q")  # pong
            recv_exact(conn, 1)  # wait for the client to finish


def serve_bulk(srv, count, size):
    for _ in range(count):
        conn, _ = srv.accept()
        conn.settimeout(TIMEOUT_S)
        with conn:
            left = size
            while left > 0:
                chunk = conn.recv(min(left, 65536))
                if not chunk:
                    raise ConnectionError("bulk sender closed early")
                left -= len(chunk)
            conn.sendall(b"k")
            recv_exact(conn, 1)


def client(port):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.settimeout(TIMEOUT_S)
    t0 = now_ns()
    c.connect(("127.0.0.1", port))
    return c, (now_ns() - t0) / 1e6


def main(argv):
    if len(argv) < 3 or argv[1] not in ("connect", "bulk"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, count = argv[1], int(argv[2])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.settimeout(TIMEOUT_S)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    port = srv.getsockname()[1]
    result = {"port": port, "mode": mode, "connect_ms": [], "oneway_ms": [], "rtt_ms": [],
              "transfer_ms": []}
    errors = []

    if mode == "connect":
        target, args = serve_connect, (srv, count, result["oneway_ms"])
    else:
        size = int(argv[3])
        target, args = serve_bulk, (srv, count, size)

    def guarded():
        try:
            target(*args)
        except Exception as e:  # reported in the JSON, and the exit code
            errors.append("server: %r" % e)

    th = threading.Thread(target=guarded, daemon=True)
    th.start()
    try:
        for _ in range(count):
            c, ms = client(port)
            result["connect_ms"].append(ms)
            with c:
                if mode == "connect":
                    for seq in range(BURST):
                        c.sendall(MSG.pack(seq, now_ns()))
                    recv_exact(c, 1)
                    t0 = now_ns()
                    c.sendall(b"p")
                    recv_exact(c, 1)
                    result["rtt_ms"].append((now_ns() - t0) / 1e6)
                else:
                    t0 = now_ns()
                    c.sendall(b"x" * size)
                    recv_exact(c, 1)
                    result["transfer_ms"].append((now_ns() - t0) / 1e6)
                c.sendall(b"z")
    except Exception as e:
        errors.append("client: %r" % e)
    th.join(TIMEOUT_S)
    result["errors"] = errors
    print(json.dumps(result))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
