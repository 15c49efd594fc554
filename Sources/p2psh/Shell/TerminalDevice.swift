import CLibEdit
import Foundation

/// Where an interactive session draws its prompt and line editing.
enum TerminalDevice {
    /// The descriptor to edit lines on when commands are typed at a terminal, or nil when
    /// standard input is not a terminal (a script, a pipe).
    ///
    /// Whether a session is interactive depends on standard input alone, as in bash: with
    /// `p2psh | tee session.log` a person still types at the keyboard. Then the prompt and
    /// editing go to the terminal (stderr when it is one, else `/dev/tty`) and the results
    /// down the pipe.
    static func forEditing() -> Int32? {
        guard isatty(0) == 1 else { return nil }
        if isatty(1) == 1 { return 1 }
        if isatty(2) == 1 { return 2 }
        let device = open("/dev/tty", O_WRONLY | O_CLOEXEC)
        return device >= 0 ? device : nil
    }

    /// The width of the terminal on `descriptor` in columns, read anew each time (it may have
    /// been resized), or nil when it is not a terminal.
    static func columns(of descriptor: Int32) -> Int? {
        let columns = Int(p2psh_terminal_columns(descriptor))
        return columns > 0 ? columns : nil
    }
}
