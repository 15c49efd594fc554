import ArgumentParser

/// A shell verb: an argument-parser command, so that its usage, help, completion and the
/// man page's checks all come from one declaration.
protocol Verb: ParsableCommand, Sendable {
    /// The heading `help` lists the verb under.
    static var group: VerbGroup { get }
    /// What TAB offers for the verb's first positional argument, besides what its declaration
    /// says (a path argument declared with `completion: .file()` completes paths by itself).
    static var argumentCompletion: CompletionSource { get }
    /// True for the verb that ends the session.
    static var endsSession: Bool { get }
    /// True for a verb that runs until Ctrl-C (`watch`): interrupted, it succeeds with what it has.
    static var runsUntilInterrupted: Bool { get }

    func execute(in session: ShellSession) async throws -> any VerbOutput
}

extension Verb {
    static var argumentCompletion: CompletionSource { .declared }
    static var endsSession: Bool { false }
    static var runsUntilInterrupted: Bool { false }
}

enum VerbGroup: String, CaseIterable, Sendable {
    case network = "Network"
    case values = "Values"
    case files = "Files"
    case shell = "Shell"
}
