import Dispatch
import Foundation
import PeerKit

/// Runs `operation`, cancelling it after `seconds`; nil when the deadline came first.
///
/// Cancellation is cooperative (PeerKit's queries end as cancelled at once), so this
/// returns soon after the deadline. The process-wide ``Watchdog`` is the backstop
/// should an operation ever ignore cancellation.
func withDeadline<T: Sendable>(_ seconds: Double, _ operation: @escaping @Sendable () async -> T) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await operation() }
        group.addTask {
            try? await Task.sleep(for: .seconds(seconds))
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// Maps `0..<count` with at most `limit` bodies running at once; results come back in index order.
func concurrentMap<T: Sendable>(_ count: Int, limit: Int, _ body: @escaping @Sendable (Int) async -> T) async -> [T] {
    await withTaskGroup(of: (Int, T).self) { group in
        var results: [T?] = Array(repeating: nil, count: count)
        var next = 0
        while next < min(limit, count) {
            let index = next
            group.addTask { (index, await body(index)) }
            next += 1
        }
        while let (index, result) = await group.next() {
            results[index] = result
            if next < count {
                let index = next
                group.addTask { (index, await body(index)) }
                next += 1
            }
        }
        return results.map { $0! }
    }
}

/// Ends the process if the bench overruns its budget, so `make bench` always terminates.
enum Watchdog {
    static func arm(seconds: Double) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            Output.line("watchdog: the bench did not finish within \(Int(seconds)) s; exiting (rows above are complete)")
            exit(3)
        }
    }
}

/// Unbuffered writes, so finished rows survive a watchdog exit or a crash.
enum Output {
    /// A line of the report, to stdout.
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Progress, to stderr, so stdout stays a clean table.
    static func progress(_ text: String) {
        FileHandle.standardError.write(Data(("  … " + text + "\n").utf8))
    }
}

/// Seconds elapsed since `start` on the continuous clock.
func seconds(since start: ContinuousClock.Instant) -> Double {
    (ContinuousClock.now - start).inSeconds
}
