import Foundation

/// Where the shell writes: results to stdout, errors and notes to stderr or the terminal.
///
/// Writes go straight to the file descriptor, so output is never held in a
/// buffer while the next command runs, and never interleaves within a line.
struct Console: Sendable {
    /// True when a person is at a terminal: then prompts, headers and notes are shown.
    let isInteractive: Bool

    static func detect() -> Console {
        Console(isInteractive: isatty(0) == 1 && isatty(1) == 1)
    }

    /// A result line: always on stdout.
    func print(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Context for a person (the key used, timings, table headers): shown only on a terminal.
    func note(_ line: String) {
        guard isInteractive else { return }
        print(line)
    }

    /// An error, as `error: …` on stderr.
    func error(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }

    func warning(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }
}
