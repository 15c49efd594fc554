/// Why a byte sequence is not one canonical bencoded value.
package struct BencodeError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Reason: Sendable, Equatable {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case invalidInteger
        case leadingZero
        case negativeZero
        case integerOverflow
        case dictionaryKeyNotString
        case unsortedKeys
        case duplicateKey
        case tooDeep
        case tooLong
        case trailingBytes
    }

    let reason: Reason
    /// Byte offset in the input at which decoding stopped.
    let offset: Int

    package var description: String { "bencode: \(reason) at byte \(offset)" }
}
