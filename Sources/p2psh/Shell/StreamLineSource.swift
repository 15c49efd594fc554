import CLibEdit
import Foundation

/// Lines from a file descriptor that is not a terminal: a pipe, or a script file.
///
/// Reads with `poll` so that Ctrl-C is noticed between commands too.
struct StreamLineSource: LineSource {
    private let descriptor: Int32
    /// The script file's name, for error locations; nil for standard input.
    private let name: String?
    private var buffer: [UInt8] = []
    private var atEnd = false
    private var lineNumber = 0

    init(descriptor: Int32, name: String? = nil) {
        self.descriptor = descriptor
        self.name = name
    }

    var location: String? { name.map { "\($0):\(lineNumber)" } }

    mutating func nextLine() -> LineSourceResult {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                lineNumber += 1
                return .line(line)
            }
            if atEnd {
                guard !buffer.isEmpty else { return .end }
                defer { buffer.removeAll() }
                lineNumber += 1
                return .line(String(decoding: buffer, as: UTF8.self))
            }
            var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: Interrupts.descriptor, events: Int16(POLLIN), revents: 0)]
            if poll(&descriptors, 2, -1) < 0 { continue }
            if descriptors[1].revents & Int16(POLLIN) != 0 {
                switch MainActor.assumeIsolated({ Interrupts.drain() }) {
                case .interrupt: return .interrupted
                case .terminate: return .end
                case nil: break
                }
            }
            guard descriptors[0].revents != 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = read(descriptor, &chunk, chunk.count)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { atEnd = true } else { buffer += chunk[..<count] }
        }
    }
}
