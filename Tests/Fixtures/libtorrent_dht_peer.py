#!/usr/bin/python3
"""A libtorrent 2.0 DHT node on 127.0.0.1, for p2psh's interop tests.

Usage: libtorrent_dht_peer.py PEER_PORT
  Starts a DHT-only session on 127.0.0.1 (port chosen by the OS), adds the DHT
  node at 127.0.0.1:PEER_PORT, and prints lines to stdout:
    PORT <n>                 the UDP port this node listens on
    ID <hex>                 this node's id
    LIVE <hex id> <port>     each node that entered libtorrent's routing table
  It exits when stdin closes, or after 60 s. Nothing leaves 127.0.0.1.
Run it with Debian's /usr/bin/python3, which has python3-libtorrent.
"""
import select
import sys
import time
import warnings

import libtorrent as lt

warnings.simplefilter("ignore", DeprecationWarning)
peer_port = int(sys.argv[1])
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
    "dht_block_ratelimit": 100000,
    "dht_upload_rate_limit": 1000000,
    "alert_mask": lt.alert.category_t.dht_notification,
})
deadline = time.time() + 60
while session.listen_port() == 0 and time.time() < deadline:
    time.sleep(0.05)
print("PORT", session.listen_port(), flush=True)
session.add_dht_node(("127.0.0.1", peer_port))

own_ids = []
while not own_ids and time.time() < deadline:
    time.sleep(0.05)
    own_ids = [bytes(entry[:20]) for entry in session.dht_state().get(b"node-id", [])]
print("ID", own_ids[0].hex(), flush=True)

seen = set()
last_ask = 0.0
while time.time() < deadline:
    if time.time() - last_ask > 0.2:
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
