/// Where the shell's commands come from: a terminal, a pipe, a script file or `-c`.
protocol LineSource {
    /// The next line, without its newline.
    mutating func nextLine() -> LineSourceResult
    /// Called before a line runs, so the terminal can keep it in history.
    mutating func record(_ line: String)
    /// Where the last line came from, for error messages: "deploy.p2p:3"; nil for a terminal,
    /// standard input and `-c`.
    var location: String? { get }
}

extension LineSource {
    mutating func record(_ line: String) {}
    var location: String? { nil }
}

enum LineSourceResult {
    case line(String)
    /// Ctrl-C while reading: the current line is abandoned.
    case interrupted
    case end
}
