import Testing
@testable import PeerKit

@Suite struct BencodeTests {
    @Test(arguments: [
        ("i0e", Bencode.integer(0)),
        ("i-42e", .integer(-42)),
        ("i9223372036854775807e", .integer(.max)),
        ("i-9223372036854775808e", .integer(.min)),
        ("0:", .bytes([])),
        ("4:spam", "spam"),
        ("le", .list([])),
        ("l4:spami42ee", .list(["spam", 42])),
        ("de", .dictionary([:])),
        ("d3:bar4:spam3:fooi42ee", .dictionary(["bar": "spam", "foo": 42])),
        ("d1:ad1:bl1:cee1:zi1ee", .dictionary(["a": .dictionary(["b": .list(["c"])]), "z": 1])),
    ])
    func decodesAndReencodesCanonically(text: String, expected: Bencode) throws {
        let decoded = try BencodeDecoder().decode(Array(text.utf8))
        #expect(decoded == expected)
        #expect(String(decoding: decoded.encoded(), as: UTF8.self) == text)
    }

    @Test(arguments: [
        ("", BencodeError.Reason.unexpectedEnd),
        ("i", .unexpectedEnd),
        ("ie", .invalidInteger),
        ("i-e", .invalidInteger),
        ("i03e", .leadingZero),
        ("i-0e", .negativeZero),
        ("i1.5e", .invalidInteger),
        ("i9223372036854775808e", .integerOverflow),
        ("i99999999999999999999e", .integerOverflow),
        ("05:hello", .leadingZero),
        ("5:hi", .unexpectedEnd),
        ("-1:a", .unexpectedByte(UInt8(ascii: "-"))),
        ("l4:spam", .unexpectedEnd),
        ("d3:fooi1e3:bari2ee", .unsortedKeys),
        ("d3:fooi1e3:fooi2ee", .duplicateKey),
        ("di1ei2ee", .dictionaryKeyNotString),
        ("d3:fooe", .unexpectedByte(UInt8(ascii: "e"))),
        ("i1ei2e", .trailingBytes),
        ("4:spamX", .trailingBytes),
        ("x", .unexpectedByte(UInt8(ascii: "x"))),
    ])
    func rejectsNonCanonicalInput(text: String, reason: BencodeError.Reason) {
        #expect(throws: BencodeError.self) { try BencodeDecoder().decode(Array(text.utf8)) }
        do {
            _ = try BencodeDecoder().decode(Array(text.utf8))
        } catch {
            #expect(error.reason == reason, "\(text)")
        }
    }

    @Test func limitsDepthAndElementCount() {
        let deep = String(repeating: "l", count: 40) + String(repeating: "e", count: 40)
        #expect(throws: BencodeError(reason: .tooDeep, offset: 33)) { try BencodeDecoder().decode(Array(deep.utf8)) }
        var decoder = BencodeDecoder()
        decoder.maxElements = 10
        let wide = "l" + String(repeating: "i1e", count: 20) + "e"
        #expect(throws: BencodeError.self) { try decoder.decode(Array(wide.utf8)) }
    }

    @Test func neverTrapsOnRandomBytes() {
        var generator = NodeRandom(seed: 7)
        let alphabet = Array("ilde0123456789:-x".utf8)
        for _ in 0..<20_000 {
            let length = Int.random(in: 0..<24, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            if let value = try? BencodeDecoder().decode(bytes) {
                // Whatever decodes must be canonical: it encodes back to the same bytes.
                #expect(value.encoded() == bytes)
            }
        }
    }

    @Test func dictionaryKeepsKeysSorted() {
        var dictionary = BencodeDictionary()
        dictionary["z"] = 1
        dictionary["a"] = 2
        dictionary["m"] = 3
        #expect(dictionary.entries.map { String(decoding: $0.key, as: UTF8.self) } == ["a", "m", "z"])
        dictionary["m"] = nil
        #expect(dictionary.count == 2)
        #expect(dictionary["a"] == 2)
    }
}
