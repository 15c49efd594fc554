import Foundation
import Synchronization

/// The commands typed at the prompt, kept as bash keeps them with
/// `HISTCONTROL=ignorespace:erasedups`: a line that starts with a space is not kept, a
/// command typed again moves to the end instead of appearing twice, and only the newest
/// `limit` commands stay.
///
/// The shell saves it after every command (so a crash loses nothing) to one file, one
/// command per line, written to a temporary file and renamed into place, readable only by
/// its owner.
final class CommandHistory: Sendable {
    let limit: Int
    /// Where the history persists; nil keeps it in memory only.
    let path: String?
    private let entries: Mutex<[String]>

    /// Loads the history kept at `path`, if there is one.
    init(path: String?, limit: Int = 1000) {
        self.limit = limit
        self.path = path
        var loaded: [String] = []
        if let path, let text = try? String(contentsOfFile: path, encoding: .utf8) {
            loaded = Self.parse(text)
        }
        entries = Mutex(Array(loaded.suffix(limit)))
    }

    /// The commands kept, oldest first.
    var lines: [String] { entries.withLock { $0 } }

    /// Keeps `line` as the newest command, without trailing blanks (TAB completion leaves
    /// one); returns false when it is not kept (blank, or starting with a space).
    @discardableResult
    func record(_ line: String) -> Bool {
        guard !line.hasPrefix(" "), !line.allSatisfy(\.isWhitespace), !line.contains("\n") else { return false }
        var line = line
        while line.last?.isWhitespace == true { line.removeLast() }
        entries.withLock { entries in
            entries.removeAll { $0 == line }
            entries.append(line)
            if entries.count > limit { entries.removeFirst(entries.count - limit) }
        }
        return true
    }

    /// Forgets every command, in memory and on disk.
    func clear() throws {
        entries.withLock { $0.removeAll() }
        try save()
    }

    /// Writes the history file; a failure leaves the previous file as it was.
    func save() throws {
        guard let path else { return }
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ShellError("cannot save history to \(path): \(String(cString: strerror(errno)))") }
        let file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try file.write(contentsOf: Data(lines.map { $0 + "\n" }.joined().utf8))
            try file.close()
        } catch {
            unlink(temporary)
            throw ShellError("cannot save history to \(path): \(error.localizedDescription)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ShellError("cannot save history to \(path): \(reason)")
        }
    }

    /// The commands in a history file: one per line; a file that libedit wrote (its very first
    /// line `_HiStOrY_V2_`, spaces as `\040`) is read too.
    static func parse(_ text: String) -> [String] {
        // "\r\n" is one `Character`, which "\n" does not match.
        var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        guard text.hasPrefix("_HiStOrY_V2_"), lines.first == "_HiStOrY_V2_" else { return lines }
        lines.removeFirst()
        return lines.map(unescapeLibedit)
    }

    /// Undoes libedit's `strvis` octal escapes (`\040` for a space, `\\` for a backslash).
    private static func unescapeLibedit(_ line: String) -> String {
        var result: [UInt8] = []
        let bytes = Array(line.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"), bytes.count - index >= 4,
               let value = UInt8(String(decoding: bytes[(index + 1)...(index + 3)], as: UTF8.self), radix: 8) {
                result.append(value)
                index += 4
            } else if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\\") {
                result.append(UInt8(ascii: "\\"))
                index += 2
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
