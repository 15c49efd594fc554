import PeerKit
import AsyncHTTPClient
import Foundation

/// The names neighbours share, for TAB completion of `fetch`.
extension FileSharingPeer {
    /// How long a neighbour's file list is kept before it is asked again.
    static let neighbourNamesLifetime = Duration.seconds(30)

    /// The file names the neighbours share, from each one's `GET /files`, kept for 30 s so
    /// that completing never waits long. Names with control characters are left out: they
    /// could not be typed, and must not be printed raw.
    public func namesSharedByNeighbours() async -> [String] {
        if let cached = neighbourNames, cached.fetchedAt.duration(to: .now) < Self.neighbourNamesLifetime {
            return cached.names
        }
        let neighbours = neighbours()
        var names = Set<String>()
        await withTaskGroup(of: [String].self) { group in
            for neighbour in neighbours.prefix(16) { group.addTask { await self.fileNames(at: neighbour.httpAddress) } }
            for await list in group { names.formUnion(list) }
        }
        let sorted = names.filter { !$0.unicodeScalars.contains { $0.properties.generalCategory == .control } }.sorted()
        neighbourNames = (ContinuousClock.now, sorted)
        return sorted
    }

    private nonisolated func fileNames(at address: NodeAddress) async -> [String] {
        struct Listing: Decodable { var path: String }
        do {
            let response = try await client.execute(HTTPClientRequest(url: "http://\(address)/files"), timeout: .seconds(2))
            guard response.status == .ok else { return [] }
            let body = try await response.body.collect(upTo: 4 << 20)
            return try JSONDecoder().decode([Listing].self, from: Data(buffer: body)).map(\.path)
        } catch {
            return []
        }
    }
}
