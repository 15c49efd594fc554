import Foundation
import Logging
import Testing
import TestSupport
@testable import PeerKit

@Suite(.timeLimit(.minutes(1))) struct PersistenceTests {
    @Test func aRestartedNodeKeepsItsIDTableAndValues() async throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = TestNetwork.configuration(storage: .directory(directory))
        let other = try await TestNetwork.startNode()
        try await withTeardown { await other.close() } body: {
            let otherAddress = try #require(await other.localAddress)
            let key = NodeID.sha1(of: Array("kept".utf8))
            let first = try await TestNetwork.startNode(configuration)
            let id = first.id
            try await withTeardown { await first.close() } body: {
                _ = try await first.join(otherAddress)
                _ = try await other.store(Array("still here".utf8), at: key)
                #expect(await first.statistics().valuesHeld == 1)
            }

            let second = try await TestNetwork.startNode(configuration)
            try await withTeardown { await second.close() } body: {
                #expect(second.id == id)
                #expect(await second.routingTable().map(\.contact) == [Contact(id: other.id, address: otherAddress)])
                #expect(await second.statistics().valuesHeld == 1)
                // It still serves the value to the network.
                let got = try await other.get(key)
                #expect(got.values == [Array("still here".utf8)])
            }
        }
    }

    @Test func storedValuesKeepTheirSourceAcrossARestart() async throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let record = ValueStore.Record(key: .sha1(of: Array("sourced".utf8)), value: [1, 2, 3],
                                       refreshedAt: Timestamp(seconds: 1000), source: NodeAddress("127.0.0.1:4000"))
        let first = try NodeDatabase(location: .directory(directory), port: 1, logger: Logger(label: "test"))
        await first.apply([.save(record, in: .stored)])
        first.close()
        let second = try NodeDatabase(location: .directory(directory), port: 1, logger: Logger(label: "test"))
        defer { second.close() }
        #expect(try second.load().storedValues == [record], "fair shares survive a restart")
    }

    @Test func aSecondNodeCannotOpenTheSameDatabase() async throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = TestNetwork.configuration(storage: .directory(directory))
        let first = try await TestNetwork.startNode(configuration)
        await withTeardown { await first.close() } body: {
            do {
                let second = try await TestNetwork.startNode(configuration)
                await second.close()
                Issue.record("a second node opened a database in use")
            } catch let error as NodeError {
                guard case .dataDirectoryInUse(let message) = error else {
                    Issue.record("wrong error: \(error)")
                    return
                }
                #expect(message.contains("process \(getpid())"))
            } catch {
                Issue.record("wrong error: \(error)")
            }
        }
    }

    /// An ephemeral node is given no directory, so the only places it could write to are ones
    /// it finds by itself: the working directory (a relative path) or the default data
    /// directory. Neither can be pointed elsewhere inside this process without disturbing the
    /// tests running in parallel, so this test checks what the API says and the working
    /// directory, after the node did everything that makes a persistent node write (the
    /// control run shows it does). `p2pshTests` `ephemeralSessionWritesNoFiles` runs a whole
    /// ephemeral session with its working directory, HOME and XDG_DATA_HOME in empty
    /// directories, and checks that they stay empty.
    @Test func ephemeralNodesWriteNoFiles() async throws {
        let control = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: control) }
        let persistent = try await Self.storeJoinAndClose(TestNetwork.configuration(storage: .directory(control)))
        #expect(persistent == control + "/node-0.sqlite")
        #expect(try FileManager.default.contentsOfDirectory(atPath: control).contains("node-0.sqlite"),
                "the control run writes its database: the same steps below would write if the node were not ephemeral")

        let workingDirectory = FileManager.default.currentDirectoryPath
        let before = try Self.databases(in: workingDirectory)
        let ephemeral = try await Self.storeJoinAndClose(TestNetwork.configuration())
        #expect(ephemeral == nil, "an ephemeral node has no database file")
        #expect(try Self.databases(in: workingDirectory) == before, "no database appeared in the working directory")
    }

    /// Starts a node with `configuration`, joins a second node, stores a value on it and
    /// through it, and closes it (closing saves the table); returns the node's database path.
    private static func storeJoinAndClose(_ configuration: NodeConfiguration) async throws -> String? {
        let other = try await TestNetwork.startNode()
        return try await withTeardown { await other.close() } body: {
            let node = try await TestNetwork.startNode(configuration)
            return try await withTeardown { await node.close() } body: {
                _ = try await node.join(try #require(await other.localAddress))
                _ = try await node.store(Array("mine".utf8), at: NodeID.sha1(of: Array("a".utf8)))
                _ = try await other.store(Array("theirs".utf8), at: NodeID.sha1(of: Array("b".utf8)))
                #expect(await node.statistics().valuesHeld >= 1)
                return await node.statistics().databasePath
            }
        }
    }

    /// The SQLite files (and their locks and journals) in `directory`.
    private static func databases(in directory: String) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".sqlite") })
    }
}

/// The routing table reaches the database when it changed much, not only at checkpoints.
@Suite struct TableSaveTests {
    @Test func aTableThatGrewMuchIsSavedBeforeAnyCheckpoint() async throws {
        var configuration = TestNetwork.configuration()
        configuration.firstCheckpoint = .seconds(3600)
        // 39 others: with K = 8 a table keeps about 24 of them (buckets fill), always more than 16.
        try await TestNetwork.withNodes(40, configuration) { nodes in
            #expect(try nodes[0].database.load().contacts.isEmpty)
            for other in nodes.dropFirst() { _ = try await nodes[0].ping(try #require(await other.localAddress)) }
            let known = await nodes[0].routingTable().count
            #expect(known >= 16, "\(known) nodes in the table")
            #expect(await eventually { ((try? nodes[0].database.load().contacts.count) ?? 0) >= 16 },
                    "saved once 16 nodes came, without a checkpoint or a join's save")
        }
    }
}
