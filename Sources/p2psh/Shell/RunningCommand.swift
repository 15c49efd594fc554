/// The command a verb runs for, as the shell parsed it: what partial results are labelled with.
struct RunningCommand: Sendable {
    var text: String
    var verb: String
    var started: ContinuousClock.Instant

    /// Set by the shell around each verb's execution.
    @TaskLocal static var current: RunningCommand?
}
