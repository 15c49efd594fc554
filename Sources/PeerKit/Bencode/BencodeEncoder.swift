extension Bencode {
    /// The canonical encoding: dictionary keys in byte order, integers without padding.
    package func encoded() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        append(to: &output)
        return output
    }

    func append(to output: inout [UInt8]) {
        switch self {
        case .integer(let value):
            output.append(UInt8(ascii: "i"))
            Self.appendDecimal(value, to: &output)
            output.append(UInt8(ascii: "e"))
        case .bytes(let bytes):
            Self.appendByteString(bytes, to: &output)
        case .list(let items):
            output.append(UInt8(ascii: "l"))
            for item in items { item.append(to: &output) }
            output.append(UInt8(ascii: "e"))
        case .dictionary(let dictionary):
            output.append(UInt8(ascii: "d"))
            for entry in dictionary.entries {
                Self.appendByteString(entry.key, to: &output)
                entry.value.append(to: &output)
            }
            output.append(UInt8(ascii: "e"))
        }
    }

    private static func appendByteString(_ bytes: [UInt8], to output: inout [UInt8]) {
        appendDecimal(Int64(bytes.count), to: &output)
        output.append(UInt8(ascii: ":"))
        output.append(contentsOf: bytes)
    }

    private static func appendDecimal(_ value: Int64, to output: inout [UInt8]) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { digitBytes in
            repeat {
                digitBytes[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for index in stride(from: count - 1, through: 0, by: -1) { output.append(digitBytes[index]) }
        }
    }
}
