import Foundation
import Testing
import TestSupport
@testable import p2psh

/// `help`, the man page and the completion scripts come from, or are checked against,
/// the same argument-parser declarations, so they cannot drift apart.
@Suite struct DocumentationSyncTests {
    /// The man page source, with its lines joined so that sentences read whole.
    let manPage = ((try? String(contentsOfFile: TestPaths.packageRoot + "/man/p2psh.1", encoding: .utf8)) ?? "")
        .replacingOccurrences(of: "\n", with: " ")

    /// Text as the man page's roff source spells it (hyphens in options are escaped).
    func roff(_ text: String) -> String { text.replacingOccurrences(of: "-", with: "\\-") }

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

    @Test func theManPageNamesEveryVerbAndItsArguments() {
        for verb in VerbRegistry.verbs {
            let name = verb.configuration.commandName ?? ""
            let hasSubsection = manPage.contains(".Ss \(name)")
            #expect(hasSubsection, "man page lacks a subsection for \(name)")
            for alias in verb.configuration.aliases {
                let hasAlias = manPage.contains(alias)
                #expect(hasAlias, "man page lacks alias \(alias)")
            }
            let hasAbstract = manPage.contains(verb.configuration.abstract)
            #expect(hasAbstract, "man page lacks the abstract of \(name): \(verb.configuration.abstract)")
        }
    }

    @Test func theManPageNamesEveryOption() {
        let help = P2PSH.helpMessage(columns: 1000)
        let options = help.split(separator: "\n").compactMap { line -> String? in
            line.split(separator: " ").first { $0.hasPrefix("--") }.map { $0.hasSuffix(",") ? String($0.dropLast()) : String($0) }
        }
        #expect(options.count >= 7)
        for option in options {
            let documented = manPage.contains("Fl \(roff(String(option.dropFirst())))")
            #expect(documented, "man page lacks \(option)")
        }
    }

    @Test func helpListsEveryVerbWithItsAbstract() {
        let overview = Help.overview().joined(separator: "\n")
        for verb in VerbRegistry.verbs {
            #expect(overview.contains(verb.configuration.commandName ?? "?"))
            #expect(overview.contains(verb.configuration.abstract))
        }
    }

    @Test func theManPageLintsClean() async throws {
        let result = try await ChildProcess.run("/usr/bin/mandoc", ["-T", "lint", "-W", "warning",
                                                                    TestPaths.packageRoot + "/man/p2psh.1"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}
