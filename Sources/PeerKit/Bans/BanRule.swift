import NIOCore

/// What a ban covers: one socket (`HOST:PORT`, which is one source on loopback, where every
/// node shares an address), one host (`ADDRESS`), or a network (`ADDRESS/PREFIX`).
public struct BanRule: Sendable, Hashable, CustomStringConvertible {
    enum Scope: Sendable, Hashable {
        case socket(NodeAddress)
        /// A host with its first `prefixLength` bits kept, the rest zero.
        case network(NodeAddress.Host, prefixLength: Int)
    }

    let scope: Scope

    /// Parses "1.2.3.4", "10.0.0.0/8", "2001:db8::/32", "1.2.3.4:6881" or "[::1]:6881".
    /// An IPv6 address with a port needs brackets: "::1:80" is an address.
    public init(_ text: String) throws(BanRule.ParseError) {
        if text.hasPrefix("[") || (!text.contains("/") && text.filter { $0 == ":" }.count == 1) {
            guard let socket = NodeAddress(text) else { throw .notAnAddress(text) }
            scope = .socket(socket)
            return
        }
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let host = try? SocketAddress(ipAddress: String(parts[0]), port: 0), let address = NodeAddress(host) else {
            throw .notAnAddress(text)
        }
        let bits = address.isIPv4 ? 32 : 128
        var length = bits
        if parts.count == 2 {
            guard let given = Int(parts[1]), (1...bits).contains(given) else { throw .badPrefix(String(parts[1]), bits: bits) }
            length = given
        }
        scope = .network(Self.masked(address.host, to: length), prefixLength: length)
    }

    /// A rule for one socket.
    public init(socket: NodeAddress) { scope = .socket(socket) }

    /// Whether traffic from or to `address` falls under the rule.
    public func covers(_ address: NodeAddress) -> Bool {
        switch scope {
        case .socket(let socket): socket == address
        case .network(let host, let length): Self.sameFamily(host, address.host) && Self.masked(address.host, to: length) == host
        }
    }

    /// The host the rule covers whole, for a rule without a shorter prefix.
    var wholeHost: NodeAddress.Host? {
        if case .network(let host, let length) = scope, length == (Self.isIPv4(host) ? 32 : 128) { return host }
        return nil
    }

    /// As it is typed: "1.2.3.4", "10.0.0.0/8", "[::1]:6881".
    public var description: String {
        switch scope {
        case .socket(let socket):
            return "\(socket)"
        case .network(let host, let length):
            let text = NodeAddress(host: host, port: 0).hostDescription
            return length == (Self.isIPv4(host) ? 32 : 128) ? text : "\(text)/\(length)"
        }
    }

    /// Why a rule could not be read, in the words of the person who typed it.
    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case notAnAddress(String)
        case badPrefix(String, bits: Int)

        public var description: String {
            switch self {
            case .notAnAddress(let text):
                "'\(text.printable)' is not an address: give ADDRESS, ADDRESS/PREFIX or HOST:PORT (IPv6 with a port as [ADDRESS]:PORT)"
            case .badPrefix(let text, let bits):
                "'/\(text.printable)' is not a prefix length: give 1 to \(bits)"
            }
        }
    }

    private static func isIPv4(_ host: NodeAddress.Host) -> Bool { if case .ipv4 = host { true } else { false } }

    private static func sameFamily(_ a: NodeAddress.Host, _ b: NodeAddress.Host) -> Bool { isIPv4(a) == isIPv4(b) }

    private static func masked(_ host: NodeAddress.Host, to length: Int) -> NodeAddress.Host {
        switch host {
        case .ipv4(let ip):
            return .ipv4(length >= 32 ? ip : ip & ~(UInt32.max >> UInt32(length)))
        case .ipv6(let high, let low):
            let highMask: UInt64 = length >= 64 ? .max : ~(UInt64.max >> UInt64(length))
            let lowMask: UInt64 = length >= 128 ? .max : length <= 64 ? 0 : ~(UInt64.max >> UInt64(length - 64))
            return .ipv6(high & highMask, low & lowMask)
        }
    }
}
