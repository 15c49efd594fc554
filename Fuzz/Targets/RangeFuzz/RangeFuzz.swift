@testable import FileSharing

/// The `Range` header of a request to the file server.
///
/// Invariants, for every header and for file sizes at the edges and around the numbers
/// the header names:
/// - nothing traps;
/// - a parsed range is well formed (`first <= last`, lengths not negative);
/// - a selection lies within the file: `0 <= first <= last < size`, its length fits a
///   Content-Length, and it is the bytes the range names, cut at the end of the file;
/// - a header without a usable range selects the whole file, and a header over the length
///   limit is ignored;
/// - a header in the strict RFC 9110 form (`bytes=first-last`, `bytes=first-`, `bytes=-suffix`)
///   is always understood, as the same range.
@_cdecl("LLVMFuzzerTestOneInput")
public func rangeFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let header = String(decoding: bytes, as: UTF8.self)
    let range = ByteRange(header: header)
    if header.utf8.count > ByteRange.maxHeaderLength { check(range == nil, "an over-long header was parsed") }

    var sizes: [Int64] = [0, 1, 2, 4096, .max]
    switch range {
    case .from(let first, let last)?:
        check(first >= 0 && (last ?? first) >= first, "a malformed range \(range!)")
        sizes += [first, first &+ 1, (last ?? 0), (last ?? 0) &+ 1].filter { $0 >= 0 }
    case .suffix(let length)?:
        check(length >= 0, "a negative suffix")
        sizes += [length, length &+ 1, length &- 1].filter { $0 >= 0 }
    case nil:
        break
    }
    if size <= ByteRange.maxHeaderLength, let strict = StrictRange(bytes) {
        check(range == strict.range, "the RFC form \(header.debugDescription) was read as \(String(describing: range))")
    }

    for fileSize in sizes {
        let selection = ByteRange.selection(header: header, size: fileSize)
        switch selection {
        case .whole:
            if case .suffix(let length)? = range {
                check(fileSize == 0 && length > 0, "a suffix range selects the whole file")
            } else {
                check(range == nil, "a usable range selects the whole file")
            }
        case .part(let selected):
            check(selected.lowerBound >= 0 && selected.upperBound < fileSize, "\(selected) is not within \(fileSize) bytes")
            let (length, overflow) = (selected.upperBound - selected.lowerBound).addingReportingOverflow(1)
            check(!overflow && length <= fileSize, "the length of \(selected) does not fit")
            switch range {
            case .from(let first, let last)?:
                check(selected.lowerBound == first && selected.upperBound == min(last ?? .max, fileSize - 1),
                      "\(range!) of \(fileSize) bytes selects \(selected)")
            case .suffix(let suffix)?:
                check(selected.upperBound == fileSize - 1 && length == min(suffix, fileSize),
                      "\(range!) of \(fileSize) bytes selects \(selected)")
            case nil:
                check(false, "no range, yet a part selected")
            }
        case .unsatisfiable:
            switch range {
            case .from(let first, _)?: check(first >= fileSize, "\(range!) of \(fileSize) bytes is satisfiable")
            case .suffix(let length)?: check(length == 0, "\(range!) of \(fileSize) bytes is satisfiable")
            case nil: check(false, "no range, yet unsatisfiable")
            }
        }
    }
    return 0
}

/// The RFC 9110 form of a single range, exactly: `bytes=` then `first-`, `first-last` with
/// `first <= last`, or `-suffix`, in ASCII digits (values saturating as the server's do).
struct StrictRange {
    let range: ByteRange

    init?(_ bytes: UnsafeRawBufferPointer) {
        let prefix = Array("bytes=".utf8)
        guard bytes.count >= prefix.count, bytes.prefix(prefix.count).elementsEqual(prefix) else { return nil }
        let spec = Array(bytes[prefix.count...])
        guard let dash = spec.firstIndex(of: UInt8(ascii: "-")) else { return nil }
        let first = Self.number(spec[..<dash]), last = Self.number(spec[(dash + 1)...])
        switch (dash == 0, dash == spec.count - 1) {
        case (true, true): return nil
        case (true, false):
            guard let last else { return nil }
            range = .suffix(length: last)
        case (false, true):
            guard let first else { return nil }
            range = .from(first: first, last: nil)
        case (false, false):
            guard let first, let last, first <= last else { return nil }
            range = .from(first: first, last: last)
        }
    }

    static func number(_ digits: ArraySlice<UInt8>) -> Int64? {
        guard !digits.isEmpty, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return digits.reduce(Int64(0)) { value, digit in
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
            return o1 || o2 ? .max : sum
        }
    }
}

/// A failed invariant: a trap libFuzzer reports as a crash, with the reason on stderr.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
           file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("invariant failed: \(message())", file: file, line: line) }
}
