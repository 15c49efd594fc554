/// What a lookup looks for: the method its traversal sends, and what it keeps from the answers.
enum LookupKind: Sendable {
    /// `find_node`: the K closest nodes.
    case findNode
    /// `find_value` (Khashmir's, with apt-p2p's `num` and a write token): the K closest nodes that
    /// can store, and the values they hold. Mainline nodes route it through `find_node`.
    case findValue(RetrieveValues)
    /// `get_peers` (BEP 5): the K closest nodes, their tokens, and every peer any responder lists.
    case getPeers
    /// BEP 44 `get`: the K closest nodes that speak BEP 44 and the items they hold, each checked
    /// against the target (and `publicKey` and `salt`, for a mutable one). With `untilFound`, the
    /// lookup ends at the first immutable item, as libtorrent's does: nothing can be newer.
    case getItem(publicKey: [UInt8]?, salt: [UInt8], untilFound: Bool)

    var method: Method {
        switch self {
        case .findNode: .findNode
        case .findValue: .findValue
        case .getPeers: .getPeers
        case .getItem: .getItem
        }
    }

    /// The query's arguments for `target` (the id is added when it is sent).
    func arguments(for target: NodeID) -> BencodeDictionary {
        switch self {
        case .findNode: ["target": .bytes(target.bytes)]
        case .findValue: ["key": .bytes(target.bytes)]
        case .getPeers: ["info_hash": .bytes(target.bytes)]
        case .getItem: ["target": .bytes(target.bytes)]
        }
    }
}

/// Who a round after a traversal asks.
enum RoundTargets: Sendable {
    /// The closest responders that gave a write token, closest first, each sent its token.
    case tokenHolders
    /// The holders whose `find_value` answer did not carry every value they hold (too many for
    /// one datagram, or a node that does not send them), among those the get policy reads.
    case holdersOfMoreValues
}

/// One query sent to several nodes after a traversal: the store, put, announcement, listen,
/// withdrawal or value retrieval that the lookup was for.
struct RoundRequest: Sendable {
    let method: Method
    /// The arguments; a token holder's token is added under `token`.
    let arguments: BencodeDictionary
    /// Answers wanted: the round asks this many at once, moves on to the next candidate when one
    /// fails or refuses, and ends once this many answered. Nil: every candidate, at once.
    var redundancy: Int?
    var targets: RoundTargets = .tokenHolders
}

/// A lookup the engine runs from start to result.
struct LookupRequest: Sendable {
    let kind: LookupKind
    let target: NodeID
    /// What to send to the nodes the traversal found, if anything.
    var then: RoundRequest?
}

extension LookupRequest {
    /// A store: find_value toward `key`, then store_value on the STORE_REDUNDANCY closest nodes
    /// that gave a token, moving on to the next when one refuses.
    static func store(_ value: [UInt8], at key: NodeID, _ configuration: NodeConfiguration) -> LookupRequest {
        let store = RoundRequest(method: .storeValue, arguments: ["key": .bytes(key.bytes), "value": .bytes(value)],
                                 redundancy: configuration.storeRedundancy)
        return LookupRequest(kind: .findValue(configuration.retrieveValues), target: key, then: store)
    }

    /// A get: find_value toward `key`, whose answers carry the values, then get_value of the
    /// holders that hold more than their answer carried.
    static func get(_ key: NodeID, _ configuration: NodeConfiguration) -> LookupRequest {
        let retrieve = RoundRequest(method: .getValue, arguments: ["key": .bytes(key.bytes), "num": 0],
                                    targets: .holdersOfMoreValues)
        return LookupRequest(kind: .findValue(configuration.retrieveValues), target: key, then: retrieve)
    }
}
