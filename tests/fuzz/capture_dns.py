#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ask a real server (127.0.0.1@PORT) the questions each DNS fuzz target asks, in its order,
and write what the server answers as seed inputs (run by tests/fuzz/capture-seeds).

  capture_dns.py PORT CORPUS PREFIX              query, lookup, pub_read, pub_answer, srv_answer,
                                                 pub_transfer
  capture_dns.py PORT CORPUS PREFIX REQUEST      the UPDATE in file REQUEST: pub_verdict

Targets fed by tests/fuzz/fake_net.c get every reply with its two-byte length prefix, in the
order the target asks; srv_answer and pub_verdict get one bare message."""
import os
import random
import socket
import struct
import sys

A, NS, SOA, AAAA, SRV, OPT, AXFR = 1, 2, 6, 28, 33, 41, 252


def query(name, qtype, rd):
    wire = struct.pack("!HHHHHH", random.randrange(65536), 0x0100 if rd else 0, 1, 0, 0, 1)
    for label in name.rstrip(".").split("."):
        wire += bytes([len(label)]) + label.encode()
    wire += b"\0" + struct.pack("!HH", qtype, 1)
    return wire + b"\0" + struct.pack("!HHIH", OPT, 1232, 0, 0)  # EDNS, as kd_query sends


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return data


def exchange(port, msg, tcp):
    if tcp:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(struct.pack("!H", len(msg)) + msg)
            return recv_exact(s, struct.unpack("!H", recv_exact(s, 2))[0])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(msg, ("127.0.0.1", port))
        return s.recv(65535)


def ask(port, name, qtype, rd, tcp):
    """The replies the target sees: the UDP one and, when it is truncated, the TCP one."""
    msg = query(name, qtype, rd)
    reply = exchange(port, msg, tcp)
    replies = [reply]
    if not tcp and reply[2] & 0x02:
        replies.append(exchange(port, msg, True))
    return replies


def skip_name(msg, off):
    while msg[off] != 0:
        if msg[off] & 0xC0:
            return off + 2
        off += msg[off] + 1
    return off + 1


def read_name(msg, off):
    labels = []
    while msg[off] != 0:
        if msg[off] & 0xC0:
            off = struct.unpack("!H", msg[off:off + 2])[0] & 0x3FFF
            continue
        labels.append(msg[off + 1:off + 1 + msg[off]].decode())
        off += msg[off] + 1
    return ".".join(labels) + "."


def soa(msg):
    """(owner, mname) of the first SOA in the answer or authority section, else None."""
    qd, an, ns = struct.unpack("!HHH", msg[4:10])
    off = 12
    for _ in range(qd):
        off = skip_name(msg, off) + 4
    for _ in range(an + ns):
        owner = read_name(msg, off)
        off = skip_name(msg, off)
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        if rtype == SOA:
            return owner, read_name(msg, off + 10)
        off += 10 + rdlen
    return None


def find_zone(port, name, rd, tcp):
    """kd_find_zone's walk: SOA queries up from name until an answer names the zone."""
    replies = []
    while True:
        got = ask(port, name, SOA, rd, tcp)
        replies += got
        rcode = got[-1][3] & 0x0F
        found = soa(got[-1]) if rcode in (0, 3) else None
        if found or rcode not in (0, 3) or name in ("", "."):
            return replies, found[1] if found else None
        name = name.split(".", 1)[1] if "." in name.rstrip(".") else "."


def soa_count(msg):
    """How many SOA records the answer section holds."""
    qd, an = struct.unpack("!HH", msg[4:8])
    off, n = 12, 0
    for _ in range(qd):
        off = skip_name(msg, off) + 4
    for _ in range(an):
        off = skip_name(msg, off)
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        n += rtype == SOA
        off += 10 + rdlen
    return n


def transfer(port, zone):
    """The messages of an AXFR of zone over TCP, up to the closing SOA (or an error)."""
    msgs, soas = [], 0
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        msg = query(zone, AXFR, False)
        s.sendall(struct.pack("!H", len(msg)) + msg)
        while soas < 2 and len(msgs) < 100:
            msgs.append(recv_exact(s, struct.unpack("!H", recv_exact(s, 2))[0]))
            if msgs[-1][3] & 0x0F:
                break
            soas += soa_count(msgs[-1])
    return msgs


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def plain_rrs(msg):
    """The answer records of msg with every name written out (no compression), so that they
    can go into another message: (question bytes, [record bytes])."""
    qd, an = struct.unpack("!HH", msg[4:8])
    off = 12
    for _ in range(qd):
        off = skip_name(msg, off) + 4
    question, rrs = msg[12:off], []
    names_at = {NS: (0,), 5: (0,), SOA: (0, 1), SRV: (6,)}  # 5: CNAME; SRV: name after 6 bytes
    for _ in range(an):
        owner = wire_name(read_name(msg, off))
        off = skip_name(msg, off)
        rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        rdata, at = msg[off + 10:off + 10 + rdlen], off + 10
        if rtype in names_at:
            pos, rdata = at, b""
            if rtype == SRV:
                rdata, pos = msg[at:at + 6], at + 6
            for _ in names_at[rtype]:
                rdata += wire_name(read_name(msg, pos))
                pos = skip_name(msg, pos)
            rdata += msg[pos:at + rdlen]
        rrs.append(owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata)
        off += 10 + rdlen
    return question, rrs


def split(msg):
    """One transfer message as two, the question in both (as Knot and BIND send them)."""
    question, rrs = plain_rrs(msg)
    half = len(rrs) // 2
    return [msg[:4] + struct.pack("!HHHH", 1, len(part), 0, 0) + question + b"".join(part)
            for part in (rrs[:half], rrs[half:])]


def framed(replies):
    return b"".join(struct.pack("!H", len(r)) + r for r in replies)


def write(corpus, target, name, data):
    os.makedirs(os.path.join(corpus, target), exist_ok=True)
    with open(os.path.join(corpus, target, name), "wb") as f:
        f.write(data)


def main():
    port, corpus, prefix = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    srv = "_vlmcs._tcp.example.test."
    kms1 = "kms1.example.test."
    if len(sys.argv) > 4:
        with open(sys.argv[4], "rb") as f:
            update = f.read()
        write(corpus, "pub_verdict", prefix, exchange(port, update, True))
        return
    # query: kd_query over UDP (TCP when truncated), then a batch of three over TCP.
    replies = ask(port, srv, SRV, False, False)
    for name, qtype in ((kms1, A), (kms1, AAAA), (srv, SRV)):
        replies += ask(port, name, qtype, False, True)
    write(corpus, "query", prefix, framed(replies))
    # lookup: kd_find_zone from kms1.sub.example.test, then kd_resolve_addrs for kms1.
    replies, _ = find_zone(port, "kms1.sub.example.test.", True, False)
    replies += ask(port, kms1, A, True, False) + ask(port, kms1, AAAA, True, False)
    write(corpus, "lookup", prefix, framed(replies))
    # pub_read: pub_read_names over TCP, the names' types first, then their SOA probes.
    reads = ((srv, SOA), (srv, SRV), (kms1, SOA), (kms1, A), (kms1, AAAA))
    replies, by_question = [], {}
    for name, qtype in reads:
        by_question[(name, qtype)] = ask(port, name, qtype, False, True)
        replies += by_question[(name, qtype)]
    asked = ((srv, SRV), (kms1, A), (kms1, AAAA), (srv, SOA), (kms1, SOA))
    write(corpus, "pub_read", prefix, framed(sum((by_question[q] for q in asked), [])))
    # pub_answer: each of those answers alone, after the byte that picks its question
    # (questions[] in tests/fuzz/pub_answer.c).
    for i, reply in enumerate(replies):
        write(corpus, "pub_answer", "%s-%d" % (prefix, i), bytes([i]) + reply)
    # pub_transfer: the transfer's messages, after the flag byte (0: all signed by the harness).
    msgs = transfer(port, "example.test.")
    write(corpus, "pub_transfer", prefix, b"\0" + framed(msgs))
    if len(msgs) == 1 and struct.unpack("!H", msgs[0][6:8])[0] >= 4:
        write(corpus, "pub_transfer", prefix + "-split", b"\0" + framed(split(msgs[0])))
    # srv_answer: the SRV answer alone.
    write(corpus, "srv_answer", prefix, ask(port, srv, SRV, True, False)[-1])


main()
