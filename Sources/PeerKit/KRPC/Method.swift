/// The KRPC methods the DHT core speaks: BEP 5's four, Khashmir's store (and p2psh's
/// `delete_value`), BEP 44's items and BEP 51's samples. Others
/// (file sharing's `hello`) are registered with ``Node/register(_:handler:)``.
enum Method: String, Sendable, CaseIterable {
    case ping
    case findNode = "find_node"
    case getPeers = "get_peers"
    case announcePeer = "announce_peer"
    case findValue = "find_value"
    case getValue = "get_value"
    case storeValue = "store_value"
    /// p2psh's withdrawal: drop values the sender stored (`unstore`).
    case deleteValue = "delete_value"
    /// p2psh's watch: tell the sender of new values under a key for a while (`watch`).
    case listen
    /// p2psh's watch: a holder tells a watcher of new values.
    case notify
    /// BEP 44: read an item.
    case getItem = "get"
    /// BEP 44: write an item.
    case putItem = "put"
    case sampleInfohashes = "sample_infohashes"

    /// BEP 5's methods: every mainline node answers them, so only silence to these counts against a node.
    var isBEP5: Bool { [.ping, .findNode, .getPeers, .announcePeer].contains(self) }
}
