/// A private network's name (`--network`): nodes answer and learn only from nodes of theirs.
public enum NetworkID {
    /// Longest name accepted, in bytes: it rides in every datagram.
    public static let maxLength = 32

    /// Why `name` cannot name a network, or nil when it can: 1 to 32 printable ASCII characters.
    public static func problem(with name: String) -> String? {
        guard !name.isEmpty, name.utf8.count <= maxLength else {
            return "a network name is 1 to \(maxLength) characters"
        }
        guard name.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            return "a network name is printable ASCII without spaces (letters, digits, '-', '.', ...)"
        }
        return nil
    }

    /// "network NAME", or "the public network" for none; a name that is not printable is shown escaped.
    static func name(of network: [UInt8]?) -> String {
        guard let network else { return "the public network" }
        return "network " + String(decoding: network, as: UTF8.self).printable
    }
}
