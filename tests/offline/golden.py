#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The crafted captures of the offline-audit golden tests.

golden.py DIR writes one capture per case into DIR, named CASE.pcap (or
.pcapng); tests/golden/audit/CASE.jsonl is what `bunrid -r` must print for
it under tests/fixtures/audit.conf with TZ=Asia/Tokyo. Every case is built
here from scratch, deterministically, so the captures need not be checked
in.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import gen_pcap as g  # noqa: E402

T0 = 1790000000.0  # 2026-09-21, well inside every channel's validity

LG, LG6 = "10.2.0.7", "fd00:2::7"
MN, MN6 = "10.1.0.9", "fd00:1::9"
MAIL, RELAY = "10.2.0.25", "203.0.113.25"
VDI, VDI6 = "203.0.113.10", "2001:db8::10"
NET = "203.0.113.80"


def at(i, pkt, dt=0.001):
    """@pkt as a record at T0 + i * dt."""
    return g.Rec(bytes(pkt), T0 + i * dt)


def case_ipv4_cross():
    # A forbidden SMB connection, retried: one alert, the retries counted.
    p = g.ip_packet(LG, MN, "tcp", 51514, 445)
    return [at(i, p, 1.0) for i in range(3)]


def case_ipv6_cross():
    return [at(0, g.ip_packet(LG6, MN6, "udp", 5353, 53)),
            at(1, g.ip_packet(MN6, "2001:db8::80", "tcp", 40000, 443))]


def case_channel_and_reply():
    # The mail relay's connection and the server's answers: no alert.
    return [at(0, g.ip_packet(RELAY, MAIL, "tcp", 40001, 25, "S")),
            at(1, g.ip_packet(MAIL, RELAY, "tcp", 25, 40001, "SA")),
            at(2, g.ip_packet(RELAY, MAIL, "tcp", 40001, 25, "A")),
            # The wrong port and the wrong source are alerts.
            at(3, g.ip_packet(RELAY, MAIL, "tcp", 40002, 26, "S")),
            at(4, g.ip_packet(NET, MAIL, "tcp", 40003, 25, "S"))]


def case_mid_flow_reply():
    # The capture starts mid-flow: only the VDI server's side is seen.
    return [at(i, g.ip_packet(VDI, LG, "tcp", 443, 50000, "A"))
            for i in range(3)] + \
        [at(3, g.ip_packet(VDI6, LG6, "tcp", 3390, 50001, "A"))]


def case_vlan():
    return [at(0, g.ip_packet(LG, MN, "tcp", 1025, 139, vlans=(10,))),
            at(1, g.ip_packet(LG, MN, "tcp", 1025, 3389, vlans=(100, 20)))]


def case_fragments():
    # A datagram in fragments is one flow, as the kernel reassembles it
    # before judging it: the later fragments, which carry no ports, go
    # where the first went. A forbidden one alerts once, with its ports,
    # over IPv4 and IPv6; permitted ones (the DNS and VDI channels) raise
    # nothing, and neither does a forbidden one to the DNS server's
    # other port, whose later fragments a channel would let by on their
    # addresses alone. A later fragment seen before its first has only
    # its addresses to go by: an alert of its own, without ports.
    big = g.ip_packet(LG, MN, "udp", 4000, 2049, payload=b"x" * 300)
    big6 = g.ip_packet(LG6, MN6, "udp", 4000, 2049, payload=b"x" * 300)
    ok = g.ip_packet(LG, "203.0.113.53", "udp", 4001, 53, payload=b"y" * 300)
    ok6 = g.ip_packet(LG6, VDI6, "tcp", 4002, 443, "PA", payload=b"z" * 300)
    near = g.ip_packet(LG, "203.0.113.53", "udp", 4003, 5353,
                       payload=b"w" * 300)
    near["IP"].id = 2
    late = g.ip_packet(MN, LG, "udp", 4004, 514, payload=b"v" * 300)
    late["IP"].id = 3
    lf = g.fragments(late, 128)
    recs = []
    for i, f in enumerate(g.fragments(big, 128) + g.fragments(big6, 128) +
                          g.fragments(ok, 128) + g.fragments(ok6, 128) +
                          g.fragments(near, 128) + [lf[1], lf[0], lf[2]]):
        recs.append(at(i, f))
    return recs


def case_truncated():
    # snaplen 38: the TCP header is cut, so the flow has no port.
    p = g.ip_packet(LG, MN, "tcp", 40000, 22)
    q = g.ip_packet(MN6, LG6, "udp", 40000, 161)
    return [g.truncate(p, 38, T0), g.truncate(q, 60, T0 + 1)]


def case_icmp():
    return [at(0, g.ip_packet(LG, "203.0.113.1", "icmp")),     # permitted
            at(1, g.ip_packet("203.0.113.1", LG, "icmp", icmp_type=0)),
            at(2, g.ip_packet(LG, MN, "icmp")),                # forbidden
            at(3, g.ip_packet(MN6, "2001:db8::80", "icmp"))]


def case_unzoned():
    return [at(0, g.ip_packet("198.18.0.1", LG, "tcp", 40000, 80)),
            at(1, g.ip_packet(LG, "198.18.0.1", "udp", 40000, 123))]


def case_devices():
    # ARP and neighbour discovery: listed and unlisted MACs.
    return [at(0, g.arp(1, "02:00:00:00:01:10", "10.1.0.9", "10.1.0.1")),
            at(1, g.arp(2, "02:00:00:00:01:99", "10.1.0.77", "10.1.0.1")),
            at(2, g.nd_na("fd00:1::77", "02:00:00:00:01:98")),
            at(3, g.nd_ns("fd00:1::9", "02:00:00:00:01:11", "fd00:1::1")),
            # A zone without a device list: nothing to say offline.
            at(4, g.arp(1, "02:00:00:00:02:07", LG, "10.2.0.1"))]


def case_repeat_interval():
    # The same forbidden flow at 0 s, 10 s and 70 s: alerts at 0 and 70,
    # the second counting the two packets since the first.
    p = g.ip_packet(LG, MN, "udp", 40000, 514)
    return [at(0, p), g.Rec(bytes(p), T0 + 10), g.Rec(bytes(p), T0 + 70)]


def case_govcloud():
    # The government cloud is the My Number zone for policy.
    return [at(0, g.ip_packet(MN, "10.100.0.5", "tcp", 40000, 443)),
            at(1, g.ip_packet("10.100.0.5", LG, "tcp", 40000, 443))]


def case_answers():
    # A mirror port sees both directions of a forbidden flow: the server's
    # SYN-ACK and the echo reply belong to the first alert, not new ones.
    return [at(0, g.ip_packet(LG, MN, "tcp", 51600, 445, "S")),
            at(1, g.ip_packet(MN, LG, "tcp", 445, 51600, "SA")),
            at(2, g.ip_packet(LG, MN, "tcp", 51600, 445, "A")),
            at(3, g.ip_packet(LG6, MN6, "icmp")),
            at(4, g.ip_packet(MN6, LG6, "icmp", icmp_type=129))]


def case_reverse_opens():
    # A channel's server seen opening a flow of its own the other way: a
    # SYN from the VDI server's port 443 into the LGWAN, an echo request
    # from the pinged host. The kernel meets them as new and drops them;
    # they are alerted, while the server's answers stay silent.
    return [at(0, g.ip_packet(VDI, LG, "tcp", 443, 445, "S")),
            at(1, g.ip_packet(VDI, LG, "tcp", 443, 50010, "SA")),
            at(2, g.ip_packet("203.0.113.1", LG, "icmp", icmp_type=8)),
            at(3, g.ip_packet("203.0.113.1", LG, "icmp", icmp_type=0)),
            at(4, g.ip_packet(VDI6, LG6, "tcp", 3389, 22, "S"))]


def case_unzoned_answers():
    # The answer to an unzoned flow belongs to its alert, as a forbidden
    # cross-zone flow's does.
    return [at(0, g.ip_packet(LG, "198.18.0.9", "tcp", 51800, 80, "S")),
            at(1, g.ip_packet("198.18.0.9", LG, "tcp", 80, 51800, "SA")),
            at(2, g.ip_packet(LG, "198.18.0.9", "tcp", 51800, 80, "A"))]


def case_icmp_errors():
    # ICMP errors quoting the packet they are about. Path MTU discovery
    # for a permitted VDI flow, from a router in no zone and from the
    # server, IPv4 and IPv6: part of that flow, nothing to say. An error
    # about a forbidden flow, and one quoting a permitted flow but sent to
    # another host than its sender, are flows of their own: alerted.
    s = g._s()

    def err4(src, dst, typ, code, quoted):
        return s.Ether(src=g.MAC_A, dst=g.MAC_B) / s.IP(src=src, dst=dst) / \
            s.ICMP(type=typ, code=code) / quoted

    vdi = s.IP(src=LG, dst=VDI) / s.TCP(sport=51000, dport=443, flags="A")
    bad = s.IP(src=LG, dst=MN) / s.TCP(sport=51001, dport=445, flags="S")
    vdi6 = s.IPv6(src=LG6, dst=VDI6) / s.TCP(sport=51002, dport=443,
                                             flags="A")
    return [at(0, err4("198.51.100.1", LG, 3, 4, vdi)),
            at(1, err4(VDI, LG, 3, 3, vdi)),
            at(2, s.Ether(src=g.MAC_A, dst=g.MAC_B) /
               s.IPv6(src="2001:db8::1", dst=LG6) /
               s.ICMPv6PacketTooBig(mtu=1280) / vdi6),
            at(3, err4(MN, LG, 3, 3, bad)),
            at(4, err4(VDI, "10.2.0.99", 3, 3, vdi))]


def case_after_2038():
    # Classic pcap counts seconds in an unsigned 32-bit word: the last
    # second before it passes 2^31, the first after, and one in 2106 are
    # all after 1970, read from the file or through libpcap alike.
    return [g.Rec(bytes(g.ip_packet(LG, MN, "tcp", 51701, port)), t)
            for port, t in ((445, 2**31 - 1), (139, 2**31), (3389, 2**32 - 16))]


CASES = {
    "after_2038": (case_after_2038, g.LINK_ETHERNET, "pcap"),
    "answers": (case_answers, g.LINK_ETHERNET, "pcap"),
    "ipv4_cross": (case_ipv4_cross, g.LINK_ETHERNET, "pcap"),
    "ipv6_cross": (case_ipv6_cross, g.LINK_ETHERNET, "pcapng"),
    "channel_and_reply": (case_channel_and_reply, g.LINK_ETHERNET, "pcap"),
    "mid_flow_reply": (case_mid_flow_reply, g.LINK_ETHERNET, "pcap"),
    "vlan": (case_vlan, g.LINK_ETHERNET, "pcap"),
    "fragments": (case_fragments, g.LINK_ETHERNET, "pcap"),
    "truncated": (case_truncated, g.LINK_ETHERNET, "pcap"),
    "icmp": (case_icmp, g.LINK_ETHERNET, "pcapng"),
    "unzoned": (case_unzoned, g.LINK_ETHERNET, "pcap"),
    "devices": (case_devices, g.LINK_ETHERNET, "pcap"),
    "repeat_interval": (case_repeat_interval, g.LINK_ETHERNET, "pcap"),
    "govcloud": (case_govcloud, g.LINK_ETHERNET, "pcap"),
    "reverse_opens": (case_reverse_opens, g.LINK_ETHERNET, "pcap"),
    "unzoned_answers": (case_unzoned_answers, g.LINK_ETHERNET, "pcap"),
    "icmp_errors": (case_icmp_errors, g.LINK_ETHERNET, "pcap"),
}


def linktype_variants(out):
    """The ipv4_cross packet under every other link type."""
    p = g.ip_packet(LG, MN, "tcp", 51514, 445)
    q = g.ip_packet(LG6, MN6, "tcp", 51515, 445)
    for name, link, conv in (("sll", g.LINK_SLL, g.to_sll),
                             ("sll2", g.LINK_SLL2, g.to_sll2),
                             ("raw", g.LINK_RAW, g.to_raw)):
        g.write_pcap(os.path.join(out, "link_%s.pcap" % name),
                     [g.Rec(conv(p), T0), g.Rec(conv(q), T0 + 1)],
                     linktype=link)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, (fn, link, fmt) in CASES.items():
        path = os.path.join(out, "%s.%s" % (name, fmt))
        writer = g.write_pcapng if fmt == "pcapng" else g.write_pcap
        writer(path, fn(), linktype=link)
    linktype_variants(out)


if __name__ == "__main__":
    main()
