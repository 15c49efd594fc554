/// A bencoded value (BEP 3), the wire format of every KRPC message.
///
/// Byte strings stay bytes: KRPC carries node ids, tokens and compact addresses
/// that are not text, so nothing here assumes UTF-8.
package enum Bencode: Sendable, Hashable {
    case integer(Int64)
    case bytes([UInt8])
    case list([Bencode])
    case dictionary(BencodeDictionary)

    /// The byte string of a UTF-8 string.
    static func string(_ text: String) -> Bencode { .bytes(Array(text.utf8)) }

    package var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    package var bytesValue: [UInt8]? {
        if case .bytes(let value) = self { return value }
        return nil
    }

    /// The byte string read as UTF-8, or nil when it is not a valid UTF-8 byte string.
    var stringValue: String? {
        guard case .bytes(let value) = self else { return nil }
        return String(validating: value, as: UTF8.self)
    }

    var listValue: [Bencode]? {
        if case .list(let value) = self { return value }
        return nil
    }

    package var dictionaryValue: BencodeDictionary? {
        if case .dictionary(let value) = self { return value }
        return nil
    }
}

extension Bencode: ExpressibleByStringLiteral {
    package init(stringLiteral value: String) { self = .string(value) }
}

extension Bencode: ExpressibleByIntegerLiteral {
    package init(integerLiteral value: Int64) { self = .integer(value) }
}

extension Bencode: ExpressibleByArrayLiteral {
    package init(arrayLiteral elements: Bencode...) { self = .list(elements) }
}

extension Bencode: ExpressibleByDictionaryLiteral {
    package init(dictionaryLiteral elements: (String, Bencode)...) {
        var dictionary = BencodeDictionary()
        for (key, value) in elements { dictionary[key] = value }
        self = .dictionary(dictionary)
    }
}
