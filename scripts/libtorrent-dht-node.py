#!/usr/bin/python3
"""A libtorrent 2.0 DHT node on 127.0.0.1, for p2psh's interop tests and p2psh-bench.

Usage: libtorrent-dht-node.py [--live] [PEER_PORT ...]
  Starts a DHT-only session on 127.0.0.1 (port chosen by the OS) with loopback's limits
  lifted (per-source rate limit, reply budget), adds the DHT nodes at 127.0.0.1:PEER_PORT,
  and prints lines to stdout:
    VERSION <v>              libtorrent's version
    PORT <n>                 the UDP port this node listens on
    ID <hex>                 this node's id
    READY <count>            once its routing table holds nodes (as many as it was given, up to 8)
    LIVE <hex id> <port>     with --live, each node that entered its routing table
  It exits when stdin closes, or after 300 s. Nothing leaves 127.0.0.1.
Run it with Debian's /usr/bin/python3, which has python3-libtorrent.
"""
import select
import sys
import time
import warnings

import libtorrent as lt

warnings.simplefilter("ignore", DeprecationWarning)
report_live = "--live" in sys.argv[1:]
peer_ports = [int(argument) for argument in sys.argv[1:] if argument != "--live"]
session = lt.session({
    # A wildcard address marks loopback local-only and the DHT would not start on it.
    "listen_interfaces": "127.0.0.1:0",
    "enable_dht": True,
    "enable_lsd": False,
    "enable_upnp": False,
    "enable_natpmp": False,
    "dht_bootstrap_nodes": "",
    # Otherwise one node per IP: a single loopback peer.
    "dht_restrict_routing_ips": False,
    "dht_restrict_search_ips": False,
    # Otherwise 50 messages in 10 s from 127.0.0.1 ban it, and one address uses up the
    # 8000 B/s reply budget; a load generator is one source sending tens of thousands a second.
    "dht_block_ratelimit": 1000000,
    "dht_upload_rate_limit": 100000000,
    "alert_mask": lt.alert.category_t.dht_notification,
})
deadline = time.time() + 300
while session.listen_port() == 0 and time.time() < deadline:
    time.sleep(0.05)
print("VERSION", lt.__version__, flush=True)
print("PORT", session.listen_port(), flush=True)
for port in peer_ports:
    session.add_dht_node(("127.0.0.1", port))

own_ids = []
while not own_ids and time.time() < deadline:
    time.sleep(0.05)
    own_ids = [bytes(entry[:20]) for entry in session.dht_state().get(b"node-id", [])]
print("ID", own_ids[0].hex(), flush=True)

ready = False
seen = set()
last_ask = 0.0
while time.time() < deadline:
    if not ready and session.status().dht_nodes >= min(8, len(peer_ports)):
        print("READY", session.status().dht_nodes, flush=True)
        ready = True
    if report_live and time.time() - last_ask > 0.2:
        session.dht_live_nodes(lt.sha1_hash(own_ids[0]))
        last_ask = time.time()
    for alert in session.pop_alerts():
        if isinstance(alert, lt.dht_live_nodes_alert):
            for node in alert.nodes:
                node_id = bytes.fromhex(str(node["nid"])).hex()
                if node_id not in seen:
                    seen.add(node_id)
                    print("LIVE", node_id, node["endpoint"][1], flush=True)
    readable, _, _ = select.select([sys.stdin], [], [], 0.05)
    if readable and not sys.stdin.readline():
        break
