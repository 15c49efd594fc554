import ArgumentParser
import PeerKit

/// The read–run–print loop: one command at a time, each finished and printed before the next is read.
struct Shell {
    let session: ShellSession
    var source: any LineSource

    /// Why the loop ended.
    enum Ending {
        /// `exit`, Ctrl-D or end of input; `failures` commands failed.
        case finished(failures: Int)
        /// Ctrl-C in a script: the rest of the script was not run.
        case interrupted
        /// SIGTERM or SIGHUP: the session ended early, cleanly.
        case terminated
    }

    mutating func run() -> Ending {
        var failures = 0
        defer { source.save() }
        while true {
            if MainActor.assumeIsolated({ Interrupts.terminated }) { return .terminated }
            switch source.nextLine() {
            case .end where MainActor.assumeIsolated({ Interrupts.terminated }):
                return .terminated
            case .end:
                if session.console.isInteractive { session.console.print("") }
                return .finished(failures: failures)
            case .interrupted:
                if !session.console.isInteractive { return .interrupted }
            case .line(let line):
                source.record(line)
                switch Self.execute(line, in: session) {
                case .succeeded: break
                case .failed: failures += 1
                case .interrupted:
                    failures += 1
                    if !session.console.isInteractive { return .interrupted }
                case .exit: return .finished(failures: failures)
                }
            }
        }
    }

    enum LineOutcome {
        case succeeded
        case failed
        case interrupted
        case exit
    }

    /// Parses and runs one line.
    static func execute(_ line: String, in session: ShellSession) -> LineOutcome {
        let console = session.console
        let words: [String]
        do {
            words = try Tokenizer.words(line)
        } catch {
            console.error("\(error) in: \(line)")
            return .failed
        }
        guard let name = words.first else { return .succeeded }
        guard let type = VerbRegistry.verb(named: name) else {
            console.error(unknownVerbMessage(name))
            return .failed
        }
        let verb: any Verb
        do {
            guard let parsed = try type.parseAsRoot(Array(words.dropFirst())) as? any Verb else { return .failed }
            verb = parsed
        } catch {
            if type.exitCode(for: error) == .success {
                console.print(type.fullMessage(for: error, columns: 80).trimmingTrailingNewlines)
                return .succeeded
            }
            console.error(type.message(for: error))
            console.error("usage: \(usage(of: type))")
            return .failed
        }
        let outcome = InterruptibleRun.run { try await verb.execute(in: session) }
        defer { refreshCompletions(session) }
        switch outcome {
        case .finished(.success(.exit)): return .exit
        case .finished(.success(.done)): return .succeeded
        case .finished(.failure(let error)):
            console.error("\(error)")
            return .failed
        case .interrupted:
            console.error("\(name): interrupted")
            return .interrupted
        }
    }

    /// Learns the current peer addresses, the keys this node holds and the file names seen, for TAB completion.
    private static func refreshCompletions(_ session: ShellSession) {
        guard session.console.isInteractive else { return }
        _ = InterruptibleRun.run {
            let peers = await session.node.routingTable().map { "\($0.address)" }
            let held = await session.node.heldKeys().map(\.hex)
            let seen = await session.peer.seenNames
            session.completer.update { vocabulary in
                vocabulary.peerAddresses = peers
                vocabulary.heldKeys = held
                vocabulary.fileNames = Array(Set(vocabulary.fileNames + seen))
            }
        }
    }

    static func unknownVerbMessage(_ name: String) -> String {
        let hint = VerbRegistry.suggestion(for: name).map { ": did you mean '\($0)'?" } ?? ""
        return "unknown command '\(name)'\(hint) (type 'help' for the list)"
    }

    static func usage(of type: any Verb.Type) -> String {
        let help = type.helpMessage(columns: 200)
        guard let range = help.range(of: "USAGE: ") else { return type.configuration.commandName ?? "" }
        return String(help[range.upperBound...].prefix { $0 != "\n" })
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var result = self
        while result.hasSuffix("\n") { result.removeLast() }
        return result
    }
}
