/// Static keys (`aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`) from one
/// profile of the shared credentials file or of the config file.
struct ProfileKeysCredentialProvider: CredentialProvider {
    /// Which of the two files.
    enum File: Sendable {
        case credentials
        case config
    }

    /// The settings.
    var configuration: AWSConfiguration
    /// The file to read.
    var file: File
    /// The profile; the selected one by default.
    var profile: String?

    /// The source's name: `shared credentials file <path> (profile <name>)` or `config file <path> (profile <name>)`.
    var name: String {
        let profile = profile ?? configuration.profile
        return switch file {
        case .credentials: "shared credentials file \(configuration.credentialsFilePath) (profile \(profile))"
        case .config: "config file \(configuration.configFilePath) (profile \(profile))"
        }
    }

    func load() async throws(AWSError) -> CredentialLookup {
        let profile = profile ?? configuration.profile
        let values =
            switch file {
            case .credentials: configuration.credentialsFile.section(profile)
            case .config: configuration.configFile.namedSections("profile")[profile]
            }
        func value(_ key: String) -> String? {
            values?[key]?.string.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let accessKey = value("aws_access_key_id") else { return .notFound(name) }
        guard let secret = value("aws_secret_access_key") else {
            throw .invalidCredentialConfiguration(
                reason: "partial credentials in \(name): aws_access_key_id is set but aws_secret_access_key is not")
        }
        let token = value("aws_session_token") ?? value("aws_security_token")
        return .found(ResolvedCredentials(
            credentials: AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: token),
            source: name))
    }
}
