import Foundation
import Logging
import Testing
import TestSupport
@testable import FileSharing
@testable import PeerKit

/// The HTTP server's connection limits, against real sockets on loopback addresses
/// (127.0.0.2, 127.0.0.3, …: each is a client of its own).
@Suite(.timeLimit(.minutes(2))) struct HTTPLimitsTests {
    /// A server sharing one file, held to `limits`.
    struct Server {
        let base: String
        let database: NodeDatabase
        let server: FileServer
        let connections: ConnectionLimits
        var port: UInt16 { UInt16(server.port) }

        static func start(_ limits: HTTPLimits, bigFile: Bool) async throws -> Server {
            let base = TestPaths.temporaryDirectory()
            try FileManager.default.createDirectory(atPath: base + "/share", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: base + "/data", withIntermediateDirectories: true)
            try Data("hello, world\n".utf8).write(to: URL(fileURLWithPath: base + "/share/hello.txt"))
            if bigFile {  // more than loopback's socket buffers hold, so a client that does not read keeps it busy
                try Data(count: 64 << 20).write(to: URL(fileURLWithPath: base + "/share/big.bin"))
            }
            let database = try NodeDatabase(location: .directory(base + "/data"), port: 0, logger: Logger(label: "test"))
            let index = try ShareIndex(root: ShareRoot(base + "/share"), database: database)
            _ = try await index.scan()
            let connections = ConnectionLimits(limits)
            let handlers = FileServerHandlers(whoHas: { _, _ in WhoHasAnswer(providers: [], asked: []) },
                                              stats: { Data() }, fetch: { _ throws(SharingError) in Data() })
            let server = try await FileServer.start(host: "127.0.0.1", port: 0, index: index, secret: AdminSecret("x"),
                                                    handlers: handlers, counters: TransferCounters(),
                                                    connections: connections, logger: Logger(label: "test"))
            return Server(base: base, database: database, server: server, connections: connections)
        }

        func stop() async {
            await server.close()
            database.close()
            try? FileManager.default.removeItem(atPath: base)
        }

        /// A whole GET of the shared file from `source`: the response, or "" if none came.
        func get(from source: String = "127.0.0.1") async throws -> String {
            let connection = try await RawTCPConnection.open(toPort: port, from: source)
            connection.send("GET /files/hello.txt HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            return await connection.readAll()
        }
    }

    static let halfHead = "GET /files/hello.txt HTTP/1.1\r\nHost: test\r\nX-Slow: "

    func withServer(_ limits: HTTPLimits, bigFile: Bool = false, _ body: (Server) async throws -> Void) async throws {
        let server = try await Server.start(limits, bigFile: bigFile)
        try await withTeardown { await server.stop() } body: { try await body(server) }
    }

    @Test func thousandsOfHalfOpenConnectionsAreClosedAtTheHeadTimeoutAndOthersServedAtOnce() async throws {
        // Two descriptors a connection in this process (client and server ends), and room to spare.
        let count = min(2000, (raiseOpenFileLimit() - 400) / 2)
        #expect(count >= 1000, "the open-file limit allows only \(count) connections")
        var limits = HTTPLimits()
        limits.headTimeout = .seconds(10)
        limits.maxConnections = 4096
        try await withServer(limits) { server in
            var idle: [RawTCPConnection] = []
            for n in 0..<count {
                // 40 clients of 50 connections each, under the per-client cap; half a head each.
                let connection = try await RawTCPConnection.open(toPort: server.port, from: "127.0.0.\(2 + n / 50)")
                connection.send(Self.halfHead)
                idle.append(connection)
                if n % 100 == 99 {  // let the server accept them, so the listen backlog never overflows
                    // Bounded, with room for a machine loaded by the interop tests' dozen processes.
                    #expect(await eventually(timeout: .seconds(30)) { server.connections.open >= n + 1 })
                }
            }
            #expect(await eventually(timeout: .seconds(30)) { server.connections.open == count })

            let response = try await server.get()
            #expect(response.hasPrefix("HTTP/1.1 200"), "\(response.prefix(200))")
            #expect(response.hasSuffix("hello, world\n"))
            #expect(server.connections.open >= count, "served while every idle connection was still open")

            #expect(await eventually(timeout: .seconds(30)) { server.connections.open == 0 })
            #expect(server.connections.timedOut == count)
            // (A program another test started must not hold the server's end: see Spawn.)
            #expect(await eventually { idle.allSatisfy { $0.isClosedByServer } },
                    "\(idle.count { !$0.isClosedByServer }) of \(count) connections still open at the client")
        }
    }

    @Test func aClientAtItsCapDisplacesItsOwnLongestIdleConnection() async throws {
        var limits = HTTPLimits()
        limits.maxConnectionsPerClient = 4
        try await withServer(limits) { server in
            // The first is admitted alone, so that it is the one that has waited longest.
            var idle = [try await RawTCPConnection.open(toPort: server.port)]
            #expect(await eventually { server.connections.open == 1 })
            for _ in 1..<4 { idle.append(try await RawTCPConnection.open(toPort: server.port)) }
            #expect(await eventually { server.connections.open == 4 })
            let response = try await server.get()
            #expect(response.hasPrefix("HTTP/1.1 200"), "\(response.prefix(200))")
            #expect(await eventually { idle[0].isClosedByServer }, "the oldest idle connection made room")
            #expect(!idle[1].isClosedByServer && !idle[3].isClosedByServer)
            #expect(server.connections.displaced == 1 && server.connections.refused == 0)
        }
    }

    @Test func aFullServerDisplacesAnotherClientsIdleConnection() async throws {
        var limits = HTTPLimits()
        limits.maxConnections = 8
        try await withServer(limits) { server in
            var idle = [try await RawTCPConnection.open(toPort: server.port, from: "127.0.0.2")]
            #expect(await eventually { server.connections.open == 1 })
            for n in 1..<8 { idle.append(try await RawTCPConnection.open(toPort: server.port, from: "127.0.0.\(2 + n)")) }
            #expect(await eventually { server.connections.open == 8 })
            let response = try await server.get(from: "127.0.0.1")
            #expect(response.hasPrefix("HTTP/1.1 200"), "\(response.prefix(200))")
            #expect(await eventually { idle[0].isClosedByServer })
            #expect(server.connections.displaced == 1)
        }
    }

    @Test func whenEveryConnectionIsBusyANewOneIsRefusedWith503() async throws {
        var limits = HTTPLimits()
        limits.maxConnectionsPerClient = 1
        try await withServer(limits, bigFile: true) { server in
            // A download the client does not read: busy, not idle.
            let busy = try await RawTCPConnection.open(toPort: server.port)
            busy.send("GET /files/big.bin HTTP/1.1\r\nHost: test\r\n\r\n")
            #expect(await eventually { server.connections.busy == 1 })
            let response = try await server.get()
            #expect(response.hasPrefix("HTTP/1.1 503"), "\(response.prefix(200))")
            #expect(response.lowercased().contains("retry-after: 5"))
            #expect(server.connections.refused == 1 && !busy.isClosedByServer)
        }
    }

    @Test func anOversizedRequestHeadIsRejected() async throws {
        try await withServer(HTTPLimits()) { server in
            let connection = try await RawTCPConnection.open(toPort: server.port)
            connection.send("GET /files/hello.txt HTTP/1.1\r\nHost: test\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\n\r\n")
            let response = await connection.readAll(timeout: .seconds(10))
            #expect(!response.contains("hello, world"), "\(response.prefix(200))")
            #expect(await eventually { connection.isClosedByServer })
        }
    }
}
