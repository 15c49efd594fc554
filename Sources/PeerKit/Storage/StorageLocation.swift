import Foundation

/// Where a node keeps its state.
public enum StorageLocation: Sendable, Equatable {
    /// Nothing on disk: an in-memory database that vanishes with the node.
    case ephemeral
    /// A directory holding one database per UDP port (`node-PORT.sqlite`).
    case directory(String)

    /// `$XDG_DATA_HOME/p2psh`, or `~/.local/share/p2psh`.
    public static var defaultDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return xdg + "/p2psh" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/p2psh"
    }
}
