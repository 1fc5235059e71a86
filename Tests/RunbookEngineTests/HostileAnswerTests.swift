import AWSKit
import Foundation
import LuaKit
import RunbookEngine
import Testing
import TestSupport

/// What peers send back cannot hurt a run: answers that are too big, too deep, too slow or
/// lying end the call they answer, with a clear error, and the run stays within its limits.
struct HostileAnswerTests {
    func configuration(_ server: HostileServer) -> EngineConfiguration {
        EngineConfiguration(aws: AWSSettings(region: "us-east-1", endpointURL: server.url) {
            AWSCredentials(accessKeyID: "AKIDHOSTILE", secretAccessKey: "hostile-secret")
        })
    }

    /// An answer nested 300 deep once made `kafka.describe_cluster` return 401 values of
    /// leftover stack, ending in `false, "value is nested ..."`, and `pcall` said true; the
    /// error now says why the answer was refused.
    @Test func anAnswerNestedTooDeepFailsTheCallUnderPcall() async throws {
        let nested = String(repeating: "{\"a\":", count: 300) + "1" + String(repeating: "}", count: 300)
        let server = try HostileServer.http(headers: ["Content-Type": "application/json"], body: .bytes(Array(nested.utf8)))
        let record = try await run(runbookSource("""
            local results = table.pack(pcall(kafka.describe_cluster, "arn:aws:kafka:us-east-1:1:cluster/x/y"))
            step("outcome", function() return { n = results.n, ok = results[1], message = results[2] } end)
            """), configuration: configuration(server))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        let outcome = try #require(record.events(.stepFinished).last?.result?.tableValue)
        #expect(outcome["n"] == 2)
        #expect(outcome["ok"] == false)
        let message = try #require(outcome["message"].stringValue)
        #expect(message.contains("kafka.describe_cluster") && message.contains("nesting deeper than 200"), "\(message)")
    }
}
