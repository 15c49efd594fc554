extension String {
    /// Text that came from outside (a peer's file name, a value, a node's version, an error it
    /// sent, a method name in a log line), made safe to print: control characters, which could
    /// move the cursor, change colours or break a table's lines, are shown as escapes (`\n`,
    /// `\x1b`, `\u{202e}`), and so are the bidirectional overrides that make text read as
    /// something else.
    package var printable: String {
        guard unicodeScalars.contains(where: Self.isUnsafe) else { return self }
        var result = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where Self.isUnsafe(scalar):
                let hex = String(scalar.value, radix: 16)
                result += scalar.value < 0x100 ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex : "\\u{\(hex)}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// C0 and C1 control characters, DEL, and the bidirectional overrides.
    private static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || (0x202A...0x202E).contains(scalar.value)
            || (0x2066...0x2069).contains(scalar.value)
    }
}
