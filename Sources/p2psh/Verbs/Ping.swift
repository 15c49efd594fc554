import ArgumentParser
import PeerKit

struct Ping: Verb {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Send one KRPC ping to a node, and show how it answered.",
        discussion: """
            Prints the node's id, the round-trip time, the address it saw this node at (BEP 42 \
            'ip'; what other nodes will see) and its client version. Fails at once when the \
            address cannot be reached from this node, else after the query timeout (9 s). A node \
            that answers is added to the routing table, as any answer is. TAB completes the \
            addresses of known and recently seen nodes.

            Examples:
              ping 127.0.0.1:6881
              ping [::1]:6881
            """)
    static let group = VerbGroup.network
    static let argumentCompletion = CompletionSource.nodeAddresses

    @Argument(help: .nodeAddress)
    var address: String

    struct Output: VerbOutput {
        var address: String
        var nodeId: String
        var milliseconds: Double
        /// Where the node saw us; absent when it did not say.
        var externalAddress: String?
        /// The client version it sent, escaped; absent when it sent none.
        var version: String?

        func lines(for console: Console) -> [String] {
            ["\(address)  node \(nodeId)  " + String(format: "%.2f ms", milliseconds)
                + "  sees us at \(externalAddress ?? "-")  version \(version ?? "-")"]
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let address = try await NodeAddress.resolving(address)
        let node = session.node
        let result = try await Waiting.noting("waiting for \(address) to answer (up to 9 s; Ctrl-C stops)", on: session.console) {
            try await node.ping(address)
        }
        return Output(address: "\(address)", nodeId: result.contact.id.hex,
                      milliseconds: (result.roundTrip.inSeconds * 100_000).rounded() / 100,
                      externalAddress: result.observedAddress.map { "\($0)" },
                      version: result.clientVersion.map(Self.version))
    }

    /// A client version as people write it: two letters and a number ("LT 0x0102"), escaped.
    static func version(_ bytes: [UInt8]) -> String {
        guard bytes.count == 4, bytes[0..<2].allSatisfy({ (0x41...0x7A).contains($0) }) else {
            return String(decoding: bytes, as: UTF8.self).printable
        }
        return String(decoding: bytes[0..<2], as: UTF8.self) + " " + bytes[2...].hexString
    }
}
