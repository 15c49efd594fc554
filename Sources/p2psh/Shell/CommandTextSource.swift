/// The lines of `-c`'s text: commands separated by newlines or `;`.
struct CommandTextSource: LineSource {
    private var lines: [Substring]

    init(_ text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).reversed()
    }

    mutating func nextLine() -> LineSourceResult {
        guard let line = lines.popLast() else { return .end }
        return .line(String(line))
    }
}
