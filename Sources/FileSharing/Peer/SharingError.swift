import PeerKit

/// Why a file-sharing operation failed, phrased for the person who asked.
public enum SharingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The share directory cannot be used (it is missing, not a directory, or unreadable).
    case shareDirectory(path: String, reason: String)
    /// A requested share path is not allowed: it could name something outside the share
    /// directory, or something the directory does not share (hidden files, devices, …).
    case sharePathRejected(path: String, reason: String)
    /// A requested share path is allowed but names no file.
    case sharedFileNotFound(String)
    /// The HTTP port could not be bound.
    case httpPortInUse(Int)
    /// The HTTP server could not listen on its address.
    case bindFailed(String)
    /// A provider's piece list contradicts itself or the file asked for.
    case badPieceList(String)
    /// No provider of a file could be found, by the DHT or by asking neighbours.
    case fileNotFound(String)
    /// Providers were found but the file could not be fetched from any of them; says how many failed and why.
    case fetchFailed(String)
    /// The target directory's file system has no room for the file.
    case diskFull(directory: String, needed: Int64)
    /// A file already exists under the name a fetch would give its result.
    case targetExists(String)
    /// A fetch has nowhere to put its file: the node shares no directory and no --to was given.
    case noShareDirectory
    /// A name fetched by means several different files on the network.
    case ambiguousName(String, candidates: [FetchCandidate])

    /// The share index could not be read or written.
    case storage(String)
    case cancelled

    public var description: String {
        switch self {
        case .shareDirectory(let path, let reason):
            "share directory \(path) cannot be used: \(reason); create it or choose another directory"
        case .sharePathRejected(let path, let reason):
            "share path \(path) is not allowed: \(reason); ask for a plain path relative to the share directory"
        case .sharedFileNotFound(let path):
            "no file \(path) in the share directory: check the name, or rescan if the file is new"
        case .httpPortInUse(let port): "TCP port \(port) is in use for HTTP: try --http-port 0 for any free port"
        case .badPieceList(let reason): "a provider's piece list is unusable: \(reason)"
        case .fileNotFound(let what): "no provider has \(what): check the name, or join a node that shares it"
        case .fetchFailed(let reason): reason
        case .diskFull(let directory, let needed):
            "no room for \(Int(needed).formatted()) bytes in \(directory): free some space or fetch with --to DIR"
        case .targetExists(let path):
            "\(path) already exists and holds other content: give another name with --as NAME, or move it away"
        case .ambiguousName(let name, let candidates):
            "\"\(name)\" names \(candidates.count) different files; choose one with 'fetch SHA256':\n"
                + candidates.map { "  \($0.sha256)  \($0.size >= 0 ? "\($0.size.formatted()) bytes" : "size unknown")  "
                    + "\($0.providers) provider\($0.providers == 1 ? "" : "s")" }.joined(separator: "\n")
        case .noShareDirectory:
            "this node shares no directory (an --ephemeral node shares none unless given --share DIR): "
                + "fetch with --to DIR, or start p2psh with --share DIR"
        case .bindFailed(let message): message
        case .storage(let message): message
        case .cancelled: "cancelled"
        }
    }
}

extension SharingError {
    /// Runs `body`, whose errors are not all ``SharingError``s yet: those pass through,
    /// cancellation (of the error or of the task) becomes ``cancelled``, and anything else becomes ``storage(_:)`` saying
    /// `what` failed.
    static func reporting<T>(_ what: @autoclosure () -> String, isolation: isolated (any Actor)? = #isolation,
                             _ body: () async throws -> T) async throws(SharingError) -> T {
        do {
            return try await body()
        } catch let error as SharingError {
            throw error
        } catch {
            throw error is CancellationError || Task.isCancelled ? .cancelled : .storage("\(what()): \(error)")
        }
    }
}
