/// What one node's answer told a lookup, whatever its kind.
struct LookupReply: Sendable {
    /// The write token for a later store, put or announcement; nil from a node that cannot take one.
    var token: [UInt8]?
    /// `find_value`'s `num`: how many values the node holds under the key.
    var valueCount = 0
    /// Values the answer carried: `find_value`'s values, or `get_peers`' compact peer addresses.
    var values: [[UInt8]] = []
    /// The BEP 44 item it holds under the target, already checked (``ItemLookup/verified(_:target:publicKey:salt:)``).
    var item: Item?

    init(token: [UInt8]? = nil, valueCount: Int = 0, values: [[UInt8]] = [], item: Item? = nil) {
        self.token = token
        self.valueCount = valueCount
        self.values = values
        self.item = item
    }
}

/// A node that answered a lookup, with what it said.
struct Responder: Sendable {
    let contact: Contact
    let reply: LookupReply
}
