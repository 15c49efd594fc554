import ArgumentParser
import Foundation
import Logging
import PeerKit

/// `p2psh`: a DHT node that lives as long as this shell session.
@main
struct P2PSH: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "p2psh",
        abstract: "An interactive shell with a Kademlia DHT node inside.",
        discussion: """
            p2psh starts a DHT node (BitTorrent mainline KRPC over UDP, with a multi-valued \
            store) and reads commands from the terminal, or from standard input when it is a \
            pipe. Type 'help' at the prompt for the verbs.
            """,
        version: "0.1.0")

    @Option(help: ArgumentHelp("UDP port to listen on; 0 picks any free port.", valueName: "port"))
    var port: Int = 6881

    @Option(help: ArgumentHelp("Address to bind: 0.0.0.0 for every IPv4 interface, :: for IPv6.", valueName: "address"))
    var host: String = "0.0.0.0"

    @Option(help: ArgumentHelp("Directory for the node database and history (default: $XDG_DATA_HOME/p2psh).",
                               valueName: "dir"),
            completion: .directory)
    var dataDir: String?

    @Flag(help: "Keep nothing on disk: no database, no history.")
    var ephemeral = false

    @Option(help: ArgumentHelp("Join the network through this node at start-up; repeatable.", valueName: "host:port"))
    var bootstrap: [String] = []

    @Option(help: ArgumentHelp("Directory to share over HTTP; fetched files land in it "
                               + "(default: DATA_DIR/files; none with --ephemeral).", valueName: "dir"),
            completion: .directory)
    var share: String?

    @Option(help: ArgumentHelp("TCP port of the HTTP server that serves shared files (default: the --port number; "
                               + "0 picks any free port).", valueName: "port"))
    var httpPort: Int?

    @Option(help: ArgumentHelp("Secret that remote admin requests must send as 'Authorization: Bearer' "
                               + "(default: generated into DATA_DIR/secret).", valueName: "text"))
    var secret: String?

    @Option(help: ArgumentHelp("Most nodes one neighbour query (who has NAME?) may reach.", valueName: "n"))
    var maxHistory: Int = 6

    @Flag(help: "Do not announce shared files in the DHT; peers find them only by asking neighbours.")
    var noAnnounce = false

    @Flag(name: .shortAndLong, help: "Log protocol activity to stderr.")
    var verbose = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard !(ephemeral && dataDir != nil) else { throw ValidationError("--ephemeral keeps no files: drop --data-dir") }
        if let httpPort, !(0...65535).contains(httpPort) {
            throw ValidationError("--http-port must be between 0 and 65535")
        }
        guard (1...64).contains(maxHistory) else { throw ValidationError("--max-history must be between 1 and 64") }
        if let secret, secret.utf8.count < 16 {
            throw ValidationError("--secret must be at least 16 characters: a short secret can be guessed")
        }
    }

    func run() throws {
        let verbose = verbose
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .debug : .warning
            return handler
        }
        Interrupts.install()
        let console = Console.detect()
        let dataDirectory = ephemeral ? nil : (dataDir ?? StorageLocation.defaultDirectory)

        var configuration = NodeConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.storage = dataDirectory.map(StorageLocation.directory) ?? .ephemeral
        let settings = configuration
        let sharing: SharingConfiguration
        do {
            sharing = try sharingConfiguration(dataDirectory: dataDirectory)
        } catch {
            console.error("\(error)")
            throw ExitCode.failure
        }
        let started: (Node, FileSharingPeer)
        switch InterruptibleRun.run({ () async throws -> (Node, FileSharingPeer) in
            let node = try await Node.start(settings)
            do {
                return (node, try await FileSharingPeer.start(node: node, configuration: sharing))
            } catch {
                await node.close()
                throw error
            }
        }) {
        case .finished(.success(let pair)):
            started = pair
        case .finished(.failure(let error)):
            console.error("\(error)")
            throw ExitCode.failure
        case .interrupted:
            throw ExitCode(130)
        }
        let (node, peer) = started
        let session = ShellSession(node: node, peer: peer, console: console, completer: Completer())
        announce(session)

        var failures = 0
        for address in bootstrap {
            if case .failed = Shell.execute("join '\(address)'", in: session) { failures += 1 }
        }

        // The shell runs on the main thread: libedit calls back into it (completion, Ctrl-C) there.
        let ending = MainActor.assumeIsolated { () -> Shell.Ending in
            let source: any LineSource = console.isInteractive
                ? LineEditor(historyPath: dataDirectory.map { $0 + "/history" }, completer: session.completer)
                : StreamLineSource(descriptor: 0)
            var shell = Shell(session: session, source: source)
            return shell.run()
        }
        _ = InterruptibleRun.run(cancellable: false) {
            await peer.close()
            await node.close()
        }
        switch ending {
        case .finished(let commandFailures):
            // At a terminal, leaving is a success; in a script, any failed command fails the run.
            if !console.isInteractive, failures + commandFailures > 0 { throw ExitCode.failure }
        case .interrupted:
            throw ExitCode(130)
        case .terminated:
            throw ExitCode(143)
        }
    }

    /// File sharing's settings from the options: the share directory (created when it is the
    /// default one), the HTTP port, and the admin secret (from --secret, the data directory, or
    /// made up for an ephemeral session).
    private func sharingConfiguration(dataDirectory: String?) throws -> SharingConfiguration {
        let adminSecret: AdminSecret
        if let secret {
            adminSecret = AdminSecret(secret)
        } else if let dataDirectory {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            adminSecret = try AdminSecret.loadOrCreate(in: dataDirectory)
        } else {
            adminSecret = AdminSecret.generate()
        }
        var sharing = SharingConfiguration(secret: adminSecret)
        sharing.httpHost = host
        sharing.httpPort = httpPort ?? port
        sharing.maxHistory = maxHistory
        sharing.announces = !noAnnounce
        if let share {
            sharing.shareDirectory = NSString(string: share).expandingTildeInPath
        } else if let dataDirectory {
            let files = dataDirectory + "/files"
            try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
            sharing.shareDirectory = files
        }
        return sharing
    }

    private func announce(_ session: ShellSession) {
        guard session.console.isInteractive else { return }
        let node = session.node
        let peer = session.peer
        let address = InterruptibleRun.run { (await node.localAddress, await peer.httpPort) }
        var listening = "udp"
        if case .finished(.success(let (bound?, httpPort))) = address { listening = "udp \(bound), http port \(httpPort)" }
        session.console.print("p2psh: node \(node.id.hex) on \(listening). Type 'help' for the verbs.")
    }
}
