import Hummingbird
import NIOCore

/// `GET /metrics`: Prometheus text, for a scraper. It needs no secret: it holds counts and
/// durations only, never an address, a node id, a key or a name.
extension FileServer.Responder {
    func metrics(_ request: Request, _ context: Context, _ argument: Substring) async throws(Failure) -> Response {
        let text = await handlers.metrics()
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let response = Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        return request.method == .head ? response.createHeadResponse() : response
    }
}
