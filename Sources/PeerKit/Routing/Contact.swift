/// A node as others name it: its id and where it listens.
public struct Contact: Sendable, Hashable, CustomStringConvertible {
    public let id: NodeID
    public let address: NodeAddress

    init(id: NodeID, address: NodeAddress) {
        self.id = id
        self.address = address
    }

    public var description: String { "\(id.hex.prefix(12))…@\(address)" }

    /// The compact node info of BEP 5 (26 bytes) or BEP 32 (38 bytes).
    var compact: [UInt8] {
        var bytes = id.bytes
        bytes.append(contentsOf: address.compact)
        return bytes
    }

    /// Splits a `nodes` (26-byte entries) or `nodes6` (38-byte entries) string.
    /// Returns nil when the length is not a whole number of entries.
    static func decodeCompactList(_ bytes: [UInt8], ipv6: Bool) -> [Contact]? {
        let entrySize = ipv6 ? 38 : 26
        guard bytes.count % entrySize == 0 else { return nil }
        var contacts: [Contact] = []
        contacts.reserveCapacity(bytes.count / entrySize)
        for start in stride(from: 0, to: bytes.count, by: entrySize) {
            guard let id = NodeID(bytes: bytes[start..<start + 20]),
                  let address = NodeAddress(compact: bytes[start + 20..<start + entrySize]),
                  address.port != 0
            else { continue }
            contacts.append(Contact(id: id, address: address))
        }
        return contacts
    }
}
