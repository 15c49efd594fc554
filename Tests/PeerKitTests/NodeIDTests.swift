import Testing
@testable import PeerKit

@Suite struct NodeIDTests {
    @Test func bytesAndHexRoundTrip() throws {
        let hex = "0123456789abcdef0123456789abcdef01234567"
        let id = try #require(NodeID(hex: hex))
        #expect(id.hex == hex)
        #expect(NodeID(bytes: id.bytes) == id)
        #expect(NodeID(hex: "0123") == nil)
        #expect(NodeID(hex: String(repeating: "g", count: 40)) == nil)
        #expect(NodeID(bytes: [UInt8](repeating: 0, count: 19)) == nil)
    }

    @Test func sha1OfAKeyMatchesTheKnownDigest() {
        #expect(NodeID.sha1(of: Array("abc".utf8)).hex == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test func xorDistanceAndOrdering() throws {
        let a = try #require(NodeID(hex: "ff00000000000000000000000000000000000000"))
        let b = try #require(NodeID(hex: "0f00000000000000000000000000000000000001"))
        #expect(a.distance(to: b).hex == "f000000000000000000000000000000000000001")
        #expect(a.distance(to: a) == .zero)
        #expect(a.distance(to: b) == b.distance(to: a))
        #expect(b < a)
        #expect(a.distance(to: b).leadingZeroBitCount == 0)
        #expect(NodeID.zero.leadingZeroBitCount == 160)
        let low = try #require(NodeID(hex: "0000000000000000000000000000000000000001"))
        #expect(low.leadingZeroBitCount == 159)
    }

    @Test func bitOperations() throws {
        let id = NodeID.zero
        for index in [0, 63, 64, 127, 128, 159] {
            let flipped = id.flippingBit(index)
            #expect(flipped.bit(index))
            #expect(flipped.leadingZeroBitCount == index)
        }
        let ones = try #require(NodeID(hex: String(repeating: "f", count: 40)))
        #expect(ones.keepingPrefix(4, restFrom: .zero).hex == "f" + String(repeating: "0", count: 39))
        #expect(ones.keepingPrefix(160, restFrom: .zero) == ones)
        #expect(ones.keepingPrefix(0, restFrom: .zero) == .zero)
    }

    @Test func compactNodeInfoRoundTrips() throws {
        let id = try #require(NodeID(hex: "0123456789abcdef0123456789abcdef01234567"))
        let v4 = Contact(id: id, address: try #require(NodeAddress("127.0.0.1:6881")))
        let v6 = Contact(id: id, address: try #require(NodeAddress("[::1]:6881")))
        #expect(v4.compact.count == 26)
        #expect(v6.compact.count == 38)
        #expect(Contact.decodeCompactList(v4.compact + v4.compact, ipv6: false) == [v4, v4])
        #expect(Contact.decodeCompactList(v6.compact, ipv6: true) == [v6])
        #expect(Contact.decodeCompactList(Array(v4.compact.dropLast()), ipv6: false) == nil)
        #expect(v6.address.description == "[::1]:6881")
        #expect(v4.address.isLocal && v6.address.isLocal)
        #expect(NodeAddress("8.8.8.8:53")?.isLocal == false)
        #expect(NodeAddress("192.168.1.2:1")?.isLocal == true)
        #expect(NodeAddress("not an address") == nil)
    }
}
