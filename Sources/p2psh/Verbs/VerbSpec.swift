import ArgumentParser
import Foundation

/// A verb's positional arguments and options as its argument-parser declaration has them.
///
/// Read from the parser's own description of the command (the JSON behind
/// `--experimental-dump-help`), so TAB completion, `help`'s synopsis and the man page's
/// check cannot drift from what the parser accepts.
struct VerbSpec: Sendable {
    enum Kind: String, Sendable {
        case positional
        case option
        case flag
    }

    /// What a value can be completed from, as declared with `completion:`.
    enum ValueCompletion: Sendable, Equatable {
        case none
        case file
        case directory
        case list([String])
    }

    struct Argument: Sendable {
        var kind: Kind
        /// Spelled as typed: "--to", "-t".
        var names: [String]
        /// "file", "dir", "host:port".
        var valueName: String
        var completion: ValueCompletion
        var isOptional: Bool
        var isRepeating: Bool
        /// Shown in help (the `--help` flag is not).
        var isDisplayed: Bool

        /// As a synopsis shows it: "FILE", "[--to DIR]", "HOST:PORT...".
        var synopsis: String {
            switch kind {
            case .positional:
                let name = valueName.uppercased() + (isRepeating ? "..." : "")
                return isOptional ? "[\(name)]" : name
            case .option:
                return "[\(names.first ?? "") \(valueName.uppercased())]"
            case .flag:
                return "[\(names.first ?? "")]"
            }
        }
    }

    let arguments: [Argument]

    init(_ verb: any Verb.Type) {
        // `_dumpHelp()` is the public (underscored) entry point of `--experimental-dump-help`.
        let root = (try? JSONSerialization.jsonObject(with: Data(verb._dumpHelp().utf8))) as? [String: Any]
        let declared = ((root?["command"] as? [String: Any])?["arguments"] as? [[String: Any]]) ?? []
        arguments = declared.compactMap(Self.argument)
    }

    var positionals: [Argument] { arguments.filter { $0.kind == .positional } }
    /// Options and flags, `--help` included.
    var options: [Argument] { arguments.filter { $0.kind != .positional } }

    func option(named name: String) -> Argument? {
        options.first { $0.names.contains(name) }
    }

    /// The arguments as `help` lists them: "FILE [--to DIR]".
    var synopsis: String {
        arguments.filter(\.isDisplayed).map(\.synopsis).joined(separator: " ")
    }

    private static func argument(_ json: [String: Any]) -> Argument? {
        guard let kind = (json["kind"] as? String).flatMap(Kind.init(rawValue:)) else { return nil }
        let names = ((json["names"] as? [[String: Any]]) ?? []).compactMap { name -> String? in
            guard let text = name["name"] as? String else { return nil }
            switch name["kind"] as? String {
            case "long": return "--" + text
            case "short": return "-" + text
            default: return "-" + text
            }
        }
        var completion = ValueCompletion.none
        if let kind = json["completionKind"] as? [String: Any] {
            if kind["file"] != nil { completion = .file }
            if kind["directory"] != nil { completion = .directory }
            if let list = kind["list"] as? [String: Any], let values = list["values"] as? [String] { completion = .list(values) }
        }
        return Argument(kind: kind, names: names.sorted { $0.count > $1.count },
                        valueName: json["valueName"] as? String ?? "value", completion: completion,
                        isOptional: json["isOptional"] as? Bool ?? false,
                        isRepeating: json["isRepeating"] as? Bool ?? false,
                        isDisplayed: (json["shouldDisplay"] as? Bool ?? true) && !names.contains("--help"))
    }
}

extension ArgumentHelp {
    /// The help of a verb's HOST:PORT argument (join, ping, sample): one wording, one value name.
    static let nodeAddress = ArgumentHelp("Address of a DHT node (IPv6 as [ADDRESS]:PORT).", valueName: "host:port")
}
