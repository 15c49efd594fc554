import Testing
@testable import p2psh

@Suite struct ShellLogicTests {
    @Test(arguments: [
        ("store greeting hello world", ["store", "greeting", "hello", "world"]),
        ("  get   'two words'  ", ["get", "two words"]),
        (#"store k "say \"hi\"" x\ y"#, ["store", "k", #"say "hi""#, "x y"]),
        ("join 1.2.3.4:5 # a comment", ["join", "1.2.3.4:5"]),
        ("# only a comment", []),
        ("store k a#b", ["store", "k", "a#b"]),
        ("", []),
    ])
    func tokenizesLikeAShell(line: String, words: [String]) throws {
        #expect(try Tokenizer.words(line) == words)
    }

    @Test func unterminatedQuotesAreErrors() {
        #expect(throws: Tokenizer.UnterminatedQuote.self) { try Tokenizer.words("store k 'oops") }
        #expect(throws: Tokenizer.UnterminatedQuote.self) { try Tokenizer.words(#"get "x"#) }
    }

    @Test func completesVerbsAndTheirArguments() {
        let completer = Completer()
        completer.update { vocabulary in
            vocabulary.peerAddresses = ["127.0.0.1:6881", "127.0.0.1:6882", "10.0.0.7:6881"]
            vocabulary.keys = ["greeting"]
        }
        #expect(completer.complete("sta").insertion == "ts ")
        #expect(completer.complete("st").insertion == "")
        #expect(completer.complete("st").candidates == ["stats", "store"])
        #expect(completer.complete("help g").insertion == "et ")
        #expect(completer.complete("join 127").insertion == ".0.0.1:688")
        #expect(completer.complete("join 127.0.0.1:6882").insertion == " ")
        #expect(completer.complete("get gr").insertion == "eeting ")
        #expect(completer.complete("get greeting x").candidates.isEmpty)
        #expect(completer.complete("").candidates.count == VerbRegistry.names.count)
    }

    @Test func suggestsTheNearestVerb() {
        #expect(VerbRegistry.suggestion(for: "stor") == "store")
        #expect(VerbRegistry.suggestion(for: "jion") == "join")
        #expect(VerbRegistry.suggestion(for: "quti") == "quit")
        #expect(VerbRegistry.suggestion(for: "xyzzy") == nil)
    }

    @Test func keysOf40HexDigitsAreUsedAsTheyAre() {
        let hex = "0123456789abcdef0123456789abcdef01234567"
        #expect(DHTKey(hex).id.hex == hex)
        #expect(!DHTKey(hex).isHashed)
        #expect(DHTKey("abc").id.hex == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(DHTKey("abc").usingLine == "Using h(abc) = a9993e364706816aba3e25717850c26c9cd0d89d")
    }
}
