import PeerKit
import Hummingbird

/// The handler of `GET /who-has`, a neighbour's query for a file name.
extension FileServer.Responder {
    /// `GET /who-has?name=…&history=…`: ``FileServerHandlers/whoHas`` for the name, with
    /// the nodes the query has reached already.
    func whoHas(_ request: Request, _ context: Context, _ argument: Substring) async throws(Failure) -> Response {
        let query = try Self.query(request.uri.query)
        guard let name = query["name"], !name.isEmpty else {
            throw Failure(.badRequest, "say which file: GET /who-has?name=<percent-encoded name>")
        }
        try Self.checkName(name, what: "name")
        let history = try Self.history(query["history"])
        return json(encode(await handlers.whoHas(name, history)), head: false)
    }

    /// The node ids of a comma-separated history: none when absent or empty, 400 when it
    /// lists more than ``maxHistory`` or an item is not a 40-hex node id.
    private static func history(_ list: String?) throws(Failure) -> [NodeID] {
        guard let list, !list.isEmpty else { return [] }
        let items = list.split(separator: ",", omittingEmptySubsequences: false)
        guard items.count <= maxHistory else {
            throw Failure(.badRequest, "the history lists more than \(maxHistory) nodes")
        }
        var history: [NodeID] = []
        for item in items {
            guard let id = NodeID(hex: String(item)) else {
                throw Failure(.badRequest, "the history has \(ShareRoot.display(String(item))), which is not a 40-hex node id")
            }
            history.append(id)
        }
        return history
    }
}
