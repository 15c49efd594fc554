import CLibEdit
import Foundation
import Synchronization

/// Signals for the shell. Ctrl-C (SIGINT) cancels the line being edited or the command
/// running, never the node; SIGTERM and SIGHUP end the session cleanly, saving state.
///
/// The C handler only writes a byte to a pipe; the shell's main thread polls
/// that pipe together with whatever it waits for.
enum Interrupts {
    enum Signal {
        case interrupt
        case terminate
    }

    /// The read end of the signal pipe.
    nonisolated(unsafe) static var descriptor: Int32 = -1  // set once at start-up, before any other thread reads it
    /// Set once SIGTERM or SIGHUP arrived; only the main thread reads or writes it.
    @MainActor static var terminated = false

    static func install() {
        descriptor = p2psh_install_signal_handlers()
        LogLines.install(wakingThrough: p2psh_signal_write_end())
    }

    /// Set when the terminal was resized while no line was being edited; the line editor
    /// takes the new size before it draws the next prompt.
    @MainActor static var windowChanged = false

    /// Empties the signal pipe and says what it held that matters (a window change is only noted).
    @MainActor
    static func drain() -> Signal? {
        let seen = p2psh_drain_signals(descriptor)
        if seen.terminate != 0 { terminated = true }
        if seen.window_changed != 0 { windowChanged = true }
        if terminated { return .terminate }
        return seen.interrupts > 0 ? .interrupt : nil
    }
}

/// Runs async work from the shell's main thread, and cancels it when Ctrl-C arrives
/// (unless `cancellable` is false, as for the final save).
enum InterruptibleRun {
    enum Outcome<T: Sendable>: Sendable {
        case finished(Result<T, any Error>)
        /// Ctrl-C arrived; the work was cancelled and has since finished with this result.
        case interrupted(Result<T, any Error>)
    }

    static func run<T: Sendable>(cancellable: Bool = true,
                                 _ operation: @escaping @Sendable () async throws -> T) -> Outcome<T> {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { fatalError("pipe() failed: out of file descriptors") }
        defer { close(pipeEnds[0]); close(pipeEnds[1]) }
        let result = Mutex<Result<T, any Error>?>(nil)
        let writeEnd = pipeEnds[1]
        let task = Task {
            let outcome: Result<T, any Error>
            do { outcome = .success(try await operation()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            var byte: UInt8 = 1
            _ = write(writeEnd, &byte, 1)
        }
        var interrupted = false
        while true {
            var descriptors = [pollfd(fd: pipeEnds[0], events: Int16(POLLIN), revents: 0),
                               pollfd(fd: cancellable ? Interrupts.descriptor : -1, events: Int16(POLLIN), revents: 0)]
            if poll(&descriptors, nfds_t(descriptors.count), -1) < 0 { continue }
            if descriptors[1].revents & Int16(POLLIN) != 0, MainActor.assumeIsolated({ Interrupts.drain() }) != nil {
                interrupted = true
                task.cancel()
            }
            if descriptors[0].revents & Int16(POLLIN) != 0, let value = result.withLock({ $0 }) {
                return interrupted ? .interrupted(value) : .finished(value)
            }
        }
    }
}
