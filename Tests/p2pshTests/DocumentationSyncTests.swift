import Foundation
import Testing
import TestSupport
@testable import p2psh

/// `help`, the man page and the completion scripts come from, or are checked against,
/// the same argument-parser declarations, so they cannot drift apart.
@Suite struct DocumentationSyncTests {
    /// The man page source.
    let manSource = (try? String(contentsOfFile: TestPaths.packageRoot + "/man/p2psh.1", encoding: .utf8)) ?? ""
    /// The man page source, with its lines joined so that sentences read whole.
    var manPage: String { manSource.replacingOccurrences(of: "\n", with: " ") }

    /// Text as the man page's roff source spells it (hyphens are escaped).
    func roff(_ text: String) -> String { text.replacingOccurrences(of: "-", with: "\\-") }

    /// The source of one `.Ss` subsection, up to the next subsection or section.
    func subsection(_ name: String) -> String? {
        let lines = manSource.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0 == ".Ss \(name)" }) else { return nil }
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix(".Ss ") || $0.hasPrefix(".Sh ") } ?? lines.endIndex
        return lines[start..<end].joined(separator: "\n")
    }

    /// The example lines of a verb's help: the indented lines after "Example:" or "Examples:".
    func examples(of verb: any Verb.Type) -> [String] {
        let lines = verb.configuration.discussion.split(separator: "\n").map(String.init)
        guard let heading = lines.firstIndex(where: { $0.hasPrefix("Example") }) else { return [] }
        return lines[(heading + 1)...].filter { $0.hasPrefix("  ") }.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsAreCurrent(shell: String) async throws {
        let committed = try String(contentsOfFile: TestPaths.packageRoot + "/completions/p2psh.\(shell)", encoding: .utf8)
        let generated = try await ChildProcess.run(TestPaths.p2psh, ["--generate-completion-script", shell])
        #expect(generated.status == 0)
        #expect(committed == generated.stdout,
                "completions/p2psh.\(shell) is stale: regenerate with .build/debug/p2psh --generate-completion-script \(shell)")
    }

    @Test func bashAcceptsTheBashCompletionScript() async throws {
        let result = try await ChildProcess.run("/bin/bash", ["-n", TestPaths.packageRoot + "/completions/p2psh.bash"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func theManPageHasEverySection() {
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "SCRIPTING", "FILES", "ENVIRONMENT",
                        "EXIT STATUS", "EXAMPLES"] {
            let present = manSource.contains("\n.Sh \(section)\n")
            #expect(present, "man page lacks .Sh \(section)")
        }
    }

    /// Each verb has a subsection with its abstract, its arguments, its options and the
    /// examples `help VERB` shows.
    @Test(arguments: VerbRegistry.verbs.map { $0.verbName })
    func theManPageDescribesEachVerbAsHelpDoes(name: String) throws {
        let verb = try #require(VerbRegistry.verb(named: name))
        let text = try #require(subsection(name), "man page lacks a subsection for \(name)")
        let joined = text.replacingOccurrences(of: "\n", with: " ")
        #expect(joined.contains(verb.configuration.abstract), "the abstract of \(name)")
        for alias in verb.configuration.aliases {
            #expect(text.contains(alias), "alias \(alias)")
        }
        let spec = VerbRegistry.spec(of: verb)
        for argument in spec.arguments where argument.isDisplayed {
            switch argument.kind {
            case .positional:
                #expect(text.contains("Ar \(roff(argument.valueName))"), "\(name)'s argument \(argument.valueName)")
            case .option, .flag:
                for option in argument.names where option.hasPrefix("--") {
                    #expect(text.contains("Fl \(roff(String(option.dropFirst())))"), "\(name)'s option \(option)")
                }
            }
        }
        let examples = examples(of: verb)
        #expect(!examples.isEmpty, "help \(name) shows no example")
        for example in examples {
            #expect(text.contains("\n\(roff(example))\n"), "\(name)'s example '\(example)'")
        }
    }

    @Test func theManPageNamesEveryOption() {
        let help = P2PSH.helpMessage(columns: 1000)
        let optionsSection = help[(help.range(of: "OPTIONS:")?.upperBound ?? help.endIndex)...]
        let options = optionsSection.split(separator: "\n").compactMap { line -> String? in
            line.split(separator: " ").first { $0.hasPrefix("--") }.map { $0.hasSuffix(",") ? String($0.dropLast()) : String($0) }
        }
        #expect(options.count >= 11)
        for option in options {
            let documented = manPage.contains("Fl \(roff(String(option.dropFirst())))")
            #expect(documented, "man page lacks \(option)")
        }
        #expect(manPage.contains("Ar script"))
    }

    @Test func helpListsEveryVerbWithItsAbstract() {
        let overview = Help.overview().lines(for: Console(format: .text, decorated: false, palette: Palette(enabled: false),
                                                          errorPalette: Palette(enabled: false)))
            .joined(separator: "\n")
        for verb in VerbRegistry.verbs {
            #expect(overview.contains(verb.verbName))
            #expect(overview.contains(verb.configuration.abstract))
        }
    }

    /// The README's verb table and its `--json` table name every verb.
    @Test func theReadmeListsEveryVerb() throws {
        let readme = try String(contentsOfFile: TestPaths.packageRoot + "/README.md", encoding: .utf8)
        for verb in VerbRegistry.verbs {
            let name = verb.verbName
            #expect(readme.contains("\n| `\(name)"), "README's verb table lacks \(name)")
            #expect(readme.contains("\n| `\(name)` |"), "README's --json table lacks \(name)")
        }
    }

    @Test func theManPageLintsClean() async throws {
        let result = try await ChildProcess.run("/usr/bin/mandoc", ["-T", "lint", "-W", "warning",
                                                                    TestPaths.packageRoot + "/man/p2psh.1"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}
