import Synchronization
@testable import PeerKit

/// Node storage in memory, for protocol-engine tests: the value changes the engine asked for
/// can be applied and read back. Its state sits behind a `Mutex` because the protocol requires `Sendable`.
final class MemoryStorage: NodeStorage {
    private struct State {
        var nodeID: NodeID?
        var contacts: [NodeEntry] = []
        var values: [ValueTable: [ValueStore.Record]] = [:]
        var bans: [(rule: BanRule, until: Timestamp?)] = []
    }

    private let state = Mutex(State())

    var path: String? { nil }

    func values(in table: ValueTable) -> [ValueStore.Record] { state.withLock { $0.values[table] ?? [] } }

    func load() throws(NodeError) -> StoredState {
        state.withLock { state in
            StoredState(nodeID: state.nodeID, contacts: state.contacts, storedValues: state.values[.stored] ?? [],
                        publishedValues: state.values[.published] ?? [], storedItems: state.values[.items] ?? [],
                        publishedItems: state.values[.publishedItems] ?? [], bans: state.bans)
        }
    }

    func saveNodeID(_ id: NodeID) throws(NodeError) { state.withLock { $0.nodeID = id } }

    func saveContacts(_ entries: [NodeEntry]) async throws { state.withLock { $0.contacts = entries } }

    func saveBans(_ bans: [(rule: BanRule, until: Timestamp?)]) async throws { state.withLock { $0.bans = bans } }

    func apply(_ changes: [ValueChange]) async { record(changes) }

    /// Applies changes at once, for tests that drive the engine by hand.
    func record(_ changes: [ValueChange]) {
        state.withLock { state in
            for change in changes {
                switch change {
                case .save(let record, let table):
                    state.values[table, default: []].removeAll { $0.key == record.key && $0.value == record.value }
                    state.values[table, default: []].append(record)
                case .delete(let record, let table):
                    state.values[table, default: []].removeAll { $0.key == record.key && $0.value == record.value }
                }
            }
        }
    }

    func close() {}
}
