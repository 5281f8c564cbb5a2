# VLAN sub-interfaces in user space, for kernels without 802.1Q support (no 8021q, no bridge
# vlan_filtering, no tc vlan action; platform-notes.md): what `ip link add link PARENT name
# PARENT.VID type vlan id VID` does, for each VID given. Each sub-interface is a tap with the
# parent's MAC; frames written by its stack leave the parent tagged VID (TPID 0x8100, PCP 0),
# frames arriving on the parent tagged VID come out of it untagged. Frames on the parent that the
# kernel untagged (skb hwaccel tag) are recognised through PACKET_AUXDATA.
# Usage: python3 vlan-subif.py PARENT VID [VID...]; prints "ready" once the taps exist, runs until
# killed.
import fcntl, os, select, socket, struct, sys

parent, vids = sys.argv[1], [int(v) for v in sys.argv[2:]]
SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID, PACKET_OUTGOING = 263, 8, 0x10, 4
TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454CA, 0x0002, 0x1000

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
s.bind((parent, 0))
mac = open("/sys/class/net/%s/address" % parent).read().strip()
taps = {}
for vid in vids:
    fd = os.open("/dev/net/tun", os.O_RDWR)
    name = "%s.%d" % (parent, vid)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    os.system("ip link set %s address %s" % (name, mac))
    taps[vid] = fd
by_fd = {fd: vid for vid, fd in taps.items()}
print("ready", flush=True)

while True:
    ready, _, _ = select.select([s.fileno()] + list(by_fd), [], [])
    for r in ready:
        if r == s.fileno():
            data, anc, _, addr = s.recvmsg(65536, socket.CMSG_SPACE(20))
            if addr[2] == PACKET_OUTGOING or len(data) < 14:
                continue
            vid = None
            for level, kind, value in anc:
                if level == SOL_PACKET and kind == PACKET_AUXDATA and len(value) >= 20:
                    status, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", value[:20])
                    if status & TP_STATUS_VLAN_VALID:
                        vid = tci & 0xFFF
            if vid is None and data[12:14] == b"\x81\x00" and len(data) >= 18:
                vid = struct.unpack("!H", data[14:16])[0] & 0xFFF
                data = data[:12] + data[16:]
            if vid in taps:
                os.write(taps[vid], data)
        else:
            frame = os.read(r, 65536)
            if len(frame) >= 14:
                s.send(frame[:12] + struct.pack("!HH", 0x8100, by_fd[r]) + frame[12:])
