import Foundation

/// Where the shell writes: results to stdout, errors and warnings to stderr.
///
/// Results are text for people or, with `--json`, one JSON object per command. Decoration
/// (table headers, notes, progress lines, colour) appears only when stdout is a terminal
/// and the output is text, so a pipe gets only the results.
struct Console: Sendable {
    enum Format: Sendable {
        case text
        case json
    }

    let format: Format
    /// Stdout is a terminal and the output is text: show headers, notes and progress.
    let decorated: Bool
    /// Colours for stdout.
    let palette: Palette
    /// Colours for stderr.
    let errorPalette: Palette

    static func detect(format: Format) -> Console {
        Console(format: format, decorated: format == .text && isatty(1) == 1,
                palette: format == .text ? Palette.detect(descriptor: 1) : Palette(enabled: false),
                errorPalette: Palette.detect(descriptor: 2))
    }

    /// Result lines, written together.
    func print(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        TerminalOutput.write(lines.joined(separator: "\n") + "\n", to: 1)
    }

    func print(_ line: String) { print([line]) }

    /// Part of a command's result, written as it comes (a watch's values): its lines, or with
    /// `--json` a record of its own for the command running (``RunningCommand``).
    func partial(_ output: any VerbOutput) {
        switch format {
        case .text:
            print(output.lines(for: self))
        case .json:
            let command = RunningCommand.current
            print(CommandRecord(command: command?.text ?? "", verb: command?.verb ?? "", ok: true,
                                milliseconds: command.map { Formatting.milliseconds(since: $0.started) } ?? 0,
                                result: output, error: nil).line)
        }
    }

    /// Context for a person (the key used, timings): shown only when decorated.
    func note(_ line: String) {
        guard decorated else { return }
        print(line)
    }

    /// An error, as `error: …` on stderr.
    func error(_ message: String) {
        TerminalOutput.write(errorPalette.error("error:") + " \(message)\n", to: 2)
    }

    func warning(_ message: String) {
        TerminalOutput.write(errorPalette.warning("warning:") + " \(message)\n", to: 2)
    }
}
