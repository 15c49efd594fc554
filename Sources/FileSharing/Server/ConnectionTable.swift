/// The HTTP connections a server has open: who opened each, and which wait for a request head.
///
/// Pure bookkeeping for ``ConnectionLimits``, which applies ``HTTPLimits`` with it: a new
/// connection over a cap displaces the connection that has waited longest for a head (of its
/// client, or of anyone), found in amortized constant time from queues in waiting order. An
/// entry made stale by a head arriving or a close stays in its queue until it reaches the
/// front, or until stale entries outnumber live ones and are swept.
struct ConnectionTable<ID: Hashable & Sendable, Client: Hashable & Sendable>: Sendable {
    private struct Connection: Sendable {
        let client: Client
        /// Which wait this is, when the connection waits for a head; nil while it is busy.
        var waiting: UInt64?
    }

    private struct Waiter: Sendable {
        let id: ID
        let turn: UInt64
    }

    private var connections: [ID: Connection] = [:]
    private var perClient: [Client: Int] = [:]
    private var waiters: [Waiter] = []
    private var waitersHead = 0
    private var clientWaiters: [Client: [Waiter]] = [:]
    private var nextTurn: UInt64 = 0

    var count: Int { connections.count }

    func count(from client: Client) -> Int { perClient[client] ?? 0 }

    /// Waiting-order entries kept, stale ones included (bounded by the sweeps).
    var queuedWaiters: Int { waiters.count - waitersHead + clientWaiters.values.reduce(0) { $0 + $1.count } }

    /// Connections with a request in progress.
    var busyCount: Int { connections.values.count { $0.waiting == nil } }

    /// Adds a connection, waiting for its first head.
    mutating func open(_ id: ID, from client: Client) {
        connections[id] = Connection(client: client, waiting: nil)
        perClient[client, default: 0] += 1
        wait(id)
    }

    /// The connection starts waiting for a head (again, after a response).
    mutating func wait(_ id: ID) {
        guard let client = connections[id]?.client else { return }
        let waiter = Waiter(id: id, turn: nextTurn)
        nextTurn += 1
        connections[id]!.waiting = waiter.turn
        waiters.append(waiter)
        clientWaiters[client, default: []].append(waiter)
        sweepIfStale(client)
    }

    /// A head arrived: the connection is busy until its response ends.
    mutating func busy(_ id: ID) {
        connections[id]?.waiting = nil
    }

    mutating func close(_ id: ID) {
        guard let connection = connections.removeValue(forKey: id) else { return }
        perClient[connection.client]! -= 1
        if perClient[connection.client] == 0 {
            perClient[connection.client] = nil
            clientWaiters[connection.client] = nil
        }
    }

    /// The connection of `client` (or of anyone, when nil) that has waited longest for a head.
    mutating func longestWaiting(of client: Client?) -> ID? {
        if let client {
            while let first = clientWaiters[client]?.first {
                if isCurrent(first) { return first.id }
                clientWaiters[client]!.removeFirst()
            }
            return nil
        }
        defer {
            if waitersHead > 1024, waitersHead * 2 > waiters.count {
                waiters.removeFirst(waitersHead)
                waitersHead = 0
            }
        }
        while waitersHead < waiters.count {
            let first = waiters[waitersHead]
            if isCurrent(first) { return first.id }
            waitersHead += 1
        }
        return nil
    }

    private func isCurrent(_ waiter: Waiter) -> Bool {
        connections[waiter.id]?.waiting == waiter.turn
    }

    /// Drops stale waiters once they outnumber the connections.
    private mutating func sweepIfStale(_ client: Client) {
        if let queue = clientWaiters[client], queue.count > 2 * (perClient[client] ?? 0) + 16 {
            clientWaiters[client] = queue.filter(isCurrent)
        }
        if waiters.count - waitersHead > 2 * connections.count + 64 {
            waiters = waiters[waitersHead...].filter(isCurrent)
            waitersHead = 0
        }
    }
}
