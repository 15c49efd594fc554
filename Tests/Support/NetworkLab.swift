import Foundation

/// Distinct hosts for tests: Linux network namespaces, one address each, on a bridge of their own.
///
/// Each host is a namespace with one interface, `eth0`, at 198.18.N.1 (N = 1, 2, ...): a /24 of
/// its own inside 198.18.0.0/15, the range RFC 2544 keeps for benchmarks. It is neither loopback
/// nor private, so per-IP rules and BEP 42 apply as on the internet. The hosts reach each
/// other through a bridge in a hub namespace, and nothing else: no namespace has a default
/// route, so no packet leaves the lab. Creating one needs root (CI runs as root) and iproute2.
///
/// Use ``withNetworkLab(hosts:_:)``: it removes every namespace it made, also when the test fails.
public final class NetworkLab: Sendable {
    public struct Host: Sendable {
        public let namespace: String
        /// The host's address, "198.18.N.1".
        public let address: String
    }

    public let hosts: [Host]
    let hub: String

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let prefix = "p2psh-lab-"

    private init(hub: String, hosts: [Host]) {
        self.hub = hub
        self.hosts = hosts
    }

    /// Makes `count` hosts; says what is missing when it cannot.
    static func create(hosts count: Int) async throws -> NetworkLab {
        guard getuid() == 0 else {
            throw Unavailable(description: "tests of distinct hosts make network namespaces, which needs root: run make test as root (CI does)")
        }
        guard ip != nil else {
            throw Unavailable(description: "tests of distinct hosts need iproute2's ip: scripts/install-deps test installs it")
        }
        await removeStale()
        let tag = "\(getpid())-\(UInt32.random(in: 0 ... .max) % 100_000)"
        let lab = NetworkLab(hub: prefix + tag + "-hub", hosts: (1...count).map {
            Host(namespace: prefix + tag + "-\($0)", address: "198.18.\($0).1")
        })
        do {
            try await lab.build(tag: tag)
        } catch {
            await lab.remove()
            throw error
        }
        return lab
    }

    private func build(tag: String) async throws {
        try await Self.ip(["netns", "add", hub])
        try await Self.ip(["-n", hub, "link", "add", "br0", "type", "bridge"])
        try await Self.ip(["-n", hub, "link", "set", "br0", "up"])
        for (index, host) in hosts.enumerated() {
            // Interface names are at most 15 characters, and must not collide across labs.
            let veth = "l\(String(tag.hash & 0xFFFFF, radix: 36))x\(index)"
            try await Self.ip(["netns", "add", host.namespace])
            try await Self.ip(["link", "add", veth, "netns", hub, "type", "veth", "peer", "name", "eth0", "netns", host.namespace])
            try await Self.ip(["-n", hub, "link", "set", veth, "master", "br0", "up"])
            try await Self.ip(["-n", host.namespace, "addr", "add", host.address + "/15", "dev", "eth0"])
            try await Self.ip(["-n", host.namespace, "link", "set", "eth0", "up"])
            try await Self.ip(["-n", host.namespace, "link", "set", "lo", "up"])
        }
    }

    /// A program running on host `index`.
    public func spawn(on index: Int, _ executable: String, _ arguments: [String],
                      environment: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(Self.ip!, ["netns", "exec", hosts[index].namespace, executable] + arguments, environment: environment)
    }

    /// Runs a program on host `index` to its end.
    public func run(on index: Int, _ executable: String, _ arguments: [String], timeout: Double = 30)
        async throws -> (status: Int32, stdout: String, stderr: String) {
        try await ChildProcess.run(Self.ip!, ["netns", "exec", hosts[index].namespace, executable] + arguments,
                                   timeout: timeout)
    }

    /// Removes every namespace of the lab (their interfaces and the bridge go with them).
    func remove() async {
        for namespace in [hub] + hosts.map(\.namespace) {
            _ = try? await ChildProcess.run(Self.ip!, ["netns", "del", namespace], timeout: 10)
        }
    }

    /// Namespaces left by a test process that no longer runs (killed before its teardown).
    private static func removeStale() async {
        guard let listed = try? await ChildProcess.run(ip!, ["netns", "list"], timeout: 10) else { return }
        for line in listed.stdout.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(prefix), let pid = Int32(name.dropFirst(prefix.count).split(separator: "-").first ?? ""),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            _ = try? await ChildProcess.run(ip!, ["netns", "del", name], timeout: 10)
        }
    }

    private static func ip(_ arguments: [String]) async throws {
        let result = try await ChildProcess.run(ip!, arguments, timeout: 10)
        guard result.status == 0 else {
            throw Unavailable(description: "ip \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
    }
}

/// Runs `body` with a lab of `count` hosts, and removes the lab (awaited) whether it returns or throws.
public func withNetworkLab<T>(hosts count: Int, _ body: (NetworkLab) async throws -> T) async throws -> T {
    let lab = try await NetworkLab.create(hosts: count)
    return try await withTeardown { await lab.remove() } body: { try await body(lab) }
}
