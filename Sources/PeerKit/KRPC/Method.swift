/// The KRPC methods the DHT core speaks: BEP 5's four and Khashmir's store. Others
/// (file sharing's `hello`) are registered with ``Node/register(_:handler:)``.
enum Method: String, Sendable, CaseIterable {
    case ping
    case findNode = "find_node"
    case getPeers = "get_peers"
    case announcePeer = "announce_peer"
    case findValue = "find_value"
    case getValue = "get_value"
    case storeValue = "store_value"
}
