import NIOCore

/// What the HTTP server grants one connection, and how many it keeps at once.
///
/// A connection must send a complete request head within ``headTimeout`` of connecting,
/// and the next one within ``idleTimeout`` of its last response (keep-alive). When a client
/// address has ``maxConnectionsPerClient`` connections open, or the server ``maxConnections``,
/// a new connection takes the place of the one that has waited longest for a request head,
/// of that client or of anyone; it is refused with 503 only when every connection is busy
/// with a request. So idle and slow clients never keep a working one out, however many of
/// them there are; a client's requests in progress are never cut for another's.
public struct HTTPLimits: Sendable {
    /// From connecting to a complete request head.
    public var headTimeout: Duration = .seconds(10)
    /// From the end of a response to the next request's complete head.
    public var idleTimeout: Duration = .seconds(60)
    /// Connections open at once, in all.
    public var maxConnections = 1024
    /// Connections open at once from one IP address.
    public var maxConnectionsPerClient = 64
    /// Bytes of a request head: the request line and the header fields.
    public var maxHeadBytes = 16 << 10

    public init() {}
}
