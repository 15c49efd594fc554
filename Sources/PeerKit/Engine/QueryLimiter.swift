/// Who may make the node answer, and how often: a token bucket per source and one for all.
///
/// A source is an IP address, except on loopback, where it is an address and port: local
/// test networks put every node on 127.0.0.1. Queries over the limit get no answer at all, so
/// a spoofed source cannot turn the node into a reflector. The table of sources is bounded:
/// when it is full, sources quiet long enough to have a full bucket are forgotten (at most once
/// a second, so the sweep costs nothing under a flood), and until there is room again new sources
/// share one bucket: a flood from ever-new addresses grows neither memory nor work.
struct QueryLimiter: Sendable {
    /// Queries a second per source; 0 turns the limiter off.
    let rate: Double
    /// Queries a source may send at once after a quiet spell.
    let burst: Double
    /// Queries a second from all sources together, with a second's worth of burst.
    let globalRate: Double
    /// Sources tracked at most.
    let maxSources: Int

    private var sources: [NodeAddress: TokenBucket] = [:]
    private var newcomers: TokenBucket
    private var global: TokenBucket
    private var lastSweep: Timestamp

    init(rate: Int, maxSources: Int = 4096, now: Timestamp) {
        self.rate = Double(max(0, rate))
        self.maxSources = maxSources
        burst = max(self.rate / 4, 16)
        globalRate = self.rate * 16
        newcomers = TokenBucket(burst: burst, now: now)
        global = TokenBucket(burst: globalRate, now: now)
        lastSweep = now
    }

    var trackedSources: Int { sources.count }

    /// Whether a query from `sender` at `now` is answered.
    mutating func admit(_ sender: NodeAddress, now: Timestamp) -> Bool {
        guard rate > 0 else { return true }
        let key = sender.source
        let admitted: Bool
        if sources[key] != nil {
            admitted = sources[key]!.take(now: now, rate: rate, burst: burst)
        } else if makeRoom(now: now) {
            var bucket = TokenBucket(burst: burst, now: now)
            admitted = bucket.take(now: now, rate: rate, burst: burst)
            sources[key] = bucket
        } else {
            admitted = newcomers.take(now: now, rate: rate, burst: burst)
        }
        return admitted && global.take(now: now, rate: globalRate, burst: globalRate)
    }

    /// Whether a new source fits, after forgetting the quiet ones if the table is full.
    private mutating func makeRoom(now: Timestamp) -> Bool {
        guard sources.count >= maxSources else { return true }
        guard now - lastSweep >= .seconds(1) else { return false }
        lastSweep = now
        let rate = rate, burst = burst
        sources = sources.filter { !$0.value.isFull(now: now, rate: rate, burst: burst) }
        return sources.count < maxSources
    }
}
