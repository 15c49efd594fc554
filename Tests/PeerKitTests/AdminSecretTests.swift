import Foundation
import Testing
import TestSupport
@testable import FileSharing
@testable import PeerKit

@Suite struct AdminSecretTests {
    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func generatedSecretsAreLongRandomAndURLSafe() {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var seen = Set<String>()
        for _ in 0..<100 {
            let secret = AdminSecret.generate()
            #expect(secret.text.count == 43)
            #expect(secret.text.allSatisfy { allowed.contains($0) })
            #expect(secret.description == secret.text)
            seen.insert(secret.text)
        }
        #expect(seen.count == 100)
    }

    @Test func createsAnOwnerOnlyFileAndReadsItBack() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try AdminSecret.loadOrCreate(in: directory)
        let path = directory + "/secret"
        #expect(try mode(path) == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == first.text + "\n")
        let again = try AdminSecret.loadOrCreate(in: directory)
        #expect(again.text == first.text)
        // No temporary files left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["secret"])
        // A secret written by hand, with surrounding whitespace, is used as it is.
        try FileManager.default.removeItem(atPath: path)
        _ = FileManager.default.createFile(atPath: path, contents: Data("  my-secret\n\n".utf8), attributes: [.posixPermissions: 0o600])
        #expect(try AdminSecret.loadOrCreate(in: directory).text == "my-secret")
    }

    @Test func concurrentStartsAgreeOnOneSecret() async throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let secrets = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<16 {
                group.addTask { try AdminSecret.loadOrCreate(in: directory).text }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(secrets.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["secret"])
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o602, 0o700 | 0o007])
    func refusesAFileOthersCanAccess(_ permissions: Int) throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/secret"
        _ = FileManager.default.createFile(atPath: path, contents: Data("leaked\n".utf8))
        try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: path)
        do {
            _ = try AdminSecret.loadOrCreate(in: directory)
            Issue.record("a secret file with mode \(String(permissions, radix: 8)) was accepted")
        } catch {
            #expect(error.description.contains("chmod 600"), "\(error)")
            #expect(error.description.contains(path), "\(error)")
        }
        // The file is left alone for its owner to fix.
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "leaked\n")
    }

    @Test func refusesEmptyFilesSymbolicLinksAndDirectories() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/secret"

        _ = FileManager.default.createFile(atPath: path, contents: Data("\n".utf8), attributes: [.posixPermissions: 0o600])
        #expect(throws: SharingError.self) { try AdminSecret.loadOrCreate(in: directory) }
        try FileManager.default.removeItem(atPath: path)

        _ = FileManager.default.createFile(atPath: directory + "/target", contents: Data("x\n".utf8), attributes: [.posixPermissions: 0o600])
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: directory + "/target")
        #expect(throws: SharingError.self) { try AdminSecret.loadOrCreate(in: directory) }
        try FileManager.default.removeItem(atPath: path)

        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        #expect(throws: SharingError.self) { try AdminSecret.loadOrCreate(in: directory) }
    }

    @Test func missingDirectoryIsAnError() {
        #expect(throws: SharingError.self) { try AdminSecret.loadOrCreate(in: "/nonexistent-\(UUID().uuidString)") }
    }

    @Test func authorizesOnlyTheBearerToken() {
        let secret = AdminSecret("s3cret-Token_x")
        #expect(secret.authorizes("Bearer s3cret-Token_x"))
        #expect(secret.authorizes("bearer s3cret-Token_x"))
        #expect(secret.authorizes("BEARER   s3cret-Token_x  "))
        #expect(!secret.authorizes(nil))
        #expect(!secret.authorizes(""))
        #expect(!secret.authorizes("Bearer"))
        #expect(!secret.authorizes("Bearer "))
        #expect(!secret.authorizes("s3cret-Token_x"))
        #expect(!secret.authorizes("Bearers3cret-Token_x"))
        #expect(!secret.authorizes("Basic s3cret-Token_x"))
        #expect(!secret.authorizes("Bearer s3cret-Token_X"))
        #expect(!secret.authorizes("Bearer s3cret-Token_x2"))
        #expect(!secret.authorizes("Bearer s3cret-Token_"))
        #expect(!secret.authorizes("Bearer s3cret-Token_x, Bearer other"))
        // An empty secret lets nobody in.
        #expect(!AdminSecret("").authorizes("Bearer "))
        #expect(!AdminSecret("").authorizes("Bearer"))
    }
}
