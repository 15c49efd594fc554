import PeerKit
import Hummingbird
import NIOCore

extension FileServer {
    /// A request that cannot be answered as asked: the status and a line saying why.
    struct Failure: Error {
        var status: HTTPResponse.Status
        var message: String
        var headers = HTTPFields()

        init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = HTTPFields()) {
            self.status = status
            self.message = message
            self.headers = headers
        }

        /// The status and message for an error of the share directory or of a handler.
        init(_ error: SharingError) {
            let status: HTTPResponse.Status = switch error {
            case .sharePathRejected: .badRequest
            case .sharedFileNotFound, .fileNotFound: .notFound
            case .targetExists, .noShareDirectory, .ambiguousName: .conflict
            case .diskFull: .init(code: 507, reasonPhrase: "Insufficient Storage")
            case .fetchFailed: .badGateway
            case .cancelled: .serviceUnavailable
            default: .internalServerError
            }
            self.init(status, error.description)
        }

        var response: Response {
            var headers = self.headers
            headers[.contentType] = "text/plain; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: message + "\n")))
        }
    }
}
