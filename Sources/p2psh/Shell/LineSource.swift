/// Where the shell's commands come from: a terminal, a pipe, a file or `-c`.
protocol LineSource {
    /// The next line, without its newline; nil at the end of input.
    mutating func nextLine() -> LineSourceResult
    /// Called after a line ran, so interactive sources can record it in history.
    mutating func record(_ line: String)
    /// Saves what should outlive the session (history).
    func save()
}

enum LineSourceResult {
    case line(String)
    /// Ctrl-C while reading: the current line is abandoned.
    case interrupted
    case end
}
