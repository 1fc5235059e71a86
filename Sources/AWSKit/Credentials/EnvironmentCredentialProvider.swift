import Foundation

/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.
///
/// `AWS_SECURITY_TOKEN` is the legacy name of the token, and `AWS_CREDENTIAL_EXPIRATION` an
/// optional ISO 8601 expiry.
struct EnvironmentCredentialProvider: CredentialProvider {
    /// The settings; only their environment is read.
    var configuration: AWSConfiguration

    /// The name this source has in the "tried" list and in `ResolvedCredentials.source`.
    static let name = "environment"

    func load() async throws(AWSError) -> CredentialLookup {
        let configuration = configuration
        guard let accessKey = configuration.variable("AWS_ACCESS_KEY_ID") else {
            return .notFound("\(Self.name) (AWS_ACCESS_KEY_ID)")
        }
        guard let secret = configuration.variable("AWS_SECRET_ACCESS_KEY") else {
            throw .invalidCredentialConfiguration(
                reason: "partial credentials in the environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        }
        let token = configuration.variable("AWS_SESSION_TOKEN") ?? configuration.variable("AWS_SECURITY_TOKEN")
        var expiration: Date?
        if let text = configuration.variable("AWS_CREDENTIAL_EXPIRATION") {
            guard let date = AWSWireTime.date(iso8601: text) else {
                throw .invalidCredentialConfiguration(reason: "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time")
            }
            expiration = date
        }
        return .found(ResolvedCredentials(
            credentials: AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: token),
            expiration: expiration, source: Self.name))
    }
}
