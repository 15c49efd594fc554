import Foundation

/// Starts a program with `posix_spawn`, its standard input, output and error on new pipes, and
/// every other descriptor of this process closed in the child.
///
/// Why not Foundation's `Process`: on Linux it closes the parent's descriptors in the child by
/// listing the ones open *before* it spawns, so a descriptor another thread opens meanwhile
/// leaks into the child. The tests run in parallel in one process, and NIO's accepted sockets
/// are not close-on-exec: a `p2psh` started by one test kept another test's HTTP connections
/// (and `Process`'s own exit-notification sockets) open for its whole life, so a closed
/// connection stayed open at its client and an exited `curl` still counted as running.
/// `posix_spawn_file_actions_addclosefrom_np` closes them in the child itself, atomically.
enum Spawn {
    struct Child {
        let pid: pid_t
        /// The write end of the child's standard input, and the read ends of its output and error.
        let input: Int32, output: Int32, error: Int32
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later) and
    /// `posix_spawn_file_actions_addchdir_np` (2.29), which Swift's Glibc module does not export.
    private static let closeFrom = glibc("posix_spawn_file_actions_addclosefrom_np",
                                         as: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    private static let changeDirectory = glibc("posix_spawn_file_actions_addchdir_np",
                                               as: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>,
                                                                   UnsafePointer<CChar>) -> Int32).self)

    private static func glibc<Function>(_ name: String, as type: Function.Type) -> Function? {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: type) }
    }

    /// Starts `executable` with `arguments` and exactly `environment`, in `currentDirectory`
    /// if given, in a process group of its own; signals the child starts with are as a shell
    /// leaves them (none blocked, SIGPIPE and SIGINT at their defaults).
    static func start(_ executable: String, _ arguments: [String], environment: [String: String],
                      currentDirectory: String?) throws -> Child {
        guard let closeFrom, let changeDirectory else {
            throw Failure(description: "starting a program needs glibc 2.34 or later (posix_spawn_file_actions_addclosefrom_np)")
        }
        let stdin = try pipe(), stdout = try pipe(), stderr = try pipe()
        let childEnds = [stdin.read, stdout.write, stderr.write]
        defer { childEnds.forEach { close($0) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, source) in zip([STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO], childEnds) {
            try check(posix_spawn_file_actions_adddup2(&actions, source, target), "dup2")
        }
        try check(closeFrom(&actions, STDERR_FILENO + 1), "closefrom")
        if let currentDirectory { try check(changeDirectory(&actions, currentDirectory), "chdir") }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGINT)
        try check(posix_spawnattr_setsigmask(&attributes, &none), "sigmask")
        try check(posix_spawnattr_setsigdefault(&attributes, &defaults), "sigdefault")
        try check(posix_spawnattr_setpgroup(&attributes, 0), "pgroup")
        try check(posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)),
                  "flags")

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            [stdin.write, stdout.read, stderr.read].forEach { close($0) }
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return Child(pid: pid, input: stdin.write, output: stdout.read, error: stderr.read)
    }

    /// A pipe. Its ends need not be close-on-exec: every child closes all but its standard three.
    private static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard Glibc.pipe(&ends) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        return (ends[0], ends[1])
    }

    private static func check(_ result: Int32, _ step: String) throws {
        guard result == 0 else { throw Failure(description: "posix_spawn \(step): \(String(cString: strerror(result)))") }
    }
}
