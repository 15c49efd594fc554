/// The bans in force, and when each ends (nil: until lifted).
///
/// Consulted for every datagram in and out, so a socket or whole host is found in a set;
/// only rules with a shorter prefix are scanned, and there are few of those.
struct BanList: Sendable {
    /// At most this many rules: a script gone wrong cannot make every datagram scan a million.
    static let capacity = 10_000

    private(set) var rules: [BanRule: Timestamp?] = [:]
    private var sockets: Set<NodeAddress> = []
    private var hosts: Set<NodeAddress.Host> = []
    private var networks: [BanRule] = []

    var isEmpty: Bool { rules.isEmpty }

    /// Whether any rule covers `address`.
    func covers(_ address: NodeAddress) -> Bool {
        guard !rules.isEmpty else { return false }
        return sockets.contains(address) || hosts.contains(address.host) || networks.contains { $0.covers(address) }
    }

    /// A rule that covers `address`, if any, to name in a message.
    func rule(covering address: NodeAddress) -> BanRule? {
        guard covers(address) else { return nil }
        return rules.keys.first { $0.covers(address) }
    }

    /// Adds or renews a rule; false when the list is full.
    mutating func insert(_ rule: BanRule, until end: Timestamp?) -> Bool {
        guard rules[rule] != nil || rules.count < Self.capacity else { return false }
        rules[rule] = .some(end)
        reindex()
        return true
    }

    /// Lifts a rule; false when there was none.
    mutating func remove(_ rule: BanRule) -> Bool {
        guard rules.removeValue(forKey: rule) != nil else { return false }
        reindex()
        return true
    }

    /// When the next rule ends, if any ends.
    private(set) var nextExpiry: Timestamp?

    /// Lifts the rules that ended by `now`; returns them.
    mutating func expire(now: Timestamp) -> [BanRule] {
        let ended = rules.filter { $0.value.map { $0 <= now } ?? false }.map(\.key)
        guard !ended.isEmpty else { return [] }
        for rule in ended { rules[rule] = nil }
        reindex()
        return ended
    }

    private mutating func reindex() {
        sockets = []
        hosts = []
        networks = []
        nextExpiry = rules.values.compactMap { $0 }.min()
        for rule in rules.keys {
            if case .socket(let socket) = rule.scope {
                sockets.insert(socket)
            } else if let host = rule.wholeHost {
                hosts.insert(host)
            } else {
                networks.append(rule)
            }
        }
    }
}
