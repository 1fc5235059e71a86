public import Foundation

/// Credentials as a provider returned them: the keys, when they expire, and where they came from.
///
/// Printing shows the source and expiry and the same redacted keys as ``AWSCredentials``.
public struct ResolvedCredentials: Sendable, CustomStringConvertible {
    /// The keys.
    public var credentials: AWSCredentials
    /// When the keys stop working, or `nil` for long-term keys that never need refreshing.
    public var expiration: Date?
    /// Where they came from, such as `environment` or `shared credentials file /root/.aws/credentials (profile ci)`.
    public var source: String

    /// Makes resolved credentials from their parts.
    ///
    /// - Parameters:
    ///   - credentials: the keys.
    ///   - expiration: when they expire, or `nil`.
    ///   - source: where they came from.
    public init(credentials: AWSCredentials, expiration: Date? = nil, source: String) {
        self.credentials = credentials
        self.expiration = expiration
        self.source = source
    }

    /// The source, the expiry and the redacted keys.
    public var description: String {
        let expiry = expiration.map { AWSWireTime.iso8601($0.timeIntervalSince1970.rounded(.down)) } ?? "never"
        return "\(credentials) from \(source), expires \(expiry)"
    }
}
