#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write capture files of lab traffic for bunri's flood tests and benchmarks.

Only the standard library (struct), so a million packets take seconds and
nothing needs installing. Every frame is Ethernet + IPv4; the addresses are
the lab's (tools/lab.sh) unless overridden.

  flood_pcap.py flows  N OUT   N distinct forbidden flows lgwan -> mynumber:
                               TCP SYNs from 10.2.0.7 to 10.1.X.Y:PORT, each
                               (dst, dport) pair once, so every packet is a
                               new flow key (alerts, flow-table inserts)
  flood_pcap.py bcast  N OUT   N intra-zone UDP broadcasts 10.2.0.7 ->
                               10.2.255.255:9 (permitted, never alert)
  flood_pcap.py random N OUT   N small packets with random sources and
                               destinations over the lab's zones (some
                               permitted, most not), a capture workload

Options: --src-mac, --dst-mac (default lg's MAC to the gateway's eth2),
--seed.
"""
import argparse
import random
import struct
import sys


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip_bytes(s):
    return bytes(int(x) for x in s.split("."))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload),
                      ident & 0xFFFF,
                      0x4000, 64, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def l4_csum(src, dst, proto, seg):
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, proto, len(seg))
    return csum(pseudo + seg)


def tcp_syn(src, dst, sport, dport, seq):
    seq &= 0xFFFFFFFF
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02,
                      64240, 0, 0)
    c = l4_csum(src, dst, 6, seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, dst, sport, dport, data):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = l4_csum(src, dst, 17, seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb")
        # Classic pcap, microseconds, Ethernet, snaplen 65535.
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0,
                                 65535, 1))
        self.t = 1700000000.0

    def frame(self, dmac, smac, ip):
        fr = dmac + smac + b"\x08\x00" + ip
        if len(fr) < 60:
            fr += b"\0" * (60 - len(fr))
        sec = int(self.t)
        usec = int((self.t - sec) * 1e6)
        self.t += 1e-6
        self.f.write(struct.pack("<IIII", sec, usec, len(fr), len(fr)))
        self.f.write(fr)

    def close(self):
        self.f.close()


# Addresses per lab zone, for the random workload.
ZONES = {
    "mynumber": ["10.1.0.9", "10.1.0.50", "10.1.3.4", "10.100.0.5"],
    "lgwan": ["10.2.0.7", "10.2.0.25", "10.2.0.26", "10.2.7.7"],
    "internet": ["203.0.113.10", "203.0.113.80", "198.51.100.7",
                 "192.0.2.5"],
}


def gen_flows(w, n, dmac, smac, rnd):
    src = ip_bytes("10.2.0.7")
    for i in range(n):
        host = i % 60000
        dport = 1024 + i // 60000
        dst = bytes((10, 1, 1 + host // 250, 1 + host % 250))
        sport = 1024 + rnd.randrange(60000)
        w.frame(dmac, smac, ipv4(src, dst, 6,
                                 tcp_syn(src, dst, sport, dport, i), i))


def gen_bcast(w, n, dmac, smac, rnd):
    src = ip_bytes("10.2.0.7")
    dst = ip_bytes("10.2.255.255")
    del dmac
    bmac = b"\xff" * 6
    for i in range(n):
        w.frame(bmac, smac, ipv4(src, dst, 17,
                                 udp(src, dst, 40000, 9, b"bunri"), i))


def gen_random(w, n, dmac, smac, rnd):
    names = list(ZONES)
    # A pool of distinct packets, repeated: generating each one would
    # make a million-packet file slow to write in Python.
    pool = []
    for i in range(min(n, 4096)):
        zs, zd = rnd.choice(names), rnd.choice(names)
        s = ip_bytes(rnd.choice(ZONES[zs]))
        d = bytearray(ip_bytes(rnd.choice(ZONES[zd])))
        if d[0] == 10:
            d[3] = rnd.randrange(1, 255)
        d = bytes(d)
        if rnd.random() < 0.7:
            pkt = ipv4(s, d, 6, tcp_syn(s, d, rnd.randrange(1024, 65535),
                                         rnd.choice((22, 25, 80, 443, 445,
                                                     3389)), i), i)
        else:
            pkt = ipv4(s, d, 17, udp(s, d, rnd.randrange(1024, 65535),
                                     rnd.choice((53, 123, 514)), b"x" * 8),
                       i)
        pool.append(pkt)
    for i in range(n):
        w.frame(dmac, smac, pool[i % len(pool)])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=["flows", "bcast", "random"])
    p.add_argument("count", type=int)
    p.add_argument("out")
    p.add_argument("--src-mac", default="02:00:00:00:02:07")
    p.add_argument("--dst-mac", default="02:00:00:00:02:01")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    if a.count < 1:
        p.error("count must be positive")
    rnd = random.Random(a.seed)
    w = Writer(a.out)
    gen = {"flows": gen_flows, "bcast": gen_bcast, "random": gen_random}
    gen[a.mode](w, a.count, mac_bytes(a.dst_mac), mac_bytes(a.src_mac), rnd)
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
