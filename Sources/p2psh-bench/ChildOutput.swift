import Foundation

/// Reading what a `p2psh` child process of the bench prints, and ending it.
enum ChildOutput {
    /// Reads `reader` until `found` picks a result out of the whole lines so far, the pipe closes, or
    /// `timeout` passes. Returns the result, if any, and the text read (for error messages).
    static func read<T>(_ reader: FileHandle, timeout: Duration,
                        until found: ([Substring]) -> T?) -> (result: T?, text: String) {
        var text = ""
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            // Whole lines only: a chunk may end in the middle of one.
            let whole = text.lastIndex(of: "\n").map { text[..<$0] } ?? ""
            if let result = found(whole.split(separator: "\n")) { return (result, text) }
        }
        return (nil, text)
    }

    /// Ends a `p2psh` child the way a user would, with `exit`; terminates it after 10 s.
    static func exit(_ process: Process, input: FileHandle) {
        input.write(Data("exit\n".utf8))
        try? input.close()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
    }
}
