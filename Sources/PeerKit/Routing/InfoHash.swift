/// A 160-bit key naming content, as BEP 5's `info_hash`: `get_peers` finds its providers and
/// `announce_peer` adds one. It lives in the node ids' space, so the nodes closest to it keep
/// its providers.
public typealias InfoHash = NodeID
