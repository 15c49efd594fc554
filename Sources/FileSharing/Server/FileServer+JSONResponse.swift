import Foundation
import Hummingbird
import NIOCore

/// The JSON answers of the listing, pieces, who-has and admin routes.
extension FileServer.Responder {
    /// `value` in JSON with sorted keys, so answers are stable; "null" if it cannot be encoded.
    func encode(_ value: some Encodable) -> Data {
        (try? JSONEncoder.results.encode(value)) ?? Data("null".utf8)
    }

    /// A 200 with a JSON body, never cached; its headers only when `head`.
    func json(_ data: Data, head: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        let response = Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        return head ? response.createHeadResponse() : response
    }
}
