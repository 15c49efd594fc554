@testable import FileSharing
@testable import PeerKit

/// A UDP datagram as `ProtocolEngine.receive` takes it: bencode, then the KRPC envelope,
/// then the typed arguments every method's handler reads (BEP 5's four, Khashmir's store,
/// BEP 32's `want` and `nodes6`, BEP 42's `ip`, file sharing's `hello` and name records),
/// whatever the method, so that each accessor meets every shape of argument.
///
/// Invariants:
/// - nothing traps (a trap here is a remote crash of the node);
/// - a message re-encodes to a datagram that reads back as the same message, and an error
///   reply to it (what the engine sends for a broken envelope) reads back with its transaction id;
/// - each accessor returns what the dictionary holds, in the range it was asked for, and a
///   refusal is a 203 protocol error;
/// - compact node and peer entries round-trip, and network text made printable has no
///   control characters left.
@_cdecl("LLVMFuzzerTestOneInput")
public func krpcFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    // The engine drops bigger datagrams before decoding them.
    guard size <= ProtocolEngine.maxInboundDatagram else { return 0 }
    let decoder = BencodeDecoder()
    guard let value = try? decoder.decode(UnsafeRawBufferPointer(start: data, count: size)) else { return 0 }
    let message: KRPCMessage
    do {
        message = try KRPCMessage(value)
    } catch {
        if let transactionID = error.transactionID {
            check(transactionID.count <= KRPCMessage.maxTransactionIDLength, "an over-long transaction id was kept")
            checkErrorReply(to: transactionID, reason: error.reason)
        }
        return 0
    }
    check(message.transactionID.count <= KRPCMessage.maxTransactionIDLength, "an over-long transaction id was kept")
    check(value.dictionaryValue?["t"]?.bytesValue == message.transactionID, "t is not the datagram's")
    do {
        let again = try KRPCMessage(decoder.decode(message.encoded()))
        check(again == message, "a message does not survive encode then decode")
    } catch {
        check(false, "a message re-encodes to a datagram that is refused: \(error)")
    }
    checkErrorReply(to: message.transactionID, reason: "fuzz")
    if let id = TransactionTable<Int>.id(message.transactionID) {
        check(TransactionTable<Int>.bytes(id) == message.transactionID, "a transaction id does not survive")
    }
    if let version = message.clientVersion { checkPrintable(String(decoding: version, as: UTF8.self)) }
    if let observed = message.observedAddress { checkAddress(observed) }

    switch message.body {
    case .query(let method, let arguments):
        checkPrintable(method)
        exercise(Arguments(arguments))
    case .response(let response):
        exercise(Arguments(response, clientVersion: message.clientVersion, observedAddress: message.observedAddress))
    case .error(let error):
        check(Int64(error.code) == value.dictionaryValue?["e"]?.listValue?.first?.integerValue, "the error code changed")
        checkPrintable(error.message)
        _ = error.description
    }
    return 0
}

/// What a handler may read, with the checks that make each read trustworthy.
func exercise(_ arguments: Arguments) {
    let dictionary = arguments.dictionary
    for key in ["id", "target", "info_hash", "key"] {
        do {
            let id = try arguments.nodeID(key)
            check(id.bytes == dictionary[key]?.bytesValue, "\(key) is not the bytes sent")
            check(NodeID(hex: id.hex) == id, "an id does not survive hex")
        } catch {
            checkRefusal(error)
            check(dictionary[key]?.bytesValue?.count != NodeID.byteCount, "a 20-byte \(key) was refused")
        }
    }
    for key in ["token", "value", "v"] {
        do {
            let bytes = try arguments.bytes(key)
            check(bytes == dictionary[key]?.bytesValue, "\(key) is not the bytes sent")
        } catch {
            checkRefusal(error)
        }
        do {
            let bytes = try arguments.optionalBytes(key)
            check(bytes == dictionary[key]?.bytesValue, "\(key) is not the bytes sent")
        } catch {
            checkRefusal(error)
            check(dictionary[key] != nil, "an absent \(key) was refused")
        }
    }
    // announce_peer's port and implied_port, hello's port, get_value's and find_value's num.
    for (key, range) in [("port", Int64(1)...65535), ("implied_port", 0...1), ("num", 0...Int64(Int32.max))] {
        do {
            let number = try arguments.integer(key, in: range)
            check(range.contains(number) && number == dictionary[key]?.integerValue, "\(key) out of range")
            if key == "port" { _ = UInt16(number) }
        } catch {
            checkRefusal(error)
        }
        do {
            if let number = try arguments.optionalInteger(key, in: range) {
                check(range.contains(number), "optional \(key) out of range")
                _ = Int(number)
            } else {
                check(dictionary[key] == nil, "a present \(key) read as absent")
            }
        } catch {
            checkRefusal(error)
        }
    }
    // BEP 32's want, and the values of get_peers (compact peers) and get_value (records).
    for key in ["want", "values"] {
        do {
            let strings = try arguments.byteStrings(key)
            check(strings.count == (dictionary[key]?.listValue?.count ?? 0), "\(key) lost items")
            if key == "values" {
                for string in strings {
                    if let peer = NodeAddress(compact: string) {
                        check(peer.compact == string, "a compact peer does not survive")
                        checkAddress(peer)
                    }
                    if let record = NameRecord(decoding: string) {
                        check(record.sha256.count == 32 && record.size >= 0, "a malformed name record was read")
                        check(NameRecord(decoding: record.encoded) == record, "a name record does not survive")
                        _ = NameRecord.infoHash(sha256: record.sha256)
                    }
                }
            }
        } catch {
            checkRefusal(error)
        }
    }
    do {
        let contacts = try arguments.contacts()
        let nodes = dictionary["nodes"]?.bytesValue ?? [], nodes6 = dictionary["nodes6"]?.bytesValue ?? []
        check(contacts.count <= nodes.count / 26 + nodes6.count / 38, "more contacts than entries")
        for contact in contacts {
            check(contact.address.port != 0, "a contact with port 0")
            let compact = contact.compact
            let list = compact.count == 26 ? nodes : nodes6
            check(compact.count == 26 || compact.count == 38, "a compact contact of \(compact.count) bytes")
            check(stride(from: 0, to: list.count, by: compact.count).contains { list[$0..<$0 + compact.count].elementsEqual(compact) },
                  "a contact that is not one of the entries sent")
            checkAddress(contact.address)
            _ = contact.description
        }
    } catch {
        checkRefusal(error)
    }
}

/// An address from the network: its compact form round-trips, and it prints.
func checkAddress(_ address: NodeAddress) {
    check(NodeAddress(compact: address.compact) == address, "an address does not survive compact form")
    check(address.compact.count == (address.isIPv4 ? 6 : 18), "a compact address of the wrong size")
    _ = address.isLocal
    _ = address.isLoopback
    let text = address.description
    if address.port != 0 {
        check(NodeAddress(text) == address, "an address does not survive its text \(text)")
        _ = address.socketAddress
    }
}

/// The engine's answer to a broken envelope: a 203 error with the sender's transaction id.
func checkErrorReply(to transactionID: [UInt8], reason: String) {
    let reply = KRPCMessage(transactionID: transactionID, body: .error(.protocolError(reason)),
                            clientVersion: [0x50, 0x4B, 0, 1], observedAddress: NodeAddress(compact: [127, 0, 0, 1, 0x1A, 0xE1]))
    let decoded = try? KRPCMessage(BencodeDecoder().decode(reply.encoded()))
    check(decoded == reply, "an error reply does not survive encode then decode")
}

func checkRefusal(_ error: KRPCError) {
    check(error.code == 203, "an argument refused with \(error.code), not 203")
}

func checkPrintable(_ text: String) {
    let printable = text.printable
    check(!printable.unicodeScalars.contains {
        $0.properties.generalCategory == .control || (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value)
    }, "printable text keeps a control character")
}

/// A failed invariant: a trap libFuzzer reports as a crash, with the reason on stderr.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
           file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("invariant failed: \(message())", file: file, line: line) }
}
