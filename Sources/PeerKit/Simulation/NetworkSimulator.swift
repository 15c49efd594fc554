import HeapModule
import Logging

/// Real protocol engines over a simulated network, in one thread, on virtual time.
///
/// Every node is a ``ProtocolEngine``, with its routing table, lookups, storage, upkeep and
/// limits; datagrams are the engines' own bytes, carried between them with the round trips and
/// losses of ``SimulatedPaths``; time moves from one event to the next, so an hour of a network
/// runs in what its datagrams cost to encode and decode. Nothing here touches a socket or sleeps.
final class NetworkSimulator {
    private struct Event: Comparable {
        enum Kind {
            case deliver(to: Int, from: Int, bytes: [UInt8])
            case timer(Int)
            case action(Int)
        }

        let at: Timestamp
        let sequence: Int
        let kind: Kind

        static func < (lhs: Event, rhs: Event) -> Bool { (lhs.at, lhs.sequence) < (rhs.at, rhs.sequence) }
        static func == (lhs: Event, rhs: Event) -> Bool { lhs.at == rhs.at && lhs.sequence == rhs.sequence }
    }

    let parameters: SimulationParameters
    /// The nodes' contacts; a node is its index in every array here.
    let contacts: [Contact]
    /// Nodes that never answer (departed, or behind a NAT).
    private(set) var silent: [Bool]
    var engines: [ProtocolEngine]
    private let byAddress: [NodeAddress: Int]
    private let paths: SimulatedPaths
    private var random: NodeRandom
    private var events = Heap<Event>()
    private var sequence = 0
    private var timerAt: [Timestamp?]
    private var waiting: [Int: [Int: (LookupResult) -> Void]] = [:]
    private var actions: [Int: () -> Void] = [:]
    /// The virtual time.
    private(set) var now: Timestamp
    /// Datagrams and bytes the nodes sent, lost ones included.
    private(set) var datagramsSent = 0
    private(set) var bytesSent = 0
    /// Events handled so far.
    private(set) var eventsRun = 0
    /// Whether nodes run their checkpoint's network half: stale buckets looked up, values republished.
    var runsMaintenance = true

    /// A network of `parameters.nodes` nodes at addresses in 198.18.0.0/15, with BEP 42 node ids
    /// and full routing tables (``SimulatedTables``); a share of them silent.
    init(_ parameters: SimulationParameters) {
        precondition(parameters.nodes <= 1 << 17, "198.18.0.0/15 holds 131,072 addresses")
        self.parameters = parameters
        var random = NodeRandom(seed: parameters.seed)
        let start = Timestamp(sinceEpoch: .seconds(1_000_000))
        now = start
        let contacts = (0..<parameters.nodes).map { index in
            let host = NodeAddress.Host.ipv4(0xC612_0000 + UInt32(index))
            return Contact(id: SecureNodeID.compliantID(for: host, using: &random), address: NodeAddress(host: host, port: 6881))
        }
        self.contacts = contacts
        byAddress = Dictionary(uniqueKeysWithValues: contacts.indices.map { (contacts[$0].address, $0) })
        let silentCount = Int(Double(parameters.nodes) * parameters.silentShare)
        var silent = [Bool](repeating: false, count: parameters.nodes)
        for index in contacts.indices.shuffled(using: &random).prefix(silentCount) { silent[index] = true }
        self.silent = silent
        paths = SimulatedPaths(median: parameters.medianRoundTrip, spread: parameters.roundTripSpread,
                               loss: parameters.loss, seed: parameters.seed)
        timerAt = Array(repeating: nil, count: parameters.nodes)
        engines = Self.makeEngines(contacts, parameters: parameters, silent: silent, now: start, using: &random)
        self.random = random
        for index in contacts.indices where !silent[index] { scheduleTimer(index) }
    }

    private static func makeEngines(_ contacts: [Contact], parameters: SimulationParameters, silent: [Bool],
                                    now: Timestamp, using random: inout NodeRandom) -> [ProtocolEngine] {
        let sorted = contacts.indices.map { (id: contacts[$0].id, index: $0) }.sorted { $0.id < $1.id }
        let logger = Logger(label: "simulation", factory: { _ in SwiftLogNoOpLogHandler() })
        var configuration = NodeConfiguration()
        parameters.policy.apply(to: &configuration)
        return contacts.indices.map { index in
            configuration.random = NodeRandom(seed: parameters.seed &+ UInt64(index) &* 0x9E37_79B9)
            var engine = ProtocolEngine(configuration: configuration, state: StoredState(nodeID: contacts[index].id),
                                        databasePath: nil, random: configuration.random, logger: logger, now: now)
            engine.stats.localAddress = contacts[index].address
            guard !silent[index] else { return engine }
            for contact in SimulatedTables.contacts(for: index, among: sorted, contacts: contacts, k: configuration.k,
                                                    using: &random) {
                _ = engine.table.insert(contact, now: now)
            }
            return engine
        }
    }

    /// Nodes that answer.
    var liveNodes: [Int] { contacts.indices.filter { !silent[$0] } }

    /// A node leaves without a goodbye: from now on it neither answers nor sends.
    func depart(_ node: Int) { silent[node] = true }

    /// Runs `action` at `time` (not before now).
    func at(_ time: Timestamp, _ action: @escaping () -> Void) {
        let number = sequence
        actions[number] = action
        push(max(time, now), .action(number))
    }

    /// Starts a lookup at `node` now; `finished` gets its result when it ends.
    func lookUp(from node: Int, _ request: LookupRequest, finished: @escaping (LookupResult) -> Void) {
        let number = engines[node].startLookup(request, now: now)
        waiting[node, default: [:]][number] = finished
        drain(node)
    }

    /// Runs events in time order until `done` holds, or the clock passes `limit`.
    func run(until limit: Timestamp, while going: () -> Bool = { true }) {
        while going(), let event = events.popMin() {
            guard event.at <= limit else {
                events.insert(event)
                now = limit
                return
            }
            now = event.at
            eventsRun += 1
            handle(event.kind)
        }
    }

    private func handle(_ kind: Event.Kind) {
        switch kind {
        case .deliver(let node, let sender, let bytes):
            guard !silent[node] else { return }
            let reply = bytes.withUnsafeBytes { engines[node].receive($0, from: contacts[sender].address, now: now) }
            if let reply { send(reply, from: node, to: sender) }
            drain(node)
        case .timer(let node):
            guard timerAt[node] == now, !silent[node] else { return }
            timerAt[node] = nil
            engines[node].advance(to: now)
            drain(node)
        case .action(let number):
            actions.removeValue(forKey: number)?()
        }
    }

    /// Carries out what a node's engine asked for, and sets its timer.
    private func drain(_ node: Int) {
        let output = engines[node].takeOutput()
        for (address, bytes) in output.datagrams {
            if let target = byAddress[address] { send(bytes, from: node, to: target) }
        }
        for (number, result) in output.finishedLookups { waiting[node]?.removeValue(forKey: number)?(result) }
        if runsMaintenance, let work = output.maintenance { maintain(node, work) }
        scheduleTimer(node)
    }

    private func maintain(_ node: Int, _ work: MaintenanceWork) {
        for target in work.refreshTargets { lookUp(from: node, LookupRequest(kind: .findNode, target: target)) { _ in } }
        for record in work.republish {
            lookUp(from: node, .store(record.value, at: record.key, engines[node].configuration)) { [unowned self] result in
                if !result.answers.isEmpty { engines[node].recordPublished(record.value, at: record.key, now: now) }
            }
        }
    }

    private func send(_ bytes: [UInt8], from node: Int, to target: Int) {
        datagramsSent += 1
        bytesSent += bytes.count
        guard silent[node] == false, let delay = paths.transit(from: node, to: target, using: &random) else { return }
        push(now + delay, .deliver(to: target, from: node, bytes: bytes))
    }

    private func scheduleTimer(_ node: Int) {
        let deadline = engines[node].nextDeadline
        if let armed = timerAt[node], armed <= deadline { return }
        timerAt[node] = deadline
        push(deadline, .timer(node))
    }

    private func push(_ time: Timestamp, _ kind: Event.Kind) {
        events.insert(Event(at: time, sequence: sequence, kind: kind))
        sequence += 1
    }
}
