import Foundation
import Synchronization

/// Context-aware completion for the shell line: verbs, help topics, peer addresses and keys.
///
/// It reads from a snapshot of the node's state that the shell refreshes after
/// every command, so completing never waits on the network.
final class Completer: Sendable {
    struct Completion: Equatable {
        /// Text to insert at the cursor.
        var insertion: String
        /// All matches, when more than one remains.
        var candidates: [String]
    }

    /// What completion can offer besides verbs.
    struct Vocabulary: Sendable {
        var peerAddresses: [String] = []
        /// Keys typed in this session, as typed.
        var keys: [String] = []
        /// Keys this node holds values for, as 40 hex digits.
        var heldKeys: [String] = []
        /// File names fetched or shared in this session, and seen on the network.
        var fileNames: [String] = []
        /// Files this node shares.
        var localFileNames: [String] = []
    }

    private let vocabulary = Mutex(Vocabulary())

    func update(_ change: @Sendable (inout Vocabulary) -> Void) { vocabulary.withLock { change(&$0) } }

    func complete(_ textBeforeCursor: String) -> Completion {
        let words = (try? Tokenizer.words(textBeforeCursor)) ?? []
        let endsWithSpace = textBeforeCursor.last.map { $0 == " " } ?? true
        let partial = endsWithSpace ? "" : (words.last ?? "")
        let position = endsWithSpace ? words.count : words.count - 1
        let candidates: [String]
        if position == 0 {
            candidates = VerbRegistry.names
        } else {
            let snapshot = vocabulary.withLock { $0 }
            switch words.first {
            case "help": candidates = position == 1 ? VerbRegistry.names : []
            case "join": candidates = snapshot.peerAddresses
            case "get", "store": candidates = position == 1 ? snapshot.keys + snapshot.heldKeys : []
            case "fetch": candidates = position == 1 ? snapshot.fileNames + snapshot.localFileNames : []
            default: candidates = []
            }
        }
        let matches = Array(Set(candidates.filter { $0.hasPrefix(partial) })).sorted()
        guard let first = matches.first else { return Completion(insertion: "", candidates: []) }
        if matches.count == 1 { return Completion(insertion: String(first.dropFirst(partial.count)) + " ", candidates: matches) }
        let common = matches.dropFirst().reduce(first) { prefix, match in String(zip(prefix, match).prefix { $0 == $1 }.map(\.0)) }
        return Completion(insertion: String(common.dropFirst(partial.count)), candidates: matches)
    }

    /// Candidates laid out in columns, as bash lists them.
    static func columns(_ candidates: [String], width: Int = 80) -> String {
        let cell = (candidates.map(\.count).max() ?? 0) + 2
        let perLine = max(1, width / cell)
        var lines: [String] = []
        for start in stride(from: 0, to: candidates.count, by: perLine) {
            lines.append(candidates[start..<min(start + perLine, candidates.count)]
                .map { $0.padding(toLength: cell, withPad: " ", startingAt: 0) }.joined()
                .trimmingCharacters(in: .whitespaces))
        }
        return lines.joined(separator: "\n")
    }
}
