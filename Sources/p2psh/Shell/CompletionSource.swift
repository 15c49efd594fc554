/// Where TAB finds candidates for a verb's first positional argument.
enum CompletionSource: Sendable {
    /// What the argument's declaration says (`completion: .file()`, `.directory`, a list), or nothing.
    case declared
    /// Verb names, for `help`.
    case verbs
    /// Addresses of the nodes in the routing table and of nodes heard from lately.
    case nodeAddresses
    /// What `forget` takes: the routing table's addresses and ids, and the neighbours' addresses.
    case knownNodes
    /// The bans in force.
    case bans
    /// Keys used in this session, and keys this node holds values for.
    case keys
    /// Names of the files this node shares, and names met on the network.
    case fileNames
}
