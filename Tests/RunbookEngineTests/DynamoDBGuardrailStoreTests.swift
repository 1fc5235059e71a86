import AWSKit
import Foundation
import HTTPClient
@testable import RunbookEngine
import Synchronization
import Testing
import TestSupport

/// ``DynamoDBGuardrailStore`` against moto behind the proxy that checks every request's
/// signature: the behaviour every store shares (``GuardrailStoreBehaviour``), then what is
/// DynamoDB's own. Each test has a table of its own on the suite's one server.
@Suite(.serialized)
struct DynamoDBGuardrailStoreTests {
    static let shared = SharedMotoServer()

    let table = "guardrails-\(UUID().uuidString.prefix(8).lowercased())"

    func settings() async throws -> AWSSettings {
        let moto = try await Self.shared.get()
        return AWSSettings(region: "us-east-1", endpointURL: moto.url) { [moto] in
            AWSCredentials(accessKeyID: moto.accessKeyID, secretAccessKey: moto.secretAccessKey)
        }
    }

    /// A client of moto's DynamoDB, to look at the table past the store.
    func dynamodb() async throws -> AWSServiceClient {
        let moto = try await Self.shared.get()
        let (key, secret) = (moto.accessKeyID, moto.secretAccessKey)
        return AWSServiceClient(model: try AWSServiceModel.load("dynamodb"), region: "us-east-1",
                                endpoint: try #require(URL(string: moto.url)),
                                credentials: { AWSCredentials(accessKeyID: key, secretAccessKey: secret) })
    }

    /// The behaviour on a new table; each handle is a store of its own, as each worker has.
    func behaviour(transport: (any HTTPTransport)? = nil) async throws -> GuardrailStoreBehaviour {
        let settings = try await settings()
        let table = table
        try await DynamoDBGuardrailStore(table: table, aws: settings, transport: transport).ensureTable()
        return GuardrailStoreBehaviour { try DynamoDBGuardrailStore(table: table, aws: settings, transport: transport) }
    }

    @Test func refusalsComeInOrder() async throws { try await behaviour().refusalsComeInOrder() }
    @Test func leasesExpire() async throws { try await behaviour().leasesExpire() }
    @Test func reclaimHoldsOnlyMutatedTargets() async throws { try await behaviour().reclaimHoldsOnlyMutatedTargets() }
    @Test func cooldownRestartsAtRelease() async throws { try await behaviour().cooldownRestartsAtRelease() }
    @Test func budgetCountsRecordedMutations() async throws { try await behaviour().budgetCountsRecordedMutations() }
    @Test func pauseAndResume() async throws { try await behaviour().pauseAndResume() }
    @Test func decisionsNewestFirst() async throws { try await behaviour().decisionsNewestFirst() }
    @Test func releaseNeverMovesTheCooldownEarlier() async throws { try await behaviour().releaseNeverMovesTheCooldownEarlier() }
    @Test func aMutationWithoutTheLeaseIsRefused() async throws { try await behaviour().aMutationWithoutTheLeaseIsRefused() }
    @Test func anEventIsADuplicateUntilItsKeyExpires() async throws { try await behaviour().anEventIsADuplicateUntilItsKeyExpires() }
    @Test func invalidRequestsAreErrors() async throws { try await behaviour().invalidRequestsAreErrors() }

    /// moto serves each request on a thread of its own and applies a transaction's checks and
    /// writes without isolating them from another request's (of ten rounds of eight concurrent
    /// transactions on one item, one had two winners), where DynamoDB isolates transactions. So
    /// TransactWriteItems go to moto one at a time, in whatever order they arrive, and every
    /// other request (the reads after a cancellation) at once.
    @Test func oneOfEightConcurrentWorkersGetsTheLease() async throws {
        try await behaviour(transport: IsolatedTransactions(CurlTransport.shared)).oneOfManyConcurrentAdmissionsWins(handles: 8)
    }

    @Test func ensureTableMakesAnOnDemandTableWithTTLAndCanBeCalledAgain() async throws {
        let store = try DynamoDBGuardrailStore(table: table, aws: try await settings())
        try await store.ensureTable()
        try await store.ensureTable()
        let client = try await dynamodb()
        let described = try await client.send(operation: "DescribeTable", input: .map(["TableName": .string(table)]))
        #expect(described["Table"]?["TableStatus"] == .string("ACTIVE"))
        #expect(described["Table"]?["BillingModeSummary"]?["BillingMode"] == .string("PAY_PER_REQUEST"), "\(described)")
        let ttl = try await client.send(operation: "DescribeTimeToLive", input: .map(["TableName": .string(table)]))
        #expect(ttl["TimeToLiveDescription"]?["TimeToLiveStatus"] == .string("ENABLED"), "\(ttl)")
        #expect(ttl["TimeToLiveDescription"]?["AttributeName"] == .string("expires_at"), "\(ttl)")
    }

    @Test func ensureTableRefusesATableWithAnotherKeySchema() async throws {
        _ = try await dynamodb().send(operation: "CreateTable", input: .map([
            "TableName": .string(table), "BillingMode": .string("PAY_PER_REQUEST"),
            "AttributeDefinitions": .list([.map(["AttributeName": .string("id"), "AttributeType": .string("S")])]),
            "KeySchema": .list([.map(["AttributeName": .string("id"), "KeyType": .string("HASH")])]),
        ]))
        let error = await #expect(throws: RunbookError.self) {
            try await DynamoDBGuardrailStore(table: table, aws: try await settings()).ensureTable()
        }
        #expect(error?.message == "the table \(table) has the key schema id HASH; the guardrail store needs pk (string, HASH) and sk (string, RANGE)")
    }

    @Test func aTableNameDynamoDBWouldRefuseIsRefusedFirst() async throws {
        let error = #expect(throws: RunbookError.self) {
            try DynamoDBGuardrailStore(table: "no spaces", region: "us-east-1", endpoint: try #require(URL(string: "http://127.0.0.1:9"))) {
                AWSCredentials(accessKeyID: "a", secretAccessKey: "b")
            }
        }
        #expect(error?.message.contains("is not a DynamoDB table name") == true)
    }

    /// A store that cannot read its table throws, so the dispatcher runs nothing.
    @Test func aMissingTableIsAnErrorNotAnAdmission() async throws {
        let store = try DynamoDBGuardrailStore(table: table, aws: try await settings())
        let error = await #expect(throws: AWSServiceError.self) {
            try await store.admit(GuardrailStoreBehaviour.request("run-a", event: "e1"), at: GuardrailStoreBehaviour.at(0))
        }
        #expect(error?.code == "ResourceNotFoundException")
    }

    /// A transaction cancelled because another held an item is tried again; five in a row are an error.
    @Test func aConflictingTransactionIsTriedAgain() async throws {
        let conflict = "None, None, None, TransactionConflict, None"
        let once = try await behaviour(transport: IsolatedTransactions(CurlTransport.shared, cancelling: [conflict])).open()
        let request = GuardrailStoreBehaviour.request("run-a", event: "e1")
        _ = try GuardrailStoreBehaviour.lease(try await once.admit(request, at: GuardrailStoreBehaviour.at(0)))

        let settings = try await settings()
        let always = try DynamoDBGuardrailStore(table: table, aws: settings,
                                                transport: IsolatedTransactions(CurlTransport.shared, cancelling: Array(repeating: conflict, count: 5)))
        let error = await #expect(throws: RunbookError.self) {
            try await always.admit(GuardrailStoreBehaviour.request("run-b", target: "cluster_name=other", event: "e2"), at: GuardrailStoreBehaviour.at(0))
        }
        #expect(error?.message == "admission of restart for cluster_name=other: other workers' transactions on its items cancelled it 5 times in a row")
    }

    /// Throttling is not a refusal: the error reaches the dispatcher, which then runs nothing.
    @Test func aThrottledTransactionIsAnError() async throws {
        let store = try await behaviour(transport: IsolatedTransactions(CurlTransport.shared, cancelling: ["None, None, ThrottlingError, None, None"])).open()
        let error = await #expect(throws: AWSServiceError.self) {
            try await store.admit(GuardrailStoreBehaviour.request("run-a", event: "e1"), at: GuardrailStoreBehaviour.at(0))
        }
        #expect(error?.code == "TransactionCanceledException")
        #expect(error?.message.hasSuffix("[None, None, ThrottlingError, None, None]") == true)
    }

    /// A decision with overlong texts is kept cut, within DynamoDB's key and item sizes; an
    /// identifier too long for a key refuses the admission, naming it.
    @Test func overlongTextsAreCutOrRefused() async throws {
        let store = try await behaviour().open()
        let reason = String(repeating: "é", count: 3000)
        try await store.record(DecisionRecord(id: String(repeating: "r", count: 1500), time: GuardrailStoreBehaviour.at(0), source: "cloudwatch",
                                              eventID: "e1", runbook: nil, target: nil, outcome: "no_match", reason: reason, journal: "/j"))
        let recorded = try #require(try await store.decisions(limit: 1).first)
        #expect(recorded.reason == String(repeating: "é", count: 2048))
        #expect(recorded.id.count == 1500)

        let error = await #expect(throws: RunbookError.self) {
            try await store.admit(GuardrailStoreBehaviour.request("run-a", event: String(repeating: "k", count: 1001)), at: GuardrailStoreBehaviour.at(0))
        }
        #expect(error?.message.hasPrefix("the event key kkkk") == true)
        #expect(error?.message.hasSuffix("is 1001 bytes long; the guardrail store takes at most 1000") == true)
    }

    /// An item this store did not write (a number past its range) is an error naming it, not a trap.
    @Test func anItemOutOfRangeIsAnErrorNamingIt() async throws {
        let behaviour = try await behaviour()
        _ = try await dynamodb().send(operation: "PutItem", input: .map([
            "TableName": .string(table),
            "Item": .map([
                "pk": .dynamoString("LEASE"), "sk": .dynamoString("cluster_name=demo"), "run_id": .dynamoString("run-x"),
                "runbook": .dynamoString("restart"), "journal": .dynamoString("/j"), "started_ms": .dynamoNumber(0),
                "mutations": .dynamoNumber(0), "expires_ms": .map(["N": .string("99999999999999999999999")]),
            ]),
        ]))
        let store = try await behaviour.open()
        let error = await #expect(throws: RunbookError.self) {
            try await store.admit(GuardrailStoreBehaviour.request("run-a", event: "e1"), at: GuardrailStoreBehaviour.at(0))
        }
        #expect(error?.message == "the guardrail table's item LEASE / cluster_name=demo is not what this store writes: expires_ms is 99999999999999999999999, not a whole number from 0 to 253402300799999")
    }

    @Test func cancellationReasonsTellRefusalsFromOtherFailures() {
        func cancelled(_ message: String, code: String = "TransactionCanceledException") -> Bool {
            DynamoDBGuardrailStore.isCancelledByConditions(AWSServiceError(
                service: "dynamodb", operation: "TransactWriteItems", code: code, message: message, status: 400, requestID: nil))
        }
        let prefix = "Transaction cancelled, please refer cancellation reasons for specific reasons "
        #expect(cancelled(prefix + "[None, ConditionalCheckFailed, None]"))
        #expect(cancelled(prefix + "[TransactionConflict, None]"))
        #expect(cancelled(prefix + "[None, ThrottlingError]") == false)
        #expect(cancelled(prefix + "[ValidationError]") == false)
        #expect(cancelled("Transaction cancelled"))
        #expect(cancelled(prefix + "[None]", code: "ValidationException") == false)
    }
}

/// Sends TransactWriteItems one at a time, as DynamoDB's isolation would apply them, and any
/// other request at once. The first transactions may be answered here, cancelled for the reasons
/// given, in place of moto, which never gives those (conflicts, throttling).
final class IsolatedTransactions: HTTPTransport {
    let base: any HTTPTransport
    private let turnstile = Turnstile()
    private let cancellations: Mutex<[String]>

    /// `cancellations`: the reasons of each transaction to cancel, as DynamoDB's message lists them.
    init(_ base: any HTTPTransport, cancelling cancellations: [String] = []) {
        self.base = base
        self.cancellations = Mutex(cancellations)
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard request.headers.contains(where: { $0.name.lowercased() == "x-amz-target" && $0.value.hasSuffix(".TransactWriteItems") }) else {
            return try await base.send(request)
        }
        if let reasons = cancellations.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
            return HTTPResponse(status: 400, headers: [("Content-Type", "application/x-amz-json-1.0")], body: Array(#"""
                {"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                 "Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [\#(reasons)]"}
                """#.utf8))
        }
        await turnstile.enter()
        do {
            let response = try await base.send(request)
            await turnstile.leave()
            return response
        } catch {
            await turnstile.leave()
            throw error
        }
    }

    /// One holder at a time; the others wait in the order they came. An actor alone would not
    /// do: it lets another caller in while one awaits the network.
    actor Turnstile {
        private var busy = false
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func enter() async {
            guard busy else {
                busy = true
                return
            }
            await withCheckedContinuation { waiting.append($0) }
        }

        /// Hands the turn to the next caller, or frees it.
        func leave() {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
    }
}
