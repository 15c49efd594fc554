/// What a verb produced: shown as text lines, or encoded as the `result` of a JSON line
/// with `--json`.
///
/// Property names are the JSON field names (in snake_case), so renaming one breaks
/// scripts: the scripting tests pin them.
protocol VerbOutput: Encodable, Sendable {
    /// The result as text. On a terminal (`console.decorated`) it may add headers and notes.
    func lines(for console: Console) -> [String]
}

/// A verb that has nothing to report but success.
struct NoOutput: VerbOutput {
    func lines(for console: Console) -> [String] { [] }
}

/// A verb that did part of its work and then failed: the part is shown, then the error.
struct PartialFailure: Error, CustomStringConvertible {
    let output: any VerbOutput
    let description: String
}
