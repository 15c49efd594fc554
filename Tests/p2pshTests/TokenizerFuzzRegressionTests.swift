import Testing
@testable import p2psh

/// Inputs that the fuzz target TokenizerFuzz (Fuzz/Targets/TokenizerFuzz) found to break an
/// invariant of the shell's tokenizer or history file parser, kept as regression tests.
@Suite struct TokenizerFuzzRegressionTests {
    /// "\r\n" is one `Character` in Swift, so it matched neither "\r" nor "\n": a `-c` text or
    /// a history file with CRLF line ends ran as one command (`["ls\r\nget", "x"]`).
    @Test(arguments: [
        ("ls\r\nget x\r\n", [["ls"], ["get", "x"]]),
        ("ls # a comment\r\nget x", [["ls"], ["get", "x"]]),
        ("store k 'a\r\nb'\r\nget k", [["store", "k", "a\r\nb"], ["get", "k"]]),
    ])
    func crlfEndsACommandAsANewlineDoes(line: String, commands: [[String]]) throws {
        #expect(try Tokenizer.commands(line).map(\.words) == commands)
    }

    /// Only a file that begins with libedit's marker is read as libedit's: after blank lines,
    /// the marker is an ordinary line, and `\012` stays as written instead of becoming a line
    /// break inside a command.
    @Test func theLibeditMarkerCountsOnlyOnTheFirstLine() {
        #expect(CommandHistory.parse("\n\n_HiStOrY_V2_\nls\\012rm\n") == ["_HiStOrY_V2_", "ls\\012rm"])
        #expect(CommandHistory.parse("_HiStOrY_V2_\nls\\040-l\n") == ["ls -l"])
    }

    @Test func aHistoryFileWithCRLFLineEndsHoldsOneCommandALine() {
        #expect(CommandHistory.parse("ls\r\nget x\r\n") == ["ls", "get x"])
        #expect(CommandHistory.parse("_HiStOrY_V2_\r\nls\\040-l\r\n") == ["ls -l"])
    }

    /// A word holding a line break (quoted, or escaped with a backslash) is escaped so that it
    /// reads back as itself, not as the end of a command or of a word.
    @Test(arguments: ["a\nb", "a\rb", "\r\n", "x\r\ny", "\n"])
    func aWordWithALineBreakReadsBackAsItself(word: String) throws {
        #expect(try Tokenizer.commands(Tokenizer.escaped(word)).map(\.words) == [[word]])
        #expect(try Tokenizer.commands("share " + Tokenizer.escaped(word) + " x").map(\.words) == [["share", word, "x"]])
    }
}
