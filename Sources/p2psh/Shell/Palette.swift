import Foundation

/// Colours for one output stream: ANSI escapes when the stream is a terminal that can show
/// them, plain text otherwise.
///
/// Colour is on only when the stream is a terminal, `TERM` is not `dumb`, and `NO_COLOR` is
/// unset or empty (https://no-color.org).
struct Palette: Sendable {
    let enabled: Bool

    static func detect(descriptor: Int32, environment: [String: String] = ProcessInfo.processInfo.environment) -> Palette {
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        let dumb = environment["TERM"] == "dumb"
        return Palette(enabled: isatty(descriptor) == 1 && !noColor && !dumb)
    }

    func error(_ text: String) -> String { paint(text, "1;31") }
    func warning(_ text: String) -> String { paint(text, "1;33") }
    func heading(_ text: String) -> String { paint(text, "1") }

    private func paint(_ text: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
