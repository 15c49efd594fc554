import Foundation

// p2psh-bench: fetching a big file over loopback HTTP against curl and aria2c, PeerKit on
// in-process loopback networks, and one node under find_node load.
// Run by `make bench`; `--help` lists the options. Every wait has a deadline and a
// watchdog bounds the whole run, so the bench always terminates.

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
Watchdog.arm(seconds: options.timeout)

if let soakSeconds = options.soakSeconds {
    exit(await Soak.run(seconds: soakSeconds) ? 0 : 1)
}

if options.onlySimulation {
    runSimulation(options)
    exit(0)
}

// Start-up first, while the machine is quiet.
if !options.skipStartup {
    if let startup = StartupBenchmark.run() {
        for line in StartupBenchmark.lines(startup) { Output.line(line) }
        Output.line("")
    } else {
        Output.line("start-up benchmark failed: p2psh could not be run beside p2psh-bench")
    }
    if options.onlyStartup { exit(0) }
}

// The transfer runs first, so that the process's peak RSS after it is the downloader's own.
if !options.skipTransfer {
    do {
        let transfer = try await TransferBenchmark.run(options: options)
        Output.line("p2psh-bench: fetching one file over 127.0.0.1 from p2psh provider processes (best of \(options.transferRounds))")
        Output.line("")
        for line in TransferTable.lines(transfer) { Output.line(line) }
        Output.line("")
    } catch {
        Output.line("transfer benchmark failed: \(error)")
        exit(1)
    }
    if options.onlyTransfer { exit(0) }
}

Output.line("p2psh-bench: \(options.operations) stores and gets per network, nodes on 127.0.0.1 (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
Output.line("")
Output.line(Table.header)
var results: [NetworkResult] = []
for size in options.sizes {
    let result = await NetworkBenchmark.run(size: size, options: options)
    results.append(result)
    Output.line(Table.row(result))
}
Output.line("")
Output.line("peak RSS is process-wide (VmHWM): each row includes the peak of the rows before it.")
for result in results { Output.line(Table.notes(result)) }

if let churnSize = options.churnSize {
    let churn = await ChurnBenchmark.run(size: churnSize, options: options)
    Output.line("")
    for line in ChurnTable.lines(churn) { Output.line(line) }
    Output.line(Table.notes(churn.network))
}

if options.itemOperations > 0 {
    let items = await ItemBenchmark.run(options: options)
    Output.line("")
    for line in ItemBenchmark.lines(items) { Output.line(line) }
}

if !options.skipLoad {
    Output.progress("find_node load: \(options.loadHelpers + 1) nodes, window \(options.loadWindow), \(options.loadSeconds) s")
    Output.line("")
    Output.line(Table.findNodeLine(await FindNodeLoad.run(options: options)))
}
runSimulation(options)
exit(0)

func runSimulation(_ options: Options) {
    guard let nodes = options.simulatedNodes else { return }
    let runs = SimulationTable.run(nodes: nodes, values: options.simulatedValues,
                                   upkeepNodes: min(options.upkeepNodes, nodes))
    Output.line("")
    for line in SimulationTable.lines(runs, upkeepNodes: min(options.upkeepNodes, nodes)) { Output.line(line) }
}
