import Foundation
import Testing
import TestSupport
@testable import PeerKit

@Suite(.timeLimit(.minutes(1))) struct PersistenceTests {
    @Test func aRestartedNodeKeepsItsIDTableAndValues() async throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = TestNetwork.configuration(storage: .directory(directory))
        let first = try await TestNetwork.startNode(configuration)
        let other = try await TestNetwork.startNode()
        let otherAddress = try #require(await other.localAddress)
        _ = try await first.join(otherAddress)
        let key = NodeID.sha1(of: Array("kept".utf8))
        _ = try await other.store(Array("still here".utf8), at: key)
        #expect(await first.statistics().valuesHeld == 1)
        let id = first.id
        await first.close()

        let second = try await TestNetwork.startNode(configuration)
        #expect(second.id == id)
        #expect(await second.routingTable().map(\.contact) == [Contact(id: other.id, address: otherAddress)])
        #expect(await second.statistics().valuesHeld == 1)
        // It still serves the value to the network.
        let got = try await other.get(key)
        #expect(got.values == [Array("still here".utf8)])
        await second.close()
        await other.close()
    }

    @Test func aSecondNodeCannotOpenTheSameDatabase() async throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = TestNetwork.configuration(storage: .directory(directory))
        let first = try await TestNetwork.startNode(configuration)
        do {
            _ = try await TestNetwork.startNode(configuration)
            Issue.record("a second node opened a database in use")
        } catch let error as NodeError {
            guard case .dataDirectoryInUse(let message) = error else {
                Issue.record("wrong error: \(error)")
                return
            }
            #expect(message.contains("process \(getpid())"))
        }
        await first.close()
    }

    @Test func ephemeralNodesWriteNoFiles() async throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let node = try await TestNetwork.startNode(TestNetwork.configuration())
        #expect(await node.statistics().databasePath == nil)
        await node.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }
}
