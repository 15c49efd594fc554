import CLibEdit
import Foundation

/// Lines typed at a terminal, edited with libedit: emacs keys, history (Up, Down, Ctrl-R
/// search) and context-aware TAB completion.
///
/// The prompt, the line being edited and completion listings go to `terminal`, which is
/// stdout only when stdout is the terminal: with `p2psh | tee log` the results go down the
/// pipe and the editing stays on the screen.
final class LineEditor: LineSource {
    private let editLine: OpaquePointer
    private let libeditHistory: OpaquePointer
    private let history: CommandHistory
    /// Where the prompt and editing are drawn.
    @MainActor static var terminal: Int32 = 1
    /// The C reader's state: the signal pipe it watches, and whether SIGTERM ended input.
    private let readerState: UnsafeMutablePointer<p2psh_reader_state>

    /// The prompt libedit asks for; a C string that lives for the whole process.
    nonisolated(unsafe) private static let prompt = strdup("p2psh> ")  // never freed or written after start-up
    /// Set by the Ctrl-C binding while libedit is reading a line.
    @MainActor private static var lineCancelled = false
    @MainActor static var completer: Completer?
    /// The line (up to the cursor) at the last TAB that could not complete anything: a second
    /// TAB there lists the candidates, as in bash.
    @MainActor private static var ambiguousLine: String?
    private var saveFailureReported = false
    /// Beyond this many candidates, ask before listing them all.
    static let listingQuestionThreshold = 100

    @MainActor
    init(history: CommandHistory, completer: Completer, terminal: Int32) {
        Self.terminal = terminal
        TerminalLocale.useUTF8()
        let output = fdopen(terminal, "w")
        editLine = el_init("p2psh", fdopen(0, "r"), output, output)
        libeditHistory = history_init()
        self.history = history
        readerState = .allocate(capacity: 1)
        readerState.initialize(to: p2psh_reader_state(signal_fd: Interrupts.descriptor, terminated: 0,
                                                      prompt_width: Int32(strlen(Self.prompt!)),
                                                      show_logs: { LogLines.flush() }))
        Self.completer = completer
        p2psh_history_set_size(libeditHistory, Int32(history.limit))
        p2psh_el_set_editor(editLine, "emacs")
        p2psh_el_set_history(editLine, libeditHistory)
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
        loadHistory()
    }

    deinit {
        history_end(libeditHistory)
        el_end(editLine)
        readerState.deallocate()
    }

    func nextLine() -> LineSourceResult {
        let resized = MainActor.assumeIsolated {
            defer { Interrupts.windowChanged = false }
            return Interrupts.windowChanged
        }
        if resized { el_resize(editLine) }
        var count: Int32 = 0
        LogLines.setEditing(true)
        let raw = el_gets(editLine, &count)
        LogLines.setEditing(false)
        // Ctrl-C ends el_gets like Enter, but with nothing appended: on an empty line that
        // looks like end of input, so the cancel is checked first.
        let cancelled = MainActor.assumeIsolated {
            defer { LineEditor.lineCancelled = false }
            return LineEditor.lineCancelled
        }
        if cancelled {
            write("^C\n")
            return .interrupted
        }
        guard let raw, count > 0 else {
            if readerState.pointee.terminated != 0 {
                MainActor.assumeIsolated { Interrupts.terminated = true }
            } else {
                write("\n")  // Ctrl-D: the shell's next output starts on a line of its own
            }
            return .end
        }
        var line = String(cString: raw)
        if line.hasSuffix("\n") { line.removeLast() }
        return .line(line)
    }

    /// Keeps the line in history (unless it starts with a space) and saves it; a failure to
    /// save (a full disk) is reported once, and the session goes on.
    func record(_ line: String) {
        guard history.record(line) else { return }
        loadHistory()
        do {
            try history.save()
        } catch {
            if !saveFailureReported { TerminalOutput.write("warning: \(error)\n", to: 2) }
            saveFailureReported = true
        }
    }

    private func write(_ text: String) {
        TerminalOutput.write(text, to: MainActor.assumeIsolated { LineEditor.terminal })
    }

    /// Gives libedit the history as ``CommandHistory`` keeps it (a repeated command moved to the end).
    private func loadHistory() {
        p2psh_history_clear(libeditHistory)
        for line in history.lines { p2psh_history_enter(libeditHistory, line) }
    }

    /// TAB: completes the word at the cursor as far as the candidates agree; a second TAB
    /// where nothing more can be completed lists them.
    @MainActor
    private static func complete(_ editLine: OpaquePointer?) -> UInt8 {
        guard let editLine, let info = el_line(editLine)?.pointee, let completer else { return UInt8(CC_ERROR) }
        let beforeCursor = String(decoding: UnsafeRawBufferPointer(start: info.buffer,
                                                                   count: info.cursor - info.buffer), as: UTF8.self)
        let completion = completer.complete(beforeCursor)
        if !completion.insertion.isEmpty {
            _ = el_insertstr(editLine, completion.insertion)
            // Still ambiguous after the insertion: the next TAB lists at once, as in bash.
            ambiguousLine = completion.candidates.count > 1 ? beforeCursor + completion.insertion : nil
            return UInt8(CC_REFRESH)
        }
        guard completion.candidates.count > 1 else { return UInt8(CC_ERROR) }
        guard ambiguousLine == beforeCursor else {
            ambiguousLine = beforeCursor
            return UInt8(CC_ERROR)  // rings the bell; the next TAB lists
        }
        if completion.candidates.count > listingQuestionThreshold {
            TerminalOutput.write("\nDisplay all \(completion.candidates.count) possibilities? (y or n)", to: terminal)
            var answer: CChar = 0
            guard el_getc(editLine, &answer) == 1, answer == CChar(UInt8(ascii: "y")) || answer == CChar(UInt8(ascii: "Y")) else {
                TerminalOutput.write("\n", to: terminal)
                return UInt8(CC_REDISPLAY)
            }
        }
        let width = Int(p2psh_el_columns(editLine))
        TerminalOutput.write("\n" + Completer.columns(completion.candidates, width: width) + "\n", to: terminal)
        return UInt8(CC_REDISPLAY)
    }
}
