import Foundation
import PeerKit

/// Small formatting helpers shared by the verbs.
enum Formatting {
    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        Int(((ContinuousClock.now - start).inSeconds * 1000).rounded())
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.down))
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m \(total % 60)s" }
        if total < 86400 { return "\(total / 3600)h \(total % 3600 / 60)m" }
        return "\(total / 86400)d \(total % 86400 / 3600)h"
    }

    static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count), unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// A value as text when it is UTF-8 without NUL bytes, else nil (and it is shown as hex).
    /// Printed, it still goes through `String.printable`.
    static func text(_ bytes: [UInt8]) -> String? {
        guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else { return nil }
        return text
    }

    /// "1 node", "3 nodes".
    static func count(_ number: Int, _ noun: String, plural: String? = nil) -> String {
        "\(number) " + (number == 1 ? noun : plural ?? noun + "s")
    }

    /// How many terminal cells `text` takes: CJK ideographs and emoji take two, combining
    /// marks none.
    static func displayWidth(_ text: String) -> Int {
        text.reduce(0) { total, character in
            let scalars = character.unicodeScalars
            if scalars.contains(where: { $0.properties.isEmojiPresentation })
                || (scalars.count > 1 && scalars.contains("\u{FE0F}") && scalars.first!.properties.isEmoji) {
                return total + 2
            }
            return total + scalars.reduce(0) { $0 + cells($1) }
        }
    }

    /// Terminal cells of one scalar outside an emoji: East Asian wide and fullwidth take two
    /// (Unicode's EastAsianWidth W and F ranges), combining and format characters none.
    private static func cells(_ scalar: Unicode.Scalar) -> Int {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control: return 0
        default: break
        }
        switch scalar.value {
        case 0x1160...0x11FF: return 0  // Hangul medial vowels and final consonants join the syllable
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return 2
        default: return 1
        }
    }

    /// `text` broken into lines of at most `width` cells at spaces (a longer word gets a line of its own).
    static func wrapped(_ text: String, width: Int) -> String {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, displayWidth(line) + 1 + displayWidth(String(word)) > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        return (lines + [line]).joined(separator: "\n")
    }

    /// `text` padded with spaces to `width` terminal cells.
    static func padded(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - displayWidth(text)))
    }

    /// Left-aligned columns separated by two spaces, aligned by terminal cells.
    static func table(_ rows: [[String]]) -> [String] {
        guard let width = rows.first?.count else { return [] }
        let widths = (0..<width).map { column in rows.map { displayWidth($0[column]) }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == width - 1 ? cell : padded(cell, to: widths[index])
            }.joined(separator: "  ")
        }
    }

    /// A table with a header line, in bold where the terminal shows colour.
    static func table(_ rows: [[String]], header: [String], console: Console) -> [String] {
        let lines = table([header] + rows)
        return [console.palette.heading(lines[0])] + lines.dropFirst()
    }
}
