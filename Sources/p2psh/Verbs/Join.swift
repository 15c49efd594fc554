import ArgumentParser
import FileSharing
import PeerKit

struct Join: Verb {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Join the network through nodes you know.",
        discussion: """
            Pings each node (all at once), adds the ones that answer to the routing table, then \
            looks up this node's own id so that the table fills with nodes near it. Prints how \
            many nodes are known. It succeeds when at least one node answered, with a warning \
            for each that did not; it fails only when none did. The routing table is saved \
            once the join is done. TAB completes the addresses of known and recently seen nodes.

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
            // In pipes the whole id, so that `awk '{ print $4 }'` reads it.
            joined.map {
                console.decorated
                    ? "joined \($0.address) (node \($0.nodeId.prefix(12))…): \(Formatting.count($0.knownNodes, "node")) known (\($0.milliseconds) ms)"
                    : "joined \($0.address) node \($0.nodeId) \($0.knownNodes) known"
            }
        }
    }

    /// What joining one address came to.
    private enum Attempt: Sendable {
        case joined(Output.Joined)
        case failed(Output.Failed)
        case cancelled
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let peer = session.peer
        let addresses = addresses
        let waiting = "waiting for \(addresses.map(\.printable).joined(separator: ", ")) to answer "
            + "(a silent address takes 9 s; Ctrl-C stops)"
        let attempts = try await Waiting.noting(waiting, on: session.console) {
            await withTaskGroup(of: (Int, Attempt).self) { group in
                for (index, text) in addresses.enumerated() {
                    group.addTask { (index, await Self.join(text, through: peer)) }
                }
                var attempts: [(Int, Attempt)] = []
                for await attempt in group { attempts.append(attempt) }
                return attempts.sorted { $0.0 < $1.0 }.map(\.1)
            }
        }
        var output = Output()
        for attempt in attempts {
            switch attempt {
            case .joined(let joined): output.joined.append(joined)
            case .failed(let failed): output.failed.append(failed)
            case .cancelled: throw NodeError.cancelled
            }
        }
        let failures = output.failed.map { "\($0.address): \($0.error)" }
        guard !output.joined.isEmpty else {
            throw PartialFailure(output: output, description: failures.joined(separator: "\n       "))
        }
        for failure in failures { session.console.warning(failure + " (joined through the others)") }
        await session.node.saveRoutingTable()
        return output
    }

    private static func join(_ text: String, through peer: FileSharingPeer) async -> Attempt {
        let started = ContinuousClock.now
        do {
            let address = try await NodeAddress.resolving(text)
            let result = try await peer.join(address)
            return .joined(.init(address: "\(address)", nodeId: result.contact.id.hex, knownNodes: result.knownNodes,
                                 milliseconds: Formatting.milliseconds(since: started)))
        } catch NodeError.cancelled {
            return .cancelled
        } catch {
            // A node's error answer is its own text: never printed raw.
            return .failed(.init(address: text, error: "\(error)".printable))
        }
    }
}
