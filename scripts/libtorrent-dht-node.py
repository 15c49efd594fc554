#!/usr/bin/python3
"""A libtorrent 2.0 DHT node on 127.0.0.1, for p2psh-bench's find_node comparison.

Usage: libtorrent-dht-node.py [PEER_PORT ...]
  Starts a DHT-only session on 127.0.0.1 (port chosen by the OS) with loopback's limits
  lifted (per-source rate limit, reply budget), adds the DHT nodes at 127.0.0.1:PEER_PORT,
  prints "VERSION <libtorrent version>", "PORT <n>" and, once its routing table holds nodes, "READY <count>". It exits when
  stdin closes, or after 300 s. Nothing leaves 127.0.0.1.
Run it with Debian's /usr/bin/python3, which has python3-libtorrent.
"""
import select
import sys
import time
import warnings

import libtorrent as lt

warnings.simplefilter("ignore", DeprecationWarning)
session = lt.session({
    # A wildcard address marks loopback local-only and the DHT would not start on it.
    "listen_interfaces": "127.0.0.1:0",
    "enable_dht": True,
    "enable_lsd": False,
    "enable_upnp": False,
    "enable_natpmp": False,
    "dht_bootstrap_nodes": "",
    "dht_restrict_routing_ips": False,
    "dht_restrict_search_ips": False,
    # A load generator is one source sending tens of thousands of queries a second.
    "dht_block_ratelimit": 1000000,
    "dht_upload_rate_limit": 100000000,
    "alert_mask": lt.alert.category_t.dht_notification,
})
deadline = time.time() + 300
while session.listen_port() == 0 and time.time() < deadline:
    time.sleep(0.05)
print("VERSION", lt.__version__, flush=True)
print("PORT", session.listen_port(), flush=True)
for port in sys.argv[1:]:
    session.add_dht_node(("127.0.0.1", int(port)))

ready = False
while time.time() < deadline:
    if not ready:
        nodes = session.status().dht_nodes
        if nodes >= min(8, len(sys.argv) - 1):
            print("READY", nodes, flush=True)
            ready = True
    session.pop_alerts()
    readable, _, _ = select.select([sys.stdin], [], [], 0.1)
    if readable and not sys.stdin.readline():
        break
