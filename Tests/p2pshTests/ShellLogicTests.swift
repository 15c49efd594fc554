import Foundation
import Testing
import TestSupport
@testable import p2psh

@Suite struct ShellLogicTests {
    @Test(arguments: [
        ("store greeting hello world", [["store", "greeting", "hello", "world"]]),
        ("  get   'two words'  ", [["get", "two words"]]),
        (#"store k "say \"hi\"" x\ y"#, [["store", "k", #"say "hi""#, "x y"]]),
        ("join 1.2.3.4:5 # a comment", [["join", "1.2.3.4:5"]]),
        ("# only a comment", []),
        ("store k a#b", [["store", "k", "a#b"]]),
        ("", []),
        ("join a:1; store k v ;; get k", [["join", "a:1"], ["store", "k", "v"], ["get", "k"]]),
        ("store k 'a;b' c\\;d", [["store", "k", "a;b", "c;d"]]),
        ("peers # stats; files\nhelp", [["peers"], ["help"]]),
    ])
    func splitsCommandsAndWordsLikeAShell(line: String, commands: [[String]]) throws {
        #expect(try Tokenizer.commands(line).map(\.words) == commands)
    }

    @Test func keepsEachCommandsTextForMessages() throws {
        let commands = try Tokenizer.commands("join a:1;  store k 'x y'  # note")
        #expect(commands.map(\.text) == ["join a:1", "store k 'x y'"])
    }

    @Test func unterminatedQuotesAreErrors() {
        #expect(throws: Tokenizer.UnterminatedQuote.self) { try Tokenizer.commands("store k 'oops") }
        #expect(throws: Tokenizer.UnterminatedQuote.self) { try Tokenizer.commands(#"get "x"#) }
    }

    @Test func anApostropheInsideAWordThatNoQuoteClosesIsALetter() throws {
        #expect(try Tokenizer.commands("store q it's").first?.words == ["store", "q", "it's"])
        #expect(try Tokenizer.commands("store q don't 'quote me'").first?.words == ["store", "q", "don't", "quote me"])
        #expect(try Tokenizer.commands("store q rock'n'roll").first?.words == ["store", "q", "rocknroll"], "a closed pair still quotes")
        #expect(try Tokenizer.commands("store q it's; get q").map(\.words) == [["store", "q", "it's"], ["get", "q"]])
        #expect(throws: Tokenizer.UnterminatedQuote.self) { try Tokenizer.commands("store q 'it") }
    }

    @Test func escapedTextReadsBackAsOneWord() throws {
        let awkward = "my file; #1 'quoted' \"double\" back\\slash"
        #expect(try Tokenizer.commands("share " + Tokenizer.escaped(awkward)).first?.words == ["share", awkward])
    }

    @Test func completesVerbsAndTheirArguments() {
        let completer = Completer()
        completer.update { vocabulary in
            vocabulary.peerAddresses = ["127.0.0.1:6881", "127.0.0.1:6882"]
            vocabulary.recentAddresses = ["10.0.0.7:6881"]
            vocabulary.keys = ["greeting"]
            vocabulary.heldKeys = ["0123456789abcdef0123456789abcdef01234567"]
            vocabulary.localFileNames = ["debian.iso"]
            vocabulary.fileNames = ["debian-notes.txt"]
        }
        #expect(completer.complete("sta").insertion == "ts ")
        #expect(completer.complete("st").insertion == "")
        #expect(completer.complete("st").candidates == ["stats", "store"])
        #expect(completer.complete("his").insertion == "tory ")
        #expect(completer.complete("help g").insertion == "et ")
        #expect(completer.complete("join 127").insertion == ".0.0.1:688")
        #expect(completer.complete("join 127.0.0.1:6882").insertion == " ")
        #expect(completer.complete("join 10").insertion == ".0.0.7:6881 ", "recently seen nodes too")
        #expect(completer.complete("join 127.0.0.1:6881 10.").insertion == "0.0.7:6881 ", "join takes several")
        #expect(completer.complete("get gr").insertion == "eeting ")
        #expect(completer.complete("get 01").insertion == "23456789abcdef0123456789abcdef01234567 ", "held keys")
        #expect(completer.complete("get greeting x").candidates.isEmpty)
        #expect(completer.complete("store greeting gr").candidates.isEmpty, "a value is not a key")
        #expect(completer.complete("fetch deb").candidates == ["debian-notes.txt", "debian.iso"])
        #expect(completer.complete("").candidates.count == VerbRegistry.names.count)
        // After ';' a new command starts.
        #expect(completer.complete("peers; sta").insertion == "ts ")
        #expect(completer.complete("get 'open").candidates.isEmpty, "nothing inside an open quote")
    }

    @Test func completesOptionsFromEachVerbsDeclaration() {
        let completer = Completer()
        #expect(completer.complete("fetch x --").candidates == ["--as", "--help", "--to"])
        #expect(completer.complete("fetch x --t").insertion == "o ")
        #expect(completer.complete("share a --a").insertion == "s ")
        #expect(completer.complete("history --c").insertion == "lear ")
        #expect(completer.complete("fetch x --to /tmp --").candidates == ["--as", "--help"], "an option is not offered twice")
    }

    @Test func completesPathsForShareAndDirectoriesForTo() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/music", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/movies", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/my notes.txt"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/.hidden"))
        let completer = Completer()
        #expect(completer.complete("share \(root)/my").insertion == "\\ notes.txt ", "a space is escaped")
        #expect(completer.complete("share \(root)/mu").insertion == "sic/", "a directory gets a slash, no space")
        #expect(completer.complete("share \(root)/m").candidates == ["movies/", "music/", "my notes.txt"])
        #expect(completer.complete("share \(root)/").candidates.count == 3, "hidden files only when asked for")
        #expect(completer.complete("share \(root)/.h").insertion == "idden ")
        #expect(completer.complete("fetch x --to \(root)/m").candidates == ["movies/", "music/"], "--to takes a directory")
        #expect(completer.complete("share ~").insertion == "/")
    }

    @Test func listsCandidatesInColumnsDownTheRows() {
        let listing = Completer.columns(["alpha", "bravo", "charlie", "delta", "echo"], width: 30)
        #expect(listing == "alpha    charlie  echo\nbravo    delta")
    }

    @Test func helpsSynopsisComesFromTheDeclarations() {
        #expect(VerbRegistry.spec(of: Fetch.self).synopsis == "FILE [--to DIR] [--as NAME]")
        #expect(VerbRegistry.spec(of: Join.self).synopsis == "HOST:PORT...")
        #expect(VerbRegistry.spec(of: History.self).synopsis == "[COUNT] [--clear]")
        #expect(VerbRegistry.spec(of: Share.self).positionals.first?.completion == .file)
    }

    @Test func suggestsTheNearestVerb() {
        #expect(VerbRegistry.hint(for: "stor") == "did you mean 'store'?")
        #expect(VerbRegistry.hint(for: "jion") == "did you mean 'join'?")
        #expect(VerbRegistry.hint(for: "quti") == "did you mean 'quit'?")
        #expect(VerbRegistry.hint(for: "histroy") == "did you mean 'history'?")
        #expect(VerbRegistry.hint(for: "xyzzy") == nil)
    }

    /// Words from other shells and DHT tools, typed by habit, get a pointer to what does it here.
    @Test func answersHabitsFromOtherTools() throws {
        #expect(Shell.unknownVerbMessage("clear") == "unknown command 'clear': Ctrl-L clears the screen (type 'help' for the list)")
        #expect(VerbRegistry.hint(for: "p") == "did you mean 'store' (or 'put')?")
        #expect(VerbRegistry.verb(named: "put") != nil && VerbRegistry.verb(named: "announce") != nil,
                "verbs now, not habits")
        #expect(VerbRegistry.hint(for: "download") == "did you mean 'fetch'?")
        #expect(VerbRegistry.hint(for: "bootstrap") == "did you mean 'join'?")
        // Every verb a hint names exists.
        for word in ["clear", "p", "g", "ls", "download", "bootstrap", "connect", "info"] {
            let hint = try #require(VerbRegistry.hint(for: word))
            for named in hint.split(separator: "'").enumerated().filter({ $0.offset % 2 == 1 }).map(\.element) {
                #expect(VerbRegistry.verb(named: String(named)) != nil, "\(word): \(named)")
            }
        }
    }

    @Test func keysOf40HexDigitsAreUsedAsTheyAre() {
        let hex = "0123456789abcdef0123456789abcdef01234567"
        #expect(DHTKey(hex).id.hex == hex)
        #expect(!DHTKey(hex).isHashed)
        #expect(DHTKey("abc").id.hex == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(DHTKey("abc").usingLine == "Using h(abc) = a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test func coloursOnlyOnATerminalAndNeverWithNoColor() {
        // A pipe is not a terminal, whatever the environment says.
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        #expect(!Palette.detect(descriptor: ends[1], environment: ["TERM": "xterm"]).enabled)
        #expect(Palette(enabled: false).error("error:") == "error:")
        #expect(Palette(enabled: true).error("error:") == "\u{1B}[1;31merror:\u{1B}[0m")
    }
}

@Suite struct CommandHistoryTests {
    func temporaryFile() -> String { TestPaths.temporaryDirectory() + "/history" }

    @Test func keepsCommandsLikeBashWithIgnorespaceAndErasedups() {
        let history = CommandHistory(path: nil, limit: 3)
        #expect(history.record("peers"))
        #expect(!history.record(" store secret value"), "a leading space keeps a line out")
        #expect(!history.record("   "))
        history.record("stats")
        history.record("peers")
        #expect(history.lines == ["stats", "peers"], "a repeated command moves to the end")
        history.record("get a")
        history.record("get b")
        #expect(history.lines == ["peers", "get a", "get b"], "only the newest `limit` stay")
    }

    @Test func persistsPrivatelyAndSurvivesARestart() throws {
        let path = temporaryFile()
        let first = CommandHistory(path: path)
        first.record("join 127.0.0.1:6881")
        first.record("store k 'two words'  ")
        try first.save()
        let again = CommandHistory(path: path)
        #expect(again.lines == ["join 127.0.0.1:6881", "store k 'two words'"])
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        try again.clear()
        #expect(CommandHistory(path: path).lines.isEmpty)
    }

    @Test func readsAHistoryFileThatLibeditWrote() throws {
        let path = temporaryFile()
        try "_HiStOrY_V2_\nstats\nstore\\040k\\040v\\134x\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(CommandHistory(path: path).lines == ["stats", "store k v\\x"])
    }
}

@Suite struct CommandRecordTests {
    @Test func aRecordIsOneLineOfSnakeCaseJSON() throws {
        let record = CommandRecord(command: "get k", verb: "get", ok: true, milliseconds: 3,
                                   result: Get.Output(key: "k", keyId: "ab", hashed: true,
                                                      values: [.init(bytes: 2, text: "hi", hex: nil)],
                                                      sources: 1, queries: 4, milliseconds: 3),
                                   error: nil)
        #expect(!record.line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(record.line.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["command", "verb", "ok", "milliseconds", "result"])
        let result = try #require(object["result"] as? [String: Any])
        #expect(result["key_id"] as? String == "ab")
        #expect((result["values"] as? [[String: Any]])?.first?["text"] as? String == "hi")
        let failed = CommandRecord(command: "x", verb: "x", ok: false, milliseconds: 0, result: nil, error: "no")
        #expect(failed.line == #"{"command":"x","error":"no","milliseconds":0,"ok":false,"verb":"x"}"#)
    }
}
