import Testing
@testable import FileSharing
@testable import PeerKit

@Suite struct ByteRangeTests {
    /// (Range header, file size, what the server must send).
    static let cases: [(String?, Int64, ByteRange.Selection)] = [
        // No header, or one to ignore: the whole file.
        (nil, 1000, .whole),
        ("", 1000, .whole),
        ("bytes", 1000, .whole),
        ("bytes=", 1000, .whole),
        ("bytes=-", 1000, .whole),
        ("bytes=abc", 1000, .whole),
        ("bytes=1-a", 1000, .whole),
        ("bytes=a-1", 1000, .whole),
        ("bytes=--5", 1000, .whole),
        ("bytes=+1-2", 1000, .whole),
        ("bytes=1 - 2", 1000, .whole),
        ("bytes=5-3", 1000, .whole),                 // last before first: invalid, ignored
        ("bytes=0-1,5-6", 1000, .whole),             // several ranges: ignored
        ("bytes=0-1, -5", 1000, .whole),
        ("items=0-1", 1000, .whole),                 // another unit
        ("bytes 0-1", 1000, .whole),
        ("bytes=0x10-20", 1000, .whole),
        ("bytes=" + String(repeating: "1", count: 300) + "-", 1000, .whole),  // too long to parse
        // One range.
        ("bytes=0-0", 1000, .part(0 ... 0)),
        ("bytes=0-99", 1000, .part(0 ... 99)),
        ("BYTES=0-99", 1000, .part(0 ... 99)),
        (" bytes = 10-19 ", 1000, .part(10 ... 19)),
        ("bytes=0-99,", 1000, .part(0 ... 99)),      // empty list elements do not count
        ("bytes=, 0-99 ,", 1000, .part(0 ... 99)),
        ("bytes=999-999", 1000, .part(999 ... 999)),
        ("bytes=500-", 1000, .part(500 ... 999)),
        ("bytes=0-", 1000, .part(0 ... 999)),
        ("bytes=900-5000", 1000, .part(900 ... 999)),  // last past the end: clamped
        ("bytes=900-99999999999999999999999999", 1000, .part(900 ... 999)),  // saturates
        ("bytes=-1", 1000, .part(999 ... 999)),
        ("bytes=-100", 1000, .part(900 ... 999)),
        ("bytes=-1000", 1000, .part(0 ... 999)),
        ("bytes=-5000", 1000, .part(0 ... 999)),     // longer than the file: all of it
        ("bytes=-99999999999999999999999999", 1000, .part(0 ... 999)),
        ("bytes=1048576-2097151", 3_158_073, .part(1_048_576 ... 2_097_151)),
        // Nothing of the file.
        ("bytes=1000-", 1000, .unsatisfiable),
        ("bytes=1000-2000", 1000, .unsatisfiable),
        ("bytes=99999999999999999999999999-", 1000, .unsatisfiable),
        ("bytes=-0", 1000, .unsatisfiable),
        ("bytes=0-0", 0, .unsatisfiable),
        ("bytes=0-", 0, .unsatisfiable),
        ("bytes=-0", 0, .unsatisfiable),
        ("bytes=-5", 0, .whole),                     // the (empty) whole of an empty file
    ]

    @Test(arguments: cases.indices)
    func selection(_ index: Int) {
        let (header, size, expected) = Self.cases[index]
        #expect(ByteRange.selection(header: header, size: size) == expected, "Range: \(header ?? "(none)") of \(size) bytes")
    }

    @Test func parsesForms() {
        #expect(ByteRange(header: "bytes=3-7") == .from(first: 3, last: 7))
        #expect(ByteRange(header: "bytes=3-") == .from(first: 3, last: nil))
        #expect(ByteRange(header: "bytes=-7") == .suffix(length: 7))
        #expect(ByteRange(header: "bytes=3-7,8-9") == nil)
        #expect(ByteRange(header: "bytes=99999999999999999999-") == .from(first: .max, last: nil))
    }
}
