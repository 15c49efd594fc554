/// Why an operation of the DHT node failed, phrased for the person who asked.
public enum NodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The routing table is empty, so the network cannot be reached.
    case noPeers
    /// The UDP port could not be bound.
    case portInUse(Int)
    case bindFailed(String)
    /// Another process holds the node database.
    case dataDirectoryInUse(String)
    case storage(String)
    case valueTooBig(size: Int, limit: Int)
    /// A query to one address got no answer or an error.
    case unreachable(String)
    /// No node accepted a store.
    case storeFailed(String)
    /// The address is banned here.
    case banned(String)
    /// Nothing of what was named is here.
    case notFound(String)
    case cancelled

    public var description: String {
        switch self {
        case .noPeers: "no peers known: join HOST:PORT first"
        case .portInUse(let port): "port \(port) is in use: try --port 0 for any free port"
        case .bindFailed(let message): message
        case .dataDirectoryInUse(let message): "data directory \(message)"
        case .storage(let message): message
        case .valueTooBig(let size, let limit):
            "value is \(size.formatted()) bytes, the limit is \(limit.formatted())"
        case .unreachable(let message): message
        case .storeFailed(let message): message
        case .banned(let message): message
        case .notFound(let message): message
        case .cancelled: "cancelled"
        }
    }
}

extension Int {
    /// Thousands separated by commas, as people read byte counts.
    package func formatted() -> String {
        let digits = String(self.magnitude)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return self < 0 ? "-" + result : result
    }
}
