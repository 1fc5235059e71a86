import Foundation

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
        let output: Output
        switch await Self.run(executable, Array(words.dropFirst()), environment: configuration.environment) {
        case .success(let finished): output = finished
        case .failure(let failure):
            throw .credentialRetrievalFailed(source: source, reason: "cannot start \(program.debugDescription): \(failure.reason)")
        }
        guard output.status == 0 else {
            let stderr = String(decoding: output.stderr.prefix(500), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let detail = stderr.isEmpty ? "" : ": " + stderr
            throw .credentialRetrievalFailed(source: source, reason: "the command exited with status \(output.status)\(detail)")
        }
        guard let json = try? JSONSerialization.jsonObject(with: output.stdout) as? [String: Any] else {
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
            guard let date = ISO8601Time.parse(text) else {
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

    /// What a finished process left behind.
    struct Output: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: Data
    }

    /// Why a command could not start.
    struct StartFailure: Error {
        let reason: String
    }

    /// How often a command that is busy being written (ETXTBSY) is tried again, and the
    /// first wait. A tool that has just written the script, or any thread of this process
    /// that forks while the script is open for writing, makes exec fail for a moment.
    static let busyAttempts = 8
    static let busyDelay = 0.01

    /// Runs `executable` off the cooperative pool and collects its exit status and output.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]) async -> Result<Output, StartFailure> {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var attempt = 1
                var started: (process: Process, stdout: Pipe, stderr: Pipe)?
                while started == nil {
                    // A fresh Process each time: one that failed to launch cannot be launched again.
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: executable)
                    process.arguments = arguments
                    process.environment = environment
                    let (stdout, stderr) = (Pipe(), Pipe())
                    process.standardOutput = stdout
                    process.standardError = stderr
                    process.standardInput = FileHandle.nullDevice
                    do {
                        try process.run()
                        started = (process, stdout, stderr)
                    } catch {
                        let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
                        guard posix?.domain == NSPOSIXErrorDomain, posix?.code == Int(ETXTBSY), attempt < busyAttempts else {
                            let reason = posix?.localizedDescription ?? (error as NSError).localizedDescription
                            continuation.resume(returning: .failure(StartFailure(reason: reason)))
                            return
                        }
                        Thread.sleep(forTimeInterval: busyDelay * Double(1 << (attempt - 1)))
                        attempt += 1
                    }
                }
                guard let (process, stdout, stderr) = started else { return }
                let errors = DataBox()
                let group = DispatchGroup()
                DispatchQueue.global().async(group: group) {
                    errors.data = stderr.fileHandleForReading.readDataToEndOfFile()
                }
                let output = stdout.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                process.waitUntilExit()
                continuation.resume(returning: .success(Output(status: process.terminationStatus, stdout: output, stderr: errors.data)))
            }
        }
    }
}

/// Bytes handed from the stderr reader to the waiting thread; the group's wait orders the accesses.
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
