#!/usr/bin/env python3
"""Holds every packet the kernel queues to NFQUEUE QUEUE for DELAY_MS, then lets it go: the NAT lab's
delay, on kernels without netem. Speaks nfnetlink_queue over a raw netlink socket (no library needed):
bind the queue, read each packet's id (metadata only, not its bytes), answer NF_ACCEPT when its time is up.

usage: delay.py QUEUE DELAY_MS     (in the namespace whose iptables rule queues to QUEUE)
"""
import heapq
import os
import socket
import struct
import sys
import threading
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS = 1, 2
NFQNL_CFG_CMD_BIND, NFQNL_CFG_CMD_PF_BIND = 1, 3
NFQNL_COPY_META = 1
NFQA_PACKET_HDR, NFQA_VERDICT_HDR = 1, 2
NLM_F_REQUEST = 1
NF_ACCEPT = 1
NLMSG_ERROR = 2


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def message(kind, queue, attrs, seq=0):
    body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(queue)) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | kind, NLM_F_REQUEST, seq, 0) + body


def main():
    queue, delay = int(sys.argv[1]), int(sys.argv[2]) / 1000.0
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.bind((0, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    for pf in (socket.AF_INET, socket.AF_INET6):
        s.send(message(NFQNL_MSG_CONFIG, 0, [attr(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_PF_BIND, pf))]))
    s.send(message(NFQNL_MSG_CONFIG, queue, [attr(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND, socket.AF_INET))]))
    s.send(message(NFQNL_MSG_CONFIG, queue, [attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META))]))

    held = []  # (release at, packet id)
    lock = threading.Condition()

    def release():
        while True:
            with lock:
                while not held or held[0][0] > time.monotonic():
                    lock.wait(None if not held else max(0.0, held[0][0] - time.monotonic()))
                _, packet_id = heapq.heappop(held)
            s.send(message(NFQNL_MSG_VERDICT, queue, [attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet_id))]))

    threading.Thread(target=release, daemon=True).start()
    print("delaying queue %d by %d ms" % (queue, delay * 1000), flush=True)
    while True:
        data = s.recv(1 << 16)
        offset = 0
        while offset + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, offset)
            if length < 16:
                break
            if kind == NLMSG_ERROR:
                code = struct.unpack_from("=i", data, offset + 16)[0]
                if code != 0:
                    print("netlink error %d" % code, file=sys.stderr, flush=True)
            elif kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                a = offset + 20
                while a + 4 <= offset + length:
                    alen, atype = struct.unpack_from("=HH", data, a)
                    if alen < 4:
                        break
                    if atype & 0x7fff == NFQA_PACKET_HDR:
                        packet_id = struct.unpack_from("!I", data, a + 4)[0]
                        with lock:
                            heapq.heappush(held, (time.monotonic() + delay, packet_id))
                            lock.notify()
                    a += (alen + 3) & ~3
            offset += (length + 3) & ~3


if __name__ == "__main__":
    main()
