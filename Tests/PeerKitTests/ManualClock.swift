import Synchronization
@testable import PeerKit

/// A clock that moves only when a test advances it: an hour of protocol timers runs in
/// microseconds, and nothing in a DHT unit test sleeps.
///
/// Its state sits behind a `Mutex` because `now` is read synchronously from any thread
/// (the node's event loop, a traversal's tasks) while the test advances it.
final class ManualClock: DHTClock {
    private struct Sleeper {
        let id: Int
        let deadline: Timestamp
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Timestamp
        var sleepers: [Sleeper] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    init(now: Timestamp = Timestamp(sinceEpoch: .seconds(1_800_000_000))) {
        state = Mutex(State(now: now))
    }

    var now: Timestamp { state.withLock { $0.now } }

    /// How many tasks sleep on the clock.
    var sleepers: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline a task sleeps until.
    var nextDeadline: Timestamp? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    /// When each sleeper wakes.
    var deadlines: [Timestamp] { state.withLock { $0.sleepers.map(\.deadline) } }

    func sleep(until deadline: Timestamp) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { state in
                state.sleepers.firstIndex { $0.id == id }.map { state.sleepers.remove(at: $0) }
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward and wakes every task whose deadline has come, earliest first.
    func advance(by duration: Duration) {
        advance(to: now + duration)
    }

    func advance(to time: Timestamp) {
        let due = state.withLock { state in
            state.now = max(state.now, time)
            let due = state.sleepers.filter { $0.deadline <= state.now }.sorted { $0.deadline < $1.deadline }
            state.sleepers.removeAll { $0.deadline <= state.now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Lets other tasks run until they have settled (bounded: yields, never sleeps).
    func settle() async {
        var quiet = 0
        var last = sleepers
        for _ in 0..<5_000 where quiet < 200 {
            await Task.yield()
            let count = sleepers
            quiet = count == last ? quiet + 1 : 0
            last = count
        }
    }

    /// Runs `body`, advancing the clock whenever the tasks have settled, until `body` returns:
    /// to the next sleeper's deadline, or by `step` when given (so that no deadline is jumped
    /// over while a task that settled late has yet to sleep). Returns `body`'s result and how
    /// much clock time passed.
    func drive<T: Sendable>(step: Duration? = nil, maxSteps: Int = 10_000,
                            _ body: @escaping @Sendable () async -> T) async -> (value: T, elapsed: Duration) {
        let started = now
        let finished = Mutex<T?>(nil)
        let task = Task {
            let value = await body()
            finished.withLock { $0 = value }
        }
        for _ in 0..<maxSteps {
            await settle()
            if finished.withLock({ $0 != nil }) { break }
            if let step {
                advance(by: step)
            } else if let deadline = nextDeadline {
                advance(to: deadline)
            }
        }
        await task.value
        return (finished.withLock { $0! }, now - started)
    }
}
