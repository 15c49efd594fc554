import PeerKit
/// One content a fetch may download, and who provides it.
public struct FetchPlan: Sendable, Hashable {
    /// How the providers were found.
    public enum Source: String, Sendable {
        case dht
        case neighbours
    }

    /// The name or hash the fetch was asked for.
    var name: String
    public var sha256: [UInt8]
    /// The size the name's record gave; -1 when fetched by hash (the piece list tells).
    var size: Int64
    /// HTTP base URLs of the providers, such as "http://127.0.0.1:7001".
    public var providers: [String]
    public var source: Source
}
