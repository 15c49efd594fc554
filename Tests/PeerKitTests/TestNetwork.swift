import Foundation
import NIOPosix
import TestSupport
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

    /// Starts `count` nodes; if one fails to start, the ones already started are closed.
    static func startNodes(_ count: Int, _ configuration: NodeConfiguration = configuration()) async throws -> [Node] {
        var nodes: [Node] = []
        do {
            for _ in 0..<count { nodes.append(try await startNode(configuration)) }
        } catch {
            await close(nodes)
            throw error
        }
        return nodes
    }

    /// Runs `body` with `count` fresh nodes, and closes them (awaited) whether it returns or throws.
    static func withNodes<T>(_ count: Int, _ configuration: NodeConfiguration = configuration(),
                             _ body: ([Node]) async throws -> T) async throws -> T {
        let nodes = try await startNodes(count, configuration)
        return try await withTeardown { await close(nodes) } body: { try await body(nodes) }
    }

    static func close(_ nodes: [Node]) async {
        for node in nodes { await node.close() }
    }
}
