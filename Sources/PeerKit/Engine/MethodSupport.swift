/// Which nodes do not speak which methods beyond BEP 5, learned from each node's own answers.
///
/// Mainline nodes answer a method they do not know with 204 (libtorrent: 203), or drop it
/// without a word (jech/dht, Transmission, aria2c). Either way the node is alive: it is
/// remembered here as not speaking that method, is not asked it again for a while, and its
/// silence never counts against it. Bounded: at capacity, an arbitrary entry gives way.
struct MethodSupport: Sendable {
    /// Addresses remembered at most.
    let capacity: Int
    /// How long a refusal is remembered: a node may be upgraded, or its address taken over.
    let memory: Duration
    /// How long silence is remembered: shorter, since three datagrams lost in a row look the same.
    let silenceMemory: Duration
    /// Until when each node is taken not to speak each method.
    private var refusals: [NodeAddress: [String: Timestamp]] = [:]

    init(capacity: Int = 4096, memory: Duration = .seconds(3600), silenceMemory: Duration = .seconds(900)) {
        self.capacity = capacity
        self.memory = memory
        self.silenceMemory = silenceMemory
    }

    /// Remembers that the node at `address` refused `method` as unknown, or (`silent`) let it time out.
    mutating func noteUnsupported(_ method: String, at address: NodeAddress, silent: Bool = false, now: Timestamp) {
        if refusals[address] == nil, refusals.count >= capacity, let any = refusals.keys.first {
            refusals.removeValue(forKey: any)
        }
        refusals[address, default: [:]][method] = now + (silent ? silenceMemory : memory)
    }

    /// False while the node at `address` is remembered as not speaking `method`.
    func speaks(_ method: String, at address: NodeAddress, now: Timestamp) -> Bool {
        guard let until = refusals[address]?[method] else { return true }
        return now >= until
    }

    /// Nodes remembered as not speaking some method.
    var count: Int { refusals.count }

    /// Whether an error answer to `method` says the node does not know it: 204 always, and
    /// libtorrent's 203 to a query that carries no token (one with a token may be refused for it).
    static func meansUnknown(_ error: KRPCError, to method: String) -> Bool {
        if error.code == 204 { return true }
        guard error.code == 203, let known = Method(rawValue: method) else { return false }
        return !known.isBEP5 && known != .storeValue && known != .putItem
    }
}
