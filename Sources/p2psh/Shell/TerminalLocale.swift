import Foundation

/// The character set the line editor reads in.
///
/// p2psh's words are UTF-8: a key is the SHA-1 of its UTF-8 bytes, whether it was typed or
/// came from a script. So the terminal is read as UTF-8 even when the environment names no
/// locale (a bare `TERM` under tmux, `LANG` unset in a service), as bash's readline would
/// in a UTF-8 terminal; otherwise typed text would hash to other keys than the same text in
/// a script.
enum TerminalLocale {
    static func useUTF8() {
        setlocale(LC_CTYPE, "")
        if !isUTF8 { setlocale(LC_CTYPE, "C.UTF-8") }
    }

    static var isUTF8: Bool {
        guard let codeset = nl_langinfo(nl_item(CODESET)) else { return false }
        return String(cString: codeset).uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
    }
}
