import NIOCore

extension NodeAddress {
    /// Parses HOST:PORT, looking the host name up when it is not a numeric address.
    public static func resolving(_ text: String) async throws(NodeError) -> NodeAddress {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            throw .unreachable("'\(text)' is not HOST:PORT (for example 127.0.0.1:6881)")
        }
        guard (1...65535).contains(port) else {
            throw .unreachable("port \(port) is out of range (a node listens on a port from 1 to 65535)")
        }
        if let address = NodeAddress(text) { return address }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let name = host
        let resolved = await Task.detached { try? SocketAddress.makeAddressResolvingHost(name, port: port) }.value
        guard let resolved, let address = NodeAddress(resolved) else {
            throw .unreachable("cannot resolve host '\(host)'")
        }
        return address
    }
}
