import Foundation
import Synchronization

/// Context-aware TAB completion for the shell line.
///
/// The verb's argument-parser declaration says what is being typed (an option, an option's
/// value, which positional argument); the verb's ``Verb/argumentCompletion`` says where its
/// candidates come from. Node state is read from a snapshot that the shell refreshes after
/// every command, so completing never waits on the network.
final class Completer: Sendable {
    struct Completion: Equatable {
        /// Text to insert at the cursor, escaped so that it reads back as typed.
        var insertion: String
        /// What matches, as a listing shows it, when more than one does.
        var candidates: [String]
    }

    /// One thing the word at the cursor could become.
    struct Candidate: Hashable, Sendable {
        /// The whole word.
        var value: String
        /// How a listing shows it (a path's last component).
        var display: String
        /// A directory: completing it adds no space, so the path can go on.
        var isDirectory = false
    }

    /// What completion offers besides verbs, options and paths.
    struct Vocabulary: Sendable {
        /// Nodes in the routing table.
        var peerAddresses: [String] = []
        /// Ids of the nodes in the routing table, as 40 hex digits.
        var peerIDs: [String] = []
        /// Nodes heard from lately.
        var recentAddresses: [String] = []
        /// DHT addresses of the file-sharing neighbours.
        var neighbourAddresses: [String] = []
        /// The bans in force, as typed.
        var bans: [String] = []
        /// Keys typed in this session, as typed.
        var keys: [String] = []
        /// Keys this node holds values for, as 40 hex digits.
        var heldKeys: [String] = []
        /// File names fetched or shared in this session, and seen on the network.
        var fileNames: [String] = []
        /// Files this node shares.
        var localFileNames: [String] = []
        /// Files its neighbours share.
        var neighbourFileNames: [String] = []
    }

    private let vocabulary = Mutex(Vocabulary())

    func update(_ change: @Sendable (inout Vocabulary) -> Void) { vocabulary.withLock { change(&$0) } }

    /// The keys typed in this session, oldest first: `values` shows them beside their hex ids.
    var typedKeys: [String] { vocabulary.withLock { $0.keys } }

    func complete(_ textBeforeCursor: String) -> Completion {
        guard let (words, partial) = Self.context(textBeforeCursor) else { return Completion(insertion: "", candidates: []) }
        guard let verbName = words.first else {
            return Self.completion(of: partial, from: VerbRegistry.names.map { Candidate(value: $0, display: $0) })
        }
        guard let verb = VerbRegistry.verb(named: verbName) else { return Completion(insertion: "", candidates: []) }
        return Self.completion(of: partial, from: candidates(for: verb, after: Array(words.dropFirst()), partial: partial))
    }

    /// The words of the command being typed before the cursor, and the partial word at the
    /// cursor ("" when a new word starts); nil inside an unterminated quote.
    static func context(_ text: String) -> (words: [String], partial: String)? {
        guard let now = try? Tokenizer.commands(text), let extended = try? Tokenizer.commands(text + "x") else { return nil }
        // Typing one more character shows whether the cursor starts a new command or word.
        if extended.count > now.count { return ([], "") }
        let words = now.last?.words ?? []
        if (extended.last?.words.count ?? 0) > words.count { return (words, "") }
        return (Array(words.dropLast()), words.last ?? "")
    }

    private func candidates(for verb: any Verb.Type, after arguments: [String], partial: String) -> [Candidate] {
        let spec = VerbRegistry.spec(of: verb)
        if partial.hasPrefix("-") {
            let used = Set(arguments)
            return spec.options.filter { $0.isRepeating || used.isDisjoint(with: $0.names) }
                .compactMap { $0.names.first }.map { Candidate(value: $0, display: $0) }
        }
        if let previous = arguments.last, let option = spec.option(named: previous), option.kind == .option {
            return Self.candidates(for: option.completion, partial: partial)
        }
        var position = 0
        var skipValue = false
        for word in arguments {
            if skipValue { skipValue = false; continue }
            if let option = spec.option(named: word) { skipValue = option.kind == .option; continue }
            position += 1
        }
        let positionals = spec.positionals
        // Past the last positional, only a repeating one takes more words.
        guard let last = positionals.last, position < positionals.count || last.isRepeating else { return [] }
        let index = min(position, positionals.count - 1)
        let argument = positionals[index]
        let source = index == 0 ? verb.argumentCompletion : .declared
        let snapshot = vocabulary.withLock { $0 }
        let words: [String]
        switch source {
        case .declared: return Self.candidates(for: argument.completion, partial: partial)
        case .verbs: words = VerbRegistry.names
        case .nodeAddresses: words = snapshot.peerAddresses + snapshot.recentAddresses
        case .knownNodes: words = snapshot.peerAddresses + snapshot.neighbourAddresses + snapshot.peerIDs
        case .bans: words = snapshot.bans
        case .keys: words = snapshot.keys + snapshot.heldKeys
        case .fileNames: words = snapshot.localFileNames + snapshot.neighbourFileNames + snapshot.fileNames
        }
        return words.map { Candidate(value: $0, display: $0) }
    }

    private static func candidates(for completion: VerbSpec.ValueCompletion, partial: String) -> [Candidate] {
        switch completion {
        case .none: []
        case .file: PathCompletion.candidates(for: partial, directoriesOnly: false)
        case .directory: PathCompletion.candidates(for: partial, directoriesOnly: true)
        case .list(let values): values.map { Candidate(value: $0, display: $0) }
        }
    }

    /// The insertion and listing for `partial` among `candidates`: a single match is completed
    /// (with a space after it, unless it is a directory); several are completed as far as they
    /// agree, and listed.
    static func completion(of partial: String, from candidates: [Candidate]) -> Completion {
        var seen = Set<String>()
        let matches = candidates.filter { $0.value.hasPrefix(partial) && seen.insert($0.value).inserted }
            .sorted { $0.value < $1.value }
        guard let first = matches.first else { return Completion(insertion: "", candidates: []) }
        if matches.count == 1 {
            let rest = Tokenizer.escaped(String(first.value.dropFirst(partial.count)))
            return Completion(insertion: rest + (first.isDirectory ? "" : " "), candidates: [first.display])
        }
        let common = matches.dropFirst().reduce(first.value) { prefix, match in
            String(zip(prefix, match.value).prefix { $0 == $1 }.map(\.0))
        }
        return Completion(insertion: Tokenizer.escaped(String(common.dropFirst(partial.count))),
                          candidates: matches.map(\.display))
    }

    /// Candidates laid out in columns across `width`, sorted down the columns, as bash lists them.
    static func columns(_ candidates: [String], width: Int) -> String {
        let cell = (candidates.map(Formatting.displayWidth).max() ?? 0) + 2
        let columnCount = max(1, width / cell)
        let rowCount = (candidates.count + columnCount - 1) / columnCount
        var lines: [String] = []
        for row in 0..<rowCount {
            var line = ""
            for column in 0..<columnCount {
                let index = column * rowCount + row
                guard index < candidates.count else { break }
                line += Formatting.padded(candidates[index], to: cell)
            }
            lines.append(String(line.reversed().drop { $0 == " " }.reversed()))
        }
        return lines.joined(separator: "\n")
    }
}
