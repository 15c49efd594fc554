import CLibEdit
import Foundation
import Synchronization

/// Where log lines go: straight to stderr, except while a line is being edited at the prompt.
/// Then they wait, the line reader is woken, and it clears the prompt and the typed text,
/// writes them, and draws the prompt and the text again below them, so a log line never lands
/// inside what is being typed.
enum LogLines {
    private struct State {
        var editing = false
        var pending: [String] = []
    }

    private static let state = Mutex(State())
    /// The signal pipe's write end (the line reader watches its read end); set at start-up.
    private static let wakeUp = Mutex<Int32>(-1)

    /// `descriptor` is the signal pipe's write end; it comes from Interrupts.swift, the one
    /// Swift file whose copy of the C header's statics holds the pipe.
    static func install(wakingThrough descriptor: Int32) { wakeUp.withLock { $0 = descriptor } }

    static func write(_ line: String) {
        let deferred = state.withLock { state in
            guard state.editing else { return false }
            state.pending.append(line)
            return true
        }
        guard deferred else { return TerminalOutput.write(line, to: 2) }
        var byte = UInt8(P2PSH_LOG)
        _ = wakeUp.withLock { Foundation.write($0, &byte, 1) }
    }

    /// The line editor starts or stops reading a line; what waits is written when it stops.
    static func setEditing(_ editing: Bool) {
        state.withLock { $0.editing = editing }
        if !editing { flush() }
    }

    /// Writes what waits (the line reader calls it between clearing and redrawing the line).
    static func flush() {
        let lines = state.withLock { state in
            defer { state.pending = [] }
            return state.pending
        }
        if !lines.isEmpty { TerminalOutput.write(lines.joined(), to: 2) }
    }
}
