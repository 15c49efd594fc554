import ArgumentParser
import FileSharing
import PeerKit

/// The read–run–print loop: one command at a time, each finished and its result written
/// before the next is read.
struct Shell {
    /// Who is typing, which decides what a failure does.
    enum Mode {
        /// A person at the prompt: a failed command is reported, and the session goes on.
        case interactive
        /// A script (`-c`, a file, or standard input): it stops at the first failed command
        /// unless `keepGoing`.
        case script(keepGoing: Bool)
    }

    let session: ShellSession
    var source: any LineSource
    let mode: Mode
    /// Keeps TAB completion's vocabulary fresh at the prompt; nil in scripts.
    let refresher: CompletionRefresher?

    init(session: ShellSession, source: any LineSource, mode: Mode) {
        self.session = session
        self.source = source
        self.mode = mode
        if case .interactive = mode { refresher = CompletionRefresher(session: session) } else { refresher = nil }
    }

    /// Why the loop ended.
    enum Ending {
        /// `exit`, Ctrl-D, the end of the script, or a failure that stopped it; `failures`
        /// commands failed.
        case finished(failures: Int)
        /// Ctrl-C in a script: the rest of the script was not run.
        case interrupted
        /// SIGTERM or SIGHUP: the session ended early, cleanly.
        case terminated
    }

    /// How one command went.
    enum Outcome {
        case succeeded
        case failed
        case interrupted
        case exit
    }

    private var isInteractive: Bool {
        if case .interactive = mode { return true }
        return false
    }

    /// A failure stops the rest of the input.
    private var stopsOnFailure: Bool {
        if case .script(keepGoing: false) = mode { return true }
        return false
    }

    /// Runs `initialLines` (such as --bootstrap's `join`, never kept in history), then every
    /// line the source gives, until the input ends or a line ends the session.
    mutating func run(after initialLines: [String] = []) -> Ending {
        var failures = 0
        for line in initialLines {
            if let ending = ending(after: run(line: line), failures: &failures) { return ending }
        }
        while true {
            if MainActor.assumeIsolated({ Interrupts.terminated }) { return .terminated }
            switch source.nextLine() {
            case .end where MainActor.assumeIsolated({ Interrupts.terminated }):
                return .terminated
            case .end:
                return .finished(failures: failures)
            case .interrupted:
                if !isInteractive { return .interrupted }
            case .line(let line):
                if isInteractive { source.record(line) }
                if let ending = ending(after: run(line: line), failures: &failures) { return ending }
            }
        }
    }

    /// Counts a line's failures, and says whether the session ends after it.
    private func ending(after result: LineResult, failures: inout Int) -> Ending? {
        failures += result.failures
        // SIGTERM or SIGHUP while a command ran: it was cancelled like Ctrl-C, but ends the session.
        if MainActor.assumeIsolated({ Interrupts.terminated }) { return .terminated }
        switch result.stop {
        case nil: return result.failures > 0 && stopsOnFailure ? .finished(failures: failures) : nil
        case .exit: return .finished(failures: failures)
        case .interrupted: return isInteractive ? nil : .interrupted
        }
    }

    /// What a line of commands did.
    struct LineResult {
        enum Stop {
            case exit
            case interrupted
        }

        var failures = 0
        /// Why the commands after this line must not run, if they must not.
        var stop: Stop?
    }

    /// Runs the commands on one line in order; in a script that stops on failure, the
    /// commands after a failed one do not run.
    func run(line: String) -> LineResult {
        let commands: [Tokenizer.Command]
        do {
            commands = try Tokenizer.commands(line)
        } catch {
            report(Tokenizer.Command(text: line, words: []), error: "\(error): \(line)", started: .now)
            return LineResult(failures: 1)
        }
        var result = LineResult()
        for command in commands {
            switch execute(command) {
            case .succeeded: continue
            case .failed:
                result.failures += 1
                if stopsOnFailure { return result }
            case .interrupted:
                result.failures += 1
                result.stop = .interrupted
                return result
            case .exit:
                result.stop = .exit
                return result
            }
        }
        return result
    }

    /// Parses and runs one command, and writes its result or error.
    func execute(_ command: Tokenizer.Command) -> Outcome {
        let started = ContinuousClock.now
        guard let name = command.words.first else { return .succeeded }
        guard let type = VerbRegistry.verb(named: name) else {
            report(command, error: Self.unknownVerbMessage(name), started: started)
            return .failed
        }
        let verb: any Verb
        do {
            let arguments = try VerbArguments.arranged(Array(command.words.dropFirst()),
                                                   literal: Set(command.literalWords.map { $0 - 1 }),
                                                   spec: VerbRegistry.spec(of: type))
            guard let parsed = try type.parseAsRoot(arguments) as? any Verb else {
                // `VERB --help` and `VERB -h` parse as the parser's help command: the same as `help VERB`.
                report(command, output: Help.topic(for: type), started: started)
                return .succeeded
            }
            verb = parsed
        } catch {
            if type.exitCode(for: error) == .success {
                report(command, output: Help.topic(for: type), started: started)
                return .succeeded
            }
            let message = (error as? VerbArguments.UnknownOption)?.description ?? Self.lowercasingFirst(type.message(for: error))
            report(command, error: "\(message)\nusage: \(Self.usage(of: type))   (see 'help \(type.verbName)')",
                   started: started)
            return .failed
        }
        let session = session
        let running = RunningCommand(text: command.text, verb: type.verbName, started: started)
        let outcome = InterruptibleRun.run {
            try await RunningCommand.$current.withValue(running) { try await verb.execute(in: session) }
        }
        defer { refreshCompletions() }
        if case .interrupted = outcome, isInteractive {
            // The terminal echoed ^C where the cursor was: what follows starts a line of its own.
            TerminalOutput.write("\n", to: MainActor.assumeIsolated { LineEditor.terminal })
        }
        switch outcome {
        case .finished(.success(let output)):
            report(command, output: output, started: started)
            return type.endsSession ? .exit : .succeeded
        case .interrupted(.success(let output)) where type.runsUntilInterrupted:
            // Ctrl-C is how a watch ends: what it saw is its result.
            report(command, output: output, started: started)
            return .succeeded
        case .finished(.failure(let failure as PartialFailure)):
            report(command, output: failure.output, error: failure.description, started: started)
            return .failed
        case .finished(.failure(let error)):
            report(command, error: "\(error)", started: started)
            return .failed
        case .interrupted:
            report(command, error: "\(name): interrupted", started: started)
            return .interrupted
        }
    }

    /// Writes a command's result and error: as text (the result on stdout, the error on
    /// stderr, prefixed by the script location), or as one JSON line.
    private func report(_ command: Tokenizer.Command, output: (any VerbOutput)? = nil, error: String? = nil,
                        started: ContinuousClock.Instant) {
        let console = session.console
        switch console.format {
        case .text:
            if let output { console.print(output.lines(for: console)) }
        case .json:
            console.print(CommandRecord(command: command.text, verb: command.words.first ?? "", ok: error == nil,
                                        milliseconds: Formatting.milliseconds(since: started), result: output,
                                        error: error).line)
        }
        if let error { console.error((source.location.map { "\($0): " } ?? "") + error) }
    }

    /// Asks for the completion vocabulary to be learned anew, in the background (at the prompt only: scripts have no refresher).
    private func refreshCompletions() {
        refresher?.request()
    }

    /// The parser's messages begin with a capital ("Missing expected argument"); every other
    /// error of the shell begins in lower case.
    static func lowercasingFirst(_ message: String) -> String {
        guard let first = message.first, first.isUppercase,
              message.dropFirst().first.map({ !$0.isUppercase }) ?? true else { return message }
        return first.lowercased() + message.dropFirst()
    }

    static func unknownVerbMessage(_ name: String) -> String {
        let hint = VerbRegistry.hint(for: name).map { ": \($0)" } ?? ""
        let shown = name.printable.count <= 48 ? name.printable : String(name.printable.prefix(40)) + "…"
        return "unknown command '\(shown)'\(hint) (type 'help' for the list)"
    }

    static func usage(of type: any Verb.Type) -> String {
        let help = type.helpMessage(columns: 200)
        guard let range = help.range(of: "USAGE: ") else { return type.verbName }
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
