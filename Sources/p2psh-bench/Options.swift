import Foundation

/// The bench's command line: plain `CommandLine` parsing, no ArgumentParser in this target.
struct Options: Sendable {
    /// Network sizes to measure, one table row each.
    var sizes = [100, 500]
    /// Stores (and as many gets) per network size.
    var operations = 100
    /// Joins or lookups in flight at once while bootstrapping.
    var bootstrapConcurrency = 32
    /// Seconds the find_node load generator measures for (after a short warm-up).
    var loadSeconds = 3.0
    /// find_node queries the load generator keeps outstanding.
    var loadWindow = 512
    /// Nodes joined to the node under find_node load, so its table is small but real.
    var loadHelpers = 20
    /// Skip the find_node load test.
    var skipLoad = false
    /// Nodes of the churn run (half of them leave), or nil to skip it.
    var churnSize: Int? = 500
    /// Size of the file the transfer benchmark fetches, in MiB.
    var transferMegabytes = 1024
    /// Times each transfer contender runs; the best run counts.
    var transferRounds = 2
    /// Skip the transfer benchmark, or run only it.
    var skipTransfer = false
    var skipStartup = false
    var onlyStartup = false
    var onlyTransfer = false
    /// Run only the soak, for this many seconds (`make soak`).
    var soakSeconds: Double?
    /// p2psh nodes of the BEP 44 row (three libtorrent nodes join them), and items each way; 0 skips it.
    var itemNodes = 30
    var itemOperations = 20
    /// Nodes of the simulated network (real engines on virtual time), or nil to skip it; values
    /// stored there (each read by 5 nodes); nodes of its upkeep hour.
    var simulatedNodes: Int? = 100_000
    var simulatedValues = 200
    var upkeepNodes = 2000
    /// Run only the simulation.
    var onlySimulation = false
    /// Whole-process budget in seconds: the watchdog exits after it, so the bench always ends.
    var timeout = 1800.0

    static let usage = """
        usage: p2psh-bench [--sizes 100,500] [--ops 100] [--concurrency 32]
                           [--load-seconds 3] [--window 512] [--helpers 20] [--no-load]
                           [--churn-size 500 | --no-churn] [--item-nodes 30] [--item-ops 20 | --no-items]
                           [--transfer-mib 1024] [--rounds 2] [--no-transfer | --only-transfer]
                           [--no-startup | --only-startup] [--timeout 1800]
                           [--simulate 100000 | --no-simulate | --only-simulate] [--simulated-values 200]
                           [--upkeep-nodes 2000] [--quick]
               p2psh-bench --soak 60
        """

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var remaining = arguments[...]
        func fail(_ message: String) -> Never {
            FileHandle.standardError.write(Data("p2psh-bench: \(message)\n\(usage)\n".utf8))
            exit(64)
        }
        func value(for flag: String) -> String {
            guard let value = remaining.popFirst() else { fail("\(flag) needs a value") }
            return value
        }
        func positive<Number: LosslessStringConvertible & Comparable & AdditiveArithmetic>(_ flag: String) -> Number {
            let text = value(for: flag)
            guard let number = Number(text), number > .zero else { fail("\(flag): '\(text)' is not a positive number") }
            return number
        }
        while let argument = remaining.popFirst() {
            // Accept both "--flag value" and "--flag=value".
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                remaining.insert(String(argument[argument.index(after: equals)...]), at: remaining.startIndex)
                remaining.insert(String(argument[..<equals]), at: remaining.startIndex)
                continue
            }
            switch argument {
            case "--sizes":
                let text = value(for: argument)
                guard let sizes = Self.sizes(text) else { fail("--sizes: '\(text)' is not a comma-separated list of sizes >= 2") }
                options.sizes = sizes
            case "--ops": options.operations = positive(argument)
            case "--concurrency": options.bootstrapConcurrency = positive(argument)
            case "--load-seconds": options.loadSeconds = positive(argument)
            case "--window": options.loadWindow = min(positive(argument), 16384)
            case "--helpers": options.loadHelpers = positive(argument)
            case "--no-load": options.skipLoad = true
            case "--churn-size": options.churnSize = max(positive(argument), 4)
            case "--no-churn": options.churnSize = nil
            case "--item-nodes": options.itemNodes = max(positive(argument), 3)
            case "--item-ops": options.itemOperations = positive(argument)
            case "--no-items": options.itemOperations = 0
            case "--transfer-mib": options.transferMegabytes = positive(argument)
            case "--rounds": options.transferRounds = positive(argument)
            case "--no-transfer": options.skipTransfer = true
            case "--no-startup": options.skipStartup = true
            case "--only-startup": options.onlyStartup = true
            case "--only-transfer": options.onlyTransfer = true
            case "--timeout": options.timeout = positive(argument)
            case "--simulate": options.simulatedNodes = min(max(positive(argument), 10), 1 << 17)
            case "--no-simulate": options.simulatedNodes = nil
            case "--only-simulate": options.onlySimulation = true
            case "--simulated-values": options.simulatedValues = positive(argument)
            case "--upkeep-nodes": options.upkeepNodes = min(max(positive(argument), 10), 1 << 17)
            case "--quick":
                (options.onlySimulation, options.simulatedNodes, options.simulatedValues) = (true, 2000, 40)
                options.upkeepNodes = 200
            case "--soak": options.soakSeconds = positive(argument)
            case "-h", "--help":
                print(usage)
                exit(0)
            default:
                fail("unknown argument '\(argument)'")
            }
        }
        return options
    }

    /// "100,500" as sizes of at least 2 nodes; nil when it is not that.
    private static func sizes(_ text: String) -> [Int]? {
        let sizes = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 2 }) else { return nil }
        return sizes.compactMap { $0 }
    }
}
