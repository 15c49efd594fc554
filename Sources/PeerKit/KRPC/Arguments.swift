/// Typed, checked access to the `a` or `r` dictionary of a KRPC message.
///
/// Every accessor names the field it wants and the shape it must have, and
/// throws a 203 protocol error naming the field when it is missing or wrong,
/// so handlers read as a list of declarations.
package struct Arguments: Sendable {
    let dictionary: BencodeDictionary
    /// From the envelope of a response: the sender's client version (`v`) and the address it
    /// saw us at (`ip`, BEP 42).
    var clientVersion: [UInt8]?
    var observedAddress: NodeAddress?

    init(_ dictionary: BencodeDictionary, clientVersion: [UInt8]? = nil, observedAddress: NodeAddress? = nil) {
        self.dictionary = dictionary
        self.clientVersion = clientVersion
        self.observedAddress = observedAddress
    }

    func nodeID(_ key: String) throws(KRPCError) -> NodeID {
        guard let bytes = dictionary[key]?.bytesValue, let id = NodeID(bytes: bytes) else {
            throw .protocolError("\(key) must be a 20-byte string")
        }
        return id
    }

    package func bytes(_ key: String) throws(KRPCError) -> [UInt8] {
        guard let bytes = dictionary[key]?.bytesValue else { throw .protocolError("\(key) must be a string") }
        return bytes
    }

    func optionalBytes(_ key: String) throws(KRPCError) -> [UInt8]? {
        guard let value = dictionary[key] else { return nil }
        guard let bytes = value.bytesValue else { throw .protocolError("\(key) must be a string") }
        return bytes
    }

    func integer(_ key: String, in range: ClosedRange<Int64>) throws(KRPCError) -> Int64 {
        guard let value = dictionary[key]?.integerValue, range.contains(value) else {
            throw .protocolError("\(key) must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    package func optionalInteger(_ key: String, in range: ClosedRange<Int64>) throws(KRPCError) -> Int64? {
        guard dictionary[key] != nil else { return nil }
        return try integer(key, in: range)
    }

    /// Contacts from `nodes` and `nodes6`; a malformed list is a protocol error.
    func contacts() throws(KRPCError) -> [Contact] {
        var result: [Contact] = []
        for (key, ipv6) in [("nodes", false), ("nodes6", true)] {
            guard let bytes = try optionalBytes(key) else { continue }
            guard let contacts = Contact.decodeCompactList(bytes, ipv6: ipv6) else {
                throw .protocolError("\(key) is not a whole number of compact entries")
            }
            result += contacts
        }
        return result
    }

    /// The strings of a list field, such as `values` or `want`.
    package func byteStrings(_ key: String) throws(KRPCError) -> [[UInt8]] {
        guard let value = dictionary[key] else { return [] }
        guard let list = value.listValue else { throw .protocolError("\(key) must be a list") }
        var result: [[UInt8]] = []
        result.reserveCapacity(list.count)
        for item in list {
            guard let bytes = item.bytesValue else { throw .protocolError("\(key) must hold strings") }
            result.append(bytes)
        }
        return result
    }
}
