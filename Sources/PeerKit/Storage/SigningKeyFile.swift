import Crypto
import Foundation

/// The node's ed25519 key for mutable BEP 44 items, made once and kept in the data directory.
///
/// The file holds the 32-byte seed as 64 hex digits and a line break, mode 0600, so only its
/// owner can sign as this node. It is written under a temporary name and renamed into place,
/// so a crash never leaves half a key under the final name.
enum SigningKeyFile {
    static let name = "ed25519-key"

    /// The key kept in `directory`, made and saved first if there is none.
    static func load(in location: StorageLocation) throws(NodeError) -> Curve25519.Signing.PrivateKey {
        switch location {
        case .ephemeral: Curve25519.Signing.PrivateKey()
        case .directory(let directory): try load(in: directory)
        }
    }

    private static func load(in directory: String) throws(NodeError) -> Curve25519.Signing.PrivateKey {
        let path = directory + "/" + name
        if access(path, F_OK) == 0 {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                  let seed = [UInt8](hex: text.trimmingCharacters(in: .whitespacesAndNewlines)),
                  let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
                throw .storage("cannot read the item signing key \(path) (64 hex digits expected): move it away and a new key is made")
            }
            return key
        }
        let key = Curve25519.Signing.PrivateKey()
        try save(key, to: path)
        return key
    }

    private static func save(_ key: Curve25519.Signing.PrivateKey, to path: String) throws(NodeError) {
        let temporary = path + ".partial"
        let bytes = Array((key.rawRepresentation.hexString + "\n").utf8)
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .storage("cannot save the item signing key in \(path): \(String(cString: strerror(errno)))")
        }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .storage("cannot save the item signing key in \(path): \(reason)")
        }
    }
}
