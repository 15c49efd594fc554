/// Says what a command waits for when it takes long: a silent address costs a query's whole
/// timeout, and a person at the terminal should know why nothing happens.
enum Waiting {
    /// Runs `work`; when it has not finished after `delay`, writes `message` as a note (on a
    /// terminal only: a pipe gets results alone).
    static func noting<T: Sendable>(_ message: String, on console: Console, after delay: Duration = .seconds(1),
                                    _ work: () async throws -> T) async throws -> T {
        guard console.decorated else { return try await work() }
        let note = Task {
            try await Task.sleep(for: delay)
            console.note(message)
        }
        defer { note.cancel() }
        return try await work()
    }
}
