extension String {
    /// The text with control characters written as `\u{…}`: what the network sent, safe to
    /// put in a log line or on a terminal.
    package var printable: String {
        guard unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return self }
        return unicodeScalars.map { scalar in
            scalar.properties.generalCategory == .control
                ? "\\u{\(String(scalar.value, radix: 16))}" : String(Character(scalar))
        }.joined()
    }
}
