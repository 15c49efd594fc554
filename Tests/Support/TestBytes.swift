/// `count` bytes that differ from piece to piece and from `seed` to `seed`, the same on every
/// run: file contents for tests, cheap to make and to compare.
public func testBytes(_ count: Int, seed: UInt32 = 1) -> [UInt8] {
    var state = seed &* 2_654_435_761 | 1
    var bytes = [UInt8](repeating: 0, count: count)
    for index in bytes.indices {
        state = state &* 1_103_515_245 &+ 12345
        bytes[index] = UInt8(truncatingIfNeeded: state >> 16)
    }
    return bytes
}
