import Foundation
import Spawn

/// Credentials printed by the profile's `credential_process` command.
///
/// The command line is split as `shlex.split` does and run without a shell, with the
/// configuration's environment. Its stdout must be JSON with `Version` 1, `AccessKeyId`,
/// `SecretAccessKey`, and optionally `SessionToken` and `Expiration`. Errors quote the exit
/// status and stderr (as botocore does) but never stdout, which holds the secret.
struct ProcessCredentialProvider: CredentialProvider {
    /// The settings.
    var configuration: AWSConfiguration
    /// The profile; the selected one by default.
    var profile: String?

    /// The most output read from the command; credentials take a few kilobytes.
    static let outputLimit = 64 << 10

    func load() async throws(AWSError) -> CredentialLookup {
        let profile = profile ?? configuration.profile
        let source = "credential_process (profile \(profile))"
        guard let command = configuration.setting("credential_process", profile: profile) else {
            return .notFound("credential_process (profile \(profile) has none)")
        }
        guard let words = ShellWords.split(command), let program = words.first else {
            throw .invalidCredentialConfiguration(reason: "the credential_process of profile \(profile) has an unclosed quote or is empty")
        }
        guard let executable = Self.locate(program, path: configuration.variable("PATH")) else {
            throw .credentialRetrievalFailed(source: source, reason: "cannot find the command \(program.debugDescription)")
        }
        let output: Spawn.Finished
        do {
            output = try await Spawn.run(executable, Array(words.dropFirst()), environment: configuration.environment,
                                         outputLimit: Self.outputLimit)
        } catch {
            throw .credentialRetrievalFailed(source: source, reason: "cannot run \(program.debugDescription): \(error)")
        }
        guard output.status == .exited(0) else {
            let stderr = String(decoding: output.stderr.prefix(500), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let detail = stderr.isEmpty ? "" : ": " + stderr
            let ending = switch output.status {
            case .exited(let code): "exited with status \(code)"
            case .signalled(let signal): "was killed by signal \(signal)"
            }
            throw .credentialRetrievalFailed(source: source, reason: "the command \(ending)\(detail)")
        }
        guard !output.truncated else {
            throw .credentialRetrievalFailed(source: source, reason: "the command printed more than \(Self.outputLimit) bytes")
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(output.stdout)) as? [String: Any] else {
            throw .credentialRetrievalFailed(source: source, reason: "the command's output is not a JSON object")
        }
        guard (json["Version"] as? NSNumber)?.doubleValue == 1 else {
            throw .credentialRetrievalFailed(source: source, reason: "unsupported Version in the output; supported versions: 1")
        }
        guard let accessKey = json["AccessKeyId"] as? String, !accessKey.isEmpty else {
            throw .credentialRetrievalFailed(source: source, reason: "the output has no AccessKeyId")
        }
        guard let secret = json["SecretAccessKey"] as? String, !secret.isEmpty else {
            throw .credentialRetrievalFailed(source: source, reason: "the output has no SecretAccessKey")
        }
        var expiration: Date?
        if let text = json["Expiration"] as? String {
            guard let date = AWSWireTime.date(iso8601: text) else {
                throw .credentialRetrievalFailed(source: source, reason: "the output's Expiration is not an ISO 8601 time")
            }
            expiration = date
        }
        let token = (json["SessionToken"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return .found(ResolvedCredentials(
            credentials: AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: token),
            expiration: expiration, source: source))
    }

    /// The executable for `program`: itself when it holds a `/`, else the first match on `path`.
    static func locate(_ program: String, path: String?) -> String? {
        if program.contains("/") { return program }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
