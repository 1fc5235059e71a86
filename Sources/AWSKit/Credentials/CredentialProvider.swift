import Foundation
import HTTPClient

/// What one link of the chain found: credentials, or a note on where it looked.
enum CredentialLookup: Sendable {
    /// The credentials, which end the search.
    case found(ResolvedCredentials)
    /// Nothing there; the text names the source and why, for the "tried" list, and holds no secret.
    case notFound(String)
}

/// One link of the credential chain.
///
/// A provider that is not configured answers `.notFound`; one that is configured but fails
/// throws, and the search stops there, as in botocore.
protocol CredentialProvider: Sendable {
    /// Looks for credentials.
    func load() async throws(AWSError) -> CredentialLookup
}

/// What the providers share: settings, HTTP and the STS region.
struct CredentialContext: Sendable {
    /// The settings.
    var configuration: AWSConfiguration
    /// How HTTP goes out.
    var transport: any HTTPTransport
    /// The region STS calls go to, if one is known.
    var region: String?
    /// The pause between container-endpoint attempts (botocore: 1 s).
    var retryDelay: Duration = .seconds(1)
    /// The clock, for session names.
    var now: @Sendable () -> Date = { Date() }
}
