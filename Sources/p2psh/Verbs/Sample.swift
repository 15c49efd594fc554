import ArgumentParser
import PeerKit

struct Sample: Verb {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Ask one node for a sample of the info hashes announced to it (BEP 51).",
        discussion: """
            Sends sample_infohashes to the node and prints the info hashes it answered, one a \\
            line (libtorrent and p2psh answer at most 20), then, on a terminal, how many it holds \\
            in all and how long it asks to be left before the next sample. jech/dht, Transmission \\
            and aria2c do not speak BEP 51. TAB completes the addresses of known nodes.

            Examples:
              sample 127.0.0.1:6881
            """)
    static let group = VerbGroup.network
    static let argumentCompletion = CompletionSource.nodeAddresses

    @Argument(help: .nodeAddress)
    var address: String

    struct Output: VerbOutput {
        var address: String
        var infoHashes: [String]
        /// Info hashes the node holds in all, when it said.
        var total: Int?
        /// Seconds the node asks to wait before sampling it again, when it said.
        var intervalSeconds: Int?

        func lines(for console: Console) -> [String] {
            guard console.decorated else { return infoHashes }
            return infoHashes + ["Sample: \(Formatting.count(infoHashes.count, "info hash", plural: "info hashes")) of "
                + "\(total.map(String.init) ?? "?") held; ask again in \(intervalSeconds.map { Formatting.duration(Double($0)) } ?? "?")"]
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let address = try await NodeAddress.resolving(address)
        let result = try await session.node.sampleInfohashes(at: address)
        return Output(address: "\(address)", infoHashes: result.infoHashes.map(\.hex), total: result.total,
                      intervalSeconds: result.interval.map { Int($0.components.seconds) })
    }
}
