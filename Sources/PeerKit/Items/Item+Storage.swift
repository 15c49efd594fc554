/// An item as the value store and the database keep it: one bencoded dictionary.
extension Item {
    /// `v` (the bencoded value, as a string), and for a mutable item `k`, `salt`, `seq` and `sig`.
    var storageBytes: [UInt8] {
        var dictionary: BencodeDictionary = ["v": .bytes(value)]
        if let signature {
            dictionary["k"] = .bytes(signature.publicKey)
            dictionary["salt"] = .bytes(signature.salt)
            dictionary["seq"] = .integer(signature.sequence)
            dictionary["sig"] = .bytes(signature.signature)
        }
        return Bencode.dictionary(dictionary).encoded()
    }

    /// Reads ``storageBytes`` back; nil for anything else.
    init?(storageBytes: [UInt8]) {
        guard let dictionary = try? BencodeDecoder().decode(storageBytes).dictionaryValue,
              let value = dictionary["v"]?.bytesValue else { return nil }
        guard let key = dictionary["k"]?.bytesValue else {
            self.init(immutable: value)
            return
        }
        guard let salt = dictionary["salt"]?.bytesValue, let sequence = dictionary["seq"]?.integerValue,
              let signature = dictionary["sig"]?.bytesValue else { return nil }
        self.init(value: value, signature: Signature(publicKey: key, salt: salt, sequence: sequence, signature: signature))
    }
}
