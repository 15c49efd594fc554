import PeerKit
import AsyncHTTPClient
import Foundation

/// What each neighbour shares, for `neighbours` and for TAB completion of `fetch`.
extension FileSharingPeer {
    /// How long a neighbour's file list is kept before it is asked again.
    static let neighbourNamesLifetime = Duration.seconds(30)

    /// The file names the neighbours share, from each one's `GET /files`, kept for 30 s so
    /// that completing never waits long.
    public func namesSharedByNeighbours() async -> [String] {
        Set(await neighbourListings().flatMap { $0.names ?? [] }).sorted()
    }

    /// The neighbours, most recently heard first, each with the names it shares (nil when it
    /// did not list them). Names with control characters are left out: they could not be
    /// typed, and must not be printed raw.
    public func neighbourListings() async -> [NeighbourListing] {
        let neighbours = neighbours()
        let stale = neighbours.prefix(16).filter { neighbour in
            guard let cached = neighbourNames[neighbour.id] else { return true }
            return cached.fetchedAt.duration(to: .now) >= Self.neighbourNamesLifetime
        }
        await withTaskGroup(of: (NodeID, [String]?).self) { group in
            for neighbour in stale { group.addTask { (neighbour.id, await self.fileNames(at: neighbour.httpAddress)) } }
            for await (id, names) in group { neighbourNames[id] = (ContinuousClock.now, names) }
        }
        return neighbours.map { neighbour in
            NeighbourListing(id: neighbour.id, httpAddress: neighbour.httpAddress, nodeAddress: neighbour.nodeAddress,
                             heardAgo: neighbour.lastSeen.duration(to: .now), names: neighbourNames[neighbour.id]?.names)
        }
    }

    private nonisolated func fileNames(at address: NodeAddress) async -> [String]? {
        struct Listing: Decodable { var path: String }
        do {
            let response = try await client.execute(HTTPClientRequest(url: "http://\(address)/files"), timeout: .seconds(2))
            guard response.status == .ok else { return nil }
            let body = try await response.body.collect(upTo: 4 << 20)
            return try JSONDecoder().decode([Listing].self, from: Data(buffer: body)).map(\.path)
                .filter { !$0.unicodeScalars.contains { $0.properties.generalCategory == .control } }.sorted()
        } catch {
            return nil
        }
    }
}
