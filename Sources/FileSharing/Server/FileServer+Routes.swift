import Hummingbird

/// The route table: which paths the server answers, with which methods, and the handler
/// of each. The responder looks a request up here instead of walking an if-chain, so the
/// whole set of routes reads in one place.
///
/// The server keeps its own ``FileServer/Responder`` rather than Hummingbird's `Router`:
/// the router answers a wrong method on a known path with 404, where this server answers
/// 405 with `Allow`; it splits the path into components, where a shared file's path must
/// reach ``ShareRoot/resolve(_:)`` as the raw, still percent-encoded rest of the URL; and
/// the admin secret is checked before any admin path is matched, known or not.
extension FileServer.Responder {
    /// How a route matches a request's raw path.
    enum PathPattern: Sendable {
        /// The path is exactly this; the handler's argument is empty.
        case exact(String)
        /// The path starts with this; the handler's argument is the rest, which may be empty
        /// or hold further slashes.
        case prefix(String)

        /// The handler's argument when `path` matches, nil when it does not.
        func match(_ path: String) -> Substring? {
            switch self {
            case .exact(let whole): path == whole ? path[path.endIndex...] : nil
            case .prefix(let start): path.hasPrefix(start) ? path.dropFirst(start.count) : nil
            }
        }
    }

    /// Answers a matched request; the `Substring` is what the pattern left of the path.
    typealias Handler = @Sendable (Self) -> @Sendable (Request, Context, Substring) async throws(Failure) -> Response

    /// A path pattern, the methods it answers, and its handler.
    struct Route: Sendable {
        let pattern: PathPattern
        let methods: [HTTPRequest.Method]
        let handler: Handler

        init(_ pattern: PathPattern, _ methods: [HTTPRequest.Method], _ handler: @escaping Handler) {
            self.pattern = pattern
            self.methods = methods
            self.handler = handler
        }
    }

    /// Every route, the first match winning.
    static let routes: [Route] = [
        Route(.exact("/admin/stats"), [.get, .head], { $0.adminStats }),
        Route(.exact("/admin/fetch"), [.post], { $0.adminFetch }),
        Route(.exact("/files"), [.get, .head], { $0.listFiles }),
        Route(.prefix("/files/"), [.get, .head], { $0.fileAtPath }),
        Route(.prefix("/sha256/"), [.get, .head], { $0.fileBySHA256 }),
        Route(.prefix("/pieces/"), [.get, .head], { $0.pieceList }),
        Route(.exact("/who-has"), [.get], { $0.whoHas }),
        Route(.exact("/metrics"), [.get, .head], { $0.metrics }),
    ]

    /// The paths that need the admin secret, known routes or not.
    static let adminArea: [PathPattern] = [.exact("/admin"), .prefix("/admin/")]

    /// The route for a raw path and its handler's argument, nil when no route matches.
    static func match(_ path: String) -> (Route, Substring)? {
        for route in routes {
            if let argument = route.pattern.match(path) { return (route, argument) }
        }
        return nil
    }

    /// Refuses a method the route does not answer, with 405 and `Allow`.
    func allow(_ request: Request, _ methods: [HTTPRequest.Method]) throws(Failure) {
        guard !methods.contains(request.method) else { return }
        var headers = HTTPFields()
        headers[.allow] = methods.map(\.rawValue).joined(separator: ", ")
        throw Failure(.methodNotAllowed, "\(request.method) is not allowed here; use \(headers[.allow] ?? "")", headers: headers)
    }
}
