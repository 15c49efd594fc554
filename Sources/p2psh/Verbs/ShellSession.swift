import PeerKit

/// What verbs work with: the node, the console and completion's vocabulary.
struct ShellSession: Sendable {
    let node: Node
    let console: Console
    let completer: Completer
}
