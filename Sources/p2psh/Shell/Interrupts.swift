import CLibEdit
import Foundation
import Synchronization

/// Ctrl-C for the shell: it cancels the line being edited or the command running, never the node.
///
/// The C handler only writes a byte to a pipe; the shell's main thread polls
/// that pipe together with whatever it waits for.
enum Interrupts {
    /// The read end of the interrupt pipe.
    nonisolated(unsafe) static var descriptor: Int32 = -1  // set once at start-up, before any other thread reads it

    static func install() {
        descriptor = p2psh_install_signal_handlers()
    }

    /// Empties the signal pipe; true if Ctrl-C was among what it held.
    static func drain() -> Bool { p2psh_drain_signals(descriptor, nil) > 0 }
}

/// Runs async work from the shell's main thread, and cancels it when Ctrl-C arrives.
enum InterruptibleRun {
    enum Outcome<T: Sendable>: Sendable {
        case finished(Result<T, any Error>)
        /// Ctrl-C arrived; the work was cancelled and has since finished with this result.
        case interrupted(Result<T, any Error>)
    }

    static func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) -> Outcome<T> {
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
                               pollfd(fd: Interrupts.descriptor, events: Int16(POLLIN), revents: 0)]
            if poll(&descriptors, nfds_t(descriptors.count), -1) < 0 { continue }
            if descriptors[1].revents & Int16(POLLIN) != 0, Interrupts.drain() {
                interrupted = true
                task.cancel()
            }
            if descriptors[0].revents & Int16(POLLIN) != 0, let value = result.withLock({ $0 }) {
                return interrupted ? .interrupted(value) : .finished(value)
            }
        }
    }
}
