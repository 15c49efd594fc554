import Testing
@testable import FileSharing
@testable import PeerKit

private typealias Request = PieceScheduler.Request

@Suite struct PieceSchedulerTests {
    @Test func fillsSlotsLowestPiecesFirstSpreadOverProviders() {
        var scheduler = PieceScheduler(pieceCount: 10, providerCount: 2, requestsPerProvider: 3)
        let requests = scheduler.nextRequests()
        #expect(requests.map(\.piece) == [0, 1, 2, 3, 4, 5])
        #expect(requests.filter { $0.provider == 0 }.count == 3)
        #expect(requests.filter { $0.provider == 1 }.count == 3)
        // Alternating, so both providers start on the front of the file.
        #expect(Set(requests.prefix(2).map(\.provider)) == [0, 1])
        #expect(scheduler.nextRequests().isEmpty, "every slot is full")
        #expect(scheduler.inFlight == [3, 3])

        scheduler.verified(requests[0])
        #expect(scheduler.nextRequests() == [Request(piece: 6, provider: requests[0].provider)])
        #expect(scheduler.missingCount == 9)
    }

    @Test func piecesAlreadyPresentAreNeverRequested() {
        var scheduler = PieceScheduler(pieceCount: 6, providerCount: 1, have: [0, 2, 3, 5], requestsPerProvider: 8)
        #expect(scheduler.missingCount == 2)
        #expect(scheduler.nextRequests().map(\.piece) == [1, 4])
        var everything = PieceScheduler(pieceCount: 3, providerCount: 0, have: [0, 1, 2])
        #expect(everything.isComplete && !everything.hasFailed)
        #expect(everything.nextRequests().isEmpty)
    }

    @Test func corruptPieceDemotesThenDrops() {
        var scheduler = PieceScheduler(pieceCount: 20, providerCount: 2, requestsPerProvider: 4, corruptLimit: 2)
        let first = scheduler.nextRequests()
        let bad = first.first { $0.provider == 0 }!
        scheduler.corrupt(bad)
        #expect(scheduler.standings[0] == .demoted)
        // The corrupt piece goes to the other provider as soon as it has a free slot.
        let good = first.first { $0.provider == 1 }!
        scheduler.verified(good)
        let next = scheduler.nextRequests()
        #expect(next.contains(Request(piece: bad.piece, provider: 1)))
        #expect(!next.contains { $0.provider == 0 }, "demoted: one request at a time, and it has 3 in flight")
        // Drain provider 0's requests: it may have only one in flight from now on.
        for request in first where request.provider == 0 && request != bad { scheduler.verified(request) }
        #expect(scheduler.inFlight[0] == 0)
        let single = scheduler.nextRequests().filter { $0.provider == 0 }
        #expect(single.count == 1)
        scheduler.corrupt(single[0])
        #expect(scheduler.standings[0] == .dropped(reason: "sent 2 corrupt pieces"))
        #expect(scheduler.corruptPieces == [2, 0])
        #expect(scheduler.nextRequests().allSatisfy { $0.provider == 1 })
    }

    @Test func transportFailuresInARowDrop() {
        var scheduler = PieceScheduler(pieceCount: 20, providerCount: 2, requestsPerProvider: 2, failureLimit: 2)
        let requests = scheduler.nextRequests()
        let mine = requests.filter { $0.provider == 0 }
        scheduler.failed(mine[0], reason: "connection reset", permanent: false)
        #expect(scheduler.standings[0] == .active)
        scheduler.verified(mine[1])  // a good piece resets the count
        let again = scheduler.nextRequests().filter { $0.provider == 0 }
        #expect(again.count == 2)
        // The failed piece went to the other provider, not back to provider 0.
        #expect(!again.contains { $0.piece == mine[0].piece })
        scheduler.failed(again[0], reason: "connection reset", permanent: false)
        #expect(scheduler.standings[0] == .active)
        scheduler.failed(again[1], reason: "connection refused", permanent: false)
        #expect(scheduler.standings[0] == .dropped(reason: "connection refused"))
        #expect(scheduler.dropReasons == [0: "connection refused"])
        #expect(!scheduler.hasFailed)
    }

    @Test func permanentFailureDropsAtOnceAndRequeuesItsPieces() {
        var scheduler = PieceScheduler(pieceCount: 8, providerCount: 2, requestsPerProvider: 2)
        let requests = scheduler.nextRequests()
        let mine = requests.filter { $0.provider == 0 }
        scheduler.failed(mine[0], reason: "does not have the file (404)", permanent: true)
        #expect(scheduler.standings[0].isDropped)
        // Its other piece, still in flight, is queued for provider 1 at once.
        for request in requests where request.provider == 1 { scheduler.verified(request) }
        let next = scheduler.nextRequests()
        #expect(Set(next.map(\.piece)) == Set(mine.map(\.piece)))
        #expect(next.allSatisfy { $0.provider == 1 })
        // The dropped provider's late answer still counts if it verifies.
        let late = scheduler.verified(mine[1])
        #expect(late)
        let copy = next.first { $0.piece == mine[1].piece }!
        let again = scheduler.verified(copy)
        #expect(!again, "the second copy is not new")
    }

    @Test func aPieceFailedByTheOnlyProviderLeftIsRetriedByIt() {
        var scheduler = PieceScheduler(pieceCount: 1, providerCount: 1, requestsPerProvider: 1, corruptLimit: 3, failureLimit: 3)
        let first = scheduler.nextRequests()
        #expect(first == [Request(piece: 0, provider: 0)])
        scheduler.corrupt(first[0])
        #expect(scheduler.nextRequests() == [Request(piece: 0, provider: 0)])
    }

    @Test func endgameDuplicatesOnlyWhenNothingIsQueued() {
        var scheduler = PieceScheduler(pieceCount: 3, providerCount: 2, requestsPerProvider: 2)
        let requests = scheduler.nextRequests()
        #expect(requests.count == 4, "3 pieces and one endgame copy")
        #expect(Set(requests.map(\.piece)) == [0, 1, 2])
        let copies = Dictionary(grouping: requests, by: \.piece)
        #expect(copies.values.map(\.count).sorted() == [1, 1, 2], "at most two copies")
        #expect(copies.values.allSatisfy { Set($0.map(\.provider)).count == $0.count }, "copies at different providers")
        for request in requests { scheduler.verified(request) }
        #expect(scheduler.isComplete)
        #expect(scheduler.piecesVerified.reduce(0, +) == 3)
    }

    @Test func demotedProvidersDoNotDuplicate() {
        var scheduler = PieceScheduler(pieceCount: 2, providerCount: 2, requestsPerProvider: 1)
        let requests = scheduler.nextRequests()
        let zero = requests.first { $0.provider == 0 }!
        scheduler.corrupt(zero)  // demoted; its piece goes to the queue
        let next = scheduler.nextRequests()
        // Provider 0 (demoted) may retake the piece only if provider 1 failed it too; it did not.
        #expect(next.isEmpty || next.allSatisfy { $0.provider == 1 })
    }

    @Test func failsWhenEveryProviderIsDropped() {
        var scheduler = PieceScheduler(pieceCount: 4, providerCount: 2, requestsPerProvider: 1, failureLimit: 1)
        for request in scheduler.nextRequests() {
            scheduler.failed(request, reason: "connection refused", permanent: false)
        }
        #expect(scheduler.hasFailed)
        #expect(scheduler.usableProviders == 0)
        #expect(scheduler.nextRequests().isEmpty)
        #expect(scheduler.dropReasons.count == 2)
    }

    /// Random outcomes, checked against the rules at every step: no request for a piece that
    /// is present, never more in flight than the slots, and it always ends, complete or failed.
    @Test(arguments: 1...40) func randomOutcomesKeepTheRules(seed: UInt64) {
        var random = SplitMix(seed: seed)
        let pieces = Int(random.next() % 40)
        let providers = Int(random.next() % 4) + 1
        var scheduler = PieceScheduler(pieceCount: pieces, providerCount: providers,
                                       have: (0..<pieces).filter { _ in random.next() % 4 == 0 },
                                       requestsPerProvider: Int(random.next() % 4) + 1)
        var inFlight: [Request] = []
        var steps = 0
        while !scheduler.isComplete && !scheduler.hasFailed {
            steps += 1
            #expect(steps < 10_000, "does not end")
            if steps >= 10_000 { return }
            let before = (0..<providers).map { provider in inFlight.count { $0.provider == provider } }
            for request in scheduler.nextRequests() {
                #expect(!scheduler.have[request.piece], "piece \(request.piece) is present")
                #expect(!scheduler.standings[request.provider].isDropped)
                inFlight.append(request)
            }
            for provider in 0..<providers {
                // An active provider has requestsPerProvider slots, a demoted one 1, a dropped one
                // none. A provider demoted or dropped with more in flight than that keeps them
                // (they may still verify), but gets no new request until it is under its limit.
                let limit = switch scheduler.standings[provider] {
                case .active: scheduler.requestsPerProvider
                case .demoted: 1
                case .dropped: 0
                }
                let now = inFlight.count { $0.provider == provider }
                #expect(now == scheduler.inFlight[provider], "the scheduler counts what is in flight")
                #expect(now <= max(limit, before[provider]),
                        "provider \(provider) (\(scheduler.standings[provider])) went from \(before[provider]) to \(now) in flight, limit \(limit)")
            }
            guard !inFlight.isEmpty else {
                Issue.record("nothing in flight, but neither complete nor failed")
                return
            }
            let request = inFlight.remove(at: Int(random.next() % UInt64(inFlight.count)))
            switch random.next() % 10 {
            case 0: scheduler.corrupt(request)
            case 1: scheduler.failed(request, reason: "connection reset", permanent: false)
            case 2 where random.next() % 4 == 0: scheduler.failed(request, reason: "404", permanent: true)
            default: scheduler.verified(request)
            }
        }
        if scheduler.isComplete {
            #expect(scheduler.have.allSatisfy { $0 })
        } else {
            #expect(scheduler.usableProviders == 0)
        }
    }
}

/// A small deterministic random number generator for the tests.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
