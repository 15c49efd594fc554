import PeerKit
/// Decides which provider fetches which piece of a download. Pure logic, no I/O: the
/// downloader tells it what happened to each request and asks it what to request next,
/// so every rule here is tested without sockets.
///
/// Rules:
/// - Pieces are requested lowest index first, so the file fills from the front (the
///   whole-file hash follows the verified prefix) and a resumed download has few holes.
/// - Each provider has several requests in flight (``requestsPerProvider``), so a round
///   trip per piece does not limit throughput; providers take pieces in turn, and a fast
///   provider gets more pieces because it frees its slots sooner.
/// - A provider that sends a piece whose hash is wrong is demoted to one request at a time,
///   and dropped after ``corruptLimit`` bad pieces. A provider whose requests fail
///   (connection refused or reset, timeout, 5xx) is dropped after ``failureLimit`` failures
///   in a row; one whose answers can never work (404, wrong range, a body longer than asked)
///   is dropped at once.
/// - A piece that failed goes back to the queue, for another provider if one can take it:
///   a provider gets a piece it failed only when no other usable provider has not failed it.
/// - Endgame: when every missing piece is in flight, an idle full-speed provider also
///   requests a piece that one other provider is fetching, so one slow provider cannot hold
///   up the end. Whichever copy verifies first counts; the other is ignored.
///
/// Providers and pieces are numbered from 0.
struct PieceScheduler: Sendable {
    /// One piece request to start.
    struct Request: Hashable, Sendable {
        var piece: Int
        var provider: Int
    }

    /// How a provider stands.
    enum Standing: Hashable, Sendable {
        /// Full number of requests in flight.
        case active
        /// Sent a corrupt piece: one request at a time, asked after the active ones.
        case demoted
        /// Gets no more requests; the reason is for the person who asked for the file.
        case dropped(reason: String)
    }

    let pieceCount: Int
    let requestsPerProvider: Int
    let corruptLimit: Int
    let failureLimit: Int

    /// Whether each piece is verified and written.
    private(set) var have: [Bool]
    /// Pieces not yet verified.
    private(set) var missingCount: Int
    /// Pieces that need a request: missing and in flight at no usable provider.
    private var queued: [Bool]
    /// Every index below this is not queued.
    private var queueCursor = 0
    private var queuedCount = 0
    /// The providers fetching each piece now (at most two, in endgame).
    private var fetching: [Int: [Int]] = [:]
    /// The providers that failed each piece (sent it corrupt, or failed to send it).
    private var failedBy: [Int: Set<Int>] = [:]

    private(set) var standings: [Standing]
    /// Requests in flight per provider.
    private(set) var inFlight: [Int]
    /// Pieces each provider delivered that counted (the first verified copy).
    private(set) var piecesVerified: [Int]
    /// Corrupt pieces each provider sent.
    private(set) var corruptPieces: [Int]
    /// Failed requests of each provider since its last good piece.
    private var failuresInARow: [Int]
    /// Which provider gets the first turn in the next round of ``nextRequests()``.
    private var turn = 0

    /// - Parameters:
    ///   - have: pieces already verified (a resumed download); they are never requested.
    init(pieceCount: Int, providerCount: Int, have: some Sequence<Int> = [], requestsPerProvider: Int = 4,
         corruptLimit: Int = 2, failureLimit: Int = 2) {
        precondition(pieceCount >= 0 && providerCount >= 0 && requestsPerProvider >= 1)
        self.pieceCount = pieceCount
        self.requestsPerProvider = requestsPerProvider
        self.corruptLimit = max(1, corruptLimit)
        self.failureLimit = max(1, failureLimit)
        self.have = Array(repeating: false, count: pieceCount)
        for piece in have where (0..<pieceCount).contains(piece) { self.have[piece] = true }
        queued = self.have.map { !$0 }
        missingCount = queued.count { $0 }
        queuedCount = missingCount
        standings = Array(repeating: .active, count: providerCount)
        inFlight = Array(repeating: 0, count: providerCount)
        piecesVerified = Array(repeating: 0, count: providerCount)
        corruptPieces = Array(repeating: 0, count: providerCount)
        failuresInARow = Array(repeating: 0, count: providerCount)
    }

    /// Every piece is verified.
    var isComplete: Bool { missingCount == 0 }

    /// Pieces are missing and no provider is left to ask.
    var hasFailed: Bool { missingCount > 0 && usableProviders == 0 }

    /// Providers not dropped.
    var usableProviders: Int { standings.count { !$0.isDropped } }

    /// Why each dropped provider was dropped, by provider number.
    var dropReasons: [Int: String] {
        var reasons: [Int: String] = [:]
        for (provider, standing) in standings.enumerated() {
            if case .dropped(let reason) = standing { reasons[provider] = reason }
        }
        return reasons
    }

    /// The requests to start now, filling the free slots of every usable provider, one
    /// piece per provider per round so that pieces spread over providers.
    mutating func nextRequests() -> [Request] {
        var requests: [Request] = []
        let order = providerOrder()
        var progress = true
        while progress {
            progress = false
            for provider in order where inFlight[provider] < slots(of: provider) {
                guard let piece = nextPiece(for: provider) else { continue }
                start(piece, at: provider)
                requests.append(Request(piece: piece, provider: provider))
                progress = true
            }
        }
        if !standings.isEmpty { turn = (turn + 1) % standings.count }
        return requests
    }

    /// A request delivered a piece whose hash matched. Returns whether it was new (not a
    /// copy that another provider delivered first).
    @discardableResult
    mutating func verified(_ request: Request) -> Bool {
        finish(request)
        failuresInARow[request.provider] = 0
        guard !have[request.piece] else { return false }
        have[request.piece] = true
        missingCount -= 1
        if queued[request.piece] { unqueue(request.piece) }
        piecesVerified[request.provider] += 1
        return true
    }

    /// A request delivered a piece whose hash did not match.
    mutating func corrupt(_ request: Request) {
        finish(request)
        failedBy[request.piece, default: []].insert(request.provider)
        corruptPieces[request.provider] += 1
        let count = corruptPieces[request.provider]
        if count >= corruptLimit {
            drop(request.provider, reason: "sent \(count) corrupt piece\(count == 1 ? "" : "s")")
        } else if standings[request.provider] == .active {
            standings[request.provider] = .demoted
        }
        requeueIfOrphaned(request.piece)
    }

    /// A request failed without delivering a piece. A `permanent` failure (the provider's
    /// answers cannot work) drops the provider at once; others after ``failureLimit`` in a row.
    mutating func failed(_ request: Request, reason: String, permanent: Bool) {
        finish(request)
        failedBy[request.piece, default: []].insert(request.provider)
        failuresInARow[request.provider] += 1
        if permanent || failuresInARow[request.provider] >= failureLimit {
            drop(request.provider, reason: reason)
        }
        requeueIfOrphaned(request.piece)
    }

    /// Stops giving requests to `provider`. The pieces it is fetching go back to the queue
    /// for the others (its own requests may still finish, and count if they verify).
    mutating func drop(_ provider: Int, reason: String) {
        guard !standings[provider].isDropped else { return }
        standings[provider] = .dropped(reason: reason)
        for (piece, providers) in fetching where providers.contains(provider) {
            requeueIfOrphaned(piece)
        }
    }

    // MARK: - Internals

    /// Active providers first (from `turn` round), then demoted ones.
    private func providerOrder() -> [Int] {
        let count = standings.count
        let rotated = (0..<count).map { (turn + $0) % count }
        return rotated.filter { standings[$0] == .active } + rotated.filter { standings[$0] == .demoted }
    }

    private func slots(of provider: Int) -> Int {
        switch standings[provider] {
        case .active: requestsPerProvider
        case .demoted: 1
        case .dropped: 0
        }
    }

    /// The lowest queued piece `provider` may take; in endgame, a piece one other provider
    /// is fetching.
    private mutating func nextPiece(for provider: Int) -> Int? {
        while queueCursor < pieceCount, !queued[queueCursor] { queueCursor += 1 }
        if queuedCount > 0 {
            var piece = queueCursor
            while piece < pieceCount {
                if queued[piece], mayTake(piece, provider) { return piece }
                piece += 1
            }
        }
        guard standings[provider] == .active else { return nil }
        // Endgame: nothing queued that this provider may take.
        var best: Int?
        for (piece, providers) in fetching
        where providers.count == 1 && !providers.contains(provider) && !have[piece]
            && !(failedBy[piece]?.contains(provider) ?? false) {
            if best.map({ piece < $0 }) ?? true { best = piece }
        }
        return best
    }

    /// Whether `provider` may take queued `piece`: it did not fail it, or every other usable
    /// provider failed it too.
    private func mayTake(_ piece: Int, _ provider: Int) -> Bool {
        guard let failed = failedBy[piece], failed.contains(provider) else { return true }
        for other in standings.indices where other != provider && !standings[other].isDropped && !failed.contains(other) {
            return false
        }
        return true
    }

    private mutating func start(_ piece: Int, at provider: Int) {
        if queued[piece] { unqueue(piece) }
        fetching[piece, default: []].append(provider)
        inFlight[provider] += 1
    }

    private mutating func finish(_ request: Request) {
        inFlight[request.provider] -= 1
        guard var providers = fetching[request.piece], let index = providers.firstIndex(of: request.provider) else {
            preconditionFailure("piece \(request.piece) was not in flight at provider \(request.provider)")
        }
        providers.remove(at: index)
        fetching[request.piece] = providers.isEmpty ? nil : providers
    }

    private mutating func unqueue(_ piece: Int) {
        queued[piece] = false
        queuedCount -= 1
    }

    /// Puts `piece` back in the queue when it is missing and no usable provider is fetching it.
    private mutating func requeueIfOrphaned(_ piece: Int) {
        guard !have[piece], !queued[piece] else { return }
        let someoneFetching = fetching[piece]?.contains { !standings[$0].isDropped } ?? false
        guard !someoneFetching else { return }
        queued[piece] = true
        queuedCount += 1
        queueCursor = min(queueCursor, piece)
    }
}

extension PieceScheduler.Standing {
    var isDropped: Bool {
        if case .dropped = self { return true }
        return false
    }
}
