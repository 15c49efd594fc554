#!/usr/bin/python3
"""A libtorrent 2.0 DHT node, for p2psh's interop tests and p2psh-bench.

Usage: libtorrent-dht-node.py [--live] [--bind ADDRESS] [--defaults] [--enforce-node-id] [PEER ...]
  Starts a DHT-only session on ADDRESS (127.0.0.1 by default; the port chosen by the OS),
  with loopback's limits lifted (one node per IP, the per-source rate limit, the reply
  budget) unless --defaults keeps libtorrent's own settings (on distinct addresses, in
  network namespaces); --enforce-node-id sets dht_enforce_node_id (BEP 42). It adds the DHT
  nodes PEER (HOST:PORT, or a PORT on ADDRESS), and prints lines to stdout:
    VERSION <v>              libtorrent's version
    PORT <n>                 the UDP port this node listens on
    ID <hex>                 this node's id
    READY <count>            once its routing table holds nodes (as many as it was given, up to 8)
    LIVE <hex id> <port>     with --live, each node that entered its routing table
  Commands on stdin, one a line, each answered by one line once libtorrent's lookup ends:
    PUT <text>               immutable item (a bencoded string)  -> PUT <target hex> <nodes acknowledged>
    GET <target hex>                                             -> ITEM <target hex> <text, or '-'>
    MPUT <salt> <text>       mutable item signed with this node's ed25519 key
                                                                 -> MPUT <public key hex> <seq> <nodes>
    MGET <public key hex> <salt>                                 -> MITEM <seq, or -1> <text, or '-'>
    PEERS <info hash hex>                                        -> PEERS <host:port,...  or '-'>
    ANNOUNCE <info hash hex>  a magnet torrent, which announces -> ANNOUNCED <info hash hex> <port>
  A salt of '-' is no salt. It exits when stdin closes, or after 300 s. Nothing leaves ADDRESS's network.
Run it with Debian's /usr/bin/python3, which has python3-libtorrent (and python3-cryptography).
"""
import hashlib
import os
import tempfile
import select
import sys
import time
import warnings

import libtorrent as lt

warnings.simplefilter("ignore", DeprecationWarning)
arguments = sys.argv[1:]
report_live = "--live" in arguments
keep_defaults = "--defaults" in arguments
enforce_node_id = "--enforce-node-id" in arguments
bind = arguments[arguments.index("--bind") + 1] if "--bind" in arguments else "127.0.0.1"
flags = {"--live", "--defaults", "--enforce-node-id", "--bind", bind}
peers = []
for argument in arguments:
    if argument in flags:
        continue
    host, _, port = argument.rpartition(":")
    peers.append((host or bind, int(port)))
settings = {
    # A wildcard address marks loopback local-only and the DHT would not start on it.
    "listen_interfaces": bind + ":0",
    "enable_dht": True,
    "enable_lsd": False,
    "enable_upnp": False,
    "enable_natpmp": False,
    "dht_bootstrap_nodes": "",
    "dht_enforce_node_id": enforce_node_id,
    "alert_mask": lt.alert.category_t.dht_notification | lt.alert.category_t.dht_operation_notification,
}
if not keep_defaults:
    settings.update({
        # Otherwise one node per IP: a single loopback peer.
        "dht_restrict_routing_ips": False,
        "dht_restrict_search_ips": False,
        # Otherwise 50 messages in 10 s from 127.0.0.1 ban it, and one address uses up the
        # 8000 B/s reply budget; a load generator is one source sending tens of thousands a second.
        "dht_block_ratelimit": 1000000,
        "dht_upload_rate_limit": 100000000,
    })
session = lt.session(settings)
deadline = time.time() + 300
while session.listen_port() == 0 and time.time() < deadline:
    time.sleep(0.05)
print("VERSION", lt.__version__, flush=True)
print("PORT", session.listen_port(), flush=True)
for peer in peers:
    session.add_dht_node(peer)

own_ids = []
while not own_ids and time.time() < deadline:
    time.sleep(0.05)
    own_ids = [bytes(entry[:20]) for entry in session.dht_state().get(b"node-id", [])]
print("ID", own_ids[0].hex(), flush=True)

# libtorrent signs with the 64-byte expanded secret of ed25519's reference code: SHA-512 of
# the seed, clamped. Its public key is the standard one of the seed.
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization
seed = os.urandom(32)
public_key = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
    serialization.Encoding.Raw, serialization.PublicFormat.Raw)
expanded = bytearray(hashlib.sha512(seed).digest())
expanded[0] &= 248
expanded[31] &= 63
expanded[31] |= 64
secret_key = bytes(expanded)


def salt_of(word):
    return b"" if word == "-" else word.encode()


def text_of(item):
    """An item's value as text, or '-' for none (the bindings give a dict with 'value')."""
    if isinstance(item, dict):
        item = item.get("value")
    if isinstance(item, bytes):
        item = item.decode(errors="replace")
    return item if isinstance(item, str) and item else "-"


def command(line):
    words = line.split(" ", 2)
    if words[0] == "PUT":
        target = session.dht_put_immutable_item(" ".join(words[1:]).encode())
        pending[("put", str(target))] = lambda alert: print("PUT", str(target), alert.num_success, flush=True)
    elif words[0] == "GET":
        session.dht_get_immutable_item(lt.sha1_hash(bytes.fromhex(words[1])))
        pending[("get", words[1])] = lambda alert: print("ITEM", words[1], text_of(alert.item), flush=True)
    elif words[0] == "MPUT":
        session.dht_put_mutable_item(secret_key, public_key, words[2].encode(), salt_of(words[1]))
        pending[("mput", public_key.hex())] = lambda alert: print("MPUT", public_key.hex(), alert.seq,
                                                                alert.num_success, flush=True)
    elif words[0] == "MGET":
        session.dht_get_mutable_item(bytes.fromhex(words[1]), salt_of(words[2]))
        pending[("mget", words[1])] = lambda alert: print("MITEM", alert.seq, text_of(alert.item), flush=True)
    elif words[0] == "PEERS":
        session.dht_get_peers(lt.sha1_hash(bytes.fromhex(words[1])))
        pending[("peers", words[1])] = lambda alert: print(
            "PEERS", ",".join(f"{host}:{port}" for host, port in alert.peers()) or "-", flush=True)
    elif words[0] == "ANNOUNCE":
        # The bindings cannot pass dht_announce's flags: a magnet torrent announces itself instead,
        # at the session's listen port, as a BitTorrent client does.
        params = lt.parse_magnet_uri("magnet:?xt=urn:btih:" + words[1])
        params.save_path = tempfile.mkdtemp(prefix="lt-torrent-")
        session.add_torrent(params)
        print("ANNOUNCED", words[1], session.listen_port(), flush=True)


def finished(alert):
    """The pending command an alert ends, if any."""
    if isinstance(alert, lt.dht_put_alert):
        key = ("mput", bytes(alert.public_key).hex()) if any(alert.public_key) else ("put", str(alert.target))
    elif isinstance(alert, lt.dht_immutable_item_alert):
        key = ("get", str(alert.target))
    elif isinstance(alert, lt.dht_mutable_item_alert):
        if not alert.authoritative:
            return None
        key = ("mget", bytes(alert.key).hex())
    elif isinstance(alert, lt.dht_get_peers_reply_alert):
        key = ("peers", str(alert.info_hash))
    else:
        return None
    return pending.pop(key, None)


pending = {}
unread = b""
ready = False
seen = set()
last_ask = 0.0
while time.time() < deadline:
    if not ready and session.status().dht_nodes >= min(8, len(peers)):
        print("READY", session.status().dht_nodes, flush=True)
        ready = True
    if report_live and time.time() - last_ask > 0.2:
        session.dht_live_nodes(lt.sha1_hash(own_ids[0]))
        last_ask = time.time()
    for alert in session.pop_alerts():
        report = finished(alert)
        if report:
            report(alert)
        if isinstance(alert, lt.dht_live_nodes_alert):
            for node in alert.nodes:
                node_id = bytes.fromhex(str(node["nid"])).hex()
                if node_id not in seen:
                    seen.add(node_id)
                    print("LIVE", node_id, node["endpoint"][1], flush=True)
    # While a command waits for its alert, wake for alerts within a millisecond (the bench times
    # commands); otherwise sleep on stdin, 20 times a second, so an idle node costs nothing.
    if pending:
        session.wait_for_alert(1)
        readable, _, _ = select.select([sys.stdin], [], [], 0)
    else:
        readable, _, _ = select.select([sys.stdin], [], [], 0.05)
    if readable:
        # Read what is there, not a line: buffered lines would wait unseen by select.
        chunk = os.read(sys.stdin.fileno(), 65536)
        if not chunk:
            break
        unread += chunk
        while b"\n" in unread:
            line, unread = unread.split(b"\n", 1)
            if line.strip():
                command(line.decode().strip())
