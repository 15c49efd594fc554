/// The candidates of one traversal, sorted by distance to the target, each with its state.
struct Shortlist {
    enum State {
        case candidate
        case inFlight
        /// Still in flight, but slow: looked past until it answers.
        case stalled
        case answered(LookupReply)
        /// Answered, but cannot serve the operation: it routed the lookup and no more.
        case passedOver
        case failed
    }

    let target: NodeID
    let excludedID: NodeID?
    let maxPassedOver: Int
    private var passedOverCount = 0
    private var sorted: [(distance: NodeID, contact: Contact)] = []
    private var states: [NodeID: State] = [:]
    /// Nodes whose queries are slow but still running.
    private(set) var stalledCount = 0

    init(target: NodeID, excluding excludedID: NodeID?, maxPassedOver: Int) {
        self.target = target
        self.excludedID = excludedID
        self.maxPassedOver = maxPassedOver
    }

    mutating func add(_ contacts: [Contact]) {
        for contact in contacts where contact.id != excludedID && states[contact.id] == nil {
            states[contact.id] = .candidate
            let distance = contact.id.distance(to: target)
            let index = sorted.firstIndex { distance < $0.distance } ?? sorted.endIndex
            sorted.insert((distance, contact), at: index)
        }
    }

    /// The `k` closest contacts that have neither failed, stalled nor been passed over.
    func window(_ k: Int) -> [Contact] {
        var result: [Contact] = []
        for entry in sorted where result.count < k {
            switch states[entry.contact.id] {
            case .failed, .stalled, .passedOver: continue
            default: result.append(entry.contact)
            }
        }
        return result
    }

    func isCandidate(_ id: NodeID) -> Bool { if case .candidate = states[id] { true } else { false } }
    func isInFlight(_ id: NodeID) -> Bool { if case .inFlight = states[id] { true } else { false } }
    /// In flight or stalled: a query to it is running.
    func isAsked(_ id: NodeID) -> Bool {
        switch states[id] {
        case .inFlight, .stalled: true
        default: false
        }
    }
    func isAnswered(_ id: NodeID) -> Bool { reply(for: id) != nil }

    func reply(for id: NodeID) -> LookupReply? {
        if case .answered(let reply) = states[id] { return reply }
        return nil
    }

    mutating func markInFlight(_ id: NodeID) { states[id] = .inFlight }

    mutating func markAnswered(_ id: NodeID, reply: LookupReply, eligible: Bool) {
        leaveStalled(id)
        if !eligible, passedOverCount < maxPassedOver {
            passedOverCount += 1
            states[id] = .passedOver
        } else {
            states[id] = .answered(reply)
        }
    }

    mutating func markFailed(_ id: NodeID) {
        leaveStalled(id)
        states[id] = .failed
    }

    private mutating func leaveStalled(_ id: NodeID) {
        if case .stalled = states[id] { stalledCount -= 1 }
    }

    mutating func markStalled(_ id: NodeID) {
        states[id] = .stalled
        stalledCount += 1
    }
}
