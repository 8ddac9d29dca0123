#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Random captures whose verdicts are known by construction.

random_flows.py SEED OUT.pcap EXPECTED.txt [FLOWS]

Under tests/fixtures/audit.conf, every flow is drawn from one category:
intra-zone, a permitted channel (sometimes only its reply direction, as a
capture that starts mid-flow sees it), a near miss of a channel (wrong
port, source or server: denied), a plainly forbidden cross-zone flow, or
a flow with an unzoned end. The verdict comes from how the flow was made,
not from bunri's code; EXPECTED.txt lists the alert flow keys
(src dst proto port-or-icmp-type) that must be alerted, one per line.
"""
import ipaddress
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import gen_pcap as g  # noqa: E402

ZONES = {  # policy zone -> networks (govcloud is mynumber for policy)
    "mynumber": ["10.1.0.0/16", "fd00:1::/48", "10.100.0.0/16"],
    "lgwan": ["10.2.0.0/16", "fd00:2::/48"],
    "internet": ["203.0.113.0/24", "192.0.2.0/24", "2001:db8::/32"],
}
UNZONED = ["198.18.0.0/15", "2001:db9::/32"]
# Addresses the channels name; random hosts avoid them so that a "plain"
# flow never lands on a channel by chance.
RESERVED = {"10.2.0.25", "10.2.0.26", "203.0.113.10", "2001:db8::10",
            "203.0.113.53", "203.0.113.1", "10.1.0.50", "203.0.113.25",
            "203.0.113.26"}
# (name, from, to, src list or None, dst list, proto, ports or None)
CHANNELS = [
    ("mail", "internet", "lgwan", ["203.0.113.25"], ["10.2.0.25"], "tcp", [25]),
    ("file", "internet", "lgwan", ["203.0.113.26"], ["10.2.0.26"], "tcp", [443]),
    ("vdi", "lgwan", "internet", None, ["203.0.113.10", "2001:db8::10"],
     "tcp", [443, 3389, 3390]),
    ("dns", "lgwan", "internet", None, ["203.0.113.53"], "udp", [53]),
    ("ping", "lgwan", "internet", None, ["203.0.113.1"], "icmp", None),
    ("eltax", "internet", "mynumber", ["192.0.2.0/24"], ["10.1.0.50"],
     "tcp", [443]),
]
CHANNEL_PORTS = {25, 443, 3389, 3390, 53}


def host(rng, nets, family=None):
    while True:
        net = ipaddress.ip_network(rng.choice(nets))
        if family and net.version != family:
            continue
        a = str(net[rng.randrange(1, min(net.num_addresses - 1, 1 << 30))])
        if a not in RESERVED:
            return a


def in_list(rng, lst):
    net = ipaddress.ip_network(rng.choice(lst))
    if net.num_addresses == 1:
        return str(net[0])
    return str(net[rng.randrange(1, net.num_addresses - 1)])


def family(a):
    return ipaddress.ip_address(a).version


class Capture:
    def __init__(self, rng):
        self.rng = rng
        self.recs = []
        self.expected = set()
        self.t = 1790000000.0

    def packet(self, src, dst, proto, sport, dport, flags="S"):
        self.t += self.rng.uniform(0.0001, 0.01)
        if proto == "icmp":
            p = g.ip_packet(src, dst, "icmp", icmp_type=sport)
        else:
            p = g.ip_packet(src, dst, proto, sport, dport, flags)
        self.recs.append(g.Rec(bytes(p), self.t))

    def alert(self, src, dst, proto, port):
        num = {"tcp": 6, "udp": 17}.get(proto)
        if proto == "icmp":
            num = 58 if family(src) == 6 else 1
        key = "%s %s %d %d" % (ipaddress.ip_address(src).compressed,
                               ipaddress.ip_address(dst).compressed, num, port)
        self.expected.add(key)


def echo_type(src):
    return 128 if family(src) == 6 else 8


def flow_intra(c, rng):
    z = rng.choice(list(ZONES))
    fam = rng.choice([4, 6])
    a, b = host(rng, ZONES[z], fam), host(rng, ZONES[z], fam)
    proto = rng.choice(["tcp", "udp"])
    c.packet(a, b, proto, rng.randint(30000, 60000), rng.randint(1, 65535))


def flow_channel(c, rng):
    name, fz, tz, srcs, dsts, proto, ports = rng.choice(CHANNELS)
    dst = in_list(rng, dsts)
    src = in_list(rng, srcs) if srcs else host(rng, ZONES[fz], family(dst))
    if family(src) != family(dst):
        return
    sport = rng.randint(30000, 60000)
    if proto == "icmp":
        t = echo_type(src)
        c.packet(src, dst, "icmp", t, 0)
        c.packet(dst, src, "icmp", t - 8 if t == 8 else 129, 0)
        return
    port = rng.choice(ports)
    if rng.random() < 0.7:
        c.packet(src, dst, proto, sport, port, "S")
    # The server's side, alone when the capture began mid-flow.
    c.packet(dst, src, proto, port, sport, "SA")


def flow_near_miss(c, rng):
    name, fz, tz, srcs, dsts, proto, ports = rng.choice(
        [ch for ch in CHANNELS if ch[6]])
    dst = in_list(rng, dsts)
    src = in_list(rng, srcs) if srcs else host(rng, ZONES[fz], family(dst))
    how = rng.choice(["port", "server", "source", "proto"])
    port = rng.choice(ports)
    if how == "port":
        port = rng.choice([p for p in (24, 26, 442, 444, 3388, 3391, 52, 54)
                           if p not in CHANNEL_PORTS])
    elif how == "server":
        dst = host(rng, ZONES[tz], family(src))
    elif how == "source":
        if not srcs:
            how = "proto"
        else:
            src = host(rng, ZONES[fz], family(dst))
            if any(ipaddress.ip_address(src) in ipaddress.ip_network(s)
                   for s in srcs):
                return
    if how == "proto":
        proto = "udp" if proto == "tcp" else "tcp"
    if family(src) != family(dst):
        return
    c.packet(src, dst, proto, rng.randint(30000, 60000), port)
    c.alert(src, dst, proto, port)


def flow_forbidden(c, rng):
    fz, tz = rng.sample(list(ZONES), 2)
    fam = rng.choice([4, 6])
    a, b = host(rng, ZONES[fz], fam), host(rng, ZONES[tz], fam)
    proto = rng.choice(["tcp", "udp", "icmp"])
    if proto == "icmp":
        t = echo_type(a)
        c.packet(a, b, "icmp", t, 0)
        c.alert(a, b, "icmp", t)
        return
    port = rng.randint(1000, 20000)
    c.packet(a, b, proto, rng.randint(30000, 60000), port)
    c.alert(a, b, proto, port)


def flow_unzoned(c, rng):
    fam = rng.choice([4, 6])
    a = host(rng, ZONES[rng.choice(list(ZONES))], fam)
    b = host(rng, UNZONED, fam)
    if rng.random() < 0.5:
        a, b = b, a
    port = rng.randint(1000, 20000)
    c.packet(a, b, "udp", rng.randint(30000, 60000), port)
    c.alert(a, b, "udp", port)


def main():
    seed, out, expected = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    flows = int(sys.argv[4]) if len(sys.argv) > 4 else 1500
    rng = random.Random(seed)
    c = Capture(rng)
    kinds = [flow_intra, flow_channel, flow_channel, flow_near_miss,
             flow_forbidden, flow_unzoned]
    for _ in range(flows):
        rng.choice(kinds)(c, rng)
    g.write_pcap(out, c.recs)
    with open(expected, "w") as f:
        for k in sorted(c.expected):
            f.write(k + "\n")


if __name__ == "__main__":
    main()
