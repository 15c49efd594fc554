/// BEP 42: node ids tied to the node's IP address, so that one address cannot pick ids at
/// will (and so place itself next to any key).
///
/// The first 21 bits of a compliant id are those of the CRC-32C of the masked IP address
/// with three random bits `r` in its top; the last byte carries `r`. Loopback, private and
/// link-local addresses (and libtorrent's 100.64/10) are exempt: any id is compliant there.
enum SecureNodeID {
    /// Whether `id` is compliant for a node at `host`; always true on an exempt address.
    static func isCompliant(_ id: NodeID, for host: NodeAddress.Host) -> Bool {
        guard !isExempt(host) else { return true }
        let bytes = id.bytes
        let crc = prefixCRC(host, r: bytes[19] & 7)
        return bytes[0] == UInt8(crc >> 24) && bytes[1] == UInt8(crc >> 16 & 0xFF)
            && bytes[2] & 0xF8 == UInt8(crc >> 8 & 0xF8)
    }

    /// A random id that is compliant for `host`.
    static func compliantID(for host: NodeAddress.Host, using generator: inout some RandomNumberGenerator) -> NodeID {
        var bytes = NodeID.random(using: &generator).bytes
        let r = bytes[19] & 7
        let crc = prefixCRC(host, r: r)
        bytes[0] = UInt8(crc >> 24)
        bytes[1] = UInt8(crc >> 16 & 0xFF)
        bytes[2] = UInt8(crc >> 8 & 0xF8) | bytes[2] & 7
        return NodeID(bytes: bytes)!
    }

    /// Addresses the BEP exempts: loopback, private, link-local, unspecified, and carrier-grade NAT.
    static func isExempt(_ host: NodeAddress.Host) -> Bool {
        if NodeAddress(host: host, port: 1).isLocal { return true }
        if case .ipv4(let ip) = host, ip >> 22 == (100 << 2 | 1) { return true }  // 100.64.0.0/10
        return false
    }

    private static func prefixCRC(_ host: NodeAddress.Host, r: UInt8) -> UInt32 {
        switch host {
        case .ipv4(let ip):
            let masked = ip & 0x030F_3FFF | UInt32(r) << 29
            return crc32c((0..<4).map { UInt8(truncatingIfNeeded: masked >> (24 - 8 * $0)) })
        case .ipv6(let high, _):
            let masked = high & 0x0103_070F_1F3F_7FFF | UInt64(r) << 61
            return crc32c((0..<8).map { UInt8(truncatingIfNeeded: masked >> (56 - 8 * $0)) })
        }
    }

    /// CRC-32C (Castagnoli), as BEP 42 asks.
    static func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? crc >> 1 ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}

extension NodeID {
    /// Whether this id follows BEP 42 for a node at `address`: its first 21 bits come from the
    /// address. Always true on the loopback, private and link-local addresses the BEP exempts.
    public func isSecure(for address: NodeAddress) -> Bool { SecureNodeID.isCompliant(self, for: address.host) }
}
