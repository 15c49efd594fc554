import Foundation
import Testing
import TestSupport
@testable import PeerKit

/// The ed25519 key of a node's mutable items: made once, kept private, read back the same.
@Suite struct SigningKeyFileTests {
    @Test func theKeyIsMadeOnceWithMode0600AndReadBackTheSame() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try SigningKeyFile.load(in: .directory(directory))
        let path = directory + "/" + SigningKeyFile.name
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.count == 65 && text.hasSuffix("\n"))
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"), "no half-written key left behind")
        let again = try SigningKeyFile.load(in: .directory(directory))
        #expect(again.publicKey.rawRepresentation == first.publicKey.rawRepresentation)
    }

    @Test func aDamagedKeyFileIsAClearErrorAndIsNeverReplaced() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/" + SigningKeyFile.name
        try "not a key\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: NodeError.self) { try SigningKeyFile.load(in: .directory(directory)) }
        do {
            _ = try SigningKeyFile.load(in: .directory(directory))
        } catch {
            #expect(error.description.contains("cannot read the item signing key \(path)"))
            #expect(error.description.contains("move it away"))
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "not a key\n", "the user's file is left as it was")
    }

    @Test func anEphemeralNodeHasAKeyOfItsOwnEachTime() throws {
        let first = try SigningKeyFile.load(in: .ephemeral), second = try SigningKeyFile.load(in: .ephemeral)
        #expect(first.publicKey.rawRepresentation != second.publicKey.rawRepresentation)
    }
}
