import AWSKit
import Foundation
import HTTPClient
import Testing
import TestSupport

/// moto checks no signature, so Tests/Support/sigv4_proxy.py stands in front of it and refuses what AWS
/// would refuse. These tests show it refusing, AWSKit reporting the refusal in the usual shape, and
/// nothing refused reaching moto.
@Suite(.serialized)  // each test starts a Python server; a suite's worth at once stalls a small machine
struct SignatureProxyTests {
    let moto: MotoServer

    init() async throws { moto = try await MotoServer() }

    func cloudwatch(accessKeyID: String? = nil, secret: String) throws -> AWSServiceClient {
        let accessKeyID = accessKeyID ?? moto.accessKeyID
        return AWSServiceClient(
            model: try AWSServiceModel.load("cloudwatch"), region: "us-east-1", endpoint: try #require(URL(string: moto.url)),
            credentials: { AWSCredentials(accessKeyID: accessKeyID, secretAccessKey: secret) }, sleep: { _ in })
    }

    static var putAlarm: AWSOperationRequest {
        get throws {
            try AWSModelRequest.build(try AWSServiceModel.load("cloudwatch"), operation: "PutMetricAlarm", input: .map([
                "AlarmName": .string("refused-alarm"), "Namespace": .string("AWS/Kafka"), "MetricName": .string("CpuUser"),
                "Statistic": .string("Maximum"), "Period": .integer(300), "EvaluationPeriods": .integer(1), "Threshold": .double(80),
                "ComparisonOperator": .string("GreaterThanThreshold"),
            ]))
        }
    }
    static var describeAlarm: AWSOperationRequest {
        get throws {
            try AWSModelRequest.build(try AWSServiceModel.load("cloudwatch"), operation: "DescribeAlarms",
                                      input: .map(["AlarmNames": .list([.string("refused-alarm")])]))
        }
    }

    /// The names of the alarms called refused-alarm that moto holds, asked with the right key.
    func alarmsInMoto() async throws -> [String] {
        let answer = try await cloudwatch(secret: moto.secretAccessKey).send(try Self.describeAlarm)
        let object = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]
        return (object?["MetricAlarms"] as? [[String: Any]] ?? []).compactMap { $0["AlarmName"] as? String }
    }

    @Test func aWrongSecretIsRefusedWithSignatureDoesNotMatchAndNothingReachesMoto() async throws {
        let attempts = AWSServiceClientTests.Attempts()
        let error = await #expect(throws: AWSServiceError.self) {
            try await cloudwatch(secret: "not-" + moto.secretAccessKey).send(try Self.putAlarm, onAttempt: attempts.add)
        }
        #expect(error?.code == "SignatureDoesNotMatch")
        #expect(error?.status == 403)
        let text = error?.description ?? ""
        #expect(text.hasPrefix("cloudwatch.PutMetricAlarm: SignatureDoesNotMatch: The request signature we calculated "
                               + "does not match the signature you provided."), "\(text)")
        #expect(text.contains(#/\(HTTP 403, request id [0-9a-f-]{36}\)$/#), "\(text)")
        #expect(!text.contains(moto.secretAccessKey))
        #expect(attempts.all.map(\.error) == ["SignatureDoesNotMatch"], "a refused signature is not retried")

        let seen = try await moto.requests()
        #expect(seen.count == 1)
        #expect(seen.first?.operation == "PutMetricAlarm" && seen.first?.service == "monitoring")
        #expect(seen.first?.signatureValid == false && seen.first?.forwarded == false && seen.first?.status == 403)
        #expect(seen.first?.code == "SignatureDoesNotMatch")

        // moto never saw the refused PutMetricAlarm; the same request with the right secret goes through.
        #expect(try await alarmsInMoto() == [])
        _ = try await cloudwatch(secret: moto.secretAccessKey).send(try Self.putAlarm)
        #expect(try await alarmsInMoto() == ["refused-alarm"])
        #expect(try await moto.requests().map(\.forwarded) == [false, true, true, true])
    }

    @Test func anUnknownKeyAndAnUnsignedRequestAreRefusedToo() async throws {
        let unknown = await #expect(throws: AWSServiceError.self) {
            try await cloudwatch(accessKeyID: "AKIDSTRANGER", secret: moto.secretAccessKey).send(try Self.putAlarm)
        }
        #expect(unknown?.code == "InvalidClientTokenId" && unknown?.status == 403, "\(unknown.map(String.init(describing:)) ?? "")")

        let request = try Self.putAlarm
        let unsigned = try await CurlTransport.shared.send(HTTPRequest(
            method: "POST", url: moto.url + "/", headers: request.headers.map { ($0.name, $0.value) }, body: request.body))
        #expect(unsigned.status == 403)
        let object = try JSONSerialization.jsonObject(with: Data(unsigned.body)) as? [String: Any]
        #expect(object?["__type"] as? String == "MissingAuthenticationToken", "\(String(decoding: unsigned.body, as: UTF8.self))")
        #expect(unsigned.header("x-amzn-query-error") == "MissingAuthenticationToken;Sender")

        let seen = try await moto.requests()
        #expect(seen.map(\.code) == ["InvalidClientTokenId", "MissingAuthenticationToken"])
        #expect(seen.allSatisfy { !$0.forwarded })
        #expect(try await alarmsInMoto() == [])
    }

    /// The proxy's own check, with botocore as the client: for each protocol (query, ec2, json, rest-json,
    /// rest-xml) a right key reaches moto and a wrong secret comes back as a 403 botocore reads as
    /// `SignatureDoesNotMatch`; presigned S3 URLs are checked, expiry included.
    @Test func botocoreReadsTheProxysRefusalInEveryProtocol() async throws {
        let outcome = try await ChildProcess.run("python3", [supportFile("sigv4_proxy_check.py")], timeout: .seconds(90))
        #expect(outcome.status == .exited(0) && outcome.stdout.hasSuffix(" 0 failed\n"), "\(outcome.stdout)\(outcome.stderr)")
    }
}
