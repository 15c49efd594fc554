import ArgumentParser
import Foundation
import Logging
import FileSharing
import PeerKit

/// `p2psh`: a DHT node that lives as long as this shell session.
@main
struct P2PSH: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "p2psh",
        abstract: "An interactive shell with a Kademlia DHT node inside.",
        discussion: """
            p2psh starts a DHT node (BitTorrent mainline KRPC over UDP, with a multi-valued \
            store) and a file-sharing peer, and reads commands: from the terminal, from -c, \
            from a script file, or from standard input when it is a pipe. Type 'help' at the \
            prompt for the verbs. A script stops at its first failed command unless \
            --keep-going; the exit status is 0 only when every command succeeded.
            """,
        version: "0.1.0")

    @Argument(help: ArgumentHelp("A file of commands to run, one or more per line ('#' starts a comment); "
                                 + "'-' reads standard input.", valueName: "script"),
              completion: .file())
    var script: String?

    @Option(name: [.customShort("c"), .customLong("command")],
            help: ArgumentHelp("Run these commands (separated by ';' or newlines), then exit.", valueName: "commands"))
    var commands: String?

    @Flag(name: [.customShort("k"), .long],
          help: "In a script, go on after a command fails (the exit status is still 1).")
    var keepGoing = false

    @Flag(help: "Print each command's result as one JSON object per line (JSON Lines).")
    var json = false

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

    @Option(help: ArgumentHelp("DHT queries a second answered per source address; more get no answer. 0 = no limit.",
                               valueName: "n"))
    var rateLimit: Int = 1000

    @Option(help: ArgumentHelp("MiB of memory that values and peers other nodes store here may take; when full, "
                               + "the source holding the most gives way.", valueName: "mib"))
    var storageLimit: Int = 64

    @Flag(help: "Refuse nodes whose ids do not follow their IP address (BEP 42), as libtorrent's dht_enforce_node_id does.")
    var enforceNodeId = false

    @Option(help: ArgumentHelp("Most nodes the routing table holds (default: no cap); newcomers to a full "
                               + "table wait as replacements for nodes that fail.", valueName: "n"))
    var maxPeers: Int?

    @Option(help: ArgumentHelp("Join a private network: answer and learn only from nodes started with the same "
                               + "name (default: the public network every mainline node is on).", valueName: "name"))
    var network: String?

    @Flag(name: .shortAndLong, help: "Log protocol activity to stderr.")
    var verbose = false

    /// The word before `script` on the command line when it looks like an option that took it
    /// as its value (not one of p2psh's flags) and no such file exists: an unknown option.
    private static func optionBefore(_ script: String?) -> String? {
        let arguments = CommandLine.arguments
        guard let script, script != "-", !FileManager.default.fileExists(atPath: script),
              let index = arguments.lastIndex(of: script), index > 1 else { return nil }
        let previous = arguments[index - 1]
        let flags: Set = ["-k", "--keep-going", "--json", "--ephemeral", "--no-announce", "--enforce-node-id", "-v", "--verbose"]
        return previous.hasPrefix("-") && previous != "--" && !flags.contains(previous) ? previous : nil
    }

    func validate() throws {
        guard commands == nil || script == nil else {
            // `-n 5 -c stats`: the parser took the value of an unknown option for the script.
            if let unknown = Self.optionBefore(script) { throw ValidationError("unknown option '\(unknown)'") }
            throw ValidationError("give either -c COMMANDS or a script file, not both")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard NodeAddress(NodeAddress.text(host: host, port: 0)) != nil else {
            throw ValidationError("--host \(host) is not an IP address: use 0.0.0.0 (every IPv4 interface), "
                                  + ":: (IPv6), or an address of this machine such as 127.0.0.1")
        }
        guard !(ephemeral && dataDir != nil) else { throw ValidationError("--ephemeral keeps no files: drop --data-dir") }
        if let httpPort, !(0...65535).contains(httpPort) {
            throw ValidationError("--http-port must be between 0 and 65535")
        }
        guard rateLimit >= 0 else { throw ValidationError("--rate-limit must be 0 (no limit) or more") }
        guard (1...1 << 20).contains(storageLimit) else {
            throw ValidationError("--storage-limit must be between 1 and 1048576 (MiB)")
        }
        if let maxPeers, maxPeers < 1 { throw ValidationError("--max-peers must be at least 1") }
        if let network, let problem = NetworkID.problem(with: network) { throw ValidationError("--network: \(problem)") }
        guard (1...64).contains(maxHistory) else { throw ValidationError("--max-history must be between 1 and 64") }
        if let secret, secret.utf8.count < 16 {
            throw ValidationError("--secret must be at least 16 characters: a short secret can be guessed")
        }
    }

    /// Exit statuses, as the man page lists them.
    enum Status {
        /// A command failed.
        static let commandFailed = ExitCode(1)
        /// p2psh could not start: a port or the data directory in use, an unreadable script.
        static let couldNotStart = ExitCode(2)
        /// Ctrl-C ended a script.
        static let interrupted = ExitCode(130)
        /// SIGTERM or SIGHUP ended the session.
        static let terminated = ExitCode(143)
    }

    func run() throws {
        ShellLogHandler.level = verbose ? .debug : .warning
        LoggingSystem.bootstrap { label in ShellLogHandler(label: label) }
        Interrupts.install()
        OpenFileLimit.raise()
        let console = Console.detect(format: json ? .json : .text)
        let dataDirectory = ephemeral ? nil : (dataDir ?? StorageLocation.defaultDirectory)
        // Interactive when commands are typed: the prompt and editing go to the terminal, even
        // when stdout is a pipe (`p2psh | tee session.log`).
        let terminal = commands == nil && script == nil ? TerminalDevice.forEditing() : nil
        let scriptDescriptor = try starting(console) { try openScript() }
        let (node, peer) = try startPeers(dataDirectory: dataDirectory, console: console)
        // History is kept only for a person at the prompt, but `history` shows it from scripts too.
        let history = CommandHistory(path: dataDirectory.map { $0 + "/history" })
        let session = ShellSession(node: node, peer: peer, console: console, history: history, completer: Completer())
        if let terminal, !json { announce(session, on: terminal) }
        let ending = runShell(session, terminal: terminal, scriptDescriptor: scriptDescriptor)
        _ = InterruptibleRun.run(cancellable: false) {
            await peer.close()
            await node.close()
        }
        try exitStatus(for: ending, interactive: terminal != nil)
    }

    /// Runs a step of starting up; its failure is reported and ends p2psh with ``Status/couldNotStart``.
    private func starting<T>(_ console: Console, _ step: () throws -> T) throws -> T {
        do {
            return try step()
        } catch {
            console.error("\(error)")
            throw Status.couldNotStart
        }
    }

    /// Starts the DHT node and its file-sharing peer from the options; Ctrl-C or SIGTERM while
    /// they start ends p2psh.
    private func startPeers(dataDirectory: String?, console: Console) throws -> (Node, FileSharingPeer) {
        var configuration = NodeConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.queryRateLimit = rateLimit
        configuration.storageLimit = storageLimit << 20
        configuration.enforceNodeID = enforceNodeId
        if let maxPeers { configuration.routingTableCapacity = maxPeers }
        configuration.network = network
        configuration.storage = dataDirectory.map(StorageLocation.directory) ?? .ephemeral
        let settings = configuration
        let sharing = try starting(console) { try sharingConfiguration(dataDirectory: dataDirectory) }
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
            return pair
        case .finished(.failure(let error)):
            console.error("\(error)")
            throw Status.couldNotStart
        case .interrupted:
            throw MainActor.assumeIsolated { Interrupts.terminated } ? Status.terminated : Status.interrupted
        }
    }

    /// Reads and runs commands (typed, from -c, or from a script) until they end. The shell runs
    /// on the main thread: libedit calls back into it (completion, Ctrl-C) there.
    private func runShell(_ session: ShellSession, terminal: Int32?, scriptDescriptor: Int32) -> Shell.Ending {
        let commands = commands
        let script = script
        let mode: Shell.Mode = terminal != nil ? .interactive : .script(keepGoing: keepGoing)
        let bootstrapLine = bootstrap.isEmpty ? nil : "join " + bootstrap.map(Tokenizer.escaped).joined(separator: " ")
        return MainActor.assumeIsolated { () -> Shell.Ending in
            let source: any LineSource
            if let commands {
                source = CommandTextSource(commands)
            } else if let terminal {
                source = LineEditor(history: session.history, completer: session.completer, terminal: terminal)
            } else {
                source = StreamLineSource(descriptor: scriptDescriptor, name: script == "-" ? nil : script)
            }
            var shell = Shell(session: session, source: source, mode: mode)
            defer { shell.refresher?.stop() }
            // --bootstrap runs as a `join` before the first command, and fails a script like one.
            return shell.run(after: bootstrapLine.map { [$0] } ?? [])
        }
    }

    /// How p2psh exits after the shell ended: at a terminal, leaving is a success; in a script,
    /// any failed command fails the run.
    private func exitStatus(for ending: Shell.Ending, interactive: Bool) throws {
        switch ending {
        case .finished(let failures):
            if !interactive, failures > 0 { throw Status.commandFailed }
        case .interrupted:
            throw Status.interrupted
        case .terminated:
            throw Status.terminated
        }
    }

    /// The descriptor commands are read from when they are not typed or given with -c: the
    /// script file, or standard input.
    private func openScript() throws -> Int32 {
        guard let script, script != "-" else { return 0 }
        let descriptor = open(expandingTilde(script), O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ShellError("cannot read script \(script): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            close(descriptor)
            throw ShellError("cannot read script \(script): it is a directory")
        }
        return descriptor
    }

    /// File sharing's settings from the options: the share directory (created when it is the
    /// default one), the HTTP port, and the admin secret (from --secret, the data directory, or
    /// made up for an ephemeral session).
    private func sharingConfiguration(dataDirectory: String?) throws -> SharingConfiguration {
        let adminSecret: AdminSecret
        if let secret {
            adminSecret = AdminSecret(secret)
        } else if let dataDirectory {
            try DataDirectory.create(dataDirectory)
            adminSecret = try AdminSecret.loadOrCreate(in: dataDirectory)
        } else {
            adminSecret = AdminSecret.generate()
        }
        var sharing = SharingConfiguration(secret: adminSecret)
        sharing.httpHost = host
        sharing.httpPort = httpPort ?? port
        sharing.maxHistory = maxHistory
        sharing.announces = !noAnnounce
        sharing.adminStatistics = { peer in await Stats.json(of: peer) }
        if let share {
            sharing.shareDirectory = expandingTilde(share)
        } else if let dataDirectory {
            let files = dataDirectory + "/files"
            try DataDirectory.create(files)
            sharing.shareDirectory = files
        }
        return sharing
    }

    private func announce(_ session: ShellSession, on terminal: Int32) {
        let node = session.node
        let peer = session.peer
        let address = InterruptibleRun.run { (await node.localAddress, await peer.httpPort) }
        var listening = "udp"
        if case .finished(.success(let (bound?, httpPort))) = address { listening = "udp \(bound), http port \(httpPort)" }
        TerminalOutput.write("p2psh: node \(node.id.hex) on \(listening). Type 'help' for the verbs.\n", to: terminal)
    }
}
