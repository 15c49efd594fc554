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
    static let argumentCompletion = CompletionSource.verbs

    @Argument(help: ArgumentHelp("The verb to explain.", valueName: "verb"))
    var verb: String?

    /// Every verb, one line each.
    struct Overview: VerbOutput {
        struct Summary: Encodable, Sendable {
            var name: String
            var aliases: [String]
            var group: String
            var synopsis: String
            var abstract: String
        }

        var verbs: [Summary]

        func lines(for console: Console) -> [String] {
            let rows = Formatting.table(verbs.map { verb in
                ["  " + ([verb.name] + verb.aliases).joined(separator: ", "), verb.synopsis, verb.abstract]
            })
            var lines: [String] = []
            for (index, verb) in verbs.enumerated() {
                if index == 0 || verbs[index - 1].group != verb.group { lines.append(console.palette.heading(verb.group + ":")) }
                lines.append(rows[index])
            }
            return lines + ["Type 'help VERB' (or VERB --help) for a verb's usage and examples; TAB completes, Ctrl-D leaves.",
                            "Quote a word that begins with '-' (\"-5\"), or put it after '--', to keep it from "
                                + "being read as an option."]
        }
    }

    /// One verb's usage, arguments, options and examples.
    struct Topic: VerbOutput {
        var verb: String
        var usage: String
        var text: String

        func lines(for console: Console) -> [String] { [text] }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        guard let name = verb else { return Self.overview() }
        guard let type = VerbRegistry.verb(named: name) else { throw ShellError(Shell.unknownVerbMessage(name)) }
        return Self.topic(for: type)
    }

    /// One verb's help: what `help VERB`, `VERB --help` and `VERB -h` show.
    static func topic(for type: any Verb.Type) -> Topic {
        let text = type.helpMessage(columns: 80).trimmingTrailingNewlines
        return Topic(verb: type.verbName, usage: Shell.usage(of: type),
                     text: argumentRules(for: type).map { text + "\n\n" + $0 } ?? text)
    }

    /// How a verb reads its words, for the verbs that take any: a word that could be taken for
    /// an option, and a VALUE that is the rest of the command. Nil for a verb without arguments.
    static func argumentRules(for type: any Verb.Type) -> String? {
        let positionals = VerbRegistry.spec(of: type).positionals
        guard !positionals.isEmpty else { return nil }
        var rules = "A word that begins with '-' is an option unless it is quoted (\"-5\") or comes after '--', "
            + "which ends the options."
        if positionals.contains(where: { $0.valueName == "value" && $0.isRepeating }) {
            rules += " VALUE is the rest of the command, whatever it begins with."
        }
        return Formatting.wrapped(rules, width: 80)
    }

    static func overview() -> Overview {
        let verbs = VerbGroup.allCases.flatMap { group in VerbRegistry.verbs.filter { $0.group == group } }
        return Overview(verbs: verbs.map { verb in
            .init(name: verb.verbName, aliases: verb.configuration.aliases, group: verb.group.rawValue,
                  synopsis: VerbRegistry.spec(of: verb).synopsis, abstract: verb.configuration.abstract)
        })
    }
}
