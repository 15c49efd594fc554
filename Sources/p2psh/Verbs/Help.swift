import ArgumentParser

struct Help: Verb {
    static let configuration = CommandConfiguration(
        commandName: "help",
        abstract: "List the verbs, or show one verb's usage and examples.",
        discussion: """
            Examples:
              help
              help store
            """)
    static let group = VerbGroup.shell
    static let synopsis = "[VERB]"

    @Argument(help: "The verb to explain.")
    var verb: String?

    func execute(in session: ShellSession) async throws -> VerbResult {
        guard let name = verb else {
            for line in Self.overview() { session.console.print(line) }
            return .done
        }
        guard let type = VerbRegistry.verb(named: name) else { throw ShellError(Shell.unknownVerbMessage(name)) }
        session.console.print(type.helpMessage(columns: 80).trimmingTrailingNewlines)
        return .done
    }

    /// The verbs by group, one line each, as dhtnode's help lists them.
    static func overview() -> [String] {
        let verbs = VerbGroup.allCases.flatMap { group in VerbRegistry.verbs.filter { $0.group == group } }
        let rows = Formatting.table(verbs.map { verb in
            let name = ([verb.configuration.commandName ?? ""] + verb.configuration.aliases).joined(separator: ", ")
            return ["  " + name, verb.synopsis, verb.configuration.abstract]
        })
        var lines: [String] = []
        for (verb, row) in zip(verbs, rows) {
            if verb == verbs.first(where: { $0.group == verb.group }) { lines.append("\(verb.group.rawValue):") }
            lines.append(row)
        }
        lines.append("Type 'help VERB' for a verb's usage and examples; TAB completes, Ctrl-D leaves.")
        return lines
    }
}
