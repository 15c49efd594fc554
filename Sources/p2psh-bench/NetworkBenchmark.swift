import Foundation
import Logging
import NIOPosix
import PeerKit

/// What one network size measured: a row of the table, and the notes below it.
struct NetworkResult: Sendable {
    var size: Int
    var bootstrapSeconds = 0.0
    var joinFailures = 0
    var lookupTimeouts = 0
    /// Routing-table sizes after bootstrap.
    var meanTableSize = 0.0
    var minTableSize = 0
    var stores = 0
    var storesOK = 0
    var storeSeconds = 0.0
    var gets = GetRound()
    var peakRSS: Double?
    /// The first few errors of bootstrap and stores, to say why something failed.
    var errors: [String] = []

    mutating func note(_ error: String) {
        if errors.count < 5 { errors.append(error) }
    }
}

/// Bootstraps N in-process nodes on 127.0.0.1, then stores and gets random keys.
enum NetworkBenchmark {
    /// Per-operation deadlines: far above anything a healthy loopback network needs.
    static let joinDeadline = 30.0
    static let operationDeadline = 30.0
    static let closeDeadline = 10.0

    /// Defaults except where and how to listen, and quiet logs (stderr would drown the table).
    /// `rateLimit` is the per-source query limit (the default, or 0 for the find_node load test).
    static func configuration(rateLimit: Int = NodeConfiguration().queryRateLimit) -> NodeConfiguration {
        var configuration = NodeConfiguration()
        configuration.queryRateLimit = rateLimit
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.storage = .ephemeral
        var logger = configuration.logger
        logger.logLevel = .error
        configuration.logger = logger
        return configuration
    }

    /// Starts `count` nodes, `limit` at a time; nil (with the error) if any fails to start.
    static func startNodes(_ count: Int, limit: Int, rateLimit: Int = NodeConfiguration().queryRateLimit)
        async -> Result<[Node], NodeError> {
        let configuration = configuration(rateLimit: rateLimit)
        let started = await concurrentMap(count, limit: limit) { _ -> Result<Node, NodeError> in
            do throws(NodeError) { return .success(try await Node.start(configuration, on: MultiThreadedEventLoopGroup.singleton)) }
            catch { return .failure(error) }
        }
        var nodes: [Node] = []
        for result in started {
            switch result {
            case .success(let node): nodes.append(node)
            case .failure(let error):
                await close(nodes + started.compactMap { try? $0.get() }, limit: limit)
                return .failure(error)
            }
        }
        return .success(nodes)
    }

    static func close(_ nodes: [Node], limit: Int) async {
        _ = await concurrentMap(nodes.count, limit: limit) { index in
            await withDeadline(closeDeadline) { await nodes[index].close() }
        }
    }

    static func run(size: Int, options: Options) async -> NetworkResult {
        var result = NetworkResult(size: size)
        var random = SystemRandomNumberGenerator()
        guard let nodes = await bootstrap(size: size, options: options, into: &result) else {
            result.peakRSS = ResourceUsage.peakRSSMegabytes()
            return result
        }
        let stored = await storeRandomValues(options.operations, on: nodes, random: &random, into: &result)
        Output.progress("N=\(size): \(stored.count) gets")
        result.gets = await getEach(stored, readers: Array(nodes.indices), nodes: nodes, random: &random)
        Output.progress("N=\(size): closing")
        await close(nodes, limit: options.bootstrapConcurrency)
        result.peakRSS = ResourceUsage.peakRSSMegabytes()
        return result
    }

    /// Starts `size` nodes, joins each to the first, then has each look up its own id.
    /// Nil (with the reason noted) if the nodes cannot start.
    static func bootstrap(size: Int, options: Options, into result: inout NetworkResult) async -> [Node]? {
        let limit = options.bootstrapConcurrency
        Output.progress("N=\(size): starting \(size) nodes")
        let bootstrapStart = ContinuousClock.now
        let nodes: [Node]
        switch await startNodes(size, limit: limit) {
        case .success(let started): nodes = started
        case .failure(let error):
            result.note("start failed: \(error)")
            return nil
        }
        guard let seed = await nodes[0].localAddress else {
            result.note("the seed node has no local address")
            await close(nodes, limit: limit)
            return nil
        }
        Output.progress("N=\(size): joining the seed")
        let joinErrors = await concurrentMap(size - 1, limit: limit) { index -> String? in
            let node = nodes[index + 1]
            let outcome = await withDeadline(joinDeadline) { () -> String? in
                do {
                    _ = try await node.join(seed)
                    return nil
                } catch {
                    return "join: \(error)"
                }
            }
            return outcome ?? "join: no result within \(Int(joinDeadline)) s"
        }
        for error in joinErrors.compactMap({ $0 }) {
            result.joinFailures += 1
            result.note(error)
        }
        Output.progress("N=\(size): every node looks up its own id")
        let lookups = await concurrentMap(size, limit: limit) { index in
            let node = nodes[index]
            return await withDeadline(operationDeadline) { await node.lookup(node.id).count }
        }
        result.lookupTimeouts = lookups.filter { $0 == nil }.count
        result.bootstrapSeconds = seconds(since: bootstrapStart)

        var tableSizes: [Int] = []
        for node in nodes { tableSizes.append(await node.statistics().tableSize) }
        result.meanTableSize = Double(tableSizes.reduce(0, +)) / Double(size)
        result.minTableSize = tableSizes.min() ?? 0
        return nodes
    }

    /// Stores `count` random values under random keys, each from a random node.
    static func storeRandomValues(_ count: Int, on nodes: [Node], random: inout some RandomNumberGenerator,
                                  into result: inout NetworkResult) async -> [StoredValue] {
        Output.progress("N=\(nodes.count): \(count) stores")
        var stored: [StoredValue] = []
        let storeStart = ContinuousClock.now
        for round in 0..<count {
            let key = NodeID.random(using: &random)
            let value = Array("bench value \(round) \(UInt64.random(in: 0 ... .max, using: &random))".utf8)
            let writer = Int.random(in: 0..<nodes.count, using: &random)
            let node = nodes[writer]
            let outcome = await withDeadline(operationDeadline) { () -> Result<StoreResult, NodeError> in
                do throws(NodeError) { return .success(try await node.store(value, at: key)) } catch { return .failure(error) }
            }
            result.stores += 1
            var storedOn: [NodeID] = []
            switch outcome {
            case .success(let stored)? where stored.storedOn.count >= 1:
                result.storesOK += 1
                storedOn = stored.storedOn.map(\.id)
            case .success?: result.note("store: acknowledged by no node")
            case .failure(let error)?: result.note("store: \(error)")
            case nil: result.note("store: no result within \(Int(operationDeadline)) s")
            }
            stored.append(StoredValue(key: key, value: value, writer: writer, storedOn: storedOn))
        }
        result.storeSeconds = seconds(since: storeStart)
        return stored
    }

    /// One get per stored value, from a random node among `readers` other than its writer, one
    /// at a time so that the reader's sent-query counters move by exactly this get's queries.
    static func getEach(_ stored: [StoredValue], readers: [Int], nodes: [Node],
                        random: inout some RandomNumberGenerator) async -> GetRound {
        var round = GetRound()
        for item in stored {
            let candidates = readers.filter { $0 != item.writer }
            guard let reader = candidates.randomElement(using: &random) else { continue }
            let node = nodes[reader]
            let sentBefore = await sentQueries(node)
            let start = ContinuousClock.now
            let outcome = await withDeadline(operationDeadline) { () -> Result<GetResult, NodeError> in
                do throws(NodeError) { return .success(try await node.get(item.key)) } catch { return .failure(error) }
            }
            let elapsed = seconds(since: start)
            let sentAfter = await sentQueries(node)
            round.gets += 1
            round.latencies.append(elapsed * 1000)
            round.queriesPerGet.append(sentAfter - sentBefore)
            switch outcome {
            case .success(let got)?:
                round.reportedQueriesPerGet.append(got.queries)
                if got.values.contains(item.value) {
                    round.ok += 1
                } else {
                    let placed = await placement(of: item.key, storedOn: item.storedOn, reader: node, nodes: nodes)
                    round.note("get \(item.key.hex.prefix(8)): \(got.values.count) values (\(got.sources) sources, \(got.queries) queries); \(placed)")
                }
            case .failure(let error)?: round.note("get: \(error)")
            case nil: round.note("get: no result within \(Int(operationDeadline)) s")
            }
        }
        return round
    }

    /// Why a get missed: where the value was stored and where the reader's lookup ends, as ranks
    /// by true XOR distance to the key over the whole network (0 = the closest node).
    /// The lookup is re-run after the measured get, so it does not count in its figures.
    static func placement(of key: NodeID, storedOn: [NodeID], reader: Node, nodes: [Node]) async -> String {
        let ranked = nodes.map(\.id).sorted { $0.distance(to: key) < $1.distance(to: key) }
        let rank = Dictionary(uniqueKeysWithValues: ranked.enumerated().map { ($0.element, $0.offset) })
        let storedRanks = storedOn.compactMap { rank[$0] }.sorted()
        let foundRanks = await reader.lookup(key).compactMap { rank[$0.id] }.sorted()
        return "stored on true ranks \(storedRanks), reader's lookup ends at ranks \(foundRanks)"
    }

    /// Queries of every method a node has sent since it started.
    static func sentQueries(_ node: Node) async -> Int {
        await node.statistics().methods.values.reduce(0) { $0 + $1.sent }
    }
}
