import Foundation

/// A path as typed, with a leading `~` made the home directory.
func expandingTilde(_ path: String) -> String {
    NSString(string: path).expandingTildeInPath
}
