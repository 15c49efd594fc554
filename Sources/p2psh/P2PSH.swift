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

    @Flag(name: .shortAndLong, help: "Log protocol activity to stderr.")
    var verbose = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard !(ephemeral && dataDir != nil) else { throw ValidationError("--ephemeral keeps no files: drop --data-dir") }
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
        let node: Node
        switch InterruptibleRun.run({ try await Node.start(settings) }) {
        case .finished(.success(let started)):
            node = started
        case .finished(.failure(let error)):
            console.error("\(error)")
            throw ExitCode.failure
        case .interrupted:
            throw ExitCode(130)
        }
        let session = ShellSession(node: node, console: console, completer: Completer())
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
        _ = InterruptibleRun.run(cancellable: false) { await node.close() }
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

    private func announce(_ session: ShellSession) {
        guard session.console.isInteractive else { return }
        let node = session.node
        let address = InterruptibleRun.run { await node.localAddress }
        var listening = "udp"
        if case .finished(.success(let bound?)) = address { listening = "udp \(bound)" }
        session.console.print("p2psh: node \(node.id.hex) on \(listening). Type 'help' for the verbs.")
    }
}
