import PeerKit
/// The JSON answer to `GET /who-has`: who provides the file, and which nodes the query reached.
struct WhoHasAnswer: Codable, Sendable, Equatable {
    /// The providers found; empty when nobody within the history cap has the file.
    /// An offer whose `url` is empty is the answering node itself.
    var providers: [ProviderOffer]
    /// Node ids (40 hex digits) of every node the query asked so far, the answering one included.
    var asked: [String]

    init(providers: [ProviderOffer], asked: [String]) {
        self.providers = providers
        self.asked = asked
    }
}
