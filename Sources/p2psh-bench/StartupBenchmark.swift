import Foundation
import PeerKit

/// How long `echo exit | p2psh --ephemeral --port 0` takes and how much memory it peaks at,
/// beside OpenDHT's `dhtnode` doing the same (start a node, read "x" from stdin, leave), when
/// it is installed (`scripts/install-deps bench`). Each is the median of several runs, timed
/// from spawn to exit, its peak RSS from `wait4`.
enum StartupBenchmark {
    struct Measurement {
        var milliseconds: Double
        var peakMiB: Double
    }

    struct Result {
        var p2psh: Measurement
        var dhtnode: Measurement?
    }

    static let runs = 9

    static func run() -> Result? {
        let p2psh = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("p2psh").path
        guard let ours = median(p2psh, ["--ephemeral", "--port", "0"], input: "exit\n") else { return nil }
        let dhtnode = ["/usr/bin/dhtnode", "/usr/local/bin/dhtnode"].first { FileManager.default.isExecutableFile(atPath: $0) }
        return Result(p2psh: ours, dhtnode: dhtnode.flatMap { median($0, ["-p", "0"], input: "x\n") })
    }

    static func lines(_ result: Result) -> [String] {
        let ours = result.p2psh
        var lines = ["start-up and exit: `echo exit | p2psh --ephemeral --port 0`, median of \(runs) runs"]
        let peer = result.dhtnode.map { String(format: "dhtnode %.1f ms, %.1f MiB", $0.milliseconds, $0.peakMiB) }
            ?? "dhtnode not installed (scripts/install-deps bench)"
        lines.append(String(format: "  p2psh %.1f ms, %.1f MiB peak RSS; ", ours.milliseconds, ours.peakMiB) + peer)
        if let theirs = result.dhtnode {
            let ratio = ours.milliseconds / theirs.milliseconds
            lines.append(String(format: "  time: %.2f× dhtnode (goal ≤ 1.5×) %@", ratio, ratio <= 1.5 ? "✓" : "✗"))
        }
        lines.append(String(format: "  memory: %.1f MiB (goal ≤ 20 MiB) %@", ours.peakMiB, ours.peakMiB <= 20 ? "✓" : "✗"))
        return lines
    }

    private static func median(_ executable: String, _ arguments: [String], input: String) -> Measurement? {
        var samples: [Measurement] = []
        for _ in 0..<runs {
            guard let sample = once(executable, arguments, input: input) else { return nil }
            samples.append(sample)
        }
        let times = samples.map(\.milliseconds).sorted(), peaks = samples.map(\.peakMiB).sorted()
        return Measurement(milliseconds: times[runs / 2], peakMiB: peaks[runs / 2])
    }

    /// One run: spawned with `input` waiting on a pipe, output discarded, reaped with `wait4`.
    private static func once(_ executable: String, _ arguments: [String], input: String) -> Measurement? {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { return nil }
        _ = input.withCString { write(pipeEnds[1], $0, strlen($0)) }
        close(pipeEnds[1])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let started = ContinuousClock.now
        guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else { close(pipeEnds[0]); return nil }
        close(pipeEnds[0])
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0, errno == EINTR {}
        let elapsed = ContinuousClock.now - started
        return Measurement(milliseconds: elapsed.inSeconds * 1000, peakMiB: Double(usage.ru_maxrss) / 1024)
    }
}
