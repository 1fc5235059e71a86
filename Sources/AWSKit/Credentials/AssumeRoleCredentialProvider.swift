import Foundation

/// Credentials from STS `AssumeRole` for a profile with `role_arn`.
///
/// The source credentials come from `source_profile` (which may itself assume a role, or have
/// static keys, a web identity or a `credential_process`) or from `credential_source`
/// (`Environment`, `Ec2InstanceMetadata` or `EcsContainer`). `role_session_name`
/// (default `botocore-session-<unix time>`), `external_id` and `duration_seconds` go to STS.
/// Profiles with `web_identity_token_file` are left to ``WebIdentityCredentialProvider``.
struct AssumeRoleCredentialProvider: CredentialProvider {
    /// Settings, HTTP and region.
    var context: CredentialContext

    /// The name of this source in the "tried" list.
    static let name = "assume-role profile"

    func load() async throws(AWSError) -> CredentialLookup {
        let profile = context.configuration.profile
        guard Self.assumesRole(context.configuration.settings(ofProfile: profile)) else {
            return .notFound("\(Self.name) (profile \(profile) has no role_arn)")
        }
        return .found(try await assumeRole(profile: profile, visited: [profile]))
    }

    /// Whether a profile is an assume-role profile: `role_arn` without `web_identity_token_file`.
    static func assumesRole(_ settings: [String: ConfigFile.Value]) -> Bool {
        settings["role_arn"] != nil && settings["web_identity_token_file"] == nil
    }

    private static func hasStaticKeys(_ settings: [String: ConfigFile.Value]) -> Bool {
        settings["aws_access_key_id"] != nil || settings["aws_secret_access_key"] != nil
    }

    /// Assumes the role of `profile`; `visited` lists the profiles followed so far, `profile` last.
    private func assumeRole(profile: String, visited: [String]) async throws(AWSError) -> ResolvedCredentials {
        let configuration = context.configuration
        func setting(_ key: String) -> String? { configuration.setting(key, profile: profile) }
        guard let roleARN = setting("role_arn") else {
            throw .invalidCredentialConfiguration(reason: "profile \(profile) has an empty role_arn")
        }
        if setting("mfa_serial") != nil {
            throw .invalidCredentialConfiguration(
                reason: "profile \(profile) sets mfa_serial; prompting for an MFA code is not supported")
        }
        let sourceProfile = setting("source_profile")
        let credentialSource = setting("credential_source")
        let source: ResolvedCredentials
        switch (sourceProfile, credentialSource) {
        case (.some, .some):
            throw .invalidCredentialConfiguration(
                reason: "profile \(profile) has both source_profile and credential_source; use one")
        case (nil, nil):
            throw .invalidCredentialConfiguration(
                reason: "profile \(profile) has role_arn but neither source_profile nor credential_source")
        case (nil, .some(let named)):
            source = try await credentials(fromSource: named, profile: profile)
        case (.some(let name), nil):
            source = try await credentials(fromProfile: name, parent: profile, visited: visited)
        }
        var duration: Int?
        if let text = setting("duration_seconds") {
            guard let seconds = Int(text), seconds > 0 else {
                throw .invalidCredentialConfiguration(reason: "duration_seconds of profile \(profile) is not a whole number of seconds")
            }
            duration = seconds
        }
        let sessionName = setting("role_session_name") ?? "botocore-session-\(Int(context.now().timeIntervalSince1970))"
        var result = try await STSClient(context: context).assumeRole(
            roleARN: roleARN, sessionName: sessionName, externalID: setting("external_id"),
            durationSeconds: duration, credentials: source.credentials)
        result.source = "\(Self.name) \(profile) (\(roleARN))"
        return result
    }

    /// The credentials of a `credential_source`.
    private func credentials(fromSource named: String, profile: String) async throws(AWSError) -> ResolvedCredentials {
        let provider: any CredentialProvider
        switch named {
        case "Environment": provider = EnvironmentCredentialProvider(configuration: context.configuration)
        case "Ec2InstanceMetadata": provider = InstanceMetadataCredentialProvider(context: context)
        case "EcsContainer": provider = ContainerCredentialProvider(context: context)
        default:
            throw .invalidCredentialConfiguration(
                reason: "credential_source \(named.debugDescription) of profile \(profile) is not Environment, Ec2InstanceMetadata or EcsContainer")
        }
        switch try await provider.load() {
        case .found(let credentials): return credentials
        case .notFound(let tried):
            throw .credentialRetrievalFailed(
                source: "credential_source \(named) of profile \(profile)", reason: "no credentials found; tried \(tried)")
        }
    }

    /// The credentials of source profile `name`, referenced by `parent`.
    private func credentials(fromProfile name: String, parent: String, visited: [String]) async throws(AWSError)
        -> ResolvedCredentials
    {
        let configuration = context.configuration
        guard configuration.hasProfile(name) else {
            throw .invalidCredentialConfiguration(
                reason: "the source_profile \"\(name)\" referenced in the profile \"\(parent)\" does not exist")
        }
        let settings = configuration.settings(ofProfile: name)
        if visited.contains(name), name != parent || !Self.hasStaticKeys(settings) {
            throw .invalidCredentialConfiguration(
                reason: "infinite loop in source_profile: \((visited + [name]).joined(separator: " -> "))")
        }
        if Self.hasStaticKeys(settings) || !Self.assumesRole(settings) {
            let providers: [any CredentialProvider] = [
                WebIdentityCredentialProvider(context: context, profile: name, usesEnvironment: false),
                ProfileKeysCredentialProvider(configuration: configuration, file: .credentials, profile: name),
                ProcessCredentialProvider(configuration: configuration, profile: name),
                ProfileKeysCredentialProvider(configuration: configuration, file: .config, profile: name),
            ]
            for provider in providers {
                if case .found(let credentials) = try await provider.load() { return credentials }
            }
            throw .invalidCredentialConfiguration(reason: "the source profile \"\(name)\" must have credentials")
        }
        return try await assumeRole(profile: name, visited: visited + [name])
    }
}
