@testable import AWSKit
import Foundation
import Testing

struct ConfigFileTests {
    @Test func parsesSectionsCommentsAndNestedValues() throws {
        let text = """
            # a comment
            ; another comment
            [default]
            Region = us-east-1
            output: json
              # an indented comment
            [profile ci]
            region=eu-west-1
            role_arn = arn:aws:iam::123456789012:role/a=b
            s3 =
              addressing_style = path
              Signature_Version = s3v4

            [services local]
            kafka =
              endpoint_url = http://127.0.0.1:5099
            """
        let file = try ConfigFile.parse(text, path: "/tmp/config")
        #expect(file.sections.map(\.name) == ["default", "profile ci", "services local"])
        #expect(file.section("default")?["region"] == .string("us-east-1"))
        #expect(file.section("default")?["output"] == .string("json"))
        #expect(file.section("profile ci")?["role_arn"] == .string("arn:aws:iam::123456789012:role/a=b"))
        #expect(file.section("profile ci")?["s3"] == .nested(["addressing_style": "path", "Signature_Version": "s3v4"]))
        #expect(file.namedSections("profile").keys.sorted() == ["ci", "default"])
        #expect(file.namedSections("services")["local"]?["kafka"]?.nested?["endpoint_url"] == "http://127.0.0.1:5099")
    }

    @Test func continuationLinesJoinAndInlineHashesStay() throws {
        let file = try ConfigFile.parse("[a]\nkey = one\n  two\nregion = us-east-1 # not a comment\r\n", path: "f")
        #expect(file.section("a")?["key"] == .string("one\ntwo"))
        #expect(file.section("a")?["region"] == .string("us-east-1 # not a comment"))
    }

    @Test func quotedProfileNamesAndOtherSectionsAreNotProfiles() throws {
        let file = try ConfigFile.parse("[profile \"my profile\"]\na = 1\n[preview]\nb = 2\n[profilex]\nc = 3\n", path: "f")
        #expect(file.namedSections("profile").keys.sorted() == ["my profile"])
    }

    @Test(arguments: [
        ("aws_secret_access_key = hidden-SECRETMARKER\n[default]\n", 1, "before any [section]"),
        ("[default]\nthis line has no delimiter SECRETMARKER\n", 2, "expected 'key = value'"),
        ("[default]\na = 1\n[default]\n", 3, "appears twice"),
        ("[default]\na = 1\nA = 2\n", 3, "appears twice"),
        ("[default]\ns3 =\n  no-equals-SECRETMARKER\n", 2, "has no '='"),
    ])
    func malformedFilesNameTheLineButNotItsText(text: String, line: Int, reason: String) {
        #expect {
            try ConfigFile.parse(text, path: "/home/u/.aws/config")
        } throws: { error in
            let text = "\(error)"
            return text.contains("/home/u/.aws/config line \(line):") && text.contains(reason) && !TestSecrets.leaks(text)
        }
    }

    @Test func aMissingFileIsEmpty() throws {
        #expect(try ConfigFile.load(path: "/nonexistent/\(UUID().uuidString)").sections.isEmpty)
    }

    @Test func shellWordsSplitLikeShlex() {
        #expect(ShellWords.split(#"/bin/tool --a 'b c' "d \"e\" \f" g\ h"#) == ["/bin/tool", "--a", "b c", #"d "e" \f"#, "g h"])
        #expect(ShellWords.split("  a   b  ") == ["a", "b"])
        #expect(ShellWords.split("a 'open") == nil)
        #expect(ShellWords.split("") == [])
    }
}

struct ProfileSelectionTests {
    let home: TestHome

    init() throws {
        home = try TestHome()
        try home.config("[default]\nregion = us-east-1\n[profile ci]\nregion = eu-west-1\n[profile other]\nregion = ap-south-1\n")
        try home.credentials("[default]\naws_access_key_id = A\n[creds-only]\naws_access_key_id = B\nregion = sa-east-1\n")
    }

    @Test func defaultProfileWithoutSettings() throws {
        let configuration = try home.configuration()
        #expect(configuration.profile == "default")
        #expect(!configuration.profileIsExplicit)
        #expect(configuration.configFilePath == home.path + "/.aws/config")
        #expect(configuration.credentialsFilePath == home.path + "/.aws/credentials")
    }

    @Test func awsProfileThenAwsDefaultProfileThenExplicit() throws {
        #expect(try home.configuration(["AWS_DEFAULT_PROFILE": "other"]).profile == "other")
        #expect(try home.configuration(["AWS_PROFILE": "ci", "AWS_DEFAULT_PROFILE": "other"]).profile == "ci")
        let explicit = try home.configuration(["AWS_PROFILE": "ci"], profile: "other")
        #expect(explicit.profile == "other")
        #expect(explicit.profileIsExplicit)
        #expect(try explicit.region() == "ap-south-1")
    }

    @Test func aProfileOnlyInTheCredentialsFileExistsAndOverlaysTheConfig() throws {
        let configuration = try home.configuration(profile: "creds-only")
        #expect(try configuration.region() == "sa-east-1")
    }

    @Test func anUnknownNamedProfileIsAnError() async {
        let error = await awsError { try self.home.configuration(["AWS_PROFILE": "nope"]) }
        #expect(error == .profileNotFound(name: "nope"))
        #expect(error?.description == "the config profile (nope) could not be found")
        #expect(await awsError { try self.home.configuration(profile: "nope") } == .profileNotFound(name: "nope"))
    }

    @Test func fileLocationsComeFromTheEnvironment() throws {
        let config = try home.write("elsewhere/config", "[profile x]\nregion = us-west-2\n")
        try home.write("elsewhere/creds", "[y]\nregion = us-west-1\n")
        let configuration = try home.configuration([
            "AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": "~/elsewhere/creds", "AWS_PROFILE": "x",
        ])
        #expect(configuration.configFilePath == config)
        #expect(configuration.credentialsFilePath == home.path + "/elsewhere/creds")
        #expect(try configuration.region() == "us-west-2")
        #expect(configuration.hasProfile("y"))
        #expect(!configuration.hasProfile("ci"))
    }

    @Test func aMalformedFileFailsTheConfiguration() async throws {
        try home.credentials("[default]\njunk\n")
        let error = await awsError { try self.home.configuration() }
        #expect(error?.description == "cannot parse \(home.path)/.aws/credentials line 2: expected 'key = value'")
    }
}
