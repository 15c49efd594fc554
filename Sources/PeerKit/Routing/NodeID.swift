import Crypto

/// A 160-bit Kademlia identifier: a node id, a storage key or an info hash.
///
/// Stored as three words so that XOR distance and ordering cost a few
/// instructions; ordering compares big-endian, so "smaller distance" is
/// "closer" in the Kademlia metric.
public struct NodeID: Sendable, Hashable, Comparable, CustomStringConvertible {
    package static let byteCount = 20
    static let bitCount = 160

    var high: UInt64
    var middle: UInt64
    var low: UInt32

    init(high: UInt64, middle: UInt64, low: UInt32) {
        self.high = high
        self.middle = middle
        self.low = low
    }

    /// An id from exactly 20 bytes, or nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        var high: UInt64 = 0, middle: UInt64 = 0, low: UInt32 = 0
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 0..<8: high = high << 8 | UInt64(byte)
            case 8..<16: middle = middle << 8 | UInt64(byte)
            default: low = low << 8 | UInt32(byte)
            }
        }
        self.init(high: high, middle: middle, low: low)
    }

    /// An id from 40 hexadecimal digits, or nil.
    public init?(hex: String) {
        guard hex.utf8.count == 2 * Self.byteCount, let bytes = [UInt8](hex: hex) else { return nil }
        self.init(bytes: bytes)
    }

    /// The SHA-1 of some bytes: how a shell key that is not 40 hex digits becomes a DHT key.
    public static func sha1(of bytes: some Sequence<UInt8>) -> NodeID {
        NodeID(bytes: Array(Insecure.SHA1.hash(data: Array(bytes))))!
    }

    /// A uniformly random id.
    package static func random(using generator: inout some RandomNumberGenerator) -> NodeID {
        NodeID(high: generator.next(), middle: generator.next(), low: generator.next())
    }

    static let zero = NodeID(high: 0, middle: 0, low: 0)

    package var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(Self.byteCount)
        appendBytes(to: &result)
        return result
    }

    func appendBytes(to output: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { output.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { output.append(UInt8(truncatingIfNeeded: middle >> UInt64(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { output.append(UInt8(truncatingIfNeeded: low >> UInt32(shift))) }
    }

    public var hex: String { bytes.hexString }

    public var description: String { hex }

    /// The XOR distance to another id.
    package func distance(to other: NodeID) -> NodeID {
        NodeID(high: high ^ other.high, middle: middle ^ other.middle, low: low ^ other.low)
    }

    /// The number of leading zero bits: for a distance, the length of the shared prefix.
    var leadingZeroBitCount: Int {
        if high != 0 { return high.leadingZeroBitCount }
        if middle != 0 { return 64 + middle.leadingZeroBitCount }
        if low != 0 { return 128 + low.leadingZeroBitCount }
        return Self.bitCount
    }

    /// The bit at `index`, counting from the most significant.
    func bit(_ index: Int) -> Bool {
        switch index {
        case 0..<64: return high >> UInt64(63 - index) & 1 == 1
        case 64..<128: return middle >> UInt64(127 - index) & 1 == 1
        default: return low >> UInt32(159 - index) & 1 == 1
        }
    }

    /// This id with the bit at `index` flipped.
    func flippingBit(_ index: Int) -> NodeID {
        var result = self
        switch index {
        case 0..<64: result.high ^= 1 << UInt64(63 - index)
        case 64..<128: result.middle ^= 1 << UInt64(127 - index)
        default: result.low ^= 1 << UInt32(159 - index)
        }
        return result
    }

    /// Keeps the first `count` bits and takes the rest from `other`.
    func keepingPrefix(_ count: Int, restFrom other: NodeID) -> NodeID {
        func mask64(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> UInt64(bits)) }
        func mask32(_ bits: Int) -> UInt32 { bits <= 0 ? 0 : bits >= 32 ? .max : ~(UInt32.max >> UInt32(bits)) }
        let highMask = mask64(count), middleMask = mask64(count - 64), lowMask = mask32(count - 128)
        return NodeID(high: high & highMask | other.high & ~highMask,
                      middle: middle & middleMask | other.middle & ~middleMask,
                      low: low & lowMask | other.low & ~lowMask)
    }

    /// A random id that shares exactly its first `bits` bits with this one: one in the range of
    /// distance [2^(159−bits), 2^(160−bits)), the target of a lookup that refreshes that range.
    func randomID(sharingPrefix bits: Int, using generator: inout some RandomNumberGenerator) -> NodeID {
        flippingBit(bits).keepingPrefix(bits + 1, restFrom: NodeID.random(using: &generator))
    }

    /// The distance as a fraction of the whole id space, for size estimates.
    var fractionOfSpace: Double {
        (Double(high) + Double(middle) / 0x1p64 + Double(low) / 0x1p96) / 0x1p64
    }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        (lhs.high, lhs.middle, lhs.low) < (rhs.high, rhs.middle, rhs.low)
    }
}
