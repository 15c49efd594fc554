import FileSharing
import Foundation

/// One command's result as `--json` prints it: a JSON object on one line (JSON Lines).
///
/// `{"command": "get greeting", "verb": "get", "ok": true, "milliseconds": 12, "result": {…}}`;
/// a failed command has `"ok": false` and `"error"`, and `"result"` only when it did part of
/// its work. Keys are snake_case and sorted, so equal results print equal lines.
struct CommandRecord: Encodable {
    var command: String
    var verb: String
    var ok: Bool
    var milliseconds: Int
    var result: (any VerbOutput)?
    var error: String?

    private enum CodingKeys: String, CodingKey {
        case command, verb, ok, milliseconds, result, error
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
        try container.encode(verb, forKey: .verb)
        try container.encode(ok, forKey: .ok)
        try container.encode(milliseconds, forKey: .milliseconds)
        if let result { try container.encode(result, forKey: .result) }
        try container.encodeIfPresent(error, forKey: .error)
    }

    /// The record as one line of JSON, without its newline.
    var line: String {
        guard let data = try? JSONEncoder.results.encode(self) else {
            return #"{"command":"","error":"result could not be encoded","ok":false}"#
        }
        return String(decoding: data, as: UTF8.self)
    }
}
