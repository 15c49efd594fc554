import NIOCore

/// A UDP endpoint of a DHT node: an IPv4 or IPv6 address and a port.
///
/// Kept separate from NIO's `SocketAddress` so that it is hashable by value,
/// cheap to compare, and has the compact forms of BEP 5 and BEP 32.
public struct NodeAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Host: Sendable, Hashable {
        case ipv4(UInt32)
        case ipv6(UInt64, UInt64)
    }

    public var host: Host
    public var port: UInt16

    public init(host: Host, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses "1.2.3.4:6881" or "[::1]:6881" (numeric addresses only).
    public init?(_ text: String) {
        let hostPart: Substring, portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portPart), let address = try? SocketAddress(ipAddress: String(hostPart), port: Int(port)) else {
            return nil
        }
        self.init(address)
    }

    /// The address of a socket, or nil for a Unix-domain socket.
    init?(_ address: SocketAddress) {
        guard let port = address.port else { return nil }
        switch address {
        case .v4(let v4):
            self.init(host: .ipv4(UInt32(bigEndian: v4.address.sin_addr.s_addr)), port: UInt16(port))
        case .v6(let v6):
            var storage = v6.address.sin6_addr
            let bytes = withUnsafeBytes(of: &storage) { Array($0) }
            self.init(host: Self.ipv6Host(bytes), port: UInt16(port))
        case .unixDomainSocket:
            return nil
        }
    }

    /// Decodes the compact form: 6 bytes (IPv4) or 18 bytes (IPv6), port last, big-endian.
    init?(compact bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        switch array.count {
        case 6:
            let ip = array[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            self.init(host: .ipv4(ip), port: UInt16(array[4]) << 8 | UInt16(array[5]))
        case 18:
            self.init(host: Self.ipv6Host(Array(array[0..<16])), port: UInt16(array[16]) << 8 | UInt16(array[17]))
        default:
            return nil
        }
    }

    private static func ipv6Host(_ bytes: [UInt8]) -> Host {
        let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return .ipv6(high, low)
    }

    /// The host part alone, in network byte order: what write tokens are bound to.
    var hostBytes: [UInt8] {
        switch host {
        case .ipv4(let ip):
            return (0..<4).map { UInt8(truncatingIfNeeded: ip >> UInt32(24 - 8 * $0)) }
        case .ipv6(let high, let low):
            return (0..<8).map { UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * $0)) }
        }
    }

    /// The compact form (BEP 5 peer info; BEP 42 `ip`).
    var compact: [UInt8] { hostBytes + [UInt8(port >> 8), UInt8(port & 0xFF)] }

    var isIPv4: Bool { if case .ipv4 = host { true } else { false } }

    /// What counts as one source of traffic and of stored values: the IP address, except on
    /// loopback, where local networks put every node on one address, the address and port.
    var source: NodeAddress { isLoopback ? self : NodeAddress(host: host, port: 0) }

    var isLoopback: Bool {
        switch host {
        case .ipv4(let ip): ip >> 24 == 127
        case .ipv6(let high, let low): high == 0 && low == 1
        }
    }

    /// 0.0.0.0 or ::, as a socket bound to every interface reports itself.
    var isUnspecified: Bool { host == .ipv4(0) || host == .ipv6(0, 0) }

    /// Loopback, private (RFC 1918, RFC 4193), link-local or unspecified: not routable on the internet.
    package var isLocal: Bool {
        switch host {
        case .ipv4(let ip):
            let a = ip >> 24, b = ip >> 16 & 0xFF
            return a == 127 || a == 10 || a == 0 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168)
                || (a == 169 && b == 254)
        case .ipv6(let high, let low):
            return (high == 0 && (low == 1 || low == 0)) || high >> 57 == 0x7E || high >> 54 == 0x3FA
        }
    }

    var hostDescription: String {
        switch host {
        case .ipv4:
            return hostBytes.map(String.init).joined(separator: ".")
        case .ipv6:
            return (try? SocketAddress(packedIPAddress: ByteBuffer(bytes: hostBytes), port: 0).ipAddress) ?? "?"
        }
    }

    public var description: String {
        Self.text(host: hostDescription, port: Int(port))
    }

    /// "host:port", with an IPv6 host in brackets, as addresses and URLs write it.
    package static func text(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    package var socketAddress: SocketAddress {
        // Both forms come from bytes we validated, so this cannot fail.
        try! SocketAddress(packedIPAddress: ByteBuffer(bytes: hostBytes), port: Int(port))
    }
}
