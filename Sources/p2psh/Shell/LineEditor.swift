import CLibEdit
import Foundation

/// Lines typed at a terminal, edited with libedit: emacs keys, history (with Ctrl-R search)
/// kept in a file, and context-aware TAB completion.
final class LineEditor: LineSource {
    private let editLine: OpaquePointer
    private let history: OpaquePointer
    private let historyPath: String?
    /// The C reader's state: the signal pipe it watches, and whether SIGTERM ended input.
    private let readerState: UnsafeMutablePointer<p2psh_reader_state>

    /// The prompt libedit asks for; a C string that lives for the whole process.
    nonisolated(unsafe) private static let prompt = strdup("p2psh> ")  // never freed or written after start-up
    /// Set by the Ctrl-C binding while libedit is reading a line.
    @MainActor private static var lineCancelled = false
    @MainActor static var completer: Completer?

    /// - Parameter historyPath: where history persists; nil keeps it in memory only.
    @MainActor
    init(historyPath: String?, completer: Completer) {
        setlocale(LC_CTYPE, "")
        editLine = el_init("p2psh", fdopen(0, "r"), fdopen(1, "w"), fdopen(2, "w"))
        history = history_init()
        self.historyPath = historyPath
        readerState = .allocate(capacity: 1)
        readerState.initialize(to: p2psh_reader_state(signal_fd: Interrupts.descriptor, terminated: 0))
        Self.completer = completer
        p2psh_history_set_size(history, 1000)
        if let historyPath { _ = p2psh_history_load(history, historyPath) }
        p2psh_el_set_editor(editLine, "emacs")
        p2psh_el_set_history(editLine, history)
        p2psh_el_set_prompt(editLine) { _ in LineEditor.prompt }
        p2psh_el_set_reader(editLine, readerState)
        p2psh_el_add_function(editLine, "p2psh-complete", "Complete the word at the cursor") { editLine, _ in
            MainActor.assumeIsolated { LineEditor.complete(editLine) }
        }
        p2psh_el_add_function(editLine, "p2psh-cancel", "Abandon the line (Ctrl-C)") { editLine, _ in
            MainActor.assumeIsolated { LineEditor.lineCancelled = true }
            return UInt8(CC_NEWLINE)
        }
        p2psh_el_bind(editLine, "^I", "p2psh-complete")
        p2psh_el_bind(editLine, "^C", "p2psh-cancel")
        p2psh_el_bind(editLine, "^R", "em-inc-search-prev")
        p2psh_el_source_defaults(editLine)
    }

    deinit {
        history_end(history)
        el_end(editLine)
        readerState.deallocate()
    }

    func nextLine() -> LineSourceResult {
        var count: Int32 = 0
        guard let raw = el_gets(editLine, &count), count > 0 else {
            if readerState.pointee.terminated != 0 { MainActor.assumeIsolated { Interrupts.terminated = true } }
            return .end
        }
        let cancelled = MainActor.assumeIsolated {
            defer { LineEditor.lineCancelled = false }
            return LineEditor.lineCancelled
        }
        if cancelled {
            FileHandle.standardOutput.write(Data("^C\n".utf8))
            return .interrupted
        }
        var line = String(cString: raw)
        if line.hasSuffix("\n") { line.removeLast() }
        return .line(line)
    }

    /// Adds a line to history, as bash does: not blank lines, not lines that start with a space.
    func record(_ line: String) {
        guard !line.hasPrefix(" "), !line.allSatisfy(\.isWhitespace) else { return }
        p2psh_history_enter(history, line)
    }

    func save() {
        guard let historyPath else { return }
        _ = p2psh_history_save(history, historyPath)
        chmod(historyPath, 0o600)
    }

    /// TAB: completes the word at the cursor, or lists the candidates when there are several.
    @MainActor
    private static func complete(_ editLine: OpaquePointer?) -> UInt8 {
        guard let editLine, let info = el_line(editLine)?.pointee, let completer else { return UInt8(CC_ERROR) }
        let beforeCursor = String(decoding: UnsafeRawBufferPointer(start: info.buffer,
                                                                   count: info.cursor - info.buffer), as: UTF8.self)
        let completion = completer.complete(beforeCursor)
        if !completion.insertion.isEmpty {
            _ = el_insertstr(editLine, completion.insertion)
            return UInt8(CC_REFRESH)
        }
        guard completion.candidates.count > 1 else { return UInt8(CC_ERROR) }
        FileHandle.standardOutput.write(Data(("\n" + Completer.columns(completion.candidates) + "\n").utf8))
        return UInt8(CC_REDISPLAY)
    }
}
