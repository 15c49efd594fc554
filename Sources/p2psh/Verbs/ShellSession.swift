import FileSharing
import PeerKit

/// What verbs work with: the node, its file-sharing peer, the console, command history and
/// completion's vocabulary.
struct ShellSession: Sendable {
    let node: Node
    let peer: FileSharingPeer
    let console: Console
    let history: CommandHistory
    let completer: Completer
}
