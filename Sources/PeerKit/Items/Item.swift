import Crypto

/// A BEP 44 item: a bencoded value stored in the DHT under a target, either immutable
/// (named by the SHA-1 of its value) or mutable (named by an ed25519 public key and a salt,
/// signed, and versioned by a sequence number).
public struct Item: Sendable, Hashable {
    /// What makes an item mutable: who signed it, under which salt, which version.
    public struct Signature: Sendable, Hashable {
        /// `k`: the ed25519 public key, 32 bytes.
        public let publicKey: [UInt8]
        /// The salt, at most 64 bytes; empty for none. It is part of the target, never sent back by `get`.
        public let salt: [UInt8]
        /// `seq`: higher replaces lower.
        public let sequence: Int64
        /// `sig`: the ed25519 signature of ``Item/signedBuffer(salt:sequence:value:)``, 64 bytes.
        public let signature: [UInt8]
    }

    /// `v` as it is sent, bencoded: at most ``maxValueSize`` bytes.
    public let value: [UInt8]
    /// Nil for an immutable item.
    public let signature: Signature?

    /// Largest bencoded `v` (BEP 44: 1,000 bytes).
    public static let maxValueSize = 1000
    /// Largest salt (BEP 44: 64 bytes).
    public static let maxSaltSize = 64

    /// An immutable item holding the bencoded `value`.
    public init(immutable value: [UInt8]) {
        self.value = value
        self.signature = nil
    }

    /// A mutable item as received: check it with ``hasValidSignature``.
    public init(value: [UInt8], signature: Signature) {
        self.value = value
        self.signature = signature
    }

    /// A mutable item signed now with `key`.
    public init(value: [UInt8], salt: [UInt8], sequence: Int64, signedWith key: Curve25519.Signing.PrivateKey) throws {
        let buffer = Self.signedBuffer(salt: salt, sequence: sequence, value: value)
        let signature = try key.signature(for: buffer)
        self.init(value: value, signature: Signature(publicKey: Array(key.publicKey.rawRepresentation), salt: salt,
                                                     sequence: sequence, signature: Array(signature)))
    }

    public var isMutable: Bool { signature != nil }

    /// Where the item lives in the DHT: SHA-1 of `v`, or of `k` ‖ salt.
    public var target: NodeID {
        guard let signature else { return .sha1(of: value) }
        return Self.target(publicKey: signature.publicKey, salt: signature.salt)
    }

    /// The target of a mutable item.
    public static func target(publicKey: [UInt8], salt: [UInt8]) -> NodeID { .sha1(of: publicKey + salt) }

    /// What a mutable item's signature covers: `4:salt` and the salt (when there is one), then `3:seqi…e1:v` and `v`.
    public static func signedBuffer(salt: [UInt8], sequence: Int64, value: [UInt8]) -> [UInt8] {
        var buffer: [UInt8] = []
        if !salt.isEmpty { buffer += Array("4:salt\(salt.count):".utf8) + salt }
        return buffer + Array("3:seqi\(sequence)e1:v".utf8) + value
    }

    /// True for an immutable item, and for a mutable one whose signature verifies under its key.
    public var hasValidSignature: Bool {
        guard let signature else { return true }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: signature.publicKey) else { return false }
        let buffer = Self.signedBuffer(salt: signature.salt, sequence: signature.sequence, value: value)
        return key.isValidSignature(signature.signature, for: buffer)
    }
}
