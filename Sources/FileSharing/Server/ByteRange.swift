import PeerKit
/// One byte range of a `Range: bytes=…` request header (RFC 9110 §14.1.2), and which bytes
/// of a file it selects.
///
/// The server honours a single range only: it is what a downloader asks for per piece and
/// what `curl -r` sends. A header naming several ranges, another unit, or anything
/// malformed is ignored, which RFC 9110 allows, and the whole file is sent.
enum ByteRange: Sendable, Hashable {
    /// `first-last`, or `first-` when `last` is nil.
    case from(first: Int64, last: Int64?)
    /// `-length`: the last `length` bytes.
    case suffix(length: Int64)

    /// What a request selects of a file.
    enum Selection: Sendable, Hashable {
        /// The whole file, with status 200: there was no usable Range header.
        case whole
        /// These bytes, with status 206 and `Content-Range: bytes first-last/size`.
        case part(ClosedRange<Int64>)
        /// Nothing: status 416 with `Content-Range: bytes */size`.
        case unsatisfiable
    }

    /// The longest header value parsed; longer ones are ignored, not scanned.
    static let maxHeaderLength = 256

    /// The single range a header value asks for, or nil when it should be ignored.
    ///
    /// Numbers too large for `Int64` saturate: they still mean "past the end".
    init?(header: String) {
        guard header.utf8.count <= Self.maxHeaderLength else { return nil }
        var text = Substring(header).trimmingSpaces
        guard let equals = text.firstIndex(of: "="),
              text[..<equals].trimmingSpaces.lowercased() == "bytes" else { return nil }
        text = text[text.index(after: equals)...]
        // A list may have empty elements ("0-9, ,"); exactly one real element is honoured.
        let specs = text.split(separator: ",", omittingEmptySubsequences: false)
            .map(\.trimmingSpaces).filter { !$0.isEmpty }
        guard specs.count == 1, let dash = specs[0].firstIndex(of: "-") else { return nil }
        let firstText = specs[0][..<dash], lastText = specs[0][specs[0].index(after: dash)...]
        if firstText.isEmpty {
            guard let length = Self.number(lastText) else { return nil }
            self = .suffix(length: length)
        } else {
            guard let first = Self.number(firstText) else { return nil }
            if lastText.isEmpty {
                self = .from(first: first, last: nil)
            } else {
                guard let last = Self.number(lastText), last >= first else { return nil }
                self = .from(first: first, last: last)
            }
        }
    }

    /// The bytes of a file of `size` bytes this range selects, or nil when it selects none.
    func bytes(ofSize size: Int64) -> ClosedRange<Int64>? {
        switch self {
        case .from(let first, let last):
            guard first < size else { return nil }
            return first ... min(last ?? (size - 1), size - 1)
        case .suffix(let length):
            guard length > 0, size > 0 else { return nil }
            return max(0, size - length) ... size - 1
        }
    }

    /// What a request with this `Range` header value (nil when absent) selects of a file of
    /// `size` bytes.
    static func selection(header: String?, size: Int64) -> Selection {
        guard let header, let range = ByteRange(header: header) else { return .whole }
        // An empty file has no bytes to select; a suffix range of it means the (empty) whole.
        if size == 0, case .suffix(let length) = range, length > 0 { return .whole }
        guard let bytes = range.bytes(ofSize: size) else { return .unsatisfiable }
        return .part(bytes)
    }

    /// A run of ASCII digits as a number, saturating at `Int64.max`; nil for anything else.
    private static func number(_ text: Substring) -> Int64? {
        guard !text.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            value = overflow1 || overflow2 ? .max : sum
        }
        return value
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    fileprivate var trimmingSpaces: Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
