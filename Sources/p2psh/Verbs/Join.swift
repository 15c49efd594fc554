import ArgumentParser
import PeerKit

struct Join: Verb {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Join the network through nodes you know.",
        discussion: """
            Pings each node, adds the ones that answer to the routing table, then looks up this \
            node's own id so that the table fills with nodes near it. Prints how many nodes are known.

            Examples:
              join 127.0.0.1:6881
              join 192.0.2.7:6881 [2001:db8::7]:6881
            """)
    static let group = VerbGroup.network
    static let synopsis = "HOST:PORT..."

    @Argument(help: ArgumentHelp("Address of a DHT node (IPv6 as [ADDRESS]:PORT).", valueName: "host:port"))
    var addresses: [String] = []

    func validate() throws {
        guard !addresses.isEmpty else { throw ValidationError("give the HOST:PORT of at least one node") }
    }

    func execute(in session: ShellSession) async throws -> VerbResult {
        var failures: [String] = []
        for text in addresses {
            let started = ContinuousClock.now
            do {
                let address = try await NodeAddress.resolving(text)
                let result = try await session.node.join(address)
                session.console.print("joined \(address) (node \(result.contact.id.hex.prefix(12))…): "
                    + "\(result.knownNodes) nodes known (\(Formatting.milliseconds(since: started)))")
            } catch NodeError.cancelled {
                throw NodeError.cancelled
            } catch {
                failures.append("\(text): \(error)")
            }
        }
        guard failures.isEmpty else { throw ShellError(failures.joined(separator: "\n       ")) }
        return .done
    }
}
