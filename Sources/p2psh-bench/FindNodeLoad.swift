import NIOCore
import NIOPosix
import PeerKit

/// The find_node load test: one node with a small real routing table, flooded from loopback.
enum FindNodeLoad {
    struct Result: Sendable {
        var counts: FindNodeLoadGenerator.Counts
        /// The same load on a libtorrent node in the same run, or why it could not be measured.
        var libtorrent: Swift.Result<(version: String, counts: FindNodeLoadGenerator.Counts), Failure>
        /// Routing-table size of the node under load.
        var tableSize: Int
        /// find_node queries the node counted as received during the run.
        var receivedByNode: Int
    }

    enum Failure: Error, CustomStringConvertible {
        case setup(String)
        case generator(String)

        var description: String {
            switch self {
            case .setup(let reason): "setup failed: \(reason)"
            case .generator(let reason): "load generator failed: \(reason)"
            }
        }
    }

    static let warmupSeconds = 0.5

    static func run(options: Options) async -> Swift.Result<Result, Failure> {
        let nodes: [Node]
        // One generator socket is one source: the per-source limit (--rate-limit) is off here.
        switch await NetworkBenchmark.startNodes(options.loadHelpers + 1, limit: options.bootstrapConcurrency, rateLimit: 0) {
        case .success(let started): nodes = started
        case .failure(let error): return .failure(.setup("\(error)"))
        }
        let node = nodes[0]
        guard let address = await node.localAddress else {
            await NetworkBenchmark.close(nodes, limit: options.bootstrapConcurrency)
            return .failure(.setup("the node under load has no local address"))
        }

        // The helpers join the node under load, then it joins one of them and looks itself up,
        // so its table holds the helpers as verified contacts.
        _ = await concurrentMap(options.loadHelpers, limit: options.bootstrapConcurrency) { index in
            let helper = nodes[index + 1]
            return await withDeadline(NetworkBenchmark.joinDeadline) { try? await helper.join(address) }
        }
        if let helperAddress = await nodes[1].localAddress {
            _ = await withDeadline(NetworkBenchmark.joinDeadline) { try? await node.join(helperAddress) }
        }
        _ = await withDeadline(NetworkBenchmark.operationDeadline) { await node.lookup(node.id) }
        let before = await node.statistics()

        // The generator gets its own event loop (thread), so it does not share the node's.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let outcome = await generate(to: address.socketAddress, on: group, options: options)
        try? await group.shutdownGracefully()

        let after = await node.statistics()
        let libtorrent = await measureLibtorrent(peers: nodes.dropFirst(), options: options)
        await NetworkBenchmark.close(nodes, limit: options.bootstrapConcurrency)
        return outcome.map { counts in
            Result(counts: counts, libtorrent: libtorrent, tableSize: after.tableSize,
                   receivedByNode: (after.methods["find_node"]?.received ?? 0) - (before.methods["find_node"]?.received ?? 0))
        }
    }

    /// The same generator against a libtorrent node whose table holds the same helpers.
    private static func measureLibtorrent(peers: ArraySlice<Node>,
                                          options: Options) async -> Swift.Result<(version: String, counts: FindNodeLoadGenerator.Counts), Failure> {
        var ports: [Int] = []
        for peer in peers { if let address = await peer.localAddress { ports.append(Int(address.port)) } }
        let libtorrent: LibtorrentNode
        do {
            libtorrent = try LibtorrentNode.start(peerPorts: ports)
        } catch {
            return .failure(.setup("\(error)"))
        }
        defer { libtorrent.stop() }
        guard let target = try? SocketAddress(ipAddress: "127.0.0.1", port: libtorrent.port) else {
            return .failure(.setup("bad libtorrent port \(libtorrent.port)"))
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let outcome = await generate(to: target, on: group, options: options)
        try? await group.shutdownGracefully()
        return outcome.map { (libtorrent.version, $0) }
    }

    private static func generate(to target: SocketAddress, on group: MultiThreadedEventLoopGroup,
                                 options: Options) async -> Swift.Result<FindNodeLoadGenerator.Counts, Failure> {
        let loop = group.next()
        let done = loop.makePromise(of: FindNodeLoadGenerator.Counts.self)
        let templates = FindNodeLoadGenerator.Templates(count: 64)
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: loop)
                .channelOption(.datagramVectorReadMessageCount, value: 64)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 64 * 2048))
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            FindNodeLoadGenerator(target: target, templates: templates, window: options.loadWindow,
                                                  warmupSeconds: warmupSeconds, durationSeconds: options.loadSeconds,
                                                  done: done))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
        } catch {
            done.fail(error)
            return .failure(.generator("cannot bind the load socket: \(error)"))
        }
        // The generator ends itself after warm-up + duration; closing the channel is only a
        // backstop (the handler then fails the promise), so this wait is bounded.
        let budget = warmupSeconds + options.loadSeconds + 10
        let backstop = loop.scheduleTask(in: .seconds(Int64(budget))) { channel.close(promise: nil) }
        let outcome: Swift.Result<FindNodeLoadGenerator.Counts, Failure>
        do { outcome = .success(try await done.futureResult.get()) }
        catch { outcome = .failure(.generator("\(error) (budget \(Int(budget)) s)")) }
        backstop.cancel()
        try? await channel.close()
        return outcome
    }
}
