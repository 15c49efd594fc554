import PeerKit
import AsyncHTTPClient
import Foundation
import NIOCore

/// The neighbour query over HTTP: `GET /who-has?name=…&history=…` (see ``NeighbourQuery``).
extension FileSharingPeer {
    /// Answers a neighbour's "who has NAME?" (a path, or a 64-hex SHA-256) for `GET /who-has`.
    func answerWhoHas(_ name: String, history: [NodeID]) async -> WhoHasAnswer {
        let answer = await whoHas(name, history: history)
        return WhoHasAnswer(providers: answer.providers, asked: answer.asked.map(\.hex))
    }

    /// Asks this node's index (unless `includingSelf` is false, as when this node is the one
    /// fetching), then its neighbours, who has `name`.
    func whoHas(_ name: String, history: [NodeID] = [], includingSelf: Bool = true) async -> NeighbourQuery.Answer {
        var local: [ProviderOffer] = []
        if includingSelf, let file = await localFile(named: name) {
            local = [ProviderOffer(url: "", path: file.path, size: file.size, sha256: file.sha256.hexString)]
        }
        let neighbours = neighbours()
        let addresses = Dictionary(neighbours.map { ($0.id, $0.httpAddress) }, uniquingKeysWith: { first, _ in first })
        let query = NeighbourQuery(maxHistory: configuration.maxHistory)
        let answer = await query.answer(selfID: node.id, history: history, local: local, neighbours: neighbours.map(\.id)) {
            neighbour, asked in
            guard let address = addresses[neighbour] else { return nil }
            return await self.ask(neighbour, at: address, name: name, history: asked)
        }
        for offer in answer.providers { noteSeen(offer.path) }
        return answer
    }

    /// The file this node shares under a path, or with a content hash given as 64 hex digits.
    func localFile(named name: String) async -> SharedFile? {
        guard let index else { return nil }
        if let file = await index.file(atPath: name) { return file }
        if name.utf8.count == 64, let sha256 = [UInt8](hex: name) { return await index.file(sha256: sha256) }
        return nil
    }

    /// One `GET /who-has` to a neighbour. Offers the neighbour makes of itself (empty url) get
    /// its address. A neighbour that cannot be reached is forgotten, as the seed's node dropped it.
    private func ask(_ neighbour: NodeID, at address: NodeAddress, name: String,
                     history: [NodeID]) async -> NeighbourQuery.Answer? {
        let url = "http://\(address)/who-has?name=\(name.percentEncodedForQuery)"
            + "&history=\(history.map(\.hex).joined(separator: ","))"
        do {
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            let response = try await client.execute(request, timeout: TimeAmount(configuration.neighbourQueryTimeout))
            guard response.status == .ok else {
                _ = try? await response.body.collect(upTo: 1 << 16)
                return nil
            }
            let body = try await response.body.collect(upTo: 1 << 20)
            let answer = try JSONDecoder.results.decode(WhoHasAnswer.self, from: Data(buffer: body))
            let base = "http://\(address)"
            let providers = answer.providers.map { offer in
                var offer = offer
                if offer.url.isEmpty { offer.url = base }
                return offer
            }
            return NeighbourQuery.Answer(providers: providers, asked: answer.asked.compactMap { NodeID(hex: $0) })
        } catch {
            logger.debug("neighbour did not answer who-has", metadata: ["neighbour": "\(address)", "error": "\(error)"])
            if !(error is CancellationError) { forgetNeighbour(neighbour) }
            return nil
        }
    }
}

extension String {
    /// The string with everything but RFC 3986's unreserved characters percent-encoded, for a query value.
    var percentEncodedForQuery: String {
        addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn:
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
    }
}
