import Foundation
import NIOPosix
@testable import PeerKit

/// Real nodes on 127.0.0.1 in this process, for multi-node tests.
enum TestNetwork {
    static func configuration(port: Int = 0, storage: StorageLocation = .ephemeral) -> NodeConfiguration {
        var configuration = NodeConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = port
        configuration.storage = storage
        configuration.queryResendDelays = [.milliseconds(500)]
        configuration.queryTimeout = .seconds(2)
        var logger = configuration.logger
        logger.logLevel = .critical
        configuration.logger = logger
        return configuration
    }

    static func startNode(_ configuration: NodeConfiguration = configuration()) async throws -> Node {
        try await Node.start(configuration, on: MultiThreadedEventLoopGroup.singleton)
    }

    static func startNodes(_ count: Int) async throws -> [Node] {
        var nodes: [Node] = []
        for _ in 0..<count { nodes.append(try await startNode()) }
        return nodes
    }

    static func close(_ nodes: [Node]) async {
        for node in nodes { await node.close() }
    }
}
