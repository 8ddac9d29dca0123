#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A benchmark configuration: N prefixes (half IPv4 /24s under 10.0.0.0/8,
half IPv6 /48s under fd00::/16) spread round-robin over 7 zones, and an
"internet" zone holding the rest of the address space; no channels, so
every flow between two of the 8 zones is forbidden.

gen_conf.py N CONF PREFIXES [MAX_FLOWS [ZONES]]  writes the configuration
and the "PREFIX ZONE" list tools/gen_pcap.py draws addresses from. With
ZONES = 1 nearly all traffic is intra-zone (alerts are rare).
"""
import sys

n, conf, pfx = int(sys.argv[1]), sys.argv[2], sys.argv[3]
max_flows = int(sys.argv[4]) if len(sys.argv) > 4 else 1000000
zones = int(sys.argv[5]) if len(sys.argv) > 5 else 7
nets = [[] for _ in range(zones)]
lines = []
for j in range(n // 2):
    p = "10.%d.%d.0/24" % (j >> 8 & 255, j & 255)
    nets[j % zones].append(p)
    lines.append("%s z%d" % (p, j % zones))
for j in range(n - n // 2):
    p = "fd00:%x:%x::/48" % (j >> 16, j & 0xffff)
    nets[j % zones].append(p)
    lines.append("%s z%d" % (p, j % zones))
with open(pfx, "w") as f:
    f.write("\n".join(lines) + "\n")
with open(conf, "w") as f:
    f.write('version = 1;\ndaemon: { mode = "monitor"; };\n')
    f.write('capture: { max_flows = %d; };\nzones = (\n' % max_flows)
    for k in range(zones):
        f.write('  { name = "z%d"; networks = [ %s ]; },\n'
                % (k, ", ".join('"%s"' % p for p in nets[k])))
    f.write('  { name = "internet"; networks = [ "0.0.0.0/0", "::/0" ]; }\n);\n')
