// Tokenizer.swift, CommandHistory.swift and ShellError.swift here are symbolic links into
// Sources/p2psh: the shell's own code, compiled into this target.

/// The shell's tokenizer (every line typed, piped or read from a script) and its history
/// file parser (a file in the user's data directory, possibly written by libedit).
///
/// Invariants:
/// - nothing traps;
/// - commands have words, literal-word indices point at words, and a refusal is for a quote
///   left open;
/// - words escaped with `Tokenizer.escaped` and joined with spaces read back as themselves,
///   literal when escaping changed them (checked where every character is one Unicode scalar:
///   the tokenizer reads characters, and a combining mark after a space or a quote joins it
///   into one);
/// - history lines read back from both the plain and the libedit file format.
@_cdecl("LLVMFuzzerTestOneInput")
public func tokenizerFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let commands = try Tokenizer.commands(line)
        for command in commands {
            check(!command.words.isEmpty, "an empty command")
            check(command.literalWords.allSatisfy { command.words.indices.contains($0) }, "a literal word out of range")
            checkEscaping(command.words)
        }
    } catch {
        check(line.contains("'") || line.contains("\""), "an unterminated quote without a quote")
    }
    checkHistory(line)
    return 0
}

func checkEscaping(_ words: [String]) {
    let words = words.filter { !$0.isEmpty }
    let escaped = words.map(Tokenizer.escaped)
    let line = escaped.joined(separator: " ")
    guard !words.isEmpty, isSimple(line) else { return }
    let read = try? Tokenizer.commands(line)
    check(read?.count == 1 && read?[0].words == words,
          "\(words) escaped as \(line.debugDescription) read back as \(String(describing: read))")
    check(read?[0].literalWords.isSuperset(of: words.indices.filter { escaped[$0] != words[$0] }) == true,
          "an escaped word of \(line.debugDescription) is not literal")
}

/// Whether every character of `text` is a single Unicode scalar.
func isSimple(_ text: String) -> Bool { text.count == text.unicodeScalars.count }

func checkHistory(_ text: String) {
    let parsed = CommandHistory.parse(text)
    if !text.hasPrefix("_HiStOrY_V2_") {
        check(parsed.allSatisfy { !$0.isEmpty && !$0.unicodeScalars.contains("\n") }, "a history line that is empty or holds a newline")
    }
    // Lines as the shell records them: NUL-separated in the input, no newline, no trailing blanks.
    let lines = text.split(separator: "\0").map(String.init).filter {
        !$0.isEmpty && !$0.unicodeScalars.contains("\n") && $0.last?.isWhitespace != true && $0 != "_HiStOrY_V2_"
    }
    let plain = lines.map { $0 + "\n" }.joined()
    check(CommandHistory.parse(plain) == lines, "plain history \(plain.debugDescription) read back as \(CommandHistory.parse(plain))")
    let libedit = "_HiStOrY_V2_\n" + lines.map { libeditEscaped($0) + "\n" }.joined()
    check(CommandHistory.parse(libedit) == lines, "libedit history \(libedit.debugDescription) read back as \(CommandHistory.parse(libedit))")
}

/// A line as libedit's history_save writes it: strvis(3) with VIS_WHITE, whose escapes of
/// blanks and backslashes are octal or doubled.
func libeditEscaped(_ line: String) -> String {
    var result: [UInt8] = []
    for byte in line.utf8 {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"):
            result += [UInt8(ascii: "\\"), UInt8(ascii: "0"), UInt8(ascii: "0") + byte >> 3, UInt8(ascii: "0") + byte & 7]
        case UInt8(ascii: "\\"): result += [byte, byte]
        default: result.append(byte)
        }
    }
    return String(decoding: result, as: UTF8.self)
}

/// A failed invariant: a trap libFuzzer reports as a crash, with the reason on stderr.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
           file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("invariant failed: \(message())", file: file, line: line) }
}
