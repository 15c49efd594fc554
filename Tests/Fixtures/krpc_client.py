#!/usr/bin/python3
"""A raw KRPC client for p2psh's tests of per-IP rules, run inside a test host's namespace.

Usage:
  krpc_client.py token HOST PORT                       prints the write token get_peers gives this address
  krpc_client.py store HOST PORT TOKEN COUNT PREFIX    store_value COUNT values of 900 bytes, "PREFIX-i" under
                                                       SHA-1 of it, with TOKEN, from two sockets in turn;
                                                       prints "stored N refused M other K" (202 is refused)
  krpc_client.py flood HOST PORT COUNT                 sends COUNT pings at once, waits 1 s, prints "answered N"
Each query waits at most 2 s for its answer. Nothing is sent anywhere but HOST:PORT.
"""
import hashlib
import os
import select
import socket
import sys
import time


def benc(x):
    if isinstance(x, int):
        return b"i%de" % x
    if isinstance(x, str):
        x = x.encode()
    if isinstance(x, bytes):
        return b"%d:" % len(x) + x
    if isinstance(x, dict):
        return b"d" + b"".join(benc(k) + benc(v) for k, v in sorted(x.items())) + b"e"
    raise TypeError(x)


def bdec(data, i=0):
    c = data[i:i + 1]
    if c == b"i":
        j = data.index(b"e", i)
        return int(data[i + 1:j]), j + 1
    if c == b"l":
        out, i = [], i + 1
        while data[i:i + 1] != b"e":
            v, i = bdec(data, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        out, i = {}, i + 1
        while data[i:i + 1] != b"e":
            k, i = bdec(data, i)
            v, i = bdec(data, i)
            out[k] = v
        return out, i + 1
    j = data.index(b":", i)
    n = int(data[i:j])
    return data[j + 1:j + 1 + n], j + 1 + n


node_id = hashlib.sha1(os.urandom(20)).digest()


def query(sock, target, method, arguments, tid=b"aa"):
    arguments = dict(arguments, id=node_id)
    sock.sendto(benc({"t": tid, "y": "q", "q": method, "a": arguments}), target)
    deadline = time.time() + 2
    while time.time() < deadline:
        ready, _, _ = select.select([sock], [], [], max(0, deadline - time.time()))
        if not ready:
            break
        data, _ = sock.recvfrom(65536)
        message, _ = bdec(data)
        if message.get(b"t") == tid:
            return message
    return None


def main():
    command, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    target = (host, port)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if command == "token":
        reply = query(sock, target, "get_peers", {"info_hash": b"\0" * 20})
        print(reply[b"r"][b"token"].hex() if reply else "none", flush=True)
    elif command == "store":
        token, count, prefix = bytes.fromhex(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
        second = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        stored = refused = other = 0
        for i in range(count):
            reply = query(sock if i % 2 == 0 else second, target, "store_value",
                          {"key": hashlib.sha1(b"%s-%d" % (prefix.encode(), i)).digest(),
                           "value": ("%s-%d" % (prefix, i)).encode() + b"." * 900, "token": token})
            if reply and reply.get(b"y") == b"r":
                stored += 1
            elif reply and reply.get(b"y") == b"e" and reply[b"e"][0] == 202:
                refused += 1
            else:
                other += 1
        print("stored %d refused %d other %d" % (stored, refused, other), flush=True)
    elif command == "flood":
        count = int(sys.argv[4])
        for i in range(count):
            sock.sendto(benc({"t": b"%04x" % i, "y": "q", "q": "ping", "a": {"id": node_id}}), target)
        answered, deadline = 0, time.time() + 1
        while time.time() < deadline:
            ready, _, _ = select.select([sock], [], [], max(0, deadline - time.time()))
            if not ready:
                break
            data, _ = sock.recvfrom(65536)
            # Only answers: the node also pings a querier it does not know, to verify it.
            if bdec(data)[0].get(b"y") == b"r":
                answered += 1
        print("answered %d" % answered, flush=True)


main()
