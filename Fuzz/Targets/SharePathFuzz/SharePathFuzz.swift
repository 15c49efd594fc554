import Foundation
@testable import FileSharing

/// Share-path resolution: the request path of `GET /files/<path>` becoming a file on disk.
///
/// The share root is a temporary directory made once per process (``Fixture``), with plain
/// files, nested and hidden directories, a FIFO, names that need percent-escapes, and
/// symbolic links that stay inside, lead outside (relative and absolute, to a file and to a
/// directory), lead to a hidden file, dangle, or loop.
///
/// Invariants, for the input taken as a request path (percent-encoded) and as a decoded
/// relative path:
/// - nothing traps;
/// - a resolved path is a regular file strictly inside the root, reached through no hidden
///   component, never the file outside the root, and it is the real path of what was asked for;
/// - a path that resolves passes the textual checks, and the two entry points agree.
@_cdecl("LLVMFuzzerTestOneInput")
public func sharePathFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
    let root = fixture.root

    if let url = try? root.resolve(text) {
        checkInside(url.path, asked: text)
        let decoded = text.removingPercentEncoding
        check(decoded != nil, "an undecodable request path resolved")
        if let decoded {
            check(ShareRoot.rejection(of: decoded) == nil, "a rejected path resolved: \(decoded.debugDescription)")
            check((try? root.resolve(relativePath: decoded)) == url.path, "the two entry points disagree on \(text.debugDescription)")
        }
    }
    do {
        let real = try root.resolve(relativePath: text)
        checkInside(real, asked: text)
        check(ShareRoot.rejection(of: text) == nil, "a rejected path resolved: \(text.debugDescription)")
    } catch {
        _ = error.description
    }
    return 0
}

func checkInside(_ path: String, asked: String) {
    let root = fixture.root.path
    let bytes = Array(path.utf8)
    check(bytes.starts(with: Array((root + "/").utf8)) && bytes.count > root.utf8.count + 1,
          "\(asked.debugDescription) resolved to \(path.debugDescription), outside the root \(root)")
    check(!bytes.starts(with: Array((fixture.outside + "/").utf8)), "\(asked.debugDescription) reached the outside directory")
    let below = bytes[(root.utf8.count + 1)...].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    check(!below.contains { $0.isEmpty || $0.first == UInt8(ascii: ".") },
          "\(asked.debugDescription) resolved to \(path.debugDescription), through a hidden or empty component")
    check(ShareRoot.realPath(path) == path, "\(path.debugDescription) is not a real path")
    var info = stat()
    check(lstat(path, &info) == 0 && FileKind(info) == .regular, "\(path.debugDescription) is not a regular file")
}

/// The share root and its neighbour, made once.
struct Fixture: Sendable {
    let root: ShareRoot
    /// A directory beside the root, which symbolic links inside the root point into.
    let outside: String

    init() {
        var template = Array((NSTemporaryDirectory() + "/p2psh-sharepath-fuzz.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("mkdtemp: \(String(cString: strerror(errno)))") }
        let base = ShareRoot.realPath(String(cString: made))!
        let share = base + "/share", outside = base + "/outside"
        for directory in [share, outside, share + "/dir", share + "/dir/sub", share + "/.hidden", share + "/empty",
                          share + "/dir/.git"] {
            mkdir(directory, 0o755)
        }
        for file in [outside + "/secret.txt", share + "/a.txt", share + "/b c.txt", share + "/100%.txt",
                     share + "/\u{E9}.txt", share + "/e\u{301}.txt", share + "/dir/b.txt", share + "/dir/sub/c.txt",
                     share + "/dir/.h.txt", share + "/.hidden/x.txt", share + "/dir/.git/config", share + "/-dash",
                     share + "/a?b#c.txt", share + "/\u{1F600}"] {
            _ = FileManager.default.createFile(atPath: file, contents: Array(file.utf8).withUnsafeBytes { Data($0) })
        }
        mkfifo(share + "/fifo", 0o644)
        let links: [(String, String)] = [
            ("in-link", "a.txt"), ("dir/up-link", "../a.txt"), ("dir-link", "dir"), ("dir/sub/root-link", "../.."),
            ("out-link", "../outside/secret.txt"), ("out-dir", "../outside"), ("abs-link", outside + "/secret.txt"),
            ("abs-dir", outside), ("etc-link", "/etc/passwd"), ("hidden-link", ".hidden/x.txt"),
            ("hidden-dir", ".hidden"), ("dangling", "nowhere"), ("loop", "loop"), ("dir/sub/out", "../../../outside"),
        ]
        for (name, target) in links { symlink(target, share + "/" + name) }
        do {
            root = try ShareRoot(share)
        } catch {
            fatalError("cannot make the share root: \(error)")
        }
        self.outside = outside
        // Removed when the run ends normally (a crash leaves it for inspection).
        fixtureBase = base
        atexit {
            if let base = fixtureBase { _ = try? FileManager.default.removeItem(atPath: base) }
        }
    }
}

nonisolated(unsafe) var fixtureBase: String?
let fixture = Fixture()

/// A failed invariant: a trap libFuzzer reports as a crash, with the reason on stderr.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
           file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("invariant failed: \(message())", file: file, line: line) }
}
