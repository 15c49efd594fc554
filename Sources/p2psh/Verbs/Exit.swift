import ArgumentParser

struct Exit: Verb {
    static let configuration = CommandConfiguration(
        commandName: "exit",
        abstract: "Save state, stop the node and leave (also Ctrl-D).",
        discussion: """
            The routing table and values are saved to the data directory, so the next start \
            resumes with the same node id and table.

            Example:
              exit
            """,
        aliases: ["quit"])
    static let group = VerbGroup.shell
    static let synopsis = ""

    func execute(in session: ShellSession) async throws -> VerbResult { .exit }
}
