import ArgumentParser

/// A duration as typed wherever one is given: seconds ("90"), or a number with a unit
/// ("30s", "5m", "2h", "1d"), or several ("1h30m").
struct DurationArgument: ExpressibleByArgument, Sendable, Equatable {
    let duration: Duration

    init(_ duration: Duration) { self.duration = duration }

    init?(argument: String) {
        guard let seconds = Self.seconds(argument), seconds > 0 else { return nil }
        duration = .milliseconds(Int64((seconds * 1000).rounded()))
    }

    static let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]

    /// The seconds `text` says, or nil when it is not a duration.
    static func seconds(_ text: String) -> Double? {
        if let plain = Double(text), plain.isFinite { return plain }
        var total = 0.0, number = "", lastUnit = Double.infinity
        for character in text {
            if character.isASCII, character.isNumber || character == "." {
                number.append(character)
            } else if let unit = units[character], let value = Double(number), unit < lastUnit {
                total += value * unit
                number = ""
                lastUnit = unit
            } else {
                return nil
            }
        }
        return number.isEmpty && lastUnit.isFinite ? total : nil
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

extension ArgumentHelp {
    /// The help of a duration option: one wording for the forms it takes.
    static func duration(_ what: String) -> ArgumentHelp {
        ArgumentHelp("\(what): seconds, or with a unit (30s, 5m, 2h, 1d).", valueName: "duration")
    }
}
