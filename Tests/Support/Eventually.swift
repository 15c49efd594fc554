/// Polls `condition` every `interval` until it holds or `timeout` has passed, and says whether
/// it held: the caller asserts, `#expect(await eventually { … })`, so a failure points at the test.
///
/// The wait is always bounded: the condition is checked one last time at the deadline, and the
/// polling stops early (with that last check) if the task is cancelled.
public func eventually(timeout: Duration = .seconds(5), every interval: Duration = .milliseconds(20),
                       _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline, !Task.isCancelled {
        if try await condition() { return true }
        try? await Task.sleep(for: min(interval, deadline - clock.now))
    }
    return try await condition()
}
