/// A command's words put in the order the argument parser reads without guessing: options
/// first, then `--`, then the positional arguments.
///
/// The shell, not the parser, decides what is an option, so that these rules hold for every
/// verb:
/// - `--` ends the options: every word after it is an argument;
/// - a word that was quoted or escaped (`"-5"`, `\-x`) is an argument, never an option;
/// - a verb whose last argument repeats after another one (`store KEY VALUE...`) takes the
///   rest of the command as that argument, whatever it begins with (`store n -5`);
/// - an option's value is the next word, whatever it begins with (`fetch x --as -y`).
enum VerbArguments {
    /// A word read as an option that the verb does not have.
    struct UnknownOption: Error, CustomStringConvertible {
        let word: String
        var description: String {
            "unknown option '\(word)': to use a word that begins with '-' as an argument, quote it (\"\(word)\") "
                + "or put it after '--'"
        }
    }

    static func arranged(_ words: [String], literal: Set<Int> = [], spec: VerbSpec) throws(UnknownOption) -> [String] {
        var options: [String] = []
        var positionals: [String] = []
        let positionalCount = spec.positionals.count
        let takesRest = positionalCount >= 2 && spec.positionals.last?.isRepeating == true
        var restOfCommand = false
        var index = 0
        while index < words.count {
            let word = words[index]
            defer { index += 1 }
            if restOfCommand || literal.contains(index) || !word.hasPrefix("-") || word == "-" {
                positionals.append(word)
                if takesRest, positionals.count >= positionalCount - 1 { restOfCommand = true }
                continue
            }
            if word == "--" {
                restOfCommand = true
                continue
            }
            let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
            guard let option = spec.option(named: name) else { throw UnknownOption(word: word) }
            options.append(word)
            if !word.contains("="), option.kind == .option, index + 1 < words.count {
                index += 1
                options.append(words[index])
            }
        }
        return positionals.isEmpty ? options : options + ["--"] + positionals
    }
}
