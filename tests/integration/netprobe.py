#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Probes and listeners for bunri's network-namespace tests (see lib.sh).

Run inside a namespace with `ip netns exec NS python3 netprobe.py ...`.
Probes exit 0 when the peer answered, 1 when it did not, 2 on bad usage.
Only the standard library: nothing to install.

  tcp  --dst A --port P [--src A] [--timeout S]     connect (and echo check)
  udp  --dst A --port P [--src A] [--timeout S]     datagram, wait for echo
  icmp --dst A [--src A] [--timeout S]              echo request / reply
  tcp-echo --port P [--bind A] [--ready FILE]       echo server (forever)
  udp-echo --port P [--bind A] [--ready FILE]       echo server (forever)
  sniff --iface I --seconds S [--src A] [--dst A]   count IP packets seen
  udp-stream --dst A --port P --count N --interval S [--src A]
                                    one datagram to each of ports P .. P+N-1,
                                    S seconds apart (a new flow each)
"""
import argparse
import ipaddress
import os
import select
import socket
import struct
import sys
import threading
import time

TOKEN = b"bunri-probe"
# Linux value; Python does not export it everywhere.
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def same_addr(a, b):
    try:
        return ipaddress.ip_address(a.split("%")[0]) == ipaddress.ip_address(b)
    except ValueError:
        return False


def bound_socket(dst, kind, proto=0, src=None):
    s = socket.socket(family_of(dst), kind, proto)
    if src and src != "-":
        s.bind((src, 0))
    return s


def probe_tcp(a):
    s = bound_socket(a.dst, socket.SOCK_STREAM, src=a.src)
    s.settimeout(a.timeout)
    try:
        s.connect((a.dst, a.port))
        if a.echo:
            s.sendall(TOKEN)
            got = b""
            while len(got) < len(TOKEN):
                chunk = s.recv(64)
                if not chunk:
                    return 1
                got += chunk
            return 0 if got.startswith(TOKEN) else 1
        return 0
    except OSError:
        return 1
    finally:
        s.close()


def probe_udp(a):
    s = bound_socket(a.dst, socket.SOCK_DGRAM, src=a.src)
    s.settimeout(a.timeout)
    token = TOKEN + os.urandom(8)
    try:
        s.connect((a.dst, a.port))
        s.send(token)
        deadline = time.monotonic() + a.timeout
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            if s.recv(2048) == token:
                return 0
        return 1
    except OSError:
        return 1
    finally:
        s.close()


def udp_stream(a):
    s = bound_socket(a.dst, socket.SOCK_DGRAM, src=a.src)
    try:
        for i in range(a.count):
            s.sendto(TOKEN, (a.dst, a.port + i))
            time.sleep(a.interval)
        return 0
    except OSError:
        return 1
    finally:
        s.close()


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def probe_icmp(a):
    v6 = family_of(a.dst) == socket.AF_INET6
    proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
    s = bound_socket(a.dst, socket.SOCK_RAW, proto, a.src)
    ident = int.from_bytes(os.urandom(2), "big")
    payload = TOKEN + os.urandom(8)
    req, rep = (128, 129) if v6 else (8, 0)
    hdr = struct.pack("!BBHHH", req, 0, 0, ident, 1)
    if not v6:  # the kernel fills in the ICMPv6 checksum itself
        hdr = struct.pack("!BBHHH", req, 0, checksum(hdr + payload), ident, 1)
    try:
        s.sendto(hdr + payload, (a.dst, 0))
        deadline = time.monotonic() + a.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return 1
            r, _, _ = select.select([s], [], [], left)
            if not r:
                return 1
            data, peer = s.recvfrom(4096)
            if not v6:
                data = data[(data[0] & 0x0F) * 4:]
            if len(data) < 8 or not same_addr(peer[0], a.dst):
                continue
            typ, _, _, rid, _ = struct.unpack("!BBHHH", data[:8])
            if typ == rep and rid == ident and data[8:] == payload:
                return 0
    except OSError:
        return 1
    finally:
        s.close()


def listen_socket(a, kind):
    bind = a.bind or "::"
    s = socket.socket(family_of(bind), kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family_of(bind) == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind((bind, a.port))
    return s


def ready(a):
    if a.ready:
        with open(a.ready + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(a.ready + ".tmp", a.ready)


def serve_tcp_conn(c):
    c.settimeout(10)
    try:
        while True:
            data = c.recv(4096)
            if not data:
                break
            c.sendall(data)
    except OSError:
        pass
    finally:
        c.close()


def tcp_echo(a):
    s = listen_socket(a, socket.SOCK_STREAM)
    s.listen(64)
    ready(a)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve_tcp_conn, args=(c,), daemon=True).start()


def udp_echo(a):
    """Replies from the address each datagram was sent to: a wildcard
    socket would otherwise answer from the primary address, which the
    probe's connected socket ignores."""
    s = listen_socket(a, socket.SOCK_DGRAM)
    v6 = s.family == socket.AF_INET6
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    else:
        s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    ready(a)
    while True:
        data, anc, _, peer = s.recvmsg(65535, socket.CMSG_SPACE(64))
        reply = []
        for level, typ, info in anc:
            if v6 and (level, typ) == (socket.IPPROTO_IPV6,
                                       socket.IPV6_PKTINFO):
                reply = [(level, typ, info[:16] + bytes(4))]
            elif not v6 and (level, typ) == (socket.IPPROTO_IP,
                                             IP_PKTINFO):
                # struct in_pktinfo: ifindex, spec_dst, addr
                reply = [(level, typ, bytes(4) + info[8:12] + bytes(4))]
        try:
            s.sendmsg([data], reply, 0, peer)
        except OSError:
            pass


def ip_pair(frame):
    """Source and destination of an Ethernet frame's IP packet, or None."""
    if len(frame) < 14:
        return None
    etype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if etype == 0x0800 and len(ip) >= 20:
        return (str(ipaddress.IPv4Address(ip[12:16])),
                str(ipaddress.IPv4Address(ip[16:20])))
    if etype == 0x86DD and len(ip) >= 40:
        return (str(ipaddress.IPv6Address(ip[8:24])),
                str(ipaddress.IPv6Address(ip[24:40])))
    return None


def sniff(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((a.iface, 0))
    if a.ready:
        ready(a)
    count = 0
    deadline = time.monotonic() + a.seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], left)
        if not r:
            break
        pair = ip_pair(s.recv(65535))
        if pair is None:
            continue
        if a.src and not same_addr(pair[0], a.src):
            continue
        if a.dst and not same_addr(pair[1], a.dst):
            continue
        count += 1
    print(count)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("cmd", choices=["tcp", "udp", "icmp", "tcp-echo",
                                   "udp-echo", "sniff", "udp-stream"])
    p.add_argument("--dst")
    p.add_argument("--src")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--timeout", type=float, default=1.0)
    p.add_argument("--echo", action="store_true")
    p.add_argument("--bind")
    p.add_argument("--ready")
    p.add_argument("--iface")
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--interval", type=float, default=0.01)
    a = p.parse_args()
    if a.cmd in ("tcp", "udp", "icmp", "udp-stream") and not a.dst:
        p.error("--dst is required")
    if a.cmd in ("tcp", "udp", "tcp-echo", "udp-echo",
                 "udp-stream") and not a.port:
        p.error("--port is required")
    if a.cmd == "sniff" and not a.iface:
        p.error("--iface is required")
    fn = {"tcp": probe_tcp, "udp": probe_udp, "icmp": probe_icmp,
          "tcp-echo": tcp_echo, "udp-echo": udp_echo, "sniff": sniff,
          "udp-stream": udp_stream}
    return fn[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
