import ArgumentParser

struct Exit: Verb {
    static let configuration = CommandConfiguration(
        commandName: "exit",
        abstract: "Save state, stop the node and leave (also Ctrl-D).",
        discussion: """
            The routing table and values are saved to the data directory, so the next start \
            resumes with the same node id and table. In a script, the commands after it do not run.

            Example:
              exit
            """,
        aliases: ["quit"])
    static let group = VerbGroup.shell
    static let endsSession = true

    func execute(in session: ShellSession) async throws -> any VerbOutput { NoOutput() }
}
