#!/usr/bin/env python3
"""Numbered UDP stream for the kubevde hand-off and failover scenarios (bench/handoff, HandoffScenarioTest).

send HOST PORT PPS SECONDS     sends 64-byte datagrams (8-byte big-endian sequence number + padding) at PPS
                               packets/s for SECONDS s, paced by the clock (catches up in bursts under CPU load);
                               prints "start T" (CLOCK_MONOTONIC seconds; datagram k is due at T + k/PPS)
                               first and "sent N" at the end.
recv PORT SECONDS_IDLE         counts datagrams until nothing arrived for SECONDS_IDLE s after the first one, then
                               prints one line: "recv distinct=D dups=U max=M gaps=A-B:N,..." (groups of
                               missing sequence numbers below M, members < 32 apart, N missing in A..B; at most
                               500 groups; "none" when none).
"""
import socket
import struct
import sys
import time


def send(host, port, pps, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    pad = bytes(56)
    total = int(pps * seconds)
    start = time.monotonic()
    print("start %.6f" % start, flush=True)  # CLOCK_MONOTONIC, as Java's System.nanoTime()
    seq = 0
    while seq < total:
        due = min(total, int((time.monotonic() - start) * pps) + 1)
        while seq < due:
            try:
                s.sendto(struct.pack("!Q", seq) + pad, (host, port))
            except OSError:
                pass  # counted as lost at the receiver
            seq += 1
        time.sleep(0.0005)
    print("sent %d" % seq, flush=True)


def recv(port, idle):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("0.0.0.0", port))
    print("ready", flush=True)
    seen = bytearray()
    distinct = dups = 0
    maxseq = -1
    s.settimeout(None)
    while True:
        try:
            data = s.recv(2048)
        except socket.timeout:
            break
        s.settimeout(idle)
        if len(data) < 8:
            continue
        seq = struct.unpack_from("!Q", data)[0]
        if seq >= len(seen):
            seen.extend(bytes(seq + 1 - len(seen) + 65536))
        if seen[seq]:
            dups += 1
        else:
            seen[seq] = 1
            distinct += 1
        maxseq = max(maxseq, seq)
    # missing sequence numbers, grouped: a group spans missing numbers less than 32 apart ("a-b:n" = n missing
    # between a and b; alternate losses of a bond with one dead link form one group)
    gaps = []
    start = last = -1
    count = 0
    for i in range(maxseq + 1):
        if seen[i]:
            continue
        if start >= 0 and i - last < 32:
            last = i
            count += 1
            continue
        if start >= 0:
            gaps.append("%d-%d:%d" % (start, last, count))
        start = last = i
        count = 1
    if start >= 0:
        gaps.append("%d-%d:%d" % (start, last, count))
    print("recv distinct=%d dups=%d max=%d gaps=%s" % (distinct, dups, maxseq, ",".join(gaps[:500]) or "none"),
          flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    else:
        recv(int(sys.argv[2]), float(sys.argv[3]))
