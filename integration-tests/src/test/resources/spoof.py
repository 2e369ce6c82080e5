#!/usr/bin/env python3
"""Sends UDP datagrams with forged source addresses over a raw socket (root only).

  spoof.py initials DST_PORT COUNT        QUIC v1 Initials of 1200 bytes, each from a new source port
                                          of 127.0.0.0/8 (as spoofed clients would)
  spoof.py relay DST_PORT SRC_PORT COUNT  FROM_RELAY frames from 127.0.0.1:SRC_PORT (the hub's
                                          address), each naming a new random node, with 64 bytes of
                                          "QUIC" and a MAC under no key the node has

Prints how many it sent.
"""
import os
import socket
import struct
import sys


def checksum_free_udp(src, sport, dst, dport, payload):
    # An IPv4 header the kernel completes (IP_HDRINCL: id and checksum are filled in when 0),
    # and a UDP header with checksum 0 (no checksum, allowed over IPv4).
    total = 20 + 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0, 64, socket.IPPROTO_UDP, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    return ip + udp + payload


def main():
    kind = sys.argv[1]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    dst = "127.0.0.1"
    sent = 0
    if kind == "initials":
        dport, count = int(sys.argv[2]), int(sys.argv[3])
        for i in range(count):
            # Long header, Initial, version 1, DCID of 8 random bytes, SCID of 8, no token, padding.
            dcid, scid = os.urandom(8), os.urandom(8)
            quic = bytes([0xC3]) + struct.pack("!I", 1) + bytes([8]) + dcid + bytes([8]) + scid + b"\x00"
            quic += struct.pack("!H", 0x4000 | (1200 - len(quic) - 2)) + os.urandom(1200 - len(quic) - 2)
            src = "127.%d.%d.%d" % (1 + (i >> 16) % 254, (i >> 8) & 0xFF, 1 + i % 254)
            s.sendto(checksum_free_udp(src, 1024 + i % 60000, dst, dport, quic), (dst, 0))
            sent += 1
    elif kind == "relay":
        dport, sport, count = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        for _ in range(count):
            # FROM_RELAY (0x09), three reserved bytes, the source node's id, "QUIC", a 16-byte MAC.
            frame = bytes([0x09, 0, 0, 0]) + os.urandom(32) + os.urandom(64) + os.urandom(16)
            s.sendto(checksum_free_udp("127.0.0.1", sport, dst, dport, frame), (dst, 0))
            sent += 1
    print(sent)


if __name__ == "__main__":
    main()
