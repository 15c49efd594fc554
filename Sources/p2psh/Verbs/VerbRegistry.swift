import Synchronization

/// The verbs of the shell, in the order `help` lists them.
enum VerbRegistry {
    static let verbs: [any Verb.Type] = [
        Join.self, Ping.self, Peers.self, Stats.self, Ban.self, Unban.self, Bans.self, Forget.self, Announce.self, Swarm.self, Sample.self, Store.self, Unstore.self, Put.self,
        Get.self, Watch.self, Values.self, Fetch.self, Share.self,
        Files.self, Neighbours.self, Help.self, History.self, Log.self, Exit.self,
    ]

    /// The verbs' arguments and options, as declared, by verb name: each read the first time it
    /// is needed, since reading one means dumping the parser's help for it (a script's `exit`
    /// should not pay for all of them, and at start-up it did: a fifth of `echo exit | p2psh`).
    private static let specs = Mutex<[String: VerbSpec]>([:])

    /// Every name a verb answers to, aliases included.
    static var names: [String] {
        verbs.flatMap { [$0.verbName] + $0.configuration.aliases }
    }

    static func verb(named name: String) -> (any Verb.Type)? {
        verbs.first { $0.verbName == name || $0.configuration.aliases.contains(name) }
    }

    static func spec(of verb: any Verb.Type) -> VerbSpec {
        if let known = specs.withLock({ $0[verb.verbName] }) { return known }
        let spec = VerbSpec(verb)
        specs.withLock { $0[verb.verbName] = spec }
        return spec
    }

    /// What to say to a word that is no verb here but is one in the shells and DHT tools
    /// people come from (a terminal, OpenDHT's `dhtnode`, a BitTorrent client).
    private static let habits: [String: String] = [
        "clear": "Ctrl-L clears the screen", "cls": "Ctrl-L clears the screen",
        "p": "did you mean 'store' (or 'put')?",
        "g": "did you mean 'get'?", "ls": "did you mean 'files' (or 'values')?",
        "download": "did you mean 'fetch'?", "bootstrap": "did you mean 'join'?", "connect": "did you mean 'join'?",
        "info": "did you mean 'stats'?",
        "del": "did you mean 'unstore'?", "delete": "did you mean 'unstore'?", "cpp": "did you mean 'unstore'?",
        "l": "did you mean 'watch'?", "listen": "did you mean 'watch'?",
        "block": "did you mean 'ban'?", "remove": "did you mean 'forget' (or 'ban')?",
        "h": "did you mean 'help'?", "?": "did you mean 'help'?",
        "q": "did you mean 'quit'?", "x": "did you mean 'exit'?",
    ]

    /// What to suggest for a word that is not a verb: the hint for a habit from another
    /// tool, or the verb closest to a mistyped one when one is close enough to be what was meant.
    static func hint(for name: String) -> String? {
        if let habit = habits[name] { return habit }
        return suggestion(for: name).map { "did you mean '\($0)'?" }
    }

    /// The verb name closest to a mistyped one, if any is close enough to be what was meant.
    private static func suggestion(for name: String) -> String? {
        // Close enough: within half the shorter word. Among the closest, one of the same length
        // (a transposition, "quti") before a shorter or longer one.
        let close = names.map { ($0, editDistance(name, $0)) }.filter { $0.1 <= max(1, min(name.count, $0.0.count) / 2) }
        return close.min { ($0.1, abs($0.0.count - name.count)) < ($1.1, abs($1.0.count - name.count)) }?.0
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, characterA) in a.enumerated() {
            var current = [i + 1]
            for (j, characterB) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (characterA == characterB ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension Verb {
    /// The verb's name, as typed.
    static var verbName: String { configuration.commandName ?? "\(self)".lowercased() }
}
