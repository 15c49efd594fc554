import Synchronization
@testable import PeerKit

/// Node storage in memory, for protocol-engine tests: what the engine saved and deleted
/// can be read back. Its state sits behind a `Mutex` because the protocol requires `Sendable`.
final class MemoryStorage: NodeStorage {
    private struct State {
        var nodeID: NodeID?
        var contacts: [NodeEntry] = []
        var values: [ValueTable: [ValueStore.Record]] = [:]
    }

    private let state = Mutex(State())

    var path: String? { nil }

    func values(in table: ValueTable) -> [ValueStore.Record] { state.withLock { $0.values[table] ?? [] } }

    func load() throws(NodeError) -> StoredState {
        state.withLock { state in
            StoredState(nodeID: state.nodeID, contacts: state.contacts, storedValues: state.values[.stored] ?? [],
                        publishedValues: state.values[.published] ?? [])
        }
    }

    func saveNodeID(_ id: NodeID) throws(NodeError) { state.withLock { $0.nodeID = id } }

    func saveContacts(_ entries: [NodeEntry]) async throws { state.withLock { $0.contacts = entries } }

    func saveValue(_ record: ValueStore.Record, in table: ValueTable) {
        state.withLock { state in
            state.values[table, default: []].removeAll { $0.key == record.key && $0.value == record.value }
            state.values[table, default: []].append(record)
        }
    }

    func deleteValues(_ records: [ValueStore.Record], from table: ValueTable) {
        state.withLock { state in
            state.values[table, default: []].removeAll { stored in
                records.contains { $0.key == stored.key && $0.value == stored.value }
            }
        }
    }

    func flush() async {}

    func close() {}
}
