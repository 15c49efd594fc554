import Logging
@testable import PeerKit

/// BEP 44's `get` and `put` as a node answers them, and a reader's checks of what it gets back.
///
/// The input is the bencoded arguments of a query. The target adds a valid `id` and write
/// token (so the fuzzer spends its time past them, on `v`, the salt, `k`, `seq`, `sig` and
/// `cas`), puts it on a fresh engine, then asks `get` for what it put.
///
/// Invariants:
/// - nothing traps (a trap here is a remote crash of the node);
/// - a put is answered or refused with one of BEP 44's codes (203, 205, 206, 207, 301, 302) or,
///   when storage is full, 202;
/// - an accepted put holds exactly one item under its target, whose value is the `v` sent,
///   which hashes to the target (immutable) or is signed by `k` under the salt (mutable), and
///   which `get` answers with that `v`;
/// - what a reader takes from an answer (`ItemLookup`) is only ever an item that belongs
///   under the target asked for.
@_cdecl("LLVMFuzzerTestOneInput")
public func itemFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size <= ProtocolEngine.maxInboundDatagram,
          let value = try? BencodeDecoder().decode(UnsafeRawBufferPointer(start: data, count: size)),
          var arguments = value.dictionaryValue else { return 0 }
    checkReader(arguments)
    var engine = ProtocolEngine(configuration: NodeConfiguration(), state: StoredState(), databasePath: nil,
                                random: NodeRandom(seed: 1), logger: Logger(label: "fuzz"), now: start)
    arguments["token"] = .bytes(engine.tokens.token(for: sender))
    let (response, error) = ask(&engine, "put", arguments)
    if response == nil, error == nil {
        // No answer at all: only for a datagram the node cannot read (nested past the decoder's depth).
        check(!decodes(query("put", arguments)), "a readable put got no answer")
        check(engine.storedItems.valueCount == 0, "an unanswered put stored an item")
        return 0
    }
    guard let response else {
        let code = error?.first?.integerValue ?? -1
        check([202, 203, 205, 206, 207, 301, 302].contains(code), "a put was refused with \(code)")
        check(engine.storedItems.valueCount == 0, "a refused put stored an item")
        return 0
    }
    check(response["id"]?.bytesValue?.count == 20, "a put's answer has no id")
    check(engine.storedItems.valueCount == 1, "an accepted put holds \(engine.storedItems.valueCount) items")
    guard let record = engine.storedItems.records.first, let item = Item(storageBytes: record.value) else {
        check(false, "an accepted put holds no readable item")
        return 0
    }
    check(item.target == record.key, "the item is not under its target")
    check(item.hasValidSignature, "a held item's signature does not verify")
    check(item.value == arguments["v"]?.encoded(), "the item's v is not the v sent")
    if let signature = item.signature {
        check(signature.salt == (arguments["salt"]?.bytesValue ?? []), "the salt is not the salt sent")
        check(signature.sequence >= 0, "a negative seq was kept")
    }
    let (answer, _) = ask(&engine, "get", ["target": .bytes(item.target.bytes)])
    check(answer?["v"]?.encoded() == item.value, "get does not answer the v put")
    check(answer?["token"] != nil, "a get answer has no token")
    return 0
}

let start = Timestamp(sinceEpoch: .seconds(1_800_000_000))
let sender = NodeAddress("198.18.1.1:6881")!
let senderID = NodeID.sha1(of: Array("fuzzer".utf8))

/// The datagram of a query from the fuzzer's node.
func query(_ method: String, _ arguments: BencodeDictionary) -> [UInt8] {
    var arguments = arguments
    arguments["id"] = .bytes(senderID.bytes)
    let query: Bencode = ["t": "aa", "y": "q", "q": .string(method), "a": .dictionary(arguments)]
    return query.encoded()
}

func decodes(_ datagram: [UInt8]) -> Bool { (try? BencodeDecoder().decode(datagram)) != nil }

func ask(_ engine: inout ProtocolEngine, _ method: String, _ arguments: BencodeDictionary)
    -> (response: BencodeDictionary?, error: [Bencode]?) {
    let reply = query(method, arguments).withUnsafeBytes { engine.receive($0, from: sender, now: start) }
    let message = reply.flatMap { try? BencodeDecoder().decode($0).dictionaryValue }
    return (message?["r"]?.dictionaryValue, message?["e"]?.listValue)
}

/// The input read as a `get` answer: whatever a reader keeps must belong under the target.
func checkReader(_ dictionary: BencodeDictionary) {
    guard let item = ItemLookup.item(in: Arguments(dictionary)) else { return }
    let salt = dictionary["salt"]?.bytesValue ?? []
    let target = dictionary["target"]?.bytesValue.flatMap { NodeID(bytes: $0) } ?? item.target
    guard let kept = ItemLookup.verified(item, target: target, publicKey: nil, salt: salt) else { return }
    check(kept.target == target, "a reader kept an item that is not under the target")
    check(kept.hasValidSignature, "a reader kept an item whose signature does not verify")
}

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
           file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("invariant failed: \(message())", file: file, line: line) }
}
