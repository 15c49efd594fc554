/// Routing tables for a simulated network, made from knowledge of every node, as a long-running
/// network's would be: in each bucket of a node's table, up to K nodes drawn at random from the
/// range of ids that bucket covers, so that a table is full where the network allows. Joining
/// 100,000 nodes one by one through real lookups would take most of the run and show nothing a
/// lookup of the finished network does not.
enum SimulatedTables {
    /// For each node (by index in `contacts`), the contacts to insert into its table.
    static func contacts(for index: Int, among sorted: [(id: NodeID, index: Int)], contacts: [Contact], k: Int,
                         using random: inout NodeRandom) -> [Contact] {
        let own = contacts[index].id
        var result: [Contact] = []
        for depth in 0..<NodeID.bitCount {
            // The ids that share `depth` leading bits with ours and differ in the next.
            let lower = own.flippingBit(depth).keepingPrefix(depth + 1, restFrom: .zero)
            let upper = own.flippingBit(depth).keepingPrefix(depth + 1, restFrom: .all)
            let range = firstIndex(atLeast: lower, in: sorted) ..< firstIndex(atLeast: upper, in: sorted, after: true)
            if range.count <= k {
                result += range.map { contacts[sorted[$0].index] }
            } else {
                var chosen = Set<Int>()
                while chosen.count < k { chosen.insert(Int.random(in: range, using: &random)) }
                result += chosen.sorted().map { contacts[sorted[$0].index] }
            }
            // Past the depth where only our own id is left, every deeper range is empty.
            let ours = own.keepingPrefix(depth + 1, restFrom: .zero)
            let oursUpper = own.keepingPrefix(depth + 1, restFrom: .all)
            if firstIndex(atLeast: oursUpper, in: sorted, after: true) - firstIndex(atLeast: ours, in: sorted) <= 1 { break }
        }
        return result
    }

    /// The first position whose id is at least `id` (greater, with `after`).
    private static func firstIndex(atLeast id: NodeID, in sorted: [(id: NodeID, index: Int)], after: Bool = false) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle].id < id || (after && sorted[middle].id == id) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

extension NodeID {
    /// All 160 bits set.
    static let all = NodeID(high: .max, middle: .max, low: .max)
}
