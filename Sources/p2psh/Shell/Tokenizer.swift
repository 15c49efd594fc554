/// Splits a line into commands, and commands into words, as a POSIX shell would for simple cases.
///
/// An unquoted `;` or newline ends a command. Single quotes keep everything literally (an
/// apostrophe inside a word that no later quote closes, as in "it's", is only a letter);
/// double quotes keep spaces and allow `\"` and `\\`; a backslash outside quotes escapes
/// the next character; an unquoted `#` at the start of a word begins a comment that runs to
/// the end of the line. A word that was quoted or escaped in any part is literal: it is never
/// read as an option, even when it begins with `-`. (`\r\n`, a single `Character` in Swift,
/// is a newline too.)
enum Tokenizer {
    struct UnterminatedQuote: Error, CustomStringConvertible {
        var description: String { "unterminated quote: close it, or escape it with a backslash" }
    }

    /// One command: its words, and its text as typed (for messages and `--json`).
    struct Command: Equatable, Sendable {
        var text: String
        var words: [String]
        /// Indices of the words that were quoted or escaped: they are never options.
        var literalWords: Set<Int> = []
    }

    /// The commands on a line, empty ones (blank, or only a comment) left out.
    static func commands(_ line: String) throws(UnterminatedQuote) -> [Command] {
        var commands: [Command] = []
        var words: [String] = []
        var literalWords: Set<Int> = []
        var current = ""
        var inWord = false
        var quoted = false
        var commandStart = line.startIndex
        var index = line.startIndex

        func endWord() {
            if inWord {
                if quoted { literalWords.insert(words.count) }
                words.append(current)
            }
            current = ""
            inWord = false
            quoted = false
        }
        func endCommand(at end: String.Index) {
            endWord()
            if !words.isEmpty {
                let text = line[commandStart..<end].trimming([" ", "\t", "\r", "\n", ";"])
                commands.append(Command(text: text, words: words, literalWords: literalWords))
            }
            words = []
            literalWords = []
        }
        func next() -> Character? {
            guard index < line.endIndex else { return nil }
            defer { index = line.index(after: index) }
            return line[index]
        }

        while let character = next() {
            switch character {
            case " ", "\t", "\r":
                endWord()
            case ";", "\n", "\r\n":
                endCommand(at: line.index(before: index))
                commandStart = index
            case "#" where !inWord:
                let commentStart = line.index(before: index)
                while let skipped = next(), skipped != "\n", skipped != "\r\n" {}
                endCommand(at: commentStart)
                commandStart = index
            case "'" where current.last?.isLetter == true && isUnmatched(line[index...]):
                // An apostrophe inside a word ("it's") that no later quote closes is a letter:
                // a VALUE is the rest of the command, and people type English in it.
                current.append(character)
            case "'":
                inWord = true
                quoted = true
                while true {
                    guard let quoted = next() else { throw UnterminatedQuote() }
                    if quoted == "'" { break }
                    current.append(quoted)
                }
            case "\"":
                inWord = true
                quoted = true
                while true {
                    guard let quoted = next() else { throw UnterminatedQuote() }
                    if quoted == "\"" { break }
                    if quoted == "\\", let escaped = next() {
                        if escaped != "\"" && escaped != "\\" { current.append("\\") }
                        current.append(escaped)
                    } else {
                        current.append(quoted)
                    }
                }
            case "\\":
                inWord = true
                quoted = true
                if let escaped = next() { current.append(escaped) }
            default:
                inWord = true
                current.append(character)
            }
        }
        endCommand(at: line.endIndex)
        return commands
    }

    /// Whether the single quote just before `rest` has no partner: an even number of them follows.
    private static func isUnmatched(_ rest: Substring) -> Bool {
        rest.reduce(0) { $0 + ($1 == "'" ? 1 : 0) } % 2 == 0
    }

    /// The characters that must be escaped with a backslash for a word to read back as itself.
    static let special: Set<Character> = [" ", "\t", "\r", "\n", "\r\n", "'", "\"", "\\", "#", ";"]

    /// `text` escaped so that it reads back as one word (or the end of one).
    static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            if special.contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }
}

private extension Substring {
    func trimming(_ set: Set<Character>) -> String {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
