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

/// Broken AWS files and profiles once all read "no AWS region … pass --region", even with
/// --region given; each must name its file and line, its profile or its value.
struct AWSConfigurationErrorTests {
    @Test(arguments: [
        ("config", "[default\nregion = us-east-1\n", "config line 1: the section header \"[default\" has no closing ']'"),
        ("config", "[default]\nregion = us-east-1\n[default]\n", "config line 3: section [default] appears twice"),
        ("credentials", "[default]\naws_access_key_id = a\naws_access_key_id = b\n", "credentials line 3: setting 'aws_access_key_id' appears twice"),
        ("credentials", "aws_access_key_id = a\n", "credentials line 1: a setting before any [section] header"),
    ])
    func aBrokenFileIsNamedWithItsLine(file: String, text: String, expected: String) async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let path = cli.write("aws/\(file)", text)
        let variable = file == "config" ? "AWS_CONFIG_FILE" : "AWS_SHARED_CREDENTIALS_FILE"
        let result = try await cli.run(environment: [variable: path], "run", "cli.hello", "--param", "who=x", "--region", "us-east-1")
        #expect(result.status == 2)
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(!result.stderr.contains("no AWS region"))
    }

    @Test func aDirectoryOrFIFOInPlaceOfTheFileIsNamed() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        try FileManager.default.createDirectory(atPath: cli.home + "/aws/dir", withIntermediateDirectories: true)
        let directory = try await cli.run(environment: ["AWS_CONFIG_FILE": cli.home + "/aws/dir"], "run", "cli.hello", "--param", "who=x")
        #expect(directory.status == 2)
        #expect(directory.stderr.contains("cannot read \(cli.home)/aws/dir: it is a directory, not a file"), "\(directory.stderr)")
        #expect(mkfifo(cli.home + "/aws/fifo", 0o600) == 0)
        let fifo = try await cli.run(environment: ["AWS_SHARED_CREDENTIALS_FILE": cli.home + "/aws/fifo"], "run", "cli.hello", "--param", "who=x")
        #expect(fifo.status == 2)
        #expect(fifo.stderr.contains("cannot read \(cli.home)/aws/fifo: it is not a regular file"), "\(fifo.stderr)")
    }

    @Test func anUnknownProfileIsNamedEvenWithARegion() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let result = try await cli.run("run", "cli.hello", "--param", "who=x", "--profile", "nosuch", "--region", "us-east-1")
        #expect(result.status == 2)
        #expect(result.stderr.contains("the config profile (nosuch) could not be found"), "\(result.stderr)")
    }
}
