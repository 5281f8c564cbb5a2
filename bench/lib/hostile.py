#!/usr/bin/env python3
"""Attack traffic and probes for bench/hostile (issue 11). Every command sends only to the addresses it is given
(bench/hostile gives it addresses that exist only inside its own network namespaces).

forge HOST PORT VNI COUNT PPS DSTMAC SRCMAC DSTIP
        sends COUNT vxvde datagrams (vde-protocols.md §4.4: 08 00 00 00, 24-bit VNI, 00) from an ordinary UDP socket
        to HOST:PORT at PPS datagrams/s; each carries an Ethernet frame DSTMAC <- SRCMAC, IPv4 10.250.0.66 -> DSTIP,
        UDP 40000 -> 9 (discard), 18 payload bytes. Prints "sent N".
replay PCAP DSTIP DSTPORT PPS
        reads a tcpdump -w capture (link type Ethernet), takes every IPv4/UDP packet to DSTIP:DSTPORT (DSTPORT 0: any
        port) and sends it
        again unchanged but for the UDP checksum (set to 0 = none, so a capture's unfinished offload checksum does
        not matter) through a raw socket with IP_HDRINCL: the source address and port stay the captured sender's
        (spoofed). Prints "replayed N".
flood IFACE PPS SECONDS
        writes Ethernet frames with random locally administered unicast source MACs and random unknown unicast
        destinations (EtherType 0x88B5, local experimental) to IFACE through an AF_PACKET raw socket, PPS frames/s
        for SECONDS s, paced by the clock. Prints "flood sent N in S s".
console SOCK CMD
        runs one command on a vde_switch management console (vde-protocols.md §9.3) and prints its DATA lines.
macpoll SOCK INTERVAL SECONDS
        polls hash/print every INTERVAL s for SECONDS s (or until SIGTERM) and prints "macs_max=N samples=K".
cpusnap NAME=PID...
        prints one line per thread of each process: "NAME TID THREADNAME TICKS" (utime+stime, /proc/PID/task/TID/stat).
cpudiff BEFORE AFTER N
        prints the N threads that used the most CPU between two cpusnap outputs, in ms, plus the total.
p99 FILE
        prints the 99th percentile (nearest rank) of the "time=X ms" values of a ping output file, and their count.
"""
import os
import random
import signal
import socket
import struct
import sys
import time


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def ip_checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def forged_frame(dstmac, srcmac, dstip):
    payload = b"kubevde-forged-ok"[:18].ljust(18, b"!")
    udp = struct.pack("!HHHH", 40000, 9, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     socket.inet_aton("10.250.0.66"), socket.inet_aton(dstip))
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    return mac_bytes(dstmac) + mac_bytes(srcmac) + b"\x08\x00" + ip + udp


def paced(total, pps, send_one):
    """Calls send_one(k) for k in 0..total-1 at pps per second (catching up in bursts); returns the count sent."""
    start = time.monotonic()
    k = 0
    while k < total:
        due = min(total, int((time.monotonic() - start) * pps) + 1)
        while k < due:
            try:
                send_one(k)
            except OSError:
                pass
            k += 1
        time.sleep(0.0005)
    return k


def forge(host, port, vni, count, pps, dstmac, srcmac, dstip):
    header = struct.pack("!I", 0x08000000) + struct.pack("!I", int(vni) << 8)
    datagram = header + forged_frame(dstmac, srcmac, dstip)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    addr = (host, int(port))
    n = paced(int(count), float(pps), lambda k: s.sendto(datagram, addr))
    print("sent %d" % n, flush=True)


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        end = ">"
    else:
        raise SystemExit("replay: %s is not a pcap file (use tcpdump -w)" % path)
    linktype = struct.unpack_from(end + "I", data, 20)[0]
    if linktype != 1:
        raise SystemExit("replay: link type %d, expected 1 (Ethernet)" % linktype)
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack_from(end + "I", data, off + 8)[0]
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def replay(path, dstip, dstport, pps):
    dst = socket.inet_aton(dstip)
    packets = []
    for frame in read_pcap(path):
        if len(frame) < 14 + 28 or frame[12:14] != b"\x08\x00":
            continue
        ip = bytearray(frame[14:])
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 17 or bytes(ip[16:20]) != dst or (
                int(dstport) and struct.unpack_from("!H", ip, ihl + 2)[0] != int(dstport)):
            continue
        total = struct.unpack_from("!H", ip, 2)[0]
        if total > len(ip):
            continue  # truncated capture: tcpdump -s 0 keeps whole packets
        ip = ip[:total]
        struct.pack_into("!H", ip, ihl + 6, 0)  # UDP checksum 0 = none (IPv4)
        packets.append(bytes(ip))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)  # implies IP_HDRINCL
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    n = paced(len(packets), float(pps), lambda k: s.sendto(packets[k], (dstip, 0)))
    print("replayed %d" % n, flush=True)


def flood(iface, pps, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    total = int(float(pps) * float(seconds))
    pool = 1 << 16  # distinct frames, cycled: 65536 random source MACs
    rnd = bytearray(os.urandom(12 * pool))
    frames = []
    tail = b"\x88\xb5" + b"kubevde-mac-flood".ljust(46, b".")
    for i in range(pool):
        d = rnd[12 * i:12 * i + 6]
        src = rnd[12 * i + 6:12 * i + 12]
        d[0] = (d[0] & 0xFC) | 0x02     # unicast, locally administered
        src[0] = (src[0] & 0xFC) | 0x02
        frames.append(bytes(d) + bytes(src) + tail)
    start = time.monotonic()
    cpu0 = time.process_time()
    n = paced(total, float(pps), lambda k: s.send(frames[k & (pool - 1)]))
    print("flood sent %d in %.2f s (flooder CPU %.2f s)" % (n, time.monotonic() - start, time.process_time() - cpu0),
          flush=True)


class Console:
    """A vde_switch management console client: banner, 'vde$ ' prompt, DATA lines, '1000 Success' (§9.3)."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(5)
        self.s.connect(path)
        self.buf = b""
        self._until(b"vde$ ")

    def _until(self, marker):
        while marker not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("console closed")
            self.buf += chunk
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out.decode(errors="replace")

    def run(self, cmd):
        self.s.sendall(cmd.encode() + b"\n")
        text = self._until(b"vde$ ")
        lines = text.splitlines()
        data, inside = [], False
        for line in lines:
            if line.startswith("0000 DATA END WITH"):
                inside = True
            elif inside and line == ".":
                inside = False
            elif inside:
                data.append(line)
        return data, [l for l in lines if l[:4].isdigit() and l[4:5] == " "]


def console(path, cmd):
    data, status = Console(path).run(cmd)
    for line in data:
        print(line)
    for line in status:
        if not line.startswith(("0000", "1000")):
            print(line, file=sys.stderr)


def macpoll(path, interval, seconds):
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    c = Console(path)
    best = samples = 0
    end = time.monotonic() + float(seconds)
    while not stop[0] and time.monotonic() < end:
        try:
            data, _ = c.run("hash/print")
        except (OSError, EOFError):
            break
        best = max(best, sum(1 for l in data if l.startswith("Hash:")))
        samples += 1
        time.sleep(float(interval))
    print("macs_max=%d samples=%d" % (best, samples), flush=True)


def cpusnap(*procs):
    for item in procs:
        name, pid = item.split("=", 1)
        try:
            tids = os.listdir("/proc/%s/task" % pid)
        except OSError:
            continue
        for tid in tids:
            try:
                with open("/proc/%s/task/%s/stat" % (pid, tid)) as f:
                    stat = f.read()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1:stat.rindex(")")].replace(" ", "_")
            fields = stat[stat.rindex(")") + 2:].split()
            print(name, tid, comm, int(fields[11]) + int(fields[12]))


def cpudiff(before, after, n):
    tick_ms = 1000.0 / os.sysconf("SC_CLK_TCK")
    old = {}
    with open(before) as f:
        for line in f:
            name, tid, comm, ticks = line.split()
            old[(name, tid)] = int(ticks)
    rows = []
    with open(after) as f:
        for line in f:
            name, tid, comm, ticks = line.split()
            rows.append(((int(ticks) - old.get((name, tid), 0)) * tick_ms, name, comm))
    rows.sort(reverse=True)
    for ms, name, comm in rows[:int(n)]:
        print("%8.0f  %-12s %s" % (ms, name, comm))
    print("%8.0f  total" % sum(r[0] for r in rows))


def p99(path):
    vals = []
    with open(path) as f:
        for line in f:
            i = line.find("time=")
            if i >= 0:
                vals.append(float(line[i + 5:].split()[0]))
    vals.sort()
    if not vals:
        print("0 0")
        return
    rank = max(1, -(-99 * len(vals) // 100))  # nearest rank
    print("%.3f %d" % (vals[rank - 1], len(vals)))


def main(argv):
    cmds = {"forge": (forge, 8), "replay": (replay, 4), "flood": (flood, 3), "console": (console, 2),
            "macpoll": (macpoll, 3), "p99": (p99, 1),
            "cpusnap": (cpusnap, None), "cpudiff": (cpudiff, 3)}
    if len(argv) < 2 or argv[1] not in cmds or cmds[argv[1]][1] not in (None, len(argv) - 2):
        print(__doc__, file=sys.stderr)
        return 2
    cmds[argv[1]][0](*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
