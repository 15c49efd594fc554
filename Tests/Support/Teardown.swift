/// Runs `body`, then awaits `teardown`, whether `body` returned or threw: the awaited
/// counterpart of `defer { Task { await x.close() } }`, whose close may still be running (or
/// never run) when the test has ended.
///
///     try await withTeardown { await node.close() } body: {
///         …
///     }
public func withTeardown<T>(_ teardown: () async -> Void, body: () async throws -> T) async rethrows -> T {
    let result: T
    do {
        result = try await body()
    } catch {
        await teardown()
        throw error
    }
    await teardown()
    return result
}
