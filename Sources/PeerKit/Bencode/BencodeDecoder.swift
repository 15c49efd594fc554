/// A strict bencode decoder: it accepts only the canonical encoding and never traps.
///
/// Strictness matters because the input comes from the network: leading zeros,
/// unsorted or duplicate keys and trailing bytes are all rejected, and the
/// limits bound the work a hostile datagram can cause.
package struct BencodeDecoder: Sendable {
    /// Nesting depth allowed; KRPC messages need 3 or 4.
    var maxDepth: Int = 32
    /// Total elements (values of any kind) allowed in one input.
    var maxElements: Int = 4096

    package init() {}

    package func decode(_ bytes: [UInt8]) throws(BencodeError) -> Bencode {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(BencodeError) -> Bencode in try decode(buffer) }
        }
        return try result.get()
    }

    func decode(_ buffer: UnsafeRawBufferPointer) throws(BencodeError) -> Bencode {
        var cursor = Cursor(buffer: buffer, maxDepth: maxDepth, elementsLeft: maxElements)
        let value = try cursor.value(depth: 0)
        guard cursor.offset == buffer.count else { throw BencodeError(reason: .trailingBytes, offset: cursor.offset) }
        return value
    }
}

private struct Cursor {
    let buffer: UnsafeRawBufferPointer
    let maxDepth: Int
    var elementsLeft: Int
    var offset = 0

    init(buffer: UnsafeRawBufferPointer, maxDepth: Int, elementsLeft: Int) {
        self.buffer = buffer
        self.maxDepth = maxDepth
        self.elementsLeft = elementsLeft
    }

    private func fail(_ reason: BencodeError.Reason) -> BencodeError {
        BencodeError(reason: reason, offset: offset)
    }

    private func peek() throws(BencodeError) -> UInt8 {
        guard offset < buffer.count else { throw fail(.unexpectedEnd) }
        return buffer[offset]
    }

    mutating func value(depth: Int) throws(BencodeError) -> Bencode {
        guard depth <= maxDepth else { throw fail(.tooDeep) }
        elementsLeft -= 1
        guard elementsLeft >= 0 else { throw fail(.tooLong) }
        let byte = try peek()
        switch byte {
        case UInt8(ascii: "i"):
            offset += 1
            return .integer(try integer(terminator: UInt8(ascii: "e")))
        case UInt8(ascii: "l"):
            offset += 1
            var items: [Bencode] = []
            while try peek() != UInt8(ascii: "e") { items.append(try value(depth: depth + 1)) }
            offset += 1
            return .list(items)
        case UInt8(ascii: "d"):
            offset += 1
            return .dictionary(try dictionary(depth: depth))
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .bytes(try byteString())
        default:
            throw fail(.unexpectedByte(byte))
        }
    }

    private mutating func dictionary(depth: Int) throws(BencodeError) -> BencodeDictionary {
        var entries: [BencodeDictionary.Entry] = []
        while try peek() != UInt8(ascii: "e") {
            let keyOffset = offset
            guard case UInt8(ascii: "0")...UInt8(ascii: "9") = try peek() else { throw fail(.dictionaryKeyNotString) }
            let key = try byteString()
            if let previous = entries.last?.key {
                if previous == key { throw BencodeError(reason: .duplicateKey, offset: keyOffset) }
                if !previous.lexicographicallyPrecedes(key) { throw BencodeError(reason: .unsortedKeys, offset: keyOffset) }
            }
            entries.append(.init(key: key, value: try value(depth: depth + 1)))
        }
        offset += 1
        return BencodeDictionary(sortedEntries: entries)
    }

    private mutating func byteString() throws(BencodeError) -> [UInt8] {
        let length = try integer(terminator: UInt8(ascii: ":"), allowSign: false)
        guard length <= Int64(buffer.count - offset) else { throw fail(.unexpectedEnd) }
        let start = offset
        offset += Int(length)
        return Array(buffer[start..<offset])
    }

    /// Reads digits up to `terminator`, rejecting empty, "-0", leading zeros and overflow.
    private mutating func integer(terminator: UInt8, allowSign: Bool = true) throws(BencodeError) -> Int64 {
        var negative = false
        if allowSign, try peek() == UInt8(ascii: "-") {
            negative = true
            offset += 1
        }
        let digitsStart = offset
        var magnitude: UInt64 = 0
        while true {
            let byte = try peek()
            if byte == terminator { break }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw fail(.invalidInteger) }
            if offset > digitsStart, buffer[digitsStart] == UInt8(ascii: "0") { throw fail(.leadingZero) }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2, sum <= UInt64(Int64.max) + (negative ? 1 : 0) else { throw fail(.integerOverflow) }
            magnitude = sum
            offset += 1
        }
        guard offset > digitsStart else { throw fail(.invalidInteger) }
        if negative, magnitude == 0 { throw fail(.negativeZero) }
        offset += 1
        return negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude)
    }
}
