@testable import AWSKit
import Foundation
import Testing

/// Static sources, `credential_process`, precedence and the "no credentials" message.
struct CredentialChainTests {
    let home: TestHome

    init() throws { home = try TestHome() }

    func resolve(_ extra: [String: String] = [:], profile: String? = nil) async throws -> ResolvedCredentials {
        try await AWSCredentialChain(configuration: home.configuration(extra, profile: profile)).resolve()
    }

    var environmentKeys: [String: String] {
        ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": TestSecrets.secret, "AWS_SESSION_TOKEN": TestSecrets.token]
    }

    @Test func environmentVariables() async throws {
        let found = try await resolve(environmentKeys.merging(["AWS_CREDENTIAL_EXPIRATION": "2030-01-02T03:04:05Z"]) { $1 })
        #expect(found.credentials.accessKeyID == "AKIDENV")
        #expect(found.credentials.secretAccessKey == TestSecrets.secret)
        #expect(found.credentials.sessionToken == TestSecrets.token)
        #expect(found.source == "environment")
        #expect(found.expiration == Date(timeIntervalSince1970: 1_893_553_445))
        #expect(!TestSecrets.leaks("\(found)"))
    }

    @Test func partialEnvironmentCredentialsAreAnError() async {
        let error = await awsError { try await resolve(["AWS_ACCESS_KEY_ID": "AKIDENV"]) }
        #expect(error?.description.contains("AWS_SECRET_ACCESS_KEY is not") == true)
    }

    @Test func environmentBeatsFilesUnlessTheProfileIsExplicit() async throws {
        try home.credentials("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n")
        #expect(try await resolve(environmentKeys).credentials.accessKeyID == "AKIDENV")
        #expect(try await resolve(environmentKeys.merging(["AWS_PROFILE": "default"]) { $1 }).credentials.accessKeyID == "AKIDENV")
        let explicit = try await resolve(environmentKeys, profile: "default")
        #expect(explicit.credentials.accessKeyID == "AKIDFILE")
        #expect(explicit.source == "shared credentials file \(home.path)/.aws/credentials (profile default)")
    }

    @Test func sharedCredentialsFileForTheSelectedProfile() async throws {
        try home.credentials("""
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = s1
            [ci]
            aws_access_key_id = AKIDCI
            aws_secret_access_key = \(TestSecrets.secret)
            aws_session_token = \(TestSecrets.token)
            """)
        #expect(try await resolve().credentials.accessKeyID == "AKIDDEFAULT")
        let ci = try await resolve(["AWS_PROFILE": "ci"])
        #expect(ci.credentials.accessKeyID == "AKIDCI")
        #expect(ci.credentials.sessionToken == TestSecrets.token)
        #expect(ci.expiration == nil)
    }

    @Test func configFileKeysComeLastAmongTheFiles() async throws {
        try home.config("[profile ci]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s\n")
        let config = try await resolve(["AWS_PROFILE": "ci"])
        #expect(config.credentials.accessKeyID == "AKIDCONFIG")
        #expect(config.source == "config file \(home.path)/.aws/config (profile ci)")
        try home.credentials("[ci]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = s\n")
        #expect(try await resolve(["AWS_PROFILE": "ci"]).credentials.accessKeyID == "AKIDCREDS")
    }

    @Test func credentialProcessComesBeforeConfigKeysAndAfterTheCredentialsFile() async throws {
        let script = try home.script("creds", #"echo '{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "s"}'"#)
        try home.config("[default]\ncredential_process = \(script)\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s\n")
        #expect(try await resolve().credentials.accessKeyID == "AKIDPROC")
        try home.credentials("[default]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = s\n")
        #expect(try await resolve().credentials.accessKeyID == "AKIDCREDS")
    }

    @Test func credentialProcessSuccessWithArgumentsAndExpiry() async throws {
        let script = try home.script("creds", #"""
            [ "$1" = "--role" ] && [ "$2" = "read only" ] || { echo "bad args: $*" >&2; exit 3; }
            printf '{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "%s", "SessionToken": "%s", "Expiration": "2031-05-06T07:08:09.123Z"}\n' "$SECRET" "$TOKEN"
            """#)
        try home.config("[profile proc]\ncredential_process = \(script) --role 'read only'\n")
        let found = try await resolve(["AWS_PROFILE": "proc", "SECRET": TestSecrets.secret, "TOKEN": TestSecrets.token])
        #expect(found.credentials.accessKeyID == "AKIDPROC")
        #expect(found.credentials.secretAccessKey == TestSecrets.secret)
        #expect(found.credentials.sessionToken == TestSecrets.token)
        #expect(found.expiration.map { abs($0.timeIntervalSince1970 - 1_935_817_689.123) < 0.01 } == true)
        #expect(found.source == "credential_process (profile proc)")
    }

    @Test(arguments: [
        ("echo '{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"$SECRET\"}'; echo 'helper broke' >&2; exit 2",
         "the command exited with status 2: helper broke"),
        ("echo \"not json $SECRET\"", "the command's output is not a JSON object"),
        ("echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"'$SECRET'\"}'",
         "unsupported Version in the output; supported versions: 1"),
        ("echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SessionToken\": \"'$TOKEN'\"}'", "the output has no SecretAccessKey"),
        ("echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"'$SECRET'\", \"Expiration\": \"soon\"}'",
         "the output's Expiration is not an ISO 8601 time"),
    ])
    func credentialProcessFailuresAreClearAndHideStdout(body: String, reason: String) async throws {
        let script = try home.script("creds", body)
        try home.config("[default]\ncredential_process = \(script)\n")
        let error = await awsError { try await resolve(["SECRET": TestSecrets.secret, "TOKEN": TestSecrets.token]) }
        #expect(error?.description == "cannot get credentials from credential_process (profile default): \(reason)")
        #expect(!TestSecrets.leaks(error?.description ?? "SECRETMARKER"))
    }

    /// A script still open for writing somewhere (a tool that just wrote it, or a child forked
    /// by another thread while it was being written) fails exec with ETXTBSY for a moment; the
    /// suite once failed with "cannot start" because of it.
    @Test func aCredentialProcessBusyBeingWrittenIsTriedAgain() async throws {
        let script = try home.script("creds", #"echo '{"Version": 1, "AccessKeyId": "AKIDBUSY", "SecretAccessKey": "s"}'"#)
        try home.config("[default]\ncredential_process = \(script)\n")
        let writer = open(script, O_WRONLY)
        #expect(writer >= 0)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { close(writer) }
        #expect(try await resolve().credentials.accessKeyID == "AKIDBUSY")
    }

    @Test func aCommandThatCannotStartSaysWhy() async throws {
        let script = try home.write("creds", "not executable", executable: false)
        try home.config("[default]\ncredential_process = \(script)\n")
        let error = await awsError { try await resolve() }
        #expect(error?.description.hasPrefix("cannot get credentials from credential_process (profile default): ") == true)
        #expect(error?.description.contains("ermission denied") == true, "\(String(describing: error))")
    }

    @Test func aMissingCredentialProcessCommandIsAnError() async throws {
        try home.config("[default]\ncredential_process = no-such-command-\(UUID().uuidString) --flag\n")
        let error = await awsError { try await resolve() }
        #expect(error?.description.contains("cannot find the command") == true)
    }

    @Test func noCredentialsNamesEverySourceInOrder() async throws {
        let error = await awsError { try await resolve() }
        let expected = [
            "environment (AWS_ACCESS_KEY_ID)",
            "assume-role profile (profile default has no role_arn)",
            "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, profile default web_identity_token_file)",
            "shared credentials file \(home.path)/.aws/credentials (profile default)",
            "credential_process (profile default has none)",
            "config file \(home.path)/.aws/config (profile default)",
            "container credentials (not configured)",
            "instance metadata (AWS_EC2_METADATA_DISABLED)",
        ]
        #expect(error == .noCredentials(tried: expected))
        #expect(error?.description == "no AWS credentials found; tried: " + expected.joined(separator: ", "))
    }

    @Test func anExplicitProfileSaysTheEnvironmentWasSkipped() async throws {
        try home.config("[profile ci]\nregion = us-east-1\n")
        let error = await awsError { try await resolve(environmentKeys, profile: "ci") }
        #expect(error?.description.hasPrefix(
            "no AWS credentials found; tried: environment (skipped: the profile was given explicitly), assume-role profile (profile ci has no role_arn)") == true)
    }
}
