/// A bencoded dictionary: byte-string keys kept in canonical (raw byte) order.
///
/// KRPC dictionaries hold a handful of keys, so a sorted array beats a hash map
/// both in speed and in giving the canonical encoding for free.
package struct BencodeDictionary: Sendable, Hashable {
    struct Entry: Sendable, Hashable {
        let key: [UInt8]
        var value: Bencode
    }

    /// The entries, sorted by key bytes, without duplicates.
    private(set) var entries: [Entry] = []

    init() {}

    /// Builds from entries already known to be sorted and unique (the decoder checks this).
    init(sortedEntries: [Entry]) { entries = sortedEntries }

    var count: Int { entries.count }

    package subscript(key: String) -> Bencode? {
        get {
            var key = key
            return key.withUTF8 { keyBytes in
                for entry in entries where entry.key.elementsEqual(keyBytes) { return entry.value }
                return nil
            }
        }
        set { self[bytes: Array(key.utf8)] = newValue }
    }

    subscript(bytes key: [UInt8]) -> Bencode? {
        get { entries.first(where: { $0.key == key })?.value }
        set {
            let index = entries.firstIndex(where: { !$0.key.lexicographicallyPrecedes(key) }) ?? entries.endIndex
            let exists = index < entries.endIndex && entries[index].key == key
            switch (newValue, exists) {
            case (let value?, true): entries[index].value = value
            case (let value?, false): entries.insert(Entry(key: key, value: value), at: index)
            case (nil, true): entries.remove(at: index)
            case (nil, false): break
            }
        }
    }
}

extension BencodeDictionary: ExpressibleByDictionaryLiteral {
    package init(dictionaryLiteral elements: (String, Bencode)...) {
        for (key, value) in elements { self[key] = value }
    }
}
