/// A KRPC error (the `e` of BEP 5): a code and a message for the remote side.
package struct KRPCError: Error, Sendable, Hashable, CustomStringConvertible {
    let code: Int
    let message: String

    init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    /// 202: server error.
    static func server(_ message: String) -> KRPCError { .init(code: 202, message: message) }
    /// 203: protocol error: a malformed packet, invalid arguments or a bad token.
    static func protocolError(_ message: String) -> KRPCError { .init(code: 203, message: message) }
    /// 204: method unknown.
    static func methodUnknown(_ method: String) -> KRPCError { .init(code: 204, message: "method unknown: \(method)") }
    /// 205: value too big (the code BEP 44 gives an oversized `v`).
    static func valueTooBig(_ size: Int, limit: Int) -> KRPCError {
        .init(code: 205, message: "value is \(size) bytes, the limit is \(limit)")
    }

    package var description: String { "\(code) \(message)" }
}
