#!/usr/bin/python3
"""A file-sharing neighbour whose HTTP server accepts connections and never answers.

Usage: stalling_neighbour.py STATE_FILE
Prints "UDP_PORT" once listening on 127.0.0.1. It answers KRPC ping, find_node and hello (with the
port of its TCP listener), and writes to STATE_FILE how many HTTP connections are open now.
Runs until killed. Nothing is sent anywhere but to the peers that query it on loopback.
"""
import os
import select
import socket
import sys

state_path = sys.argv[1]
node_id = b"\x11" * 20


def benc(x):
    if isinstance(x, int):
        return b"i%de" % x
    if isinstance(x, bytes):
        return b"%d:" % len(x) + x
    if isinstance(x, dict):
        return b"d" + b"".join(benc(k) + benc(v) for k, v in sorted(x.items())) + b"e"
    raise TypeError(x)


def field(data, key):
    """The bytes after a bencoded key (enough for t and q in a small query)."""
    marker = b"%d:%s" % (len(key), key)
    at = data.find(marker)
    if at < 0:
        return None
    at += len(marker)
    colon = data.index(b":", at)
    length = int(data[at:colon])
    return data[colon + 1:colon + 1 + length]


udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.bind(("127.0.0.1", 0))
tcp.listen(16)
open_connections = []


def write_state():
    with open(state_path + ".tmp", "w") as f:
        f.write(str(len(open_connections)))
    os.replace(state_path + ".tmp", state_path)


write_state()
print(udp.getsockname()[1], flush=True)
while True:
    readable, _, _ = select.select([udp, tcp] + open_connections, [], [])
    for sock in readable:
        if sock is udp:
            data, sender = udp.recvfrom(4096)
            method, transaction = field(data, b"q"), field(data, b"t")
            if transaction is None or method is None:
                continue
            answer = {b"id": node_id}
            if method == b"find_node":
                answer[b"nodes"] = b""
            if method == b"hello":
                answer[b"port"] = tcp.getsockname()[1]
            udp.sendto(benc({b"t": transaction, b"y": b"r", b"r": answer}), sender)
        elif sock is tcp:
            connection, _ = tcp.accept()
            open_connections.append(connection)
            write_state()
        else:
            if not sock.recv(4096):
                open_connections.remove(sock)
                sock.close()
                write_state()
