#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen_pcap: crafted packet captures for bunri's tests and benchmarks.

As a library (sys.path.insert(0, "tools"); import gen_pcap):

  writing    write_pcap(path, records, linktype=LINK_ETHERNET, snaplen=65535,
                        start=1700000000.0, interval=0.001)
             write_pcapng(path, records, ...) with the same arguments.
             A record is a scapy packet, bytes, or a Rec(data, ts=None,
             wire_len=None); ts (float seconds) overrides the start/interval
             clock, wire_len > len(data) records a truncated capture.
             snaplen cuts every packet longer than it (wire length kept).
  building   ip_packet(src, dst, proto="tcp"|"udp"|"icmp", sport, dport,
                       flags="S", payload=b"", vlans=(), src_mac, dst_mac)
             IPv4 or IPv6 by the address family; vlans=(outer, inner...)
             adds 802.1ad + 802.1Q tags.
             fragments(pkt, size) IPv4 (scapy fragment) or IPv6 (fragment6)
             fragments, each still on Ethernet.
             truncate(pkt, n) a Rec of the first n bytes.
             arp(op, sender_mac, sender_ip, target_ip),
             nd_ns(src_ip, src_mac, target), nd_na(target, mac)
             to_sll(pkt) / to_sll2(pkt) Ethernet frame to Linux cooked v1/v2
             (write with LINK_SLL / LINK_SLL2), to_raw(pkt) the IP packet
             alone (LINK_RAW).
  fast       write_random(path, count, seed, prefixes=None, ...) and
             write_flows(path, flows, prefixes=None, ...) write pcap files
             with struct and templates, without scapy (millions a second
             are out of scapy's reach).

Commands (see --help of each):
  random OUT --count N --seed S [--prefixes FILE]   benchmark traffic
  flows OUT --flows N [--prefixes FILE]             one packet per flow
  sample OUT [--link ether|sll|sll2|raw] [--pcapng] one of every kind
  seeds DIR [--detect DIR2]                          fuzzer seeds

A prefixes FILE has one "PREFIX [ZONE]" per line ("10.1.0.0/16 lgwan");
'#' starts a comment. Addresses are drawn uniformly from a random prefix,
so generated traffic lands in the configured zones.
"""

import argparse
import ipaddress
import os
import random
import struct
import sys
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

LINK_ETHERNET = 1
LINK_RAW = 101
LINK_SLL = 113
LINK_IPV4 = 228
LINK_IPV6 = 229
LINK_SLL2 = 276

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"

# Record of the scapy import, so that the fast commands work without it.
_scapy = None


def _s():
    """scapy.all, imported on first use (it takes a second to load)."""
    global _scapy
    if _scapy is None:
        import logging

        logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
        import scapy.all as scapy_all

        _scapy = scapy_all
    return _scapy


# ---------------------------------------------------------------- writing


@dataclass
class Rec:
    """One captured packet: bytes, optional time and length on the wire."""

    data: bytes
    ts: Optional[float] = None
    wire_len: Optional[int] = None


def _records(records: Iterable, snaplen: int, start: float, interval: float):
    """(ts_usec, caplen data, wire_len) for each record."""
    for i, r in enumerate(records):
        if not isinstance(r, Rec):
            r = Rec(bytes(r))
        data = bytes(r.data)
        wire = r.wire_len if r.wire_len is not None else len(data)
        wire = max(wire, len(data))
        data = data[:snaplen]
        ts = r.ts if r.ts is not None else start + i * interval
        yield int(round(ts * 1e6)), data, wire


def write_pcap(path: str, records: Iterable, linktype: int = LINK_ETHERNET,
               snaplen: int = 65535, start: float = 1700000000.0,
               interval: float = 0.001) -> int:
    """Write a classic pcap (microseconds, little-endian). Returns count."""
    n = 0
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen,
                            linktype))
        for usec, data, wire in _records(records, snaplen, start, interval):
            sec, us = divmod(usec, 1000000)
            f.write(struct.pack("<IIII", sec, us, len(data), wire))
            f.write(data)
            n += 1
    return n


def _pcapng_block(btype: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    total = len(body) + 12
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def write_pcapng(path: str, records: Iterable,
                 linktype: int = LINK_ETHERNET, snaplen: int = 65535,
                 start: float = 1700000000.0, interval: float = 0.001) -> int:
    """Write pcapng: one section, one interface (microsecond resolution)."""
    n = 0
    with open(path, "wb") as f:
        # Section header: byte-order magic, version 1.0, length unknown.
        f.write(_pcapng_block(0x0A0D0D0A, struct.pack(
            "<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        # Interface description; no options, so the default 10^-6 units.
        f.write(_pcapng_block(1, struct.pack("<HHI", linktype, 0, snaplen)))
        for usec, data, wire in _records(records, snaplen, start, interval):
            f.write(_pcapng_block(6, struct.pack(
                "<IIIII", 0, usec >> 32, usec & 0xFFFFFFFF, len(data),
                wire) + data))
            n += 1
    return n


# --------------------------------------------------------------- building


def _is_v6(addr: str) -> bool:
    return ipaddress.ip_address(addr).version == 6


def ip_packet(src: str, dst: str, proto: str = "tcp", sport: int = 40000,
              dport: int = 443, flags: str = "S", payload: bytes = b"",
              vlans: Sequence[int] = (), src_mac: str = MAC_A,
              dst_mac: str = MAC_B, icmp_type: Optional[int] = None):
    """Ethernet / [tags] / IPv4 or IPv6 / TCP, UDP or ICMP(v6) echo."""
    s = _s()
    if _is_v6(src):
        l3 = s.IPv6(src=src, dst=dst)
    else:
        l3 = s.IP(src=src, dst=dst)
    if proto == "tcp":
        l4 = s.TCP(sport=sport, dport=dport, flags=flags)
    elif proto == "udp":
        l4 = s.UDP(sport=sport, dport=dport)
    elif proto == "icmp":
        if _is_v6(src):
            l4 = s.ICMPv6EchoRequest() if icmp_type is None else \
                s.ICMPv6Unknown(type=icmp_type)
        else:
            l4 = s.ICMP(type=8 if icmp_type is None else icmp_type)
    else:
        raise ValueError("proto must be tcp, udp or icmp: %r" % proto)
    return _ether(l3 / l4 / s.Raw(payload) if payload else l3 / l4,
                  vlans, src_mac, dst_mac)


def _ether(l3, vlans: Sequence[int] = (), src_mac: str = MAC_A,
           dst_mac: str = MAC_B):
    """Put @l3 on Ethernet, behind 802.1ad (outer) and 802.1Q tags."""
    s = _s()
    pkt = s.Ether(src=src_mac, dst=dst_mac)
    for i, vid in enumerate(vlans):
        tag = s.Dot1AD(vlan=vid) if i == 0 and len(vlans) > 1 else \
            s.Dot1Q(vlan=vid)
        pkt = pkt / tag
    return pkt / l3


def fragments(pkt, size: int = 64) -> list:
    """Fragments of an Ethernet/IP(v6) packet of at most @size payload."""
    s = _s()
    if s.IPv6 in pkt:
        ip6 = pkt[s.IPv6].copy()
        if s.IPv6ExtHdrFragment not in ip6:
            # fragment6 needs the header in place; it goes after IPv6.
            ip6 = s.IPv6(bytes(ip6))
            inner = ip6.payload
            ip6.remove_payload()
            # The rebuilt header still names the old next header and
            # length: the fragment header comes next now.
            ip6.nh = 44
            ip6.plen = None
            ip6 = ip6 / s.IPv6ExtHdrFragment() / inner
        # fragment6's size is the whole fragment, 40 + 8 + data.
        frags = s.fragment6(ip6, size + 48)
        return [_rewrap(pkt, f) for f in frags]
    return [_rewrap(pkt, f[s.IP]) for f in s.fragment(pkt[s.IP], size)]


def _rewrap(orig, l3):
    """@l3 under the same link layer (Ethernet and tags) as @orig."""
    s = _s()
    tags = [l.vlan for l in _layers(orig) if isinstance(l, (s.Dot1Q,
                                                            s.Dot1AD))]
    e = orig[s.Ether]
    return _ether(l3, tags, e.src, e.dst)


def _layers(pkt):
    p = pkt
    while p:
        yield p
        p = p.payload


def truncate(pkt, n: int, ts: Optional[float] = None) -> Rec:
    """A record of only the first @n bytes of @pkt, as a snaplen would."""
    data = bytes(pkt)
    return Rec(data[:n], ts, len(data))


def arp(op: int = 1, sender_mac: str = MAC_A, sender_ip: str = "10.0.0.1",
        target_ip: str = "10.0.0.2", vlans: Sequence[int] = ()):
    """ARP request (op 1) or reply (2) for Ethernet/IPv4."""
    s = _s()
    dst = "ff:ff:ff:ff:ff:ff" if op == 1 else MAC_B
    return _ether(s.ARP(op=op, hwsrc=sender_mac, psrc=sender_ip,
                        pdst=target_ip), vlans, sender_mac, dst)


def nd_ns(src_ip: str, src_mac: str, target: str):
    """Neighbour solicitation with a source link-layer address option."""
    s = _s()
    ip6 = s.IPv6(src=src_ip, dst="ff02::1:ff00:0", hlim=255)
    ns = s.ICMPv6ND_NS(tgt=target)
    if src_ip != "::":
        ns = ns / s.ICMPv6NDOptSrcLLAddr(lladdr=src_mac)
    return _ether(ip6 / ns, (), src_mac, "33:33:ff:00:00:00")


def nd_na(target: str, mac: str, dst: str = "ff02::1"):
    """Unsolicited neighbour advertisement with a target link-layer
    address option."""
    s = _s()
    ip6 = s.IPv6(src=target, dst=dst, hlim=255)
    na = s.ICMPv6ND_NA(tgt=target, R=0, S=0, O=1) / \
        s.ICMPv6NDOptDstLLAddr(lladdr=mac)
    return _ether(ip6 / na, (), mac, "33:33:00:00:00:01")


def _split_eth(pkt) -> Tuple[bytes, int, bytes]:
    """(source MAC, EtherType, payload) of an Ethernet frame."""
    b = bytes(pkt)
    return b[6:12], struct.unpack("!H", b[12:14])[0], b[14:]


def to_sll(pkt, pkttype: int = 0, hatype: int = 1) -> bytes:
    """Linux cooked (SLL, link type 113) form of an Ethernet frame."""
    mac, etype, rest = _split_eth(pkt)
    return struct.pack("!HHH8sH", pkttype, hatype, 6, mac, etype) + rest


def to_sll2(pkt, ifindex: int = 2, pkttype: int = 0,
            hatype: int = 1) -> bytes:
    """Linux cooked v2 (SLL2, link type 276) form of an Ethernet frame."""
    mac, etype, rest = _split_eth(pkt)
    return struct.pack("!HHIHBB8s", etype, 0, ifindex, hatype, pkttype, 6,
                       mac) + rest


def to_raw(pkt) -> bytes:
    """The IP packet alone, for LINK_RAW / LINK_IPV4 / LINK_IPV6."""
    s = _s()
    return bytes(pkt[s.IPv6] if s.IPv6 in pkt else pkt[s.IP])


# ------------------------------------------------------------ fast paths


@dataclass
class Prefix:
    """A prefix as integers: network, mask of the host bits, version."""

    net: int
    hostmask: int
    version: int
    zone: str = ""


def read_prefixes(path: str) -> List[Prefix]:
    """Parse a prefixes file: "PREFIX [ZONE]" per line, '#' comments."""
    out = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            words = line.split()
            try:
                n = ipaddress.ip_network(words[0], strict=False)
            except ValueError as e:
                raise SystemExit("%s:%d: %s" % (path, lineno, e))
            out.append(Prefix(int(n.network_address), int(n.hostmask),
                              n.version, words[1] if len(words) > 1 else ""))
    if not out:
        raise SystemExit("%s: no prefixes" % path)
    return out


# Without a prefixes file: public-looking space of each family.
DEFAULT_PREFIXES = [
    Prefix(int(ipaddress.ip_address("10.0.0.0")), (1 << 24) - 1, 4),
    Prefix(int(ipaddress.ip_address("172.16.0.0")), (1 << 20) - 1, 4),
    Prefix(int(ipaddress.ip_address("fd00::")), (1 << 120) - 1, 6),
    Prefix(int(ipaddress.ip_address("2001:db8::")), (1 << 96) - 1, 6),
]

# Header templates, addresses and ports left out; sizes in bytes.
_ETH4 = bytes.fromhex("02000000000b02000000000a0800")
_ETH6 = bytes.fromhex("02000000000b02000000000a86dd")
FRAME_LEN = 64


def _sum16(b: bytes) -> int:
    """Internet checksum arithmetic: the one's complement sum of 16-bit
    words is congruent to the number they form, modulo 0xffff (because
    2^16 = 1 there), so whole addresses can be added as integers."""
    return int.from_bytes(b, "big") % 0xFFFF


def _csum(total: int) -> int:
    # 0xffff rather than 0 for a zero sum, as UDP requires.
    return ~(total % 0xFFFF) & 0xFFFF


class _FastWriter:
    """Packs pcap records of four template kinds (IPv4/IPv6 x TCP/UDP) with
    one struct.pack per packet, checksums included, written in batches.
    The file is big-endian (magic a1b2c3d4 as written), like the headers,
    so a single struct covers record header and frame."""

    def __init__(self, f, start: float, interval: float):
        self.f = f
        self.usec = int(round(start * 1e6))
        self.step = max(1, int(round(interval * 1e6)))
        self.buf: List[bytes] = []
        f.write(struct.pack("!IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535,
                            LINK_ETHERNET))
        self.kinds = {}
        for proto, (pre, post) in ((6, self._tcp_rest()),
                                   (17, self._udp_rest())):
            l4len = 4 + len(pre) + 2 + len(post)
            l4base = _sum16(pre + post) + proto + l4len
            # IPv4: total length, DF, TTL 64; padded to FRAME_LEN.
            head4 = struct.pack("!BBHHHBB", 0x45, 0, 20 + l4len, 0, 0x4000,
                                64, proto)
            pad4 = max(0, FRAME_LEN - 14 - 20 - l4len)
            st4 = struct.Struct("!IIII14s10sHIIHH%dsH%ds%ds" %
                                (len(pre), len(post), pad4))
            self.kinds[(4, proto)] = (st4, _ETH4, head4, _sum16(head4),
                                      pre, post, b"\0" * pad4,
                                      14 + 20 + l4len + pad4, l4base)
            head6 = struct.pack("!IHBB", 0x60000000, l4len, proto, 64)
            pad6 = max(0, FRAME_LEN - 14 - 40 - l4len)
            st6 = struct.Struct("!IIII14s8sQQQQHH%dsH%ds%ds" %
                                (len(pre), len(post), pad6))
            self.kinds[(6, proto)] = (st6, _ETH6, head6, 0, pre, post,
                                      b"\0" * pad6, 14 + 40 + l4len + pad6,
                                      l4base)

    @staticmethod
    def _tcp_rest() -> Tuple[bytes, bytes]:
        # seq, ack, data offset 5, SYN, window | checksum | urgent pointer
        return struct.pack("!IIBBH", 1, 0, 0x50, 0x02, 65535), b"\0\0"

    @staticmethod
    def _udp_rest() -> Tuple[bytes, bytes]:
        # length | checksum | 2 bytes of payload: IPv6/UDP fills 64 bytes.
        return struct.pack("!H", 8 + 2), b"bb"

    def add(self, version: int, proto: int, src: int, dst: int, sport: int,
            dport: int):
        st, eth, head, ipbase, pre, post, pad, flen, l4base = \
            self.kinds[(version, proto)]
        sec, us = divmod(self.usec, 1000000)
        self.usec += self.step
        l4c = _csum(l4base + src + dst + (sport << 16) + dport)
        if version == 4:
            self.buf.append(st.pack(sec, us, flen, flen, eth, head,
                                    _csum(ipbase + src + dst), src, dst,
                                    sport, dport, pre, l4c, post, pad))
        else:
            self.buf.append(st.pack(sec, us, flen, flen, eth, head,
                                    src >> 64, src & 0xFFFFFFFFFFFFFFFF,
                                    dst >> 64, dst & 0xFFFFFFFFFFFFFFFF,
                                    sport, dport, pre, l4c, post, pad))
        if len(self.buf) >= 65536:
            self.flush()

    def flush(self):
        self.f.write(b"".join(self.buf))
        self.buf.clear()


# Ports a benchmark flow goes to: a mix the channels of a config might name.
BENCH_DPORTS = (22, 25, 53, 80, 123, 389, 443, 445, 3389, 8080)


def write_random(path: str, count: int, seed: int = 1,
                 prefixes: Optional[List[Prefix]] = None,
                 start: float = 1700000000.0,
                 interval: float = 0.00001, pool: int = 0) -> int:
    """@count packets between random addresses of @prefixes (both ends of
    one family), UDP or TCP SYN, 64-byte frames (74 for IPv6/TCP, the
    smallest it can be). The IPv4 header checksum is right; TCP/UDP
    checksums are 0. With @pool, the packets are those of @pool random
    flows drawn first, each packet from one of them at random (traffic
    as a network carries it); without, every packet is a flow of its own.
    Same seed, same file."""
    rng = random.Random(seed)
    pfx = prefixes or DEFAULT_PREFIXES
    by_ver = {v: [p for p in pfx if p.version == v] for v in (4, 6)}
    npfx = len(pfx)
    bits = rng.getrandbits
    dports = BENCH_DPORTS
    ndp = len(dports)

    def flow():
        r = bits(64)
        sp = pfx[r % npfx]
        same = by_ver[sp.version]
        dp = same[(r >> 8) % len(same)]
        vbits = 32 if sp.version == 4 else 128
        src = sp.net | (bits(vbits) & sp.hostmask)
        dst = dp.net | (bits(vbits) & dp.hostmask)
        proto = 6 if r & (1 << 20) else 17
        return (sp.version, proto, src, dst, 1024 + (r >> 24) % 64512,
                dports[(r >> 40) % ndp])

    flows = [flow() for _ in range(pool)]
    with open(path, "wb") as f:
        w = _FastWriter(f, start, interval)
        add = w.add
        for _ in range(count):
            add(*(flows[bits(32) % pool] if pool else flow()))
        w.flush()
    return count


def write_flows(path: str, flows: int,
                prefixes: Optional[List[Prefix]] = None,
                start: float = 1700000000.0,
                interval: float = 0.00001, seed: int = 1) -> int:
    """One packet for each of @flows distinct flows: flow i takes source
    prefix i mod n, a host within it and a source port counted up, so no
    two packets share (src, sport) while the prefixes have room; the
    destination is random in a prefix of the same family."""
    rng = random.Random(seed)
    pfx = prefixes or DEFAULT_PREFIXES
    by_ver = {v: [p for p in pfx if p.version == v] for v in (4, 6)}
    n = len(pfx)
    room = min(p.hostmask + 1 for p in pfx) * 64512 * n
    if flows > room:
        print("gen_pcap: warning: prefixes too small for %d distinct flows "
              "(%d); some repeat" % (flows, room), file=sys.stderr)
    with open(path, "wb") as f:
        w = _FastWriter(f, start, interval)
        for i in range(flows):
            sp = pfx[i % n]
            j = i // n
            host, port = divmod(j, 64512)
            src = sp.net | ((host + 1) & sp.hostmask)
            same = by_ver[sp.version]
            dp = same[rng.getrandbits(16) % len(same)]
            vbits = 32 if sp.version == 4 else 128
            dst = dp.net | (rng.getrandbits(vbits) & dp.hostmask)
            w.add(sp.version, 6 if i & 1 else 17, src, dst, 1024 + port,
                  BENCH_DPORTS[i % len(BENCH_DPORTS)])
        w.flush()
    return flows


# ------------------------------------------------------- sample and seeds


def sample_packets() -> list:
    """One packet of every kind the decoder handles, on Ethernet."""
    big = b"x" * 200
    v4 = ip_packet("10.1.0.5", "192.0.2.10", "udp", 5000, 53, payload=big)
    v6 = ip_packet("fd00:1::5", "2001:db8::10", "udp", 5000, 53,
                   payload=big)
    s = _s()
    v6ext = _ether(s.IPv6(src="fd00:1::5", dst="2001:db8::10") /
                   s.IPv6ExtHdrHopByHop() / s.IPv6ExtHdrRouting() /
                   s.IPv6ExtHdrDestOpt() / s.TCP(sport=1, dport=22))
    return [
        ip_packet("10.1.0.5", "192.0.2.10", "tcp", 40000, 443),
        ip_packet("fd00:1::5", "2001:db8::10", "tcp", 40000, 443),
        ip_packet("10.1.0.5", "192.0.2.10", "icmp"),
        ip_packet("fd00:1::5", "2001:db8::10", "icmp"),
        ip_packet("10.1.0.5", "192.0.2.10", "udp", 1, 2, vlans=(100,)),
        ip_packet("10.1.0.5", "192.0.2.10", "tcp", 3, 4, vlans=(10, 20)),
        v6ext,
        *fragments(v4, 64),
        *fragments(v6, 64),
        arp(1, MAC_A, "10.1.0.5", "10.1.0.1"),
        arp(2, MAC_B, "10.1.0.1", "10.1.0.5"),
        nd_ns("fd00:1::5", MAC_A, "fd00:1::1"),
        nd_na("fd00:1::1", MAC_B),
        truncate(ip_packet("10.1.0.5", "192.0.2.10", "tcp", 5, 6), 40),
    ]


# Index of each link type in tests/fuzz/fuzz_decode.c's table.
FUZZ_LINK_INDEX = {LINK_ETHERNET: 0, 12: 1, 14: 2, LINK_RAW: 3, LINK_SLL: 4,
                   LINK_IPV4: 5, LINK_IPV6: 6, LINK_SLL2: 7}


def write_seeds(directory: str) -> int:
    """Seeds for the decode fuzzer: link index byte + packet."""
    os.makedirs(directory, exist_ok=True)
    pk = sample_packets()
    seeds = [(LINK_ETHERNET, p.data if isinstance(p, Rec) else bytes(p))
             for p in pk]
    tcp4 = ip_packet("10.1.0.5", "192.0.2.10", "tcp", 40000, 443)
    seeds += [(LINK_SLL, to_sll(tcp4)),
              (LINK_SLL2, to_sll2(nd_ns("fd00:1::5", MAC_A, "fd00:1::1"))),
              (LINK_RAW, to_raw(ip_packet("fd00::1", "fd00::2", "udp"))),
              (LINK_IPV4, to_raw(ip_packet("10.0.0.1", "10.0.0.2", "icmp"))),
              (12, to_raw(tcp4)),
              (14, to_raw(tcp4)),
              (LINK_IPV6, to_raw(pk[6]))]
    for i, (link, b) in enumerate(seeds):
        with open(os.path.join(directory, "seed-%02d" % i), "wb") as f:
            f.write(bytes([FUZZ_LINK_INDEX[link]]) + b)
    return len(seeds)


def write_detect_seeds(directory: str) -> int:
    """Seeds for the detect fuzzer (tests/fuzz/fuzz_detect.c): a link
    index byte (0 Ethernet, 2 SLL; +0x80 captured on the LGWAN
    interface), then records of [control byte, length, packet]: flows
    between the fuzzer's zones and their answers, a channel, echo and
    reply, fragments, ARP and ND sightings."""
    os.makedirs(directory, exist_ok=True)
    P = ip_packet
    flows = [
        P("10.2.0.7", "10.1.0.5", "tcp", 40000, 445),
        P("10.1.0.5", "10.2.0.7", "tcp", 445, 40000, flags="SA"),
        P("10.2.0.7", "10.1.0.5", "tcp", 40000, 445, flags="A"),
        P("10.2.0.7", "10.2.0.25", "tcp", 40001, 25),
        P("1.2.3.4", "10.2.0.25", "tcp", 40002, 25),
        P("10.2.0.25", "1.2.3.4", "tcp", 25, 40002, flags="SA"),
        P("10.2.0.7", "8.8.8.8", "icmp"),
        P("8.8.8.8", "10.2.0.7", "icmp", icmp_type=0),
        P("10.1.0.5", "8.8.8.8", "icmp"),
        P("8.8.8.8", "10.1.0.5", "icmp", icmp_type=0),
        P("fd00:1::5", "2001:db8::10", "udp", 5000, 53),
        P("2001:db8::10", "fd00:1::5", "udp", 53, 5000),
        P("fd00:2::7", "fd00:1::5", "icmp"),
        P("10.100.0.9", "10.1.0.5", "udp", 1, 2),
        P("192.168.1.1", "10.1.0.5", "udp", 1, 2),
        arp(2, "02:00:00:00:01:10", "10.1.0.5"),
        arp(2, "02:00:00:00:01:99", "10.1.0.6"),
        nd_ns("fd00:1::5", "02:00:00:00:01:11", "fd00:1::1"),
    ]
    frags = _s().fragment(
        _s().IP(src="10.2.0.7", dst="10.1.0.5") /
        _s().UDP(sport=7, dport=9) / (b"y" * 120), fragsize=48)
    flows += [_ether(f) for f in frags]
    frames = [bytes(f.data if isinstance(f, Rec) else f)[:255]
              for f in flows]

    def records(pkts, ctl):
        out = b""
        for i, b in enumerate(pkts):
            out += bytes([ctl(i), len(b)]) + b
        return out

    seeds = [
        bytes([0]) + records(frames, lambda i: 1),
        bytes([0x80]) + records(frames, lambda i: 0x40 if i % 3 == 2 else 5),
        bytes([2]) + records([to_sll(f) for f in frames[:15]],
                             lambda i: 0x40 | 30),
        bytes([0]) + records(frames * 3, lambda i: 25 if i % 7 else 0x40),
    ]
    for i, b in enumerate(seeds):
        with open(os.path.join(directory, "seed-%02d" % i), "wb") as f:
            f.write(b)
    return len(seeds)


# -------------------------------------------------------------------- CLI

LINK_NAMES = {"ether": LINK_ETHERNET, "sll": LINK_SLL, "sll2": LINK_SLL2,
              "raw": LINK_RAW}


def _cmd_random(a):
    pfx = read_prefixes(a.prefixes) if a.prefixes else None
    write_random(a.out, a.count, a.seed, pfx, a.start, a.interval, a.pool)


def _cmd_flows(a):
    pfx = read_prefixes(a.prefixes) if a.prefixes else None
    write_flows(a.out, a.flows, pfx, a.start, a.interval, a.seed)


def _cmd_sample(a):
    pk = sample_packets()
    link = LINK_NAMES[a.link]
    if link != LINK_ETHERNET:
        conv = {LINK_SLL: to_sll, LINK_SLL2: to_sll2, LINK_RAW: to_raw}[link]
        out = []
        for p in pk:
            if isinstance(p, Rec):
                continue
            if link == LINK_RAW and not (_s().IP in p or _s().IPv6 in p):
                continue
            out.append(conv(p))
        pk = out
    writer = write_pcapng if a.pcapng else write_pcap
    writer(a.out, pk, link, a.snaplen, a.start)


def _cmd_seeds(a):
    print("%d seeds in %s" % (write_seeds(a.dir), a.dir))
    if a.detect:
        print("%d seeds in %s" % (write_detect_seeds(a.detect), a.detect))


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="gen_pcap.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p, interval):
        p.add_argument("--start", type=float, default=1700000000.0,
                       help="time of the first packet, Unix seconds "
                       "(default %(default)s)")
        p.add_argument("--interval", type=float, default=interval,
                       help="seconds between packets (default %(default)s)")

    r = sub.add_parser(
        "random", help="benchmark traffic, written without scapy",
        description="N Ethernet frames of 64 bytes (74 for IPv6/TCP): "
        "IPv4 and IPv6, UDP and TCP SYN, random addresses (both ends of "
        "one family) drawn from --prefixes or built-in private and test "
        "ranges, random source ports, common destination ports; IPv4 "
        "header and TCP/UDP checksums are right. About two seconds per "
        "million packets; the same --seed writes the same file.")
    r.add_argument("out", help="pcap file to write")
    r.add_argument("--count", type=int, required=True)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--prefixes", metavar="FILE",
                   help='"PREFIX [ZONE]" per line, # comments')
    r.add_argument("--pool", type=int, default=0, metavar="N",
                   help="packets of N random flows, drawn first "
                   "(default: every packet a new flow)")
    common(r, 0.00001)
    r.set_defaults(func=_cmd_random)

    fl = sub.add_parser(
        "flows", help="one packet per distinct flow",
        description="One packet for each of N distinct flows (distinct "
        "source address and port), for memory benchmarks of the flow table.")
    fl.add_argument("out")
    fl.add_argument("--flows", type=int, required=True)
    fl.add_argument("--prefixes", metavar="FILE")
    fl.add_argument("--seed", type=int, default=1)
    common(fl, 0.00001)
    fl.set_defaults(func=_cmd_flows)

    sm = sub.add_parser(
        "sample", help="one packet of every kind (scapy)",
        description="TCP/UDP/ICMP over IPv4 and IPv6, single and double "
        "VLAN, IPv6 extension headers, IPv4 and IPv6 fragments, ARP, NS, "
        "NA and a truncated packet.")
    sm.add_argument("out")
    sm.add_argument("--link", choices=sorted(LINK_NAMES), default="ether")
    sm.add_argument("--pcapng", action="store_true")
    sm.add_argument("--snaplen", type=int, default=65535)
    sm.add_argument("--start", type=float, default=1700000000.0)
    sm.set_defaults(func=_cmd_sample)

    sd = sub.add_parser("seeds", help="fuzzer seed corpora")
    sd.add_argument("dir", help="the decode fuzzer's seeds")
    sd.add_argument("--detect", metavar="DIR",
                    help="also the detect fuzzer's seeds, in DIR")
    sd.set_defaults(func=_cmd_seeds)

    a = ap.parse_args(argv)
    a.func(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
