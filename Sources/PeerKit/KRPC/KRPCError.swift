/// A KRPC error (the `e` of BEP 5): a code and a message for the remote side.
public struct KRPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public let code: Int
    public let message: String

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    /// 201: generic error.
    public static func generic(_ message: String) -> KRPCError { .init(code: 201, message: message) }
    /// 202: server error.
    public static func server(_ message: String) -> KRPCError { .init(code: 202, message: message) }
    /// 203: protocol error: a malformed packet, invalid arguments or a bad token.
    public static func protocolError(_ message: String) -> KRPCError { .init(code: 203, message: message) }
    /// 204: method unknown.
    public static func methodUnknown(_ method: String) -> KRPCError { .init(code: 204, message: "method unknown: \(method)") }
    /// 205: value too big (the code BEP 44 gives an oversized `v`).
    public static func valueTooBig(_ size: Int, limit: Int) -> KRPCError {
        .init(code: 205, message: "value is \(size) bytes, the limit is \(limit)")
    }

    public var description: String { "\(code) \(message)" }
}
