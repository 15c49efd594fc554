import PeerKit
/// How a fetch ended, for the shell's last line and the admin endpoint's JSON.
public struct FetchReport: Codable, Sendable, Equatable {
    /// Where the file is now: an absolute path.
    public var path: String
    public var size: Int64
    /// SHA-256 of the file, 64 hex digits.
    public var sha256: String
    /// Providers that sent at least one verified piece (0 when the file was already here).
    public var providers: Int
    /// Seconds from the start of the fetch to the file under its final name.
    public var seconds: Double
    /// Bytes downloaded by this fetch: the size less the resumed pieces. The rate counts these.
    public var bytesFetched: Int64
    /// Pieces found already verified in an earlier, interrupted fetch.
    public var resumedPieces: Int
    /// The file was already here: nothing was downloaded.
    public var alreadyPresent: Bool
    /// The file is now shared (and announced) by this node.
    public var shared: Bool
    /// The file was copied from this node's share directory to the directory asked for.
    public var copied: Bool
}

/// One of the different files a name means on the network; `fetch` asks which.
public struct FetchCandidate: Codable, Sendable, Equatable {
    /// SHA-256 of the file, 64 hex digits: what `fetch` takes to choose it.
    public var sha256: String
    /// Its size as its name record says; -1 when unknown.
    public var size: Int64
    /// How many providers offer it.
    public var providers: Int
}
