/// A verb's failure, worded for the user.
struct ShellError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
