import FileSharing
import PeerKit

/// Keeps TAB completion's vocabulary fresh in the background, so the prompt never waits on it.
///
/// Learning the vocabulary takes several actor calls, and asking the neighbours what they share
/// takes HTTP requests that a neighbour gone silent holds for seconds. The shell only asks for a
/// refresh after each command and goes on; requests that come while one runs are folded into
/// the next, and the vocabulary is refreshed every ``interval`` besides, for what the node
/// learns while nobody types.
final class CompletionRefresher: Sendable {
    /// How often the vocabulary is refreshed when no command asks.
    static let interval = Duration.seconds(10)

    private let requests: AsyncStream<Void>.Continuation
    private let worker: Task<Void, Never>
    private let ticker: Task<Void, Never>

    init(session: ShellSession) {
        let (stream, requests) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.requests = requests
        worker = Task {
            for await _ in stream { await Self.refresh(session) }
        }
        ticker = Task {
            while !Task.isCancelled {
                requests.yield()
                try? await Task.sleep(for: Self.interval)
            }
        }
    }

    /// Asks for a refresh; returns at once.
    func request() { requests.yield() }

    /// Stops refreshing (the session ends).
    func stop() {
        ticker.cancel()
        requests.finish()
        worker.cancel()
    }

    /// Learns the current peer addresses, bans, keys and file names.
    private static func refresh(_ session: ShellSession) async {
        let table = await session.node.routingTable()
        let recent = await session.node.recentlySeen().map { "\($0)" }
        let bans = await session.node.bans().map { "\($0.rule)" }
        let held = Set(await session.node.heldValues().map { $0.key.hex }).sorted()
        let seen = await session.peer.seenNames
        let shared = await session.peer.sharedNames()
        let listings = await session.peer.neighbourListings()
        let neighbours = Set(listings.flatMap { $0.names ?? [] }).sorted()
        session.completer.update { vocabulary in
            vocabulary.peerAddresses = table.map { "\($0.address)" }
            vocabulary.peerIDs = table.map(\.id.hex)
            vocabulary.neighbourAddresses = listings.map { "\($0.nodeAddress)" }
            vocabulary.bans = bans
            vocabulary.recentAddresses = recent
            vocabulary.heldKeys = held
            vocabulary.fileNames = Array(Set(vocabulary.fileNames + seen))
            vocabulary.localFileNames = shared
            vocabulary.neighbourFileNames = neighbours
        }
    }
}
