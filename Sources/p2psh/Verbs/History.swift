import ArgumentParser

struct History: Verb {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List the commands typed at the prompt, or forget them.",
        discussion: """
            Commands typed at a terminal are kept in DATA_DIR/history (at most 1,000), oldest \
            first. As in bash, a line that starts with a space is not kept, and a command typed \
            again keeps only its latest place. Up and Down recall commands, Ctrl-R searches \
            them. Commands from scripts are never kept.

            Examples:
              history
              history 20
              history --clear
            """)
    static let group = VerbGroup.shell

    @Argument(help: ArgumentHelp("Show only the last COUNT commands.", valueName: "count"))
    var count: Int?

    @Flag(help: "Forget every command, in memory and on disk.")
    var clear = false

    func validate() throws {
        if let count, count < 1 { throw ValidationError("COUNT must be at least 1") }
    }

    struct Output: VerbOutput {
        struct Entry: Encodable, Sendable {
            /// 1 for the oldest command kept.
            var number: Int
            var line: String
        }

        var entries: [Entry]
        var cleared: Bool

        func lines(for console: Console) -> [String] {
            if cleared { return console.decorated ? ["history cleared"] : [] }
            let width = String(entries.last?.number ?? 0).count
            return entries.map { String(repeating: " ", count: width - String($0.number).count) + "\($0.number)  \($0.line)" }
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        if clear {
            try session.history.clear()
            return Output(entries: [], cleared: true)
        }
        let lines = session.history.lines
        let entries = lines.enumerated().map { Output.Entry(number: $0.offset + 1, line: $0.element) }
        return Output(entries: Array(entries.suffix(count ?? entries.count)), cleared: false)
    }
}
