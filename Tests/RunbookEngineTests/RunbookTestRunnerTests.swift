import AWSKit
import Foundation
import RunbookEngine
import Testing
import TestSupport

/// `runbook test` in process: test files in busted's words against runbooks whose only world is
/// the test's stubs.
struct RunbookTestRunnerTests {
    static let arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"

    /// A runbook that reads a cluster (hand-written kafka module and the model's aws module),
    /// probes a broker and reports what it saw as findings.
    static let runbook = """
        return runbook { name = "t.world", version = "1.0.0", description = "reads and probes",
          params = { arn = { type = "string", default = "\(arn)" }, host = { type = "string", default = "b-1" } },
          run = function(p)
            local ok, cluster = pcall(kafka.describe_cluster, p.arn)
            finding { severity = "info", summary = ok and cluster.clusterInfo.state or cluster }
            local ok2, model = pcall(aws.kafka.describe_cluster, { ClusterArn = p.arn })
            finding { severity = "info", summary = ok2 and model.clusterInfo.state or model }
            local tcp = probe.tcp { host = p.host, port = 9094 }
            finding { severity = "info", summary = "tcp " .. tostring(tcp.ok) .. " " .. tostring(tcp.reason) }
            local reboot = kafka.reboot_broker(p.arn, { "1" })
            finding { severity = "info", summary = "planned " .. tostring(reboot.planned) }
          end }
        """

    /// Runs `test` (a test file's text) with ``runbook`` beside it.
    func runTests(_ test: String) async throws -> (report: RunbookTestReport, file: String) {
        let folder = RunbookFolder()
        defer { folder.remove() }
        folder.write("world.lua", Self.runbook)
        let file = folder.write("tests/world_test.lua", test)
        let catalog = RunbookCatalog(directories: [folder.path], engine: try Engine(.offline))
        return (await RunbookTestRunner(catalog: catalog).run([file]), file)
    }

    static let stubs = """
        stub.aws("kafka", "describe_cluster", { ClusterArn = "\(arn)" }, { clusterInfo = { state = "ACTIVE" } })
        stub.probe("tcp", { host = "b-1", port = 9094 }, { ok = true, host = "b-1", port = 9094 })
        """

    @Test func aPassingFileReportsEveryTestAndADryRunPlansWithoutAskingTheStubs() async throws {
        let (report, _) = try await runTests("""
            describe("world", function()
              before_each(function()
            \(Self.stubs)
              end)
              it("reads and probes", function()
                local result = run_runbook("t.world", {}, { dry_run = true })
                assert.are.equal("ok", result.status)
                assert.are.equal(0, result.exit_code)
                assert.are.same({ "ACTIVE", "ACTIVE", "tcp true nil", "planned true" },
                  { result.findings[1].summary, result.findings[2].summary, result.findings[3].summary, result.findings[4].summary })
                assert.are.equal("RebootBroker", result.planned[1].operation)
                assert.are.same({ "describe_cluster", "describe_cluster" }, { result.calls[1].operation, result.calls[2].operation })
                assert.are.equal("tcp", result.calls[3].kind)
                assert.are.equal(3, #result.calls)
              end)
              it("has busted's other words", function()
                assert.is_true(true)
                assert.is_false(false)
                assert.is_nil(nil)
                assert.are_not.equal(1, 2)
                assert.matches("^arn:", "arn:x")
                assert.has_error(function() error("boom") end, "boom")
              end)
            end)
            """)
        #expect(report.failed == 0, "\(report.text)")
        #expect(report.passed == 2)
        #expect(report.text.hasSuffix("2 passed, 0 failed\n"))
    }

    @Test func aFailedAssertionNamesTheTestTheAssertionBothValuesAndItsLine() async throws {
        let (report, file) = try await runTests("""
            describe("suite", function()
              it("compares", function()
                local answer = { state = "ACTIVE" }
                assert.are.same({ state = "FAILED" }, answer)
              end)
            end)
            """)
        let failure = try #require(report.tests.first)
        #expect(!failure.passed)
        #expect(failure.name == "suite › compares")
        #expect(failure.assertion == "assert.are.same")
        #expect(failure.expected == #"{ state = "FAILED" }"#)
        #expect(failure.actual == #"{ state = "ACTIVE" }"#)
        #expect(failure.location == "\(file):4")
        #expect(report.text.contains("✗ \(file) › suite › compares\n    \(file):4: assert.are.same: values differ"))
        #expect(report.text.hasSuffix("0 passed, 1 failed\n"))
    }

    @Test func anUnstubbedCallFailsItsTestNamingTheCallAndItsArguments() async throws {
        let (report, file) = try await runTests("""
            it("forgets the probe", function()
              stub.aws("kafka", "describe_cluster", nil, { clusterInfo = { state = "ACTIVE" } })
              local result = run_runbook("t.world", { host = "b-9" }, { dry_run = true })
            end)
            """)
        let failure = try #require(report.tests.first)
        #expect(!failure.passed)
        #expect(failure.location == "\(file):3")
        #expect(failure.message == #"unstubbed call: probe tcp { host = "b-9", port = 9094, timeout = 3.0 }"#,
                "\(report.text)")
    }

    @Test func stubsMatchByTableAndByFunctionTheLatestFirst() async throws {
        let (report, _) = try await runTests("""
            it("matches", function()
            \(Self.stubs)
              stub.probe("tcp", { host = "b-2" }, { ok = false, reason = "refused" })
              stub.probe("tcp", function(arguments) return arguments.host == "b-3" end, { ok = false, reason = "timed_out" })
              for host, expected in pairs { ["b-1"] = "tcp true nil", ["b-2"] = "tcp false refused", ["b-3"] = "tcp false timed_out" } do
                local result = run_runbook("t.world", { host = host }, { dry_run = true })
                assert.are.equal(expected, result.findings[3].summary)
              end
              stub.aws("kafka", "describe_cluster", function(input) return input.ClusterArn == "arn:other" end, { clusterInfo = { state = "X" } })
              assert.are.equal("ACTIVE", run_runbook("t.world", {}, { dry_run = true }).findings[1].summary)
            end)
            """)
        #expect(report.failed == 0, "\(report.text)")
    }

    @Test func anAWSErrorStubReachesTheRunbookAsTheServiceErrorWould() async throws {
        let (report, _) = try await runTests("""
            it("fails like AWS", function()
            \(Self.stubs)
              stub.aws("kafka", "describe_cluster", nil, { error = { code = "NotFoundException", message = "Cluster not found", status = 404 } })
              local result = run_runbook("t.world", {}, { dry_run = true })
              assert.matches("/world.lua:4: kafka.describe_cluster: kafka.DescribeCluster: NotFoundException: Cluster not found %(HTTP 404%)$",
                result.findings[1].summary)
              assert.matches("/world.lua:6: aws.call: kafka.DescribeCluster: NotFoundException: Cluster not found %(HTTP 404%)$",
                result.findings[2].summary)
            end)
            """)
        #expect(report.failed == 0, "\(report.text)")
    }

    @Test func jsonGivesTheSameResultsAsData() async throws {
        let (report, file) = try await runTests("""
            it("passes", function() assert.is_true(true) end)
            it("fails", function() assert.are.equal("a", "b") end)
            """)
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect(decoded["passed"] as? Int == 1)
        #expect(decoded["failed"] as? Int == 1)
        let tests = try #require(decoded["tests"] as? [[String: Any]])
        #expect(tests.map { $0["name"] as? String } == ["passes", "fails"])
        #expect(tests[1]["expected"] as? String == #""a""#)
        #expect(tests[1]["actual"] as? String == #""b""#)
        #expect(tests[1]["location"] as? String == "\(file):2")
    }

    @Test func aStubWhoseMatchFailsFailsItsTestNamingTheCall() async throws {
        let (report, _) = try await runTests("""
            it("breaks", function()
            \(Self.stubs)
              stub.probe("tcp", function(arguments) error("no idea") end, { ok = true })
              run_runbook("t.world", {}, { dry_run = true })
            end)
            """)
        let failure = try #require(report.tests.first)
        #expect(!failure.passed)
        #expect(failure.message?.hasPrefix("a stub for probe tcp { host = \"b-1\", port = 9094, timeout = 3.0 } failed: ") == true,
                "\(report.text)")
        #expect(failure.message?.contains("no idea") == true)
    }

    @Test func aRecordingThatIsNotOneIsRefusedNamingTheFile() async throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        folder.write("tests/not-json.json", "{ calls: ")
        folder.write("tests/not-calls.json", #"{ "calls": [ { "client": "kafka" } ] }"#)
        folder.write("tests/huge.json", String(repeating: " ", count: CallRecording.sizeLimit + 1))
        let file = folder.write("tests/replay_test.lua", """
            it("not json", function() stub.replay("not-json.json") end)
            it("not calls", function() stub.replay("not-calls.json") end)
            it("huge", function() stub.replay("huge.json") end)
            it("missing", function() stub.replay("missing.json") end)
            """)
        let catalog = RunbookCatalog(directories: [folder.path], engine: try Engine(.offline))
        let report = await RunbookTestRunner(catalog: catalog).run([file])
        let messages = report.tests.map { $0.message ?? "" }
        #expect(report.failed == 4)
        #expect(messages[0].contains("not-json.json is not valid JSON"), "\(messages[0])")
        #expect(messages[1].contains("not-calls.json is not a recording"), "\(messages[1])")
        #expect(messages[2].contains("huge.json is larger than 16 MiB"), "\(messages[2])")
        #expect(messages[3].contains("no recording at"), "\(messages[3])")
        #expect(report.tests.map(\.location) == (1...4).map { "\(file):\($0)" })
    }

    /// Behind the stubs, the offline engine's transport refuses: a run without them sends nothing.
    @Test func theOfflineEngineSendsNothingEvenWithoutStubs() async throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        let file = folder.write("r.lua", runbookSource(#"return kafka.describe_cluster("arn:aws:kafka:us-east-1:1:cluster/x/y")"#))
        let recorder = JournalRecorder()
        let result = await (try Engine(.offline)).run(RunRequest(file: file), sinks: [recorder])
        #expect(result.status == .failed)
        #expect(recorder.events.filter { $0.event == .call }.map(\.error) == ["setup failed"])
        let finished = try #require(recorder.events.last { $0.event == .runFinished })
        #expect(finished.error?.contains("runbook test sends nothing") == true, "\(finished.error ?? "")")
    }

    @Test func testNamesAreShownAsTextOnATerminal() async throws {
        let (report, _) = try await runTests(#"it("red \27[31m name", function() assert.is_true(false) end)"#)
        #expect(!report.text.contains("\u{1b}"))
        #expect(report.text.contains(#"red \x1b[31m name"#))
    }

    /// Lua keeps only the last 56 characters of a long chunk name (`...s/world_test.lua:4`), so
    /// failures once named a test file nobody could open.
    @Test func aLongTestFilePathIsNamedWholeInFailures() async throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        let file = folder.write(String(repeating: "deeply-nested-folder/", count: 4) + "tests/long_test.lua", """
            it("fails", function()
              assert.is_true(false)
            end)
            it("raises", function() error("plain") end)
            """)
        #expect(file.utf8.count > 100)
        let report = await RunbookTestRunner(catalog: RunbookCatalog(directories: [folder.path], engine: try Engine(.offline))).run([file])
        #expect(report.tests.map(\.location) == ["\(file):2", "\(file):4"])
        #expect(report.tests.first?.message == "expected true")
        #expect(report.tests.last?.message == "\(file):4: plain")
    }

    /// `assert.is_true(false)` once raised "attempt to concatenate a boolean value" instead of failing.
    @Test func everyAssertionFailsWithItsOwnNameAndValues() async throws {
        let (report, _) = try await runTests("""
            it("is_true", function() assert.is_true(false) end)
            it("is_false", function() assert.is_false(true) end)
            it("is_nil", function() assert.is_nil(1) end)
            it("is_not_nil", function() assert.is_not_nil(nil) end)
            it("truthy", function() assert.truthy(nil) end)
            it("falsy", function() assert.falsy(1) end)
            it("equal", function() assert.are.equal(1, 2) end)
            it("same", function() assert.are.same({ 1 }, { 2 }) end)
            it("are_not.equal", function() assert.are_not.equal(1, 1) end)
            it("are_not.same", function() assert.are_not.same({ 1 }, { 1 }) end)
            it("matches", function() assert.matches("^x", "y") end)
            it("has_error", function() assert.has_error(function() end) end)
            it("has_error message", function() assert.has_error(function() error("a") end, "b") end)
            it("has_no_error", function() assert.has_no_error(function() error("a") end) end)
            it("assert", function() assert(false, "plain assert") end)
            """)
        let expected: [(String, String?, String?)] = [
            ("assert.is_true", "true", "false"), ("assert.is_false", "false", "true"), ("assert.is_nil", "nil", "1"),
            ("assert.is_not_nil", nil, nil), ("assert.truthy", "true", "nil"), ("assert.falsy", "false", "1"),
            ("assert.are.equal", "1", "2"), ("assert.are.same", "{ 1 }", "{ 2 }"), ("assert.are_not.equal", "1", "1"),
            ("assert.are_not.same", "{ 1 }", "{ 1 }"), ("assert.matches", #""^x""#, #""y""#), ("assert.has_error", nil, nil),
            ("assert.has_error", #""b""#, #""a""#), ("assert.has_no_error", "nil", nil), ("assert", nil, nil),
        ]
        #expect(report.failed == expected.count, "\(report.text)")
        for (test, (assertion, wanted, got)) in zip(report.tests, expected) {
            #expect(test.assertion == assertion, "\(test.name): \(test.message ?? "")")
            #expect(test.expected == wanted, "\(test.name)")
            #expect(test.location?.hasSuffix(":\(report.tests.firstIndex(of: test).map { $0 + 1 } ?? 0)") == true, "\(test.name)")
            if let got { #expect(test.actual == got, "\(test.name)") }
        }
    }

    @Test func aStubOfAnOperationOrKindThatDoesNotExistNamesTheRealOnes() async throws {
        let (report, file) = try await runTests("""
            it("misspells", function() stub.aws("kafka", "describe_clusters", nil, {}) end)
            it("no client", function() stub.aws("kafkaa", "describe_cluster", nil, {}) end)
            it("no kind", function() stub.probe("zk.status", nil, {}) end)
            """)
        #expect(report.tests.map(\.message) == [
            "\(file):1: stub.aws: kafka has no operation describe_clusters (did you mean describe_cluster, describe_cluster_v2, "
                + "describe_cluster_operation, describe_cluster_operation_v2?)",
            "\(file):2: stub.aws: no AWS client kafkaa (clients: \(AWSServiceModel.services.joined(separator: ", ")))",
            "\(file):3: stub.probe: no probe kind zk.status (kinds: metrics_scrape, tcp, dns, tls, http, zk_status, zk_children, "
                + "kafka_api_versions, kafka_metadata)",
        ])
    }

    @Test func aRunThatWaitsOnItsStubsEndsAtTheTestsTimeout() async throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        folder.write("poll.lua", runbookSource("""
            while true do
              if kafka.describe_cluster("arn:x").clusterInfo.state == "ACTIVE" then return end
              sleep(0.05)
            end
            """, name: "t.poll"))
        let file = folder.write("tests/poll_test.lua", """
            it("gives up", function()
              stub.aws("kafka", "describe_cluster", nil, { clusterInfo = { state = "UPDATING" } })
              local result = run_runbook("t.poll", {}, { timeout = 0.3 })
              assert.are.equal("stopped", result.status)
              assert.are.equal(3, result.exit_code)
              assert.has_error(function() run_runbook("t.poll", {}, { timeout = 0 }) end,
                "run_runbook: timeout must be from 0.001 to 604800 seconds")
            end)
            """)
        await untilThisProcessKeepsTime()
        let started = ContinuousClock.now
        let report = await RunbookTestRunner(catalog: RunbookCatalog(directories: [folder.path], engine: try Engine(.offline))).run([file])
        #expect(report.failed == 0, "\(report.text)")
        // The loop never ends by itself, so ending at all shows the 0.3 s timeout cut it; the bound
        // only tells it from the runbook's default limit, with room for a loaded 2-core machine
        // (15 s seen in a full run there).
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func aTestFileThatDoesNotLoadIsOneFailureNamingIt() async throws {
        let (report, file) = try await runTests("it('x', function() end")
        #expect(report.tests.count == 1)
        #expect(report.tests.first?.name == "(the file)")
        #expect(report.tests.first?.message?.contains(file) == true)
    }
}
