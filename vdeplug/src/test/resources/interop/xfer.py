#!/usr/bin/env python3
"""Exact TCP transfer check for the interop tests (vdeplug).

  xfer.py sink HOST PORT            accept one connection, read to EOF, reply "<bytes> <sha256>\n", exit
  xfer.py send HOST PORT NBYTES     connect (retrying up to 30 s), send NBYTES of deterministic data, half-close,
                                    read the sink's reply; print "OK <bytes>" and exit 0 when count and hash match
"""
import hashlib
import socket
import sys
import time


def data(n):
    block = bytes(range(256)) * 256  # 64 KiB
    out = bytearray()
    while len(out) < n:
        out += block
    return bytes(out[:n])


def sink(host, port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(1)
    print("listening", flush=True)
    conn, _ = srv.accept()
    h = hashlib.sha256()
    n = 0
    while True:
        b = conn.recv(65536)
        if not b:
            break
        h.update(b)
        n += len(b)
    conn.sendall(("%d %s\n" % (n, h.hexdigest())).encode())
    conn.close()


def send(host, port, nbytes):
    payload = data(nbytes)
    deadline = time.time() + 30
    while True:
        try:
            s = socket.create_connection((host, port), timeout=10)
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.3)
    s.settimeout(60)
    s.sendall(payload)
    s.shutdown(socket.SHUT_WR)
    reply = b""
    while not reply.endswith(b"\n"):
        b = s.recv(1000)
        if not b:
            break
        reply += b
    got = reply.decode().split()
    want = [str(nbytes), hashlib.sha256(payload).hexdigest()]
    if got == want:
        print("OK %d" % nbytes)
        return 0
    print("MISMATCH sent %s got %s" % (want, got))
    return 1


if __name__ == "__main__":
    if sys.argv[1] == "sink":
        sink(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
