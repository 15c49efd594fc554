import PeerKit
import Foundation

/// Reading what a request asks for: a hash from the path, the query's parameters, and the
/// limits on names, each refused with 400 and a line saying why.
extension FileServer.Responder {
    /// A 64-hex SHA-256 from a URL path.
    static func sha256(_ text: Substring) throws(Failure) -> [UInt8] {
        guard text.utf8.count == 64, let bytes = [UInt8](hex: text) else {
            throw Failure(.badRequest, "\(ShareRoot.display(String(text))) is not a sha256: give 64 hex digits")
        }
        return bytes
    }

    /// The parameters of a query string, each value percent-decoded once. A `+` is kept
    /// as it is (not read as a space), since names may contain it.
    static func query(_ query: String?) throws(Failure) -> [String: String] {
        guard let query, !query.isEmpty else { return [:] }
        guard query.utf8.count <= 3 * (maxNameBytes + 64 * 41) else {
            throw Failure(.badRequest, "the query is too long")
        }
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = parts[0].removingPercentEncoding,
                  let value = (parts.count > 1 ? parts[1] : "").removingPercentEncoding else {
                throw Failure(.badRequest, "the query has a '%' that does not start an escape of UTF-8 text (write '%' as %25)")
            }
            guard parameters[key] == nil else {
                throw Failure(.badRequest, "the query gives \(ShareRoot.display(key)) twice")
            }
            parameters[key] = value
        }
        return parameters
    }

    /// Refuses names no shared file can have: NUL bytes, or longer than a path may be.
    static func checkName(_ name: String, what: String) throws(Failure) {
        guard name.utf8.count <= maxNameBytes else {
            throw Failure(.badRequest, "the \(what) is longer than \(maxNameBytes) bytes")
        }
        guard !name.utf8.contains(0) else {
            throw Failure(.badRequest, "the \(what) contains a NUL byte")
        }
    }
}
