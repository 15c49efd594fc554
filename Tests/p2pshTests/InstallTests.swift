import Foundation
import Testing
import TestSupport

/// `make install` and `make uninstall`, staged under a DESTDIR.
@Suite(.timeLimit(.minutes(1))) struct InstallTests {
    /// Where each file lands under PREFIX, as bash, zsh, fish and man look for it.
    static let installed = ["bin/p2psh", "share/man/man1/p2psh.1", "share/bash-completion/completions/p2psh",
                            "share/zsh/site-functions/_p2psh", "share/fish/vendor_completions.d/p2psh.fish"]

    @Test func installPlacesTheBinaryManPageAndCompletionsAndUninstallRemovesThem() async throws {
        let stage = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: stage) }
        let make = ["-C", TestPaths.packageRoot, "PREFIX=/usr", "DESTDIR=\(stage)", "CONFIGURATION=debug"]
        // `install` builds first; `install-files` is its second half (a build is running `swift test` here).
        let install = try await ChildProcess.run("/usr/bin/make", make + ["install-files"], timeout: 30)
        #expect(install.status == 0, "\(install.stderr)")
        for path in Self.installed {
            #expect(FileManager.default.fileExists(atPath: "\(stage)/usr/\(path)"), "\(path) was not installed")
        }
        let permissions = try FileManager.default.attributesOfItem(atPath: "\(stage)/usr/bin/p2psh")[.posixPermissions] as? Int
        #expect(permissions == 0o755)
        let version = try await ChildProcess.run("\(stage)/usr/bin/p2psh", ["--version"])
        #expect(version.status == 0 && !version.stdout.isEmpty)
        let man = try await ChildProcess.run("/usr/bin/mandoc", ["-T", "utf8", "\(stage)/usr/share/man/man1/p2psh.1"])
        #expect(man.stdout.contains("unstore"))

        let uninstall = try await ChildProcess.run("/usr/bin/make", make + ["uninstall"], timeout: 30)
        #expect(uninstall.status == 0, "\(uninstall.stderr)")
        let left = FileManager.default.enumerator(atPath: stage)?.compactMap { $0 as? String }
            .filter { path in !((try? FileManager.default.attributesOfItem(atPath: "\(stage)/\(path)")[.type] as? FileAttributeType) == .typeDirectory) }
        #expect(left == [], "uninstall leaves no file behind")
    }
}
