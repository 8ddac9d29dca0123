#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers of test_daemon.sh, the demo and the benchmarks: the parts that
are easier to get right in Python than in shell. Exit 0 on success, 1 with
a reason on stderr otherwise.

  json-check FILE            every line one JSON object with "alert" and an
                             RFC 3339 "ts"; prints the count
  json-same SYSLOG JSONL     the alerts of the syslog file (key=value) and
                             of the JSON-lines file are the same, in order
  json-stdin [KEY ...]       stdin parses as JSON (an object having KEYs)
  rate SYSLOG SINCE MAX      alert lines per second, for seconds >= SINCE
                             (epoch), at most MAX; prints the busiest second
  dot                        stdin is a plausible Graphviz digraph
  ctl-raw SOCKET             malformed and oversized requests each get an
                             "error ..." line
  hold DST PORT STOPFILE     keep a TCP connection echoing (every 0.1 s)
                             until STOPFILE exists; 1 if an echo failed
  spoof IFACE DSTMAC SRC DST DPORT   one TCP SYN with a forged source (scapy)
  send-flows IFACE DSTMAC SRC N GAP OUT   N forbidden SYNs GAP seconds apart
                             to distinct 10.1.X.Y:9 over a packet socket;
                             writes "epoch_seconds dst" per packet to OUT
  latency SYSLOG SENT        alert latency per sent packet (rsyslog's
                             time minus send time): median, p99, max (ms)
"""
import datetime
import json
import os
import re
import socket
import statistics
import struct
import sys
import time

from netprobe import checksum  # the Internet checksum, same directory

KV = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')
LINE = re.compile(r'^(\S+) (\S+)\.(\S+) bunrid\[\d+\]: (alert=.*)$')
RFC3339 = re.compile(
    r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$')


def die(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def parse_kv(text):
    out = {}
    for k, v in KV.findall(text):
        if v.startswith('"'):
            v = re.sub(r'\\(.)', r'\1', v[1:-1])
        out[k] = v
    return out


def syslog_alerts(path):
    """(rsyslog time as epoch float, severity, dict) per alert line."""
    res = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if not m:
                continue
            ts = datetime.datetime.fromisoformat(m.group(1)).timestamp()
            res.append((ts, m.group(3), parse_kv(m.group(4))))
    return res


def json_check(path):
    n = 0
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            try:
                o = json.loads(line)
            except ValueError as e:
                die("%s:%d: not JSON (%s): %r" % (path, i, e, line[:200]))
            if not isinstance(o, dict) or "alert" not in o:
                die("%s:%d: not an alert object" % (path, i))
            if not RFC3339.match(str(o.get("ts", ""))):
                die("%s:%d: ts is not RFC 3339: %r" % (path, i, o.get("ts")))
            n += 1
    print(n)


def json_same(syslog, jsonl):
    a = [d for _, _, d in syslog_alerts(syslog)]
    b = []
    with open(jsonl, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            o.pop("ts", None)
            for k, v in o.items():
                if isinstance(v, (int, float)):
                    if isinstance(v, bool) or not isinstance(v, int):
                        die("%s: key %s is not an integer: %r" % (jsonl, k, v))
                elif not isinstance(v, str):
                    die("%s: key %s: unexpected type %r" % (jsonl, k, v))
            b.append({k: str(v) for k, v in o.items()})
    if len(a) != len(b):
        die("syslog has %d alerts, the JSON file %d" % (len(a), len(b)))
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            die("alert %d differs:\n  syslog %r\n  json   %r" % (i, x, y))
    print(len(a))


def json_stdin(keys):
    data = sys.stdin.read()
    try:
        o = json.loads(data)
    except ValueError as e:
        die("not JSON (%s): %r" % (e, data[:300]))
    for k in keys:
        if not isinstance(o, dict) or k not in o:
            die("JSON lacks key %s: %r" % (k, data[:300]))


def rate(syslog, since, limit):
    per = {}
    for ts, _, d in syslog_alerts(syslog):
        if ts >= since:
            per[int(ts)] = per.get(int(ts), 0) + 1
    if not per:
        die("no alert lines since %s" % since)
    sec, worst = max(per.items(), key=lambda kv: kv[1])
    print("%d lines in second %d (%d seconds with alerts)" %
          (worst, sec, len(per)))
    if worst > limit:
        die("%d alert lines in one second, limit %d" % (worst, limit))


def dot():
    text = sys.stdin.read()
    if not re.match(r'\s*(strict\s+)?digraph\s+("[^"]*"|\w+)\s*\{', text):
        die("does not start like a digraph: %r" % text[:80])
    if text.count("{") != text.count("}") or not text.rstrip().endswith("}"):
        die("unbalanced braces")
    if text.count('"') % 2:
        die("unbalanced quotes")
    if not re.search(r'"[^"]+"\s*->\s*"[^"]+"', text):
        die("no edge")
    for line in text.splitlines()[1:-1]:
        s = line.strip()
        if s and not s.endswith(";"):
            die("statement without ';': %r" % s)


def ctl_one(path, payload, wait_close=True):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    try:
        s.sendall(payload)
    except (BrokenPipeError, ConnectionResetError):
        pass
    got = b""
    try:
        while True:
            c = s.recv(4096)
            if not c:
                break
            got += c
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    return got


def ctl_raw(path):
    cases = [
        (b"status\x01\n", "control byte"),
        (b"\n", "empty line"),
        (b"status  zones\n", "double space"),
        (b"nosuchcommand\n", "unknown command"),
        (b"alerts 1 2 3 4 5 6 7 8 9\n", "too many words"),
        (b"check " + b"a" * 2000 + b"\n", "oversized line"),
        (b"x" * 70000, "oversized without newline"),
        (b"json status\xff\n", "non-ASCII byte"),
    ]
    bad = 0
    for payload, what in cases:
        got = ctl_one(path, payload)
        if not got.startswith(b"error "):
            print("%s: answer %r" % (what, got[:120]), file=sys.stderr)
            bad += 1
    got = ctl_one(path, b"status\n")
    if not got.startswith(b"ok\n"):
        print("status after the bad requests: %r" % got[:120],
              file=sys.stderr)
        bad += 1
    sys.exit(1 if bad else 0)


def hold(dst, port, stopfile):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect((dst, port))
    n = 0
    while True:
        token = b"hold-%d" % n
        s.sendall(token)
        got = b""
        while len(got) < len(token):
            c = s.recv(64)
            if not c:
                die("connection closed after %d echoes" % n)
            got += c
        if got != token:
            die("bad echo %r" % got)
        n += 1
        if os.path.exists(stopfile):
            break
        time.sleep(0.1)
    s.close()
    print(n)


def spoof(iface, dstmac, src, dst, dport):
    from scapy.all import Ether, IP, TCP, sendp  # noqa: slow import
    sendp(Ether(dst=dstmac) / IP(src=src, dst=dst) /
          TCP(sport=40000, dport=int(dport), flags="S"),
          iface=iface, verbose=False)


def send_flows(iface, dstmac, src, n, gap, out):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    smac = s.getsockname()[4]
    dmac = bytes(int(x, 16) for x in dstmac.split(":"))
    sb = socket.inet_aton(src)
    lines = []
    t0 = time.time()
    for i in range(n):
        dst = "10.1.%d.%d" % (200 + i // 250, 1 + i % 250)
        db = socket.inet_aton(dst)
        seg = struct.pack("!HHIIBBHHH", 40000, 9, i, 0, 5 << 4, 2, 64240,
                          0, 0)
        c = checksum(struct.pack("!4s4sBBH", sb, db, 0, 6, len(seg)) + seg)
        seg = seg[:16] + struct.pack("!H", c) + seg[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), i,
                         0x4000, 64, 6, 0, sb, db)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        frame = dmac + smac + b"\x08\x00" + ip + seg
        # Pace on the clock, not on sleep alone, so drift does not add up.
        delay = t0 + i * gap - time.time()
        if delay > 0:
            time.sleep(delay)
        now = time.time()
        s.send(frame)
        lines.append("%.6f %s\n" % (now, dst))
    with open(out, "w") as f:
        f.writelines(lines)


def latency(syslog, sent):
    first = {}
    for ts, _, d in syslog_alerts(syslog):
        if d.get("alert") == "cross-zone" and d.get("dst") not in first:
            first[d.get("dst")] = ts
    lat = []
    missing = 0
    with open(sent) as f:
        for line in f:
            t, dst = line.split()
            if dst in first:
                lat.append((first[dst] - float(t)) * 1000)
            else:
                missing += 1
    if not lat:
        die("no alert matched a sent packet")
    lat.sort()
    p99 = lat[min(len(lat) - 1, int(round(0.99 * len(lat))) - 1)]
    print("%d %d %.2f %.2f %.2f %.2f" % (len(lat), missing,
                                        statistics.median(lat), p99,
                                        lat[-1], lat[0]))


def main():
    if len(sys.argv) < 2:
        die(__doc__)
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "json-check" and len(a) == 1:
        json_check(a[0])
    elif cmd == "json-same" and len(a) == 2:
        json_same(a[0], a[1])
    elif cmd == "json-stdin":
        json_stdin(a)
    elif cmd == "rate" and len(a) == 3:
        rate(a[0], float(a[1]), int(a[2]))
    elif cmd == "dot" and not a:
        dot()
    elif cmd == "ctl-raw" and len(a) == 1:
        ctl_raw(a[0])
    elif cmd == "hold" and len(a) == 3:
        hold(a[0], int(a[1]), a[2])
    elif cmd == "spoof" and len(a) == 5:
        spoof(*a)
    elif cmd == "send-flows" and len(a) == 6:
        send_flows(a[0], a[1], a[2], int(a[3]), float(a[4]), a[5])
    elif cmd == "latency" and len(a) == 2:
        latency(a[0], a[1])
    else:
        die(__doc__)


if __name__ == "__main__":
    main()
