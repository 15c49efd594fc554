import NIOCore
import PeerKit

/// Floods one node with find_node queries over a raw UDP socket, keeping a bounded
/// window outstanding, and counts the answers.
///
/// The handler lives on its channel's single event loop: every member is touched only
/// there (timers re-enter through `NIOLoopBound`), so it needs neither Sendable nor locks.
/// Queries are pre-encoded templates; each send copies one into a buffer and patches the
/// 2-byte transaction id, which is how answers are matched and losses found.
final class FindNodeLoadGenerator: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    struct Counts: Sendable {
        /// Queries sent over the whole run, warm-up included.
        var sent = 0
        /// Answers matched to an outstanding query over the whole run.
        var answered = 0
        /// Answers that arrived inside the measured interval.
        var answeredMeasured = 0
        /// Queries given up as lost (no answer within the loss timeout).
        var lost = 0
        /// Datagrams that were not answers to our queries (the node's own pings to us).
        var other = 0
        /// Socket errors reported by the channel.
        var errors = 0
        /// The measured interval, in seconds.
        var measuredSeconds = 0.0

        var answersPerSecond: Double { measuredSeconds > 0 ? Double(answeredMeasured) / measuredSeconds : 0 }
    }

    /// Queries for the load: find_node with random sender ids and targets.
    struct Templates: Sendable {
        let datagrams: [[UInt8]]
        /// Where the 2-byte transaction id sits in every template.
        let transactionIDOffset: Int

        init(count: Int) {
            var random = SystemRandomNumberGenerator()
            func randomBytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0 ... .max, using: &random) } }
            let marker: [UInt8] = [0xAB, 0xCD]
            let datagrams = (0..<count).map { _ in
                Bencode.dictionary([
                    "t": .bytes(marker), "y": "q", "q": "find_node",
                    "a": .dictionary(["id": .bytes(randomBytes(20)), "target": .bytes(randomBytes(20))]),
                ]).encoded()
            }
            // "1:t2:" then the id: the dictionary has fixed-size fields, so the offset is the same in all.
            let needle = Array("1:t2:".utf8) + marker
            let first = datagrams[0]
            let start = (0...(first.count - needle.count)).first { Array(first[$0..<$0 + needle.count]) == needle }!
            self.datagrams = datagrams
            self.transactionIDOffset = start + 5
        }
    }

    private let target: SocketAddress
    private let templates: Templates
    private let window: Int
    private let warmupNanoseconds: UInt64
    private let durationNanoseconds: UInt64
    /// An outstanding query older than this is counted lost, freeing its slot in the window.
    private let lossTimeoutNanoseconds: UInt64 = 250_000_000
    private let tickInterval = TimeAmount.milliseconds(5)
    private let done: EventLoopPromise<Counts>

    /// Send time (coarse, per tick) of each outstanding transaction id; 0 when none.
    private var sentAt = [UInt64](repeating: 0, count: 1 << 16)
    private var nextTransactionID: UInt16 = 0
    /// The oldest transaction id that may still be outstanding: ids are sent in order.
    private var oldestTransactionID: UInt16 = 0
    private var inFlight = 0
    private var templateIndex = 0
    private var counts = Counts()
    private var coarseNow: UInt64 = 1
    private var measureStart: UInt64 = 0
    private var measuring = false
    private var stopped = false
    private var ticker: RepeatedTask?

    init(target: SocketAddress, templates: Templates, window: Int, warmupSeconds: Double, durationSeconds: Double,
         done: EventLoopPromise<Counts>) {
        self.target = target
        self.templates = templates
        self.window = window
        self.warmupNanoseconds = UInt64(warmupSeconds * 1e9)
        self.durationNanoseconds = UInt64(durationSeconds * 1e9)
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        let start = NIODeadline.now().uptimeNanoseconds
        coarseNow = start
        measureStart = start + warmupNanoseconds
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        ticker = context.eventLoop.scheduleRepeatedTask(initialDelay: tickInterval, delay: tickInterval) { _ in
            bound.value.handler.tick(context: bound.value.context)
        }
        fillWindow(context: context)
        context.flush()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(error: ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(error: ChannelError.ioOnClosedChannel)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let transactionID = Self.responseTransactionID(envelope.data), sentAt[Int(transactionID)] != 0 else {
            counts.other += 1
            return
        }
        sentAt[Int(transactionID)] = 0
        inFlight -= 1
        counts.answered += 1
        if measuring { counts.answeredMeasured += 1 }
        if !stopped { fillWindow(context: context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Transient send errors (ENOBUFS) on UDP: count them; the loss timeout frees the slot.
        counts.errors += 1
    }

    private func fillWindow(context: ChannelHandlerContext) {
        while inFlight < window { sendQuery(context: context) }
    }

    private func sendQuery(context: ChannelHandlerContext) {
        let transactionID = nextTransactionID
        nextTransactionID &+= 1
        if sentAt[Int(transactionID)] != 0 {
            // Wrapped onto a query that never came back: it is lost.
            inFlight -= 1
            counts.lost += 1
        }
        let template = templates.datagrams[templateIndex]
        templateIndex = templateIndex + 1 == templates.datagrams.count ? 0 : templateIndex + 1
        var buffer = context.channel.allocator.buffer(capacity: template.count)
        buffer.writeBytes(template)
        buffer.setInteger(transactionID, at: templates.transactionIDOffset)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: target, data: buffer)), promise: nil)
        sentAt[Int(transactionID)] = coarseNow
        inFlight += 1
        counts.sent += 1
    }

    private func tick(context: ChannelHandlerContext) {
        guard !stopped else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        coarseNow = now
        if !measuring, now >= measureStart {
            measuring = true
            measureStart = now
        }
        if measuring, now - measureStart >= durationNanoseconds {
            counts.measuredSeconds = Double(now - measureStart) / 1e9
            finish(error: nil)
            return
        }
        // Expire lost queries, oldest first, then top the window up again.
        while oldestTransactionID != nextTransactionID {
            let sent = sentAt[Int(oldestTransactionID)]
            if sent != 0 {
                guard now - sent > lossTimeoutNanoseconds else { break }
                sentAt[Int(oldestTransactionID)] = 0
                inFlight -= 1
                counts.lost += 1
            }
            oldestTransactionID &+= 1
        }
        fillWindow(context: context)
        context.flush()
    }

    private func finish(error: Error?) {
        guard !stopped else { return }
        stopped = true
        ticker?.cancel()
        ticker = nil
        if let error {
            done.fail(error)
        } else {
            done.succeed(counts)
        }
    }

    private static let responseSuffix: [UInt8] = Array("1:y1:re".utf8)
    private static let transactionIDMarker: [UInt8] = Array("1:t2:".utf8)

    /// The transaction id of a KRPC response ("…1:t2:XX1:v…1:y1:re"), or nil for anything else.
    ///
    /// `t`, `v` and `y` are the last keys of a response, so the id is found by scanning back
    /// from the end, never inside the binary `nodes` string.
    static func responseTransactionID(_ buffer: ByteBuffer) -> UInt16? {
        buffer.withUnsafeReadableBytes { bytes -> UInt16? in
            let suffix = responseSuffix, marker = transactionIDMarker
            let count = bytes.count
            guard count > 20 else { return nil }
            for index in 0..<suffix.count where bytes[count - suffix.count + index] != suffix[index] { return nil }
            var start = count - suffix.count - marker.count - 2
            let lowest = max(0, count - 64)
            while start >= lowest {
                var matches = true
                for index in 0..<marker.count where bytes[start + index] != marker[index] {
                    matches = false
                    break
                }
                if matches { return UInt16(bytes[start + 5]) << 8 | UInt16(bytes[start + 6]) }
                start -= 1
            }
            return nil
        }
    }
}
