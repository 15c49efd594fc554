import Crypto

/// Write tokens: proof that a storer recently asked us from the address it stores from.
///
/// A token is SHA-1(secret ‖ requester IP), cut to 8 bytes. The secret rotates
/// every `rotationInterval`, and tokens made with the newest `acceptedSecrets`
/// secrets are accepted, so a token lives between 2 and 3 intervals.
struct WriteTokens: Sendable {
    let rotationInterval: Duration
    let acceptedSecrets: Int
    private var secrets: [[UInt8]]
    private var rotatedAt: Timestamp

    init(now: Timestamp, rotationInterval: Duration, acceptedSecrets: Int = 3,
         generator: inout some RandomNumberGenerator) {
        self.rotationInterval = rotationInterval
        self.acceptedSecrets = acceptedSecrets
        self.secrets = [Self.newSecret(using: &generator)]
        self.rotatedAt = now
    }

    private static func newSecret(using generator: inout some RandomNumberGenerator) -> [UInt8] {
        (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// Starts a new secret if the current one is older than the rotation interval.
    mutating func rotateIfDue(now: Timestamp, using generator: inout some RandomNumberGenerator) {
        guard now - rotatedAt >= rotationInterval else { return }
        secrets.insert(Self.newSecret(using: &generator), at: 0)
        secrets = Array(secrets.prefix(acceptedSecrets))
        rotatedAt = now
    }

    func token(for address: NodeAddress) -> [UInt8] { Self.token(secret: secrets[0], address: address) }

    func isValid(_ token: [UInt8], for address: NodeAddress) -> Bool {
        secrets.contains { Self.token(secret: $0, address: address) == token }
    }

    private static func token(secret: [UInt8], address: NodeAddress) -> [UInt8] {
        var hasher = Insecure.SHA1()
        hasher.update(data: secret)
        hasher.update(data: address.hostBytes)
        return Array(hasher.finalize().prefix(8))
    }
}
