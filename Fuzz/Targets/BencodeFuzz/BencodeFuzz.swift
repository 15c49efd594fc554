@testable import PeerKit

/// Bencode, the wire format of every datagram the node receives.
///
/// Invariants:
/// - the decoder never traps, and a failure points inside the input;
/// - it accepts only canonical input, so encoding what it decoded gives back the very bytes
///   (and so decoding those again gives the same value);
/// - tighter depth and element limits refuse more inputs, but never read one differently;
/// - any value built from the input (within the decoder's limits) encodes to bytes that
///   decode back to it: the encoder is canonical whatever order the keys were set in.
@_cdecl("LLVMFuzzerTestOneInput")
public func bencodeFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let decoder = BencodeDecoder()
    var strict = BencodeDecoder()
    strict.maxDepth = 2
    strict.maxElements = 12
    do {
        let value = try decoder.decode(input)
        // Equal bytes also mean that decoding the encoding gives `value` again.
        check(value.encoded().elementsEqual(input), "decode then encode changed the bytes")
        // Tighter limits refuse more, never read differently.
        if let limited = try? strict.decode(input) { check(limited == value, "the limits changed a value") }
    } catch {
        check(error.offset >= 0 && error.offset <= size, "error offset \(error.offset) outside an input of \(size) bytes")
        check((try? strict.decode(input)) == nil, "tighter limits accepted what the default ones refused")
    }

    var builder = ValueBuilder(bytes: input)
    let built = builder.value(depth: 0)
    let encoded = built.encoded()
    do {
        let decoded = try decoder.decode(encoded)
        check(decoded == built, "a built value does not survive encode then decode")
    } catch {
        check(false, "the encoding of a built value does not decode: \(error)")
    }
    return 0
}

/// A value spelt by the input bytes, small enough for the decoder's limits (depth 32,
/// 4096 elements): integers at the edges, byte strings of any bytes, lists, and
/// dictionaries whose keys are set in input order, so in no particular order and with repeats.
struct ValueBuilder {
    let bytes: UnsafeRawBufferPointer
    var offset = 0
    var elements = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func next() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func chunk(_ count: Int) -> [UInt8] {
        var result: [UInt8] = []
        for _ in 0..<count { guard let byte = next() else { break }; result.append(byte) }
        return result
    }

    mutating func value(depth: Int) -> Bencode {
        elements += 1
        guard let tag = next() else { return .integer(0) }
        let budget = depth < 31 && elements < 4000
        switch tag % 6 {
        case 0:
            let raw = chunk(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return .integer(Int64(bitPattern: raw))
        case 1:
            let edges: [Int64] = [0, -1, 1, .max, .min, 9, 10, -10]
            return .integer(edges[Int(tag / 6) % edges.count])
        case 2, 3:
            return .bytes(chunk(Int(next() ?? 0) % 48))
        case 4:
            guard budget else { return .bytes([]) }
            var items: [Bencode] = []
            for _ in 0..<Int(next() ?? 0) % 8 { items.append(value(depth: depth + 1)) }
            return .list(items)
        default:
            guard budget else { return .bytes([]) }
            var dictionary = BencodeDictionary()
            for _ in 0..<Int(next() ?? 0) % 8 {
                let key = chunk(Int(next() ?? 0) % 4)
                let removes = (next() ?? 0) & 0x0F == 0
                dictionary[bytes: key] = removes ? nil : value(depth: depth + 1)
            }
            return .dictionary(dictionary)
        }
    }
}

/// A failed invariant: a trap libFuzzer reports as a crash, with the reason on stderr.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
           file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("invariant failed: \(message())", file: file, line: line) }
}
