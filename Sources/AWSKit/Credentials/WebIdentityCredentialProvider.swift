import Foundation

/// Credentials from STS `AssumeRoleWithWebIdentity`, with a token read from a file.
///
/// Each setting comes from its environment variable first (unless the profile was passed
/// explicitly), then from the profile: `AWS_WEB_IDENTITY_TOKEN_FILE` / `web_identity_token_file`,
/// `AWS_ROLE_ARN` / `role_arn`, `AWS_ROLE_SESSION_NAME` / `role_session_name`. The token file
/// is read again on every refresh, since it rotates.
struct WebIdentityCredentialProvider: CredentialProvider {
    /// Settings, HTTP and region.
    var context: CredentialContext
    /// The profile; the selected one by default.
    var profile: String?
    /// Whether the environment variables count.
    var usesEnvironment: Bool

    /// The name of this source in the "tried" list.
    static let name = "web identity"

    func load() async throws(AWSError) -> CredentialLookup {
        let configuration = context.configuration
        let profile = profile ?? configuration.profile
        func value(_ variable: String, _ key: String) -> String? {
            (usesEnvironment ? configuration.variable(variable) : nil) ?? configuration.setting(key, profile: profile)
        }
        guard let tokenFile = value("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file") else {
            let where_ = usesEnvironment ? "AWS_WEB_IDENTITY_TOKEN_FILE, " : ""
            return .notFound("\(Self.name) (\(where_)profile \(profile) web_identity_token_file)")
        }
        guard let roleARN = value("AWS_ROLE_ARN", "role_arn") else {
            throw .invalidCredentialConfiguration(
                reason: "a web identity token file is configured but no role ARN (AWS_ROLE_ARN or role_arn)")
        }
        let sessionName = value("AWS_ROLE_SESSION_NAME", "role_session_name")
            ?? "botocore-session-\(Int(context.now().timeIntervalSince1970))"
        guard let data = FileManager.default.contents(atPath: tokenFile) else {
            throw .credentialRetrievalFailed(
                source: "\(Self.name) (\(roleARN))", reason: "cannot read the web identity token file \(tokenFile)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let credentials = try await STSClient(context: context)
            .assumeRoleWithWebIdentity(roleARN: roleARN, sessionName: sessionName, token: token)
        return .found(credentials)
    }
}
