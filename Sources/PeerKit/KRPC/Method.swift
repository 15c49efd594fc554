/// The KRPC methods a PeerKit node speaks: BEP 5's four, Khashmir's store, and `hello`,
/// with which file-sharing peers introduce themselves.
enum Method: String, Sendable, CaseIterable {
    case ping
    case findNode = "find_node"
    case getPeers = "get_peers"
    case announcePeer = "announce_peer"
    case findValue = "find_value"
    case getValue = "get_value"
    case storeValue = "store_value"
    case hello
}
