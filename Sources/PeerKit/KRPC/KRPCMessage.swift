/// One KRPC datagram: the BEP 5 envelope around a query, a response or an error.
struct KRPCMessage: Sendable, Equatable {
    enum Body: Sendable, Equatable {
        case query(method: String, arguments: BencodeDictionary)
        case response(BencodeDictionary)
        case error(KRPCError)
    }

    var transactionID: [UInt8]
    var body: Body
    /// `v`: the sender's client name and version.
    var clientVersion: [UInt8]?
    /// `ip` (BEP 42): the address the sender saw us at. Only meaningful in responses.
    var observedAddress: NodeAddress?
    /// `n`: the private network the sender is on (`--network`); absent on the public network,
    /// as in every mainline node's messages.
    var network: [UInt8]?

    init(transactionID: [UInt8], body: Body, clientVersion: [UInt8]? = nil, observedAddress: NodeAddress? = nil,
         network: [UInt8]? = nil) {
        self.transactionID = transactionID
        self.body = body
        self.clientVersion = clientVersion
        self.observedAddress = observedAddress
        self.network = network
    }

    /// The longest transaction id we accept; BEP 5 ids are a few bytes.
    static let maxTransactionIDLength = 32

    /// Validates the envelope of a decoded datagram.
    ///
    /// When the envelope is broken but a transaction id could be read, the error
    /// carries it so the caller can answer with 203 as BEP 5 asks.
    init(_ value: Bencode) throws(EnvelopeError) {
        guard let dictionary = value.dictionaryValue else { throw EnvelopeError(transactionID: nil, reason: "not a dictionary") }
        guard let transactionID = dictionary["t"]?.bytesValue, transactionID.count <= Self.maxTransactionIDLength else {
            throw EnvelopeError(transactionID: nil, reason: "missing or invalid t")
        }
        func fail(_ reason: String) -> EnvelopeError { EnvelopeError(transactionID: transactionID, reason: reason) }
        self.transactionID = transactionID
        self.clientVersion = dictionary["v"]?.bytesValue
        self.observedAddress = dictionary["ip"]?.bytesValue.flatMap { NodeAddress(compact: $0) }
        self.network = dictionary["n"]?.bytesValue
        switch dictionary["y"]?.bytesValue {
        case [UInt8(ascii: "q")]:
            guard let method = dictionary["q"]?.stringValue else { throw fail("missing or invalid q") }
            guard let arguments = dictionary["a"]?.dictionaryValue else { throw fail("missing or invalid a") }
            body = .query(method: method, arguments: arguments)
        case [UInt8(ascii: "r")]:
            guard let response = dictionary["r"]?.dictionaryValue else { throw fail("missing or invalid r") }
            body = .response(response)
        case [UInt8(ascii: "e")]:
            guard let list = dictionary["e"]?.listValue, list.count >= 2, let code = list[0].integerValue,
                  let message = list[1].bytesValue
            else { throw fail("missing or invalid e") }
            body = .error(KRPCError(code: Int(clamping: code), message: String(decoding: message, as: UTF8.self)))
        default:
            throw fail("missing or invalid y")
        }
    }

    func encoded() -> [UInt8] {
        var dictionary = BencodeDictionary()
        dictionary["t"] = .bytes(transactionID)
        switch body {
        case .query(let method, let arguments):
            dictionary["y"] = "q"
            dictionary["q"] = .string(method)
            dictionary["a"] = .dictionary(arguments)
        case .response(let response):
            dictionary["y"] = "r"
            dictionary["r"] = .dictionary(response)
        case .error(let error):
            dictionary["y"] = "e"
            dictionary["e"] = .list([.integer(Int64(error.code)), .string(error.message)])
        }
        if let clientVersion { dictionary["v"] = .bytes(clientVersion) }
        if let observedAddress { dictionary["ip"] = .bytes(observedAddress.compact) }
        if let network { dictionary["n"] = .bytes(network) }
        return Bencode.dictionary(dictionary).encoded()
    }
}

/// A datagram that decoded as bencode but is not a valid KRPC envelope.
struct EnvelopeError: Error {
    let transactionID: [UInt8]?
    let reason: String
}
