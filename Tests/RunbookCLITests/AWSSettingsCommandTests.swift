import Foundation
import Testing

/// AWS settings through the binary: a malformed one exits 2 before any run starts, naming it.
struct AWSSettingsCommandTests {
    /// `AWSOptions` once swallowed these with `try?` and fell back to the real AWS endpoint.
    @Test(arguments: [
        ([String: String](), ["--endpoint-url", "localhost:4566"], "--endpoint-url"),
        (["AWS_ENDPOINT_URL": "127.0.0.1:4566"], [], "AWS_ENDPOINT_URL"),
        (["AWS_ENDPOINT_URL_KAFKA": "http//127.0.0.1:4566"], [], "AWS_ENDPOINT_URL_KAFKA"),
        (["AWS_REGION": "us-east-1/../x"], [], "AWS_REGION"),
        ([:], ["--region", "eu west"], "--region"),
    ])
    func aMalformedSettingExitsTwoNamingItBeforeTheRun(environment: [String: String], flags: [String], source: String) async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let result = try await cli.run(environment: environment, ["run", "cli.hello", "--param", "who=x"] + flags)
        #expect(result.status == 2)
        #expect(result.stderr.contains("AWS settings: ") && result.stderr.contains(source), "\(result.stderr)")
        let journals = (try? FileManager.default.contentsOfDirectory(atPath: cli.journalFolder)) ?? []
        #expect(journals.isEmpty, "a run started: \(journals)")
    }

    @Test func aMalformedEndpointInTheConfigFileExitsTwoNamingIt() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let config = cli.write("aws/config", "[default]\nservices = dev\n\n[services dev]\ncloudwatch =\n  endpoint_url = 127.0.0.1:4566\n")
        let result = try await cli.run(environment: ["AWS_CONFIG_FILE": config], "run", "cli.hello", "--param", "who=x")
        #expect(result.status == 2)
        #expect(result.stderr.contains("[services dev] cloudwatch endpoint_url in \(config)"), "\(result.stderr)")
    }
}
