/// A KRPC error (the `e` of BEP 5): a code and a message for the remote side.
package struct KRPCError: Error, Sendable, Hashable, CustomStringConvertible {
    let code: Int
    let message: String

    init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    /// 202: server error.
    static func server(_ message: String) -> KRPCError { .init(code: 202, message: message) }
    /// 203: protocol error: a malformed packet, invalid arguments or a bad token.
    static func protocolError(_ message: String) -> KRPCError { .init(code: 203, message: message) }
    /// 204: method unknown.
    static func methodUnknown(_ method: String) -> KRPCError { .init(code: 204, message: "method unknown: \(method)") }
    /// 205: value too big (the code BEP 44 gives an oversized `v`).
    static func valueTooBig(_ size: Int, limit: Int) -> KRPCError {
        .init(code: 205, message: "value is \(size) bytes, the limit is \(limit)")
    }

    /// 206: a mutable item's signature does not verify (BEP 44).
    static let invalidSignature = KRPCError(code: 206, message: "invalid signature")
    /// 207: a salt over 64 bytes (BEP 44).
    static func saltTooBig(_ size: Int) -> KRPCError {
        .init(code: 207, message: "salt is \(size) bytes, the limit is \(Item.maxSaltSize)")
    }
    /// 301: the `cas` of a put is not the sequence number stored (BEP 44).
    static func casMismatch(stored: Int64) -> KRPCError {
        .init(code: 301, message: "cas mismatch: the stored seq is \(stored)")
    }
    /// 302: a put's `seq` is lower than the one stored (BEP 44).
    static func sequenceTooLow(stored: Int64) -> KRPCError {
        .init(code: 302, message: "sequence number less than current: the stored seq is \(stored)")
    }

    /// 203 with the network the other node is on (nil: the public one): sent to a node of
    /// another network, and what a query to one ends with.
    static func otherNetwork(_ network: [UInt8]?) -> KRPCError {
        .init(code: 203, message: "\(otherNetworkPrefix)\(NetworkID.name(of: network))")
    }

    static let otherNetworkPrefix = "node is on "

    /// The network named by an ``otherNetwork(_:)`` error, as people read it, or nil for any other error.
    package var otherNetworkName: String? {
        code == 203 && message.hasPrefix(Self.otherNetworkPrefix) ? String(message.dropFirst(Self.otherNetworkPrefix.count)) : nil
    }

    package var description: String { "\(code) \(message)" }
}
