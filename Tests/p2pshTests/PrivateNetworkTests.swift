import Foundation
import Testing
import TestSupport

/// `--network` on separate processes: nodes of one network never mix with another's.
@Suite(.timeLimit(.minutes(2))) struct PrivateNetworkTests {
    @Test func nodesOfAPrivateNetworkJoinEachOtherAndRefuseOthersSayingWhy() async throws {
        let lab = try await ShellProcess.start(["--ephemeral", "-k", "--network", "lab"])
        defer { lab.child.terminate() }
        let labMember = try await p2psh(["--ephemeral", "--port", "0", "--network", "lab", "-c",
                                         "join \(lab.address); store lab-key inside; get lab-key"], input: "")
        #expect(labMember.status == 0, "\(labMember.stderr)")
        #expect(labMember.stdout.contains("stored on 1 node") && labMember.stdout.contains("inside"), "\(labMember.stdout)")

        let outsider = try await p2psh(["--ephemeral", "--port", "0", "-c", "join \(lab.address)"], input: "")
        #expect(outsider.status == 1)
        #expect(outsider.stderr.contains("node \(lab.address) is on network lab, this node on the public network: "
                                         + "start p2psh with --network lab to reach it"), "\(outsider.stderr)")
        let other = try await p2psh(["--ephemeral", "--port", "0", "--network", "other", "-c", "join \(lab.address)"], input: "")
        #expect(other.stderr.contains("is on network lab, this node on network other"), "\(other.stderr)")

        let publicNode = try await ShellProcess.start()
        defer { publicNode.child.terminate() }
        let fromLab = try await lab.output(of: "join \(publicNode.address)")
        #expect(fromLab.isEmpty)
        #expect(lab.child.stderr.contains("node \(publicNode.address) is on the public network, this node on network lab: "
                                          + "start p2psh without --network to reach it"), "\(lab.child.stderr)")
        let stats = try await lab.output(of: "stats")
        #expect(stats.contains("network lab\n") && !stats.contains("other_network_datagrams 0\n"), "\(stats)")
        #expect(!(try await publicNode.output(of: "peers")).contains(lab.address), "the public node learned nothing")
        let badName = try await p2psh(["--ephemeral", "--network", "two words", "-c", "stats"], input: "")
        #expect(badName.status != 0 && badName.stderr.contains("--network: a network name is printable ASCII without spaces"),
                "\(badName.stderr)")
    }
}
