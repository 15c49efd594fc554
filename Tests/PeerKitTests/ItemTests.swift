import Crypto
import Testing
@testable import PeerKit

/// BEP 44's test vectors, and what makes an item valid.
@Suite struct ItemTests {
    static let value = Array("12:Hello World!".utf8)
    static let publicKey = [UInt8](hex: "77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548")!

    static func vector(salt: String, signature: String) -> Item {
        Item(value: value, signature: .init(publicKey: publicKey, salt: Array(salt.utf8), sequence: 1,
                                            signature: [UInt8](hex: signature)!))
    }

    static let unsalted = vector(salt: "", signature: "305ac8aeb6c9c151fa120f120ea2cfb923564e11552d06a5d856091e5e853cff"
        + "1260d3f39e4999684aa92eb73ffd136e6f4f3ecbfda0ce53a1608ecd7ae21f01")
    static let salted = vector(salt: "foobar", signature: "6834284b6b24c3204eb2fea824d82f88883a3d95e8b4a21b8c0ded553d17d17d"
        + "df9a8a7104b1258f30bed3787e6cb896fca78c58f8e03b5f18f14951a87d9a08")

    @Test func theImmutableVectorsTargetIsTheHashOfItsBencodedValue() {
        #expect(Item(immutable: Self.value).target.hex == "e5f96f6f38320f0f33959cb4d3d656452117aadb")
    }

    @Test func theMutableVectorWithoutSaltVerifies() {
        #expect(Item.signedBuffer(salt: [], sequence: 1, value: Self.value) == Array("3:seqi1e1:v12:Hello World!".utf8))
        #expect(Self.unsalted.target.hex == "4a533d47ec9c7d95b1ad75f576cffc641853b750")
        #expect(Self.unsalted.hasValidSignature)
    }

    @Test func theSaltedMutableVectorVerifies() {
        #expect(Item.signedBuffer(salt: Array("foobar".utf8), sequence: 1, value: Self.value)
            == Array("4:salt6:foobar3:seqi1e1:v12:Hello World!".utf8))
        #expect(Self.salted.target.hex == "411eba73b6f087ca51a3795d9c8c938d365e32c1")
        #expect(Self.salted.hasValidSignature)
    }

    @Test func aSignatureDoesNotVerifyForAnotherSaltSequenceOrValue() {
        let signature = Self.salted.signature!
        let otherSalt = Item(value: Self.value, signature: .init(publicKey: Self.publicKey, salt: Array("foobaz".utf8),
                                                                 sequence: 1, signature: signature.signature))
        let otherSequence = Item(value: Self.value, signature: .init(publicKey: Self.publicKey, salt: signature.salt,
                                                                     sequence: 2, signature: signature.signature))
        let otherValue = Item(value: Array("12:Hello World?".utf8), signature: signature)
        #expect(!otherSalt.hasValidSignature && !otherSequence.hasValidSignature && !otherValue.hasValidSignature)
    }

    @Test func anItemSignedHereVerifiesAndSurvivesStorage() throws {
        let key = Curve25519.Signing.PrivateKey()
        let item = try Item(value: Array("i42e".utf8), salt: Array("s".utf8), sequence: 7, signedWith: key)
        #expect(item.hasValidSignature)
        #expect(item.target == Item.target(publicKey: Array(key.publicKey.rawRepresentation), salt: Array("s".utf8)))
        #expect(Item(storageBytes: item.storageBytes) == item)
        #expect(Item(storageBytes: Item(immutable: Self.value).storageBytes) == Item(immutable: Self.value))
        #expect(Item(storageBytes: Array("garbage".utf8)) == nil)
    }

    @Test func aReaderKeepsOnlyItemsThatBelongUnderTheTarget() {
        let answered = Item(value: Self.value, signature: .init(publicKey: Self.publicKey, salt: [], sequence: 1,
                                                                signature: Self.salted.signature!.signature))
        // The salt is never sent back: the reader adds the one it asked with.
        #expect(ItemLookup.verified(answered, target: Self.salted.target, publicKey: Self.publicKey,
                                    salt: Array("foobar".utf8)) == Self.salted)
        #expect(ItemLookup.verified(answered, target: Self.salted.target, publicKey: nil, salt: []) == nil)
        #expect(ItemLookup.verified(Self.unsalted, target: Self.salted.target, publicKey: nil, salt: []) == nil)
        #expect(ItemLookup.verified(Item(immutable: Self.value), target: Self.unsalted.target, publicKey: nil, salt: []) == nil)
        let newer = Item(value: Self.value, signature: .init(publicKey: Self.publicKey, salt: [], sequence: 5, signature: []))
        #expect(ItemLookup.newest([Self.unsalted, newer, Self.unsalted])?.signature?.sequence == 5)
    }
}
