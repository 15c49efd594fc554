import PeerKit
import Crypto
import Foundation

/// The shared secret that guards a node's `/admin/` HTTP routes.
///
/// The node's HTTP port is reachable by anyone who can reach the host, but only the node's
/// owner may make it fetch files or read its stats. The owner's tools read the secret from
/// the data directory (file `secret`, readable by its owner only) and send it as
/// `Authorization: Bearer <secret>`.
public struct AdminSecret: Sendable, CustomStringConvertible {
    /// The secret itself: what goes after "Bearer ".
    let text: String

    /// The longest secret file accepted, in bytes.
    static let maxFileBytes = 4096

    /// A secret with the given text. An empty text authorizes nothing.
    public init(_ text: String) {
        self.text = text
    }

    /// The secret text, so the owner's tools can print or pass it.
    public var description: String { text }

    /// A new random secret: 32 bytes from the system's secure generator, as 43 characters of
    /// unpadded base64url (safe in a header, a URL or a shell argument).
    public static func generate() -> AdminSecret {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let text = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return AdminSecret(text)
    }

    /// The secret kept in `<directory>/secret`, created with a new random secret when there is none.
    ///
    /// A new file is written under a temporary name, created with `O_CREAT|O_EXCL` and mode
    /// 0600 so it is never readable by others, then linked to `secret` without replacing
    /// anything: a crash leaves no empty secret file, and of two processes starting at once
    /// both end up with the one that was linked first.
    ///
    /// - Throws: ``SharingError/storage(_:)`` when the file cannot be read or written, or when
    ///   an existing file is readable or writable by group or others, belongs to another
    ///   user, is not a regular file, or is empty; the message says how to fix it.
    public static func loadOrCreate(in directory: String) throws(SharingError) -> AdminSecret {
        let path = directory.hasSuffix("/") ? directory + "secret" : directory + "/secret"
        for _ in 0..<3 {
            if let secret = try load(path) { return secret }
            let secret = generate()
            if try create(secret, at: path, in: directory) { return secret }
        }
        throw .storage("cannot create the admin secret \(path): it keeps appearing and disappearing")
    }

    /// Whether an `Authorization` header value carries this secret as a bearer token.
    ///
    /// The tokens are compared by their SHA-256 digests, whose equality check takes the same
    /// time wherever they differ, so response timing tells an attacker nothing about how
    /// much of a guess was right.
    func authorizes(_ authorizationHeader: String?) -> Bool {
        guard !text.isEmpty, let header = authorizationHeader else { return false }
        let trimmed = header.drop { $0 == " " || $0 == "\t" }
        guard let space = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return false }
        guard trimmed[..<space].lowercased() == "bearer" else { return false }
        let token = trimmed[space...].trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
        return SHA256.hash(data: Data(token.utf8)) == SHA256.hash(data: Data(text.utf8))
    }

    /// The secret in the file at `path`, or nil when there is no such file.
    private static func load(_ path: String) throws(SharingError) -> AdminSecret? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            if code == ELOOP {
                throw .storage("the admin secret \(path) is a symbolic link: delete it to make a new secret")
            }
            throw .storage("cannot read the admin secret \(path): \(String(cString: strerror(code)))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw .storage("cannot read the admin secret \(path): \(String(cString: strerror(errno)))")
        }
        guard FileKind(info) == .regular else {
            throw .storage("the admin secret \(path) is not a regular file: delete it to make a new secret")
        }
        guard info.st_uid == geteuid() else {
            throw .storage("the admin secret \(path) belongs to another user (uid \(info.st_uid)): delete it to make a new secret")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw .storage("the admin secret \(path) is accessible to other users (mode \(String(mode, radix: 8))): "
                + "run chmod 600 \(path), or delete it to make a new secret")
        }
        guard info.st_size <= maxFileBytes else {
            throw .storage("the admin secret \(path) is longer than \(maxFileBytes) bytes: delete it to make a new secret")
        }
        var bytes = [UInt8](repeating: 0, count: maxFileBytes + 1)
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + count, $0.count - count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .storage("cannot read the admin secret \(path): \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            count += got
        }
        guard count <= maxFileBytes else {
            throw .storage("the admin secret \(path) is longer than \(maxFileBytes) bytes: delete it to make a new secret")
        }
        let text = String(decoding: bytes[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            throw .storage("the admin secret \(path) is empty: delete it to make a new secret")
        }
        return AdminSecret(text)
    }

    /// Writes `secret` to `path` unless a file is there already; false when one was.
    private static func create(_ secret: AdminSecret, at path: String, in directory: String) throws(SharingError) -> Bool {
        let temporary = path + ".\(String(UInt64.random(in: .min ... .max), radix: 16)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw .storage("cannot create the admin secret in \(directory): \(String(cString: strerror(errno)))")
        }
        defer { unlink(temporary) }
        let bytes = Array((secret.text + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw .storage("cannot write the admin secret in \(directory): \(reason)")
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw .storage("cannot write the admin secret in \(directory): \(reason)")
        }
        close(descriptor)
        guard link(temporary, path) == 0 else {
            if errno == EEXIST { return false }
            throw .storage("cannot create the admin secret \(path): \(String(cString: strerror(errno)))")
        }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
        return true
    }
}
