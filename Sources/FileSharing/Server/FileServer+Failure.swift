import PeerKit
import Hummingbird
import NIOCore
import Foundation

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

        /// The failure as JSON, `{"error": "…"}`: the field `--json` gives a failed command.
        var response: Response {
            var headers = self.headers
            headers[.contentType] = "application/json"
            headers[.cacheControl] = "no-store"
            let body = (try? JSONEncoder.results.encode(["error": message])) ?? Data(#"{"error":"unknown"}"#.utf8)
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body + [0x0A])))
        }
    }
}
