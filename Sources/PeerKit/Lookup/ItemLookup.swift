/// What one node's answer to a BEP 44 `get` said.
struct ItemReply: Sendable {
    /// The write token for a later `put`; nil from a node that does not speak BEP 44.
    var token: [UInt8]?
    /// The item it holds under the target, already checked (``ItemLookup/verified(_:target:publicKey:salt:)``).
    var item: Item?
}

/// The checks a BEP 44 reader makes on what nodes answer, apart from any I/O.
enum ItemLookup {
    /// The item in a `get` answer, unchecked: mutable when `k`, `seq` and `sig` are all there.
    /// The salt is never sent back; the reader adds the one it asked for.
    static func item(in arguments: Arguments) -> Item? {
        guard let value = arguments.dictionary["v"]?.encoded() else { return nil }
        let key = arguments.dictionary["k"]?.bytesValue, sequence = arguments.dictionary["seq"]?.integerValue
        let signature = arguments.dictionary["sig"]?.bytesValue
        guard let key, let sequence, let signature else { return Item(immutable: value) }
        return Item(value: value, signature: .init(publicKey: key, salt: [], sequence: sequence, signature: signature))
    }

    /// `item` if it belongs under `target`: an immutable item whose value hashes to it, or a
    /// mutable one whose key (`publicKey`, when the reader asked for one) and `salt` hash to it
    /// and whose signature verifies with that salt. Nil for anything else: a node cannot pass
    /// off a forged or misplaced item.
    static func verified(_ item: Item, target: NodeID, publicKey: [UInt8]?, salt: [UInt8]) -> Item? {
        guard let signature = item.signature else { return item.target == target ? item : nil }
        if let publicKey, publicKey != signature.publicKey { return nil }
        let salted = Item(value: item.value, signature: .init(publicKey: signature.publicKey, salt: salt,
                                                              sequence: signature.sequence,
                                                              signature: signature.signature))
        return salted.target == target && salted.hasValidSignature ? salted : nil
    }

    /// The item to report of several verified ones: the highest `seq` (the first, among equals).
    static func newest(_ items: [Item]) -> Item? {
        items.reduce(nil) { best, item in
            guard let best else { return item }
            return (item.signature?.sequence ?? .min) > (best.signature?.sequence ?? .min) ? item : best
        }
    }
}
