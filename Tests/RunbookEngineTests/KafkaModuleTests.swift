import AWSKit
import Foundation
import HTTPClient
import LuaKit
import RunbookEngine
import Testing
import TestSupport

/// Tests/Support/kafka_test_server.py: MSK's REST API as botocore's model describes it,
/// checking every signature with botocore and recording every request it gets.
final class KafkaTestServer: @unchecked Sendable {
    static let accessKey = "AKIDEXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let demoArn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"
    static let kraftArn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo-kraft/efgh-2"
    let server: LoopbackServer
    var url: String { server.url }

    /// - Parameter arguments: more flags, such as `--access-key AKID:SECRET` to share moto's key.
    init(_ arguments: [String] = []) async throws {
        server = try await LoopbackServer(script: "kafka_test_server.py", arguments: ["--reboot-polls", "1"] + arguments)
    }

    /// Every request the server recorded, as JSON objects.
    func requests() async throws -> [[String: Any]] {
        let response = try await CurlTransport.shared.send(HTTPRequest(method: "GET", url: url + "/_test/requests"))
        return try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]] ?? []
    }

    /// Makes the next `times` calls of `operation` fail as `kind`.
    func fault(_ operation: String, times: Int, kind: String) async throws {
        let body = "[{\"operation\":\"\(operation)\",\"times\":\(times),\"kind\":\"\(kind)\"}]"
        _ = try await CurlTransport.shared.send(HTTPRequest(
            method: "POST", url: url + "/_test/faults", headers: [("Content-Type", "application/json")], body: Array(body.utf8)))
    }
}

@Suite(.serialized)  // each test starts a Python server; a suite's worth at once stalls a small machine
struct KafkaModuleTests {
    let server: KafkaTestServer
    let configuration: EngineConfiguration

    init() async throws {
        server = try await KafkaTestServer()
        configuration = EngineConfiguration(aws: AWSSettings(region: "us-east-1", endpointURL: server.url) {
            AWSCredentials(accessKeyID: KafkaTestServer.accessKey, secretAccessKey: KafkaTestServer.secret,
                           sessionToken: "session-token-for-tests")
        })
    }

    func run(_ body: String, dryRun: Bool = false, journal: String? = nil) async throws -> RunRecord {
        try await RunbookEngineTests.run(
            runbookSource(body, params: "cluster_arn = { type = \"string\", required = true }"),
            arguments: ["cluster_arn=\(KafkaTestServer.demoArn)"], dryRun: dryRun,
            extraSinks: try journal.map { [try JournalFile(path: $0)] } ?? [], configuration: configuration)
    }

    static let rebootRunbook = """
        local cluster = step("describe", function() return kafka.describe_cluster(p.cluster_arn) end)
        assert(cluster.clusterInfo.state == "ACTIVE")
        local operation = step("reboot broker 2", function() return kafka.reboot_broker(p.cluster_arn, { 2 }) end)
        local final = step("wait", function() return kafka.wait_for_operation(operation, { interval = 0.01 }) end)
        step("outcome", function() return final.operationState end)
        """

    @Test func aLiveRebootSendsExactlyOneSignedPut() async throws {
        let record = try await run(Self.rebootRunbook)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == "REBOOT_COMPLETE")
        let requests = try await server.requests()
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { $0["signature_valid"] as? Bool == true }, "\(requests.map { $0["signature_error"] ?? "" })")
        let puts = requests.filter { $0["method"] as? String == "PUT" }
        #expect(puts.count == 1)
        #expect(puts.first?["path"] as? String
            == "/v1/clusters/arn%3Aaws%3Akafka%3Aus-east-1%3A123456789012%3Acluster%2Fdemo%2Fabcd-1/reboot-broker")
        #expect(puts.first?["body"] as? String == #"{"brokerIds":["2"]}"#)
    }

    @Test func theSameRunbookAsADryRunSendsNoPut() async throws {
        let record = try await run(Self.rebootRunbook, dryRun: true)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == "PLANNED")
        let requests = try await server.requests()
        #expect(requests.filter { $0["method"] as? String != "GET" }.isEmpty)
        #expect(requests.contains { $0["operation"] as? String == "DescribeCluster" })
        let planned = record.events(.call).filter { $0.planned == true }
        #expect(planned.count == 1)
        #expect(planned.first?.operation == "RebootBroker")
        #expect(planned.first?.request?["body"] == ["brokerIds": ["2"]])
        #expect(planned.first?.request?["method"] == "PUT")
    }

    @Test func throttledTwiceThenAnsweredShowsThreeAttempts() async throws {
        try await server.fault("DescribeCluster", times: 2, kind: "throttle")
        let record = try await run("step('describe', function() return kafka.describe_cluster(p.cluster_arn).clusterInfo.clusterName end)")
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == "demo")
        let attempts = record.events(.call).filter { $0.operation == "DescribeCluster" }
        #expect(attempts.map(\.attempt) == [1, 2, 3])
        #expect(attempts.map(\.httpStatus) == [429, 429, 200])
        #expect(attempts.map(\.error) == ["TooManyRequestsException", "TooManyRequestsException", nil])
        #expect(attempts.allSatisfy { $0.requestId != nil })
    }

    @Test func aResetConnectionIsSurvivedAndMalformedJSONIsAClearError() async throws {
        try await server.fault("DescribeCluster", times: 1, kind: "reset")
        let reset = try await run("step('describe', function() return kafka.describe_cluster(p.cluster_arn).clusterInfo.state end)")
        // The server dropped the connection without an answer; the call still succeeded
        // (libcurl itself retries a reused connection that died, else our retry does).
        #expect(reset.result.exit == .ok, "\(reset.result.message ?? "")")
        #expect(reset.events(.call).last?.error == nil)
        let resets = try await server.requests().filter { $0["operation"] as? String == "DescribeCluster" && $0["fault"] as? String == "reset" }
        #expect(resets.count == 1)

        try await server.fault("GetBootstrapBrokers", times: 1, kind: "malformed")
        let malformed = try await run("""
            local ok, err = pcall(kafka.get_bootstrap_brokers, p.cluster_arn)
            step("error", function() return err end)
            """)
        let text = malformed.events(.stepFinished).last?.result?.stringValue ?? ""
        #expect(text.contains("kafka.GetBootstrapBrokers: the answer is malformed JSON: "), "\(text)")
        #expect(text.contains("(request id "), "\(text)")
    }

    @Test func brokersListsEachBrokerAndSkipsControllers() async throws {
        let record = try await run("""
            local zk = step("zk", function() return kafka.brokers(p.cluster_arn) end)
            local kraft = step("kraft", function() return kafka.brokers("\(KafkaTestServer.kraftArn)") end)
            step("ids", function()
              local ids = {}
              for _, b in ipairs(zk) do ids[#ids + 1] = b.id .. "@" .. b.endpoints[1] end
              return { zk = #zk, kraft = #kraft, first = ids[1] }
            end)
            """)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        let result = record.events(.stepFinished).last?.result
        #expect(result?["zk"] == 3 && result?["kraft"] == 3)
        #expect(result?["first"].stringValue?.hasPrefix("1@b-1.") == true, "\(String(describing: result))")
    }

    @Test func anUnknownClusterIsAClearError() async throws {
        let record = try await run("""
            local ok, err = pcall(kafka.describe_cluster, "arn:aws:kafka:us-east-1:123456789012:cluster/nope/0000-1")
            step("error", function() return err end)
            """)
        let text = record.events(.stepFinished).last?.result?.stringValue ?? ""
        #expect(text.contains("kafka.describe_cluster: kafka.DescribeCluster: NotFoundException:"), "\(text)")
        #expect(text.contains("(HTTP 404, request id "))
    }

    @Test func noJournalHoldsTheSecretOrToken() async throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        let journal = folder.path + "/journal.jsonl"
        try await server.fault("DescribeCluster", times: 1, kind: "error500")
        _ = try await run(Self.rebootRunbook, journal: journal)
        _ = try await run(Self.rebootRunbook, dryRun: true, journal: journal)
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        #expect(text.contains("RebootBroker"))
        #expect(!text.contains(KafkaTestServer.secret))
        #expect(!text.contains("session-token-for-tests"))
    }
}
