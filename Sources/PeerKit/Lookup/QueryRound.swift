/// The round of a lookup that follows its traversal, as a state machine: one method sent to a
/// list of candidates, closest first, a bounded number at once (``RoundRequest/redundancy``).
struct QueryRound: Sendable {
    let request: RoundRequest
    private var waiting: ArraySlice<(contact: Contact, token: [UInt8]?)>
    private var inFlight: Set<NodeID> = []
    /// The nodes that answered, with their answers, in the order they came.
    private(set) var answers: [(contact: Contact, arguments: Arguments)] = []
    /// Queries sent.
    private(set) var queried = 0

    init(_ request: RoundRequest, to candidates: [(contact: Contact, token: [UInt8]?)]) {
        self.request = request
        waiting = candidates[...]
    }

    private var wanted: Int { request.redundancy ?? .max }

    /// The queries to send now, with their arguments.
    mutating func next() -> [(contact: Contact, arguments: BencodeDictionary)] {
        var sends: [(contact: Contact, arguments: BencodeDictionary)] = []
        while inFlight.count + answers.count < wanted, let (contact, token) = waiting.popFirst() {
            guard inFlight.insert(contact.id).inserted else { continue }
            var arguments = request.arguments
            if let token { arguments["token"] = .bytes(token) }
            queried += 1
            sends.append((contact, arguments))
        }
        return sends
    }

    /// Whether a query of the round to the node is running.
    func isAwaiting(_ id: NodeID) -> Bool { inFlight.contains(id) }

    /// The node answered (`answer`), or failed or refused (nil).
    mutating func ended(_ contact: Contact, answer: Arguments?) {
        guard inFlight.remove(contact.id) != nil else { return }
        if let answer { answers.append((contact, answer)) }
    }

    var isFinished: Bool { inFlight.isEmpty && (waiting.isEmpty || answers.count >= wanted) }
}
