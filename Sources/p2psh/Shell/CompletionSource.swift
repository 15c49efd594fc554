/// Where TAB finds candidates for a verb's first positional argument.
enum CompletionSource: Sendable {
    /// What the argument's declaration says (`completion: .file()`, `.directory`, a list), or nothing.
    case declared
    /// Verb names, for `help`.
    case verbs
    /// Addresses of the nodes in the routing table and of nodes heard from lately.
    case nodeAddresses
    /// Keys used in this session, and keys this node holds values for.
    case keys
    /// Names of the files this node shares, and names met on the network.
    case fileNames
}
