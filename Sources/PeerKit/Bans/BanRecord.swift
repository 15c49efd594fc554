import Foundation

/// A ban in force: what it covers, and when it ends (nil: until lifted with `unban`).
public struct BanRecord: Sendable, Equatable {
    public var rule: BanRule
    public var expiresAt: Date?
}
