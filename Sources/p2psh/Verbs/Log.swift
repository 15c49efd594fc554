import ArgumentParser

struct Log: Verb {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show or change what the node logs to stderr.",
        discussion: """
            off logs nothing; info logs what the node does (start, joins, saves); debug adds \
            protocol activity. Without a level, shows the current one. The default is warnings \
            only; -v at start-up is 'log debug'.

            Examples:
              log
              log debug
              log off
            """)
    static let group = VerbGroup.shell

    @Argument(help: ArgumentHelp("off, warning, info or debug.", valueName: "level"),
              completion: .list(LogLevel.allCases.map(\.rawValue)))
    var level: LogLevel?

    struct Output: VerbOutput {
        var level: String

        func lines(for console: Console) -> [String] { ["log level \(level)"] }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        if let level { ShellLogHandler.level = level }
        return Output(level: ShellLogHandler.level.rawValue)
    }
}

/// The log levels the shell offers, from quiet to chatty.
enum LogLevel: String, CaseIterable, ExpressibleByArgument, Sendable {
    case off, warning, info, debug
}
