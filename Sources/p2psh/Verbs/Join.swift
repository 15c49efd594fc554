import ArgumentParser
import PeerKit

struct Join: Verb {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Join the network through nodes you know.",
        discussion: """
            Pings each node, adds the ones that answer to the routing table, then looks up this \
            node's own id so that the table fills with nodes near it. Prints how many nodes are \
            known. TAB completes the addresses of known and recently seen nodes.

            Examples:
              join 127.0.0.1:6881
              join 192.0.2.7:6881 [2001:db8::7]:6881
            """)
    static let group = VerbGroup.network
    static let argumentCompletion = CompletionSource.nodeAddresses

    @Argument(help: .nodeAddress)
    var addresses: [String]

    struct Output: VerbOutput {
        struct Joined: Encodable, Sendable {
            var address: String
            var nodeId: String
            var knownNodes: Int
            var milliseconds: Int
        }

        struct Failed: Encodable, Sendable {
            var address: String
            var error: String
        }

        var joined: [Joined] = []
        var failed: [Failed] = []

        func lines(for console: Console) -> [String] {
            joined.map {
                "joined \($0.address) (node \($0.nodeId.prefix(12))…): \(Formatting.count($0.knownNodes, "node")) known"
                    + (console.decorated ? " (\($0.milliseconds) ms)" : "")
            }
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        var output = Output()
        for text in addresses {
            let started = ContinuousClock.now
            do {
                let address = try await NodeAddress.resolving(text)
                let result = try await session.peer.join(address)
                output.joined.append(.init(address: "\(address)", nodeId: result.contact.id.hex,
                                           knownNodes: result.knownNodes, milliseconds: Formatting.milliseconds(since: started)))
            } catch NodeError.cancelled {
                throw NodeError.cancelled
            } catch {
                // A node's error answer is its own text: never printed raw.
                output.failed.append(.init(address: text, error: "\(error)".printable))
            }
        }
        guard output.failed.isEmpty else {
            throw PartialFailure(output: output, description: output.failed.map { "\($0.address): \($0.error)" }
                .joined(separator: "\n       "))
        }
        return output
    }
}
