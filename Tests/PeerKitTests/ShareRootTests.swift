import Foundation
import Testing
import TestSupport
@testable import FileSharing
@testable import PeerKit

/// A share directory with files a request may or may not reach, and a file outside it.
///
///     ROOT/sub/file.txt
///     ROOT/dir/naïve file.txt
///     ROOT/100%.txt
///     ROOT/.hidden
///     ROOT/dir/.git/config
///     ROOT/escape      -> OUTSIDE/secret.txt
///     ROOT/inner       -> ROOT/sub/file.txt
///     ROOT/peek        -> ROOT/dir/.git/config
///     ROOT/linkdir     -> ROOT/sub
///     ROOT/outdir      -> OUTSIDE
private struct ShareRootFixture {
    let base = TestPaths.temporaryDirectory()
    var root: String { base + "/root" }
    var outside: String { base + "/outside" }
    let share: ShareRoot

    init() throws {
        let files = FileManager.default
        let base = self.base, root = base + "/root", outside = base + "/outside"
        for directory in [root + "/sub", root + "/dir/.git", outside] {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        for path in [root + "/sub/file.txt", root + "/dir/na\u{EF}ve file.txt", root + "/100%.txt",
                     root + "/.hidden", root + "/dir/.git/config", outside + "/secret.txt"] {
            try Data("contents of \(path)\n".utf8).write(to: URL(fileURLWithPath: path))
        }
        try files.createSymbolicLink(atPath: root + "/escape", withDestinationPath: outside + "/secret.txt")
        try files.createSymbolicLink(atPath: root + "/inner", withDestinationPath: "sub/file.txt")
        try files.createSymbolicLink(atPath: root + "/peek", withDestinationPath: "dir/.git/config")
        try files.createSymbolicLink(atPath: root + "/linkdir", withDestinationPath: "sub")
        try files.createSymbolicLink(atPath: root + "/outdir", withDestinationPath: outside)
        share = try ShareRoot(root)
    }

    func remove() { try? FileManager.default.removeItem(atPath: base) }

    /// The canonical path of a file under the root.
    func real(_ relative: String) -> String { ShareRoot.realPath(root + "/" + relative)! }
}

/// A request path that must be refused, and a piece of the reason it must be refused with.
struct Refusal: Sendable, CustomTestStringConvertible {
    let request: String
    let reason: String

    init(_ request: String, _ reason: String) {
        self.request = request
        self.reason = reason
    }

    /// Short and printable, as long or binary paths make unreadable test names.
    var testDescription: String { ShareRoot.display(request) }
}

@Suite(.timeLimit(.minutes(1))) struct ShareRootTests {
    static let longComponent = String(repeating: "a", count: 300)
    static let longPath = Array(repeating: String(repeating: "b", count: 100), count: 50).joined(separator: "/")

    /// Each request path, and a piece of the reason it must be refused with.
    static let refused: [Refusal] = [
        Refusal("../etc/passwd", "'..'"),
        Refusal("a/../../x", "'..'"),
        Refusal("%2e%2e%2fetc%2fpasswd", "'..'"),
        Refusal("%2E%2E/x", "'..'"),
        Refusal("sub%2f..%2f..%2fx", "'..'"),
        Refusal("/etc/passwd", "absolute"),
        Refusal("%2fetc%2fpasswd", "absolute"),
        Refusal("a\u{0}b", "NUL"),
        Refusal("a%00b", "NUL"),
        Refusal("a\\b", "backslash"),
        Refusal("sub%5cfile.txt", "backslash"),
        Refusal(longComponent, "255"),
        Refusal(longPath, "4096"),
        Refusal(String(repeating: "%41", count: 4097), "4096"),
        Refusal(".hidden", "hidden"),
        Refusal("dir/.git/config", "hidden"),
        Refusal("./sub/file.txt", "'.'"),
        Refusal("sub/./file.txt", "'.'"),
        Refusal("", "empty"),
        Refusal("sub//file.txt", "empty component"),
        Refusal("sub/file.txt/", "empty component"),
        Refusal("%", "'%'"),
        Refusal("100%.txt", "'%'"),
        Refusal("%zz", "'%'"),
        Refusal("%C3", "'%'"),
        Refusal("escape", "outside"),
        Refusal("outdir/secret.txt", "outside"),
        Refusal("peek", "hidden"),
        Refusal("sub", "not a regular file"),
        Refusal("linkdir", "not a regular file"),
    ]

    @Test(arguments: refused)
    func refuses(_ refusal: Refusal) throws {
        let request = refusal.request, reason = refusal.reason
        let fixture = try ShareRootFixture()
        defer { fixture.remove() }
        do {
            let url = try fixture.share.resolve(request)
            Issue.record("accepted \(ShareRoot.display(request)) as \(url.path)")
        } catch {
            guard case .sharePathRejected(_, let why) = error else {
                Issue.record("wrong error for \(ShareRoot.display(request)): \(error)")
                return
            }
            #expect(why.contains(reason), "\(ShareRoot.display(request)): \(error)")
            #expect(error.description.count < 400, "the message stays short for a long path")
        }
    }

    @Test(arguments: [
        ("sub/file.txt", "sub/file.txt"),
        ("dir/na%C3%AFve%20file.txt", "dir/na\u{EF}ve file.txt"),
        ("dir/na\u{EF}ve file.txt", "dir/na\u{EF}ve file.txt"),
        ("100%25.txt", "100%.txt"),
        ("inner", "sub/file.txt"),
        ("linkdir/file.txt", "sub/file.txt"),
    ])
    func accepts(_ request: String, leadingTo file: String) throws {
        let fixture = try ShareRootFixture()
        defer { fixture.remove() }
        let url = try fixture.share.resolve(request)
        #expect(url.path == fixture.real(file))
        #expect(url.path.hasPrefix(fixture.share.path + "/"))
        #expect(try String(contentsOf: url, encoding: .utf8).hasPrefix("contents of "))
    }

    @Test func aMissingFileIsNotFoundRatherThanRefused() throws {
        let fixture = try ShareRootFixture()
        defer { fixture.remove() }
        for request in ["sub/missing.txt", "missing/dir/x.txt", "sub/file.txt/x"] {
            do {
                let url = try fixture.share.resolve(request)
                Issue.record("accepted \(request) as \(url.path)")
            } catch {
                guard case .sharedFileNotFound = error else {
                    Issue.record("wrong error for \(request): \(error)")
                    continue
                }
            }
        }
    }

    @Test func theRootIsCanonicalAndMustBeADirectory() throws {
        let fixture = try ShareRootFixture()
        defer { fixture.remove() }
        let viaDots = try ShareRoot(fixture.root + "/sub/../.")
        #expect(viaDots.path == fixture.share.path)
        #expect(!viaDots.path.hasSuffix("/"))
        let viaLink = try ShareRoot(fixture.root + "/linkdir")
        #expect(viaLink.path == fixture.real("sub"))

        for bad in [fixture.root + "/missing", fixture.root + "/sub/file.txt"] {
            do {
                _ = try ShareRoot(bad)
                Issue.record("accepted \(bad) as a share directory")
            } catch {
                guard case .shareDirectory = error else {
                    Issue.record("wrong error for \(bad): \(error)")
                    continue
                }
                #expect(error.description.contains("choose another directory"))
            }
        }
    }
}
