import Foundation
import Testing
import TestSupport

/// `runbook test` and `runbook run --record` through the binary.
struct TestCommandTests {
    static let repository = ((#filePath as NSString).deletingLastPathComponent as NSString)
        .deletingLastPathComponent.replacingOccurrences(of: "/Tests", with: "", options: .anchored.union(.backwards))
    static let arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"
    static let secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

    /// The MSK stand-in's signing key and endpoint, as a real run gets them from the environment.
    static func awsEnvironment(port: Int) -> [String: String] {
        ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_REGION": "us-east-1",
         "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_KAFKA": "http://127.0.0.1:\(port)"]
    }

    @Test func theRepositoryRunbookTestsPass() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let runbooks = Self.repository + "/runbooks"
        let output = try await cli.run("test", "--runbooks", runbooks, runbooks)
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("high-cpu_test.lua › msk.high-cpu › finds nothing on a healthy cluster"))
        #expect(output.stdout.contains("reboot-broker_test.lua › msk.reboot-broker › refuses a cluster that is not ACTIVE"))
        #expect(output.stdout.hasSuffix(" passed, 0 failed\n"))
    }

    @Test func aFailingTestExitsOneAndJSONSaysTheSame() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/tests/sums_test.lua", """
            describe("sums", function()
              it("adds", function() assert.are.equal(4, 2 + 2) end)
              it("is wrong", function() assert.are.equal(5, 2 + 2) end)
            end)
            """)
        let text = try await cli.run("test")
        #expect(text.status == 1)
        #expect(text.stdout == """
            ✓ runbooks/tests/sums_test.lua › sums › adds
            ✗ runbooks/tests/sums_test.lua › sums › is wrong
                runbooks/tests/sums_test.lua:3: assert.are.equal: values differ
                  expected: 5
                  actual:   4

            1 passed, 1 failed

            """)
        let json = try await cli.run("test", "--json")
        #expect(json.status == 1)
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(decoded["passed"] as? Int == 1 && decoded["failed"] as? Int == 1)
        let tests = try #require(decoded["tests"] as? [[String: Any]])
        #expect(tests.last?["location"] as? String == "runbooks/tests/sums_test.lua:3")
        #expect(tests.last?["assertion"] as? String == "assert.are.equal")
        let none = try await cli.run("test", "nowhere")
        #expect(none.status == 2)
        #expect(none.stderr.contains("no file or folder at nowhere"))
    }

    /// A dry run of a reboot against the MSK stand-in is recorded, then replayed in a test with no
    /// network. (Dry, because a live reboot waits for the broker to come back by probes, and the
    /// stand-in's brokers are names no one serves.)
    @Test func aRecordedRunReplaysInATest() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let server = try await LoopbackServer(script: "kafka_test_server.py", arguments: ["--reboot-polls", "0"])
        let runbooks = Self.repository + "/runbooks"
        let recorded = try await cli.run(environment: Self.awsEnvironment(port: server.port), [
            "run", "--runbooks", runbooks, "msk.reboot-broker", "--param", "cluster_arn=\(Self.arn)", "--param", "broker_id=2",
            "--dry-run", "--record", "reboot.json"])
        #expect(recorded.status == 0, "\(recorded.stdout)\(recorded.stderr)")
        let recording = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cli.home + "/reboot.json")))
            as? [String: Any])
        let calls = try #require(recording["calls"] as? [[String: Any]])
        #expect(calls.compactMap { $0["operation"] as? String }
            == ["describe_cluster", "list_cluster_operations", "list_nodes", "get_bootstrap_brokers"])
        #expect(calls.compactMap { $0["kind"] as? String } == ["tcp", "kafka_metadata"])
        // A real probe's result, then the stand-in's error for a cluster it lacks, recorded as they came.
        cli.write("runbooks/missing.lua", """
            return runbook { name = "t.missing", version = "1.0.0", description = "d",
              run = function()
                local tcp = probe.tcp { host = "127.0.0.1", port = \(server.port) }
                finding { severity = "info", summary = "tcp " .. tostring(tcp.ok) }
                kafka.describe_cluster("arn:aws:kafka:us-east-1:123456789012:cluster/missing/0-1")
              end }
            """)
        let missing = try await cli.run(environment: Self.awsEnvironment(port: server.port),
                                        ["run", "t.missing", "--record", "missing.json", "--json"])
        #expect(missing.status == 1)
        let liveError = try #require(missing.stdout.split(separator: "\n").last.flatMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }?["error"] as? String)

        cli.write("runbooks/tests/replay_test.lua", """
            it("replays the reboot", function()
              stub.replay("../../reboot.json")
              local result = run_runbook("\(runbooks)/msk/reboot-broker.lua", { cluster_arn = "\(Self.arn)", broker_id = "2" }, { dry_run = true })
              assert.are.equal("ok", result.status)
              assert.are.equal("RebootBroker", result.planned[1].operation)
              assert.are.equal(6, #result.calls)
            end)
            it("replays the error as it came", function()
              stub.replay("../../missing.json")
              local result = run_runbook("t.missing")
              assert.are.equal("tcp true", result.findings[1].summary)
              assert.are.equal("tcp", result.calls[1].kind)
              assert.are.equal(\(luaString(liveError)), result.error)
            end)
            """)
        let replayed = try await cli.run("test")
        #expect(replayed.status == 0, "\(replayed.stdout)\(replayed.stderr)")
        #expect(replayed.stdout.hasSuffix("2 passed, 0 failed\n"))
    }

    @Test func aRecordingHoldsNoSecret() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let server = try await LoopbackServer(script: "kafka_test_server.py", arguments: ["--reboot-polls", "0"])
        cli.write("runbooks/secret.lua", """
            return runbook { name = "t.secret", version = "1.0.0", description = "d",
              params = { arn = { type = "string", secret = true } },
              run = function(p) kafka.describe_cluster(p.arn) end }
            """)
        let output = try await cli.run(environment: Self.awsEnvironment(port: server.port),
                                       ["run", "t.secret", "--param", "arn=\(Self.arn)", "--record", "secret.json"])
        #expect(output.status == 0, "\(output.stderr)")
        let recording = try String(contentsOfFile: cli.home + "/secret.json", encoding: .utf8)
        #expect(recording.contains("describe_cluster"))
        #expect(!recording.contains("cluster/demo/abcd-1"))
        #expect(!recording.contains(Self.secretKey))
        #expect(recording.contains("<redacted>"))
        let attributes = try FileManager.default.attributesOfItem(atPath: cli.home + "/secret.json")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }
}

/// `--record` shares the rules of the run's other outputs.
struct RecordOptionTests {
    @Test func aRecordingPathThatIsTheJournalOrTheReportIsRefusedAndARefusedRunLeavesNone() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", """
            return runbook { name = "t.hello", version = "1.0.0", description = "d", run = function() end }
            """)
        for clash in [["--journal", "same.json"], ["--report", "same.json"]] {
            let output = try await cli.run(["run", "t.hello", "--record", "same.json"] + clash)
            #expect(output.status == 2)
            #expect(output.stderr.contains("--record is same.json, which the run also writes its journal or report to"))
            #expect(!FileManager.default.fileExists(atPath: cli.home + "/same.json"))
        }
        let refused = try await cli.run("run", "t.hello", "--param", "nope=1", "--record", "refused.json")
        #expect(refused.status == 2)
        #expect(!FileManager.default.fileExists(atPath: cli.home + "/refused.json"))
        let ran = try await cli.run("run", "t.hello", "--record", "empty.json")
        #expect(ran.status == 0)
        let recording = try String(contentsOfFile: cli.home + "/empty.json", encoding: .utf8)
        #expect(recording.contains(#""version" : 1"#), "\(recording)")
    }
}

/// `text` as a Lua string literal.
private func luaString(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        .replacingOccurrences(of: "\n", with: "\\n") + "\""
}
