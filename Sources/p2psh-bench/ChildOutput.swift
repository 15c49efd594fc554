import Foundation

/// Reading what a child process of the bench prints while it starts.
enum ChildOutput {
    /// Reads `reader` until `found` picks a result out of the lines so far, the pipe closes, or
    /// `timeout` passes. Returns the result, if any, and the text read (for error messages).
    static func read<T>(_ reader: FileHandle, timeout: Duration,
                        until found: ([Substring]) -> T?) -> (result: T?, text: String) {
        var text = ""
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let result = found(text.split(separator: "\n")) { return (result, text) }
        }
        return (nil, text)
    }
}
