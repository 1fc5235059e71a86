import Foundation
import HTTPClient
import RunbookEngine
import TestSupport
import Testing

/// `runbook worker` against SQS and DynamoDB on moto: the queues made by Tests/Support/worker_aws.py
/// with a dead-letter queue and a RedrivePolicy, the workers started and stopped by PID.
///
/// moto keeps SQS's semantics that the worker relies on: the visibility timeout (a message not
/// deleted comes back once it lapses), ChangeMessageVisibility, ApproximateReceiveCount (asked for
/// as MessageSystemAttributeNames or the older AttributeNames), long polls, and the RedrivePolicy
/// (a message received maxReceiveCount times goes to the dead-letter queue at the next receive).
@Suite(.serialized)
struct WorkerCommandTests {
    static let moto = SharedMotoServer()

    struct Queues: Decodable {
        let queue: String
        let dlq: String
    }

    struct Counts: Decodable {
        let visible: Int
        let inFlight: Int

        enum CodingKeys: String, CodingKey {
            case visible
            case inFlight = "in_flight"
        }
    }

    func sqs(_ arguments: String...) async throws -> String {
        try await Self.moto.get().runScript("worker_aws.py", arguments)
    }

    /// A queue whose dead-letter queue takes a message after `maxReceiveCount` receipts.
    func makeQueues(maxReceiveCount: Int = 2, visibility: Int = 3) async throws -> Queues {
        let name = "w-" + UUID().uuidString.prefix(8).lowercased()
        return try JSONDecoder().decode(Queues.self, from: Data(try await sqs("create", name, String(maxReceiveCount), String(visibility)).utf8))
    }

    func counts(_ queue: String) async throws -> Counts {
        try JSONDecoder().decode(Counts.self, from: Data(try await sqs("counts", queue).utf8))
    }

    /// Sends each body as a message, all in one batch.
    func send(_ cli: CLI, _ queue: String, _ bodies: [String]) async throws {
        let files = bodies.map { cli.write("message-\(UUID().uuidString).json", $0) }
        _ = try await Self.moto.get().runScript("worker_aws.py", ["send", queue] + files)
    }

    func environment() async throws -> [String: String] {
        let moto = try await Self.moto.get()
        return ["AWS_ACCESS_KEY_ID": moto.accessKeyID, "AWS_SECRET_ACCESS_KEY": moto.secretAccessKey, "AWS_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": moto.url]
    }

    /// A worker on `queue`, its output in `log` (read when something fails), once it has started receiving.
    func startWorker(_ cli: CLI, queue: String, log: String, _ extra: [String] = []) async throws -> ChildProcess {
        let path = cli.home + "/" + log
        let process = try ChildProcess.start(CLI.binary, ["worker", "--queue", queue, "--wait", "1", "--visibility", "3"] + extra,
                                             environment: cli.childEnvironment(try await environment()), directory: cli.home,
                                             output: .file(path))
        try await eventually("\(log) started") { (try? String(contentsOfFile: path, encoding: .utf8))?.contains("worker on ") == true }
        return process
    }

    func output(_ cli: CLI, _ log: String) -> String {
        (try? String(contentsOfFile: cli.home + "/" + log, encoding: .utf8)) ?? ""
    }

    func eventually(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("timed out waiting until \(what)")
        throw TestServerError("timed out waiting until \(what)")
    }

    /// Every journal of the state folder, each a list of its lines, in the order of their run ids.
    static func journals(_ cli: CLI) throws -> [[[String: Any]]] {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: cli.journalFolder) else { return [] }
        return try files.filter { $0.hasSuffix(".jsonl") }.sorted().map { file in
            try String(contentsOfFile: cli.journalFolder + "/" + file, encoding: .utf8).split(separator: "\n").map {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
            }
        }
    }

    static func decisions(_ cli: CLI) throws -> [[String: Any]] {
        try journals(cli).compactMap { $0.first }.filter { $0["event"] as? String == "decision" }
    }

    func approve(_ cli: CLI) async throws {
        let output = try await cli.run("approve", "auto.look", "--yes", "--by", "tester")
        try #require(output.status == 0, "\(output.stdout)\(output.stderr)")
    }

    func stop(_ worker: ChildProcess) async throws -> ChildProcess.ExitStatus {
        worker.signal(SIGTERM)
        return try await worker.waitForExit(timeout: .seconds(60))
    }

    @Test func twoWorkersOnOneQueueNeverRunATargetTwiceAtOnceAndDeleteEveryMessage() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", AutomatedRunTests.lookRunbook(automation: "target = \"cluster_name\", cooldown = 0",
                                                                      body: #"step("hold", function() sleep(2) end)"#))
        try await approve(cli)
        let queues = try await makeQueues()
        let store = ["--store", "dynamodb://wt-" + UUID().uuidString.prefix(8).lowercased()]
        // Both make the table at once: one creates it, the other finds it being created. The second
        // handles up to three messages at once, whose admissions race each other too.
        async let first = startWorker(cli, queue: queues.queue, log: "first.log", store)
        async let second = startWorker(cli, queue: queues.queue, log: "second.log", store + ["--max-messages", "3"])
        let workers = try await [first, second]

        try await send(cli, queues.queue, (1...4).map { AutomatedRunTests.cpuEvent(id: "burst-\($0)") })
        try await eventually("four decisions and an empty queue") {
            let counts = try await counts(queues.queue)
            return try Self.decisions(cli).count == 4 && counts.visible == 0 && counts.inFlight == 0
        }
        let log = output(cli, "first.log") + output(cli, "second.log")
        for worker in workers { #expect(try await stop(worker) == .exited(0), "\(log)") }

        let decisions = try Self.decisions(cli)
        #expect(Set(decisions.compactMap { $0["event_id"] as? String }) == Set((1...4).map { "burst-\($0)" }))
        let outcomes = decisions.compactMap { $0["outcome"] as? String }
        #expect(outcomes.allSatisfy { $0 == "run" || $0 == "refused" } && outcomes.contains("run"), "\(outcomes) \(log)")
        // The runs for the target, by their journals' first and last times: none began before the one before it ended.
        let runs = try Self.journals(cli).filter { $0.first?["outcome"] as? String == "run" }.map { lines in
            (start: lines.first { $0["event"] as? String == "run_started" }?["time"] as? String ?? "",
             end: lines.last { $0["event"] as? String == "run_finished" }?["time"] as? String ?? "")
        }.sorted { $0.start < $1.start }
        #expect(runs.allSatisfy { !$0.start.isEmpty && !$0.end.isEmpty }, "\(runs)")
        for (earlier, later) in zip(runs, runs.dropFirst()) { #expect(earlier.end <= later.start, "\(runs)") }
        // A refusal names the run that held the target.
        for refused in decisions where refused["outcome"] as? String == "refused" {
            let reason = refused["reason"] as? String ?? ""
            #expect(reason.contains("holds cluster_name=demo"), "\(reason)")
        }
        #expect(try await counts(queues.dlq).visible == 0)
    }

    /// With this machine's SQLite state, the next worker reclaims the dead process's lease at once and
    /// closes its run as interrupted; with DynamoDB, which cannot tell another machine's process is
    /// gone, the lease stays until it expires (the run's timeout and 60 s). Either way the event's id
    /// is remembered, so the message that comes back is refused as a duplicate, and deleted.
    @Test(arguments: [false, true]) func aKilledWorkersMessageComesBackAndIsRefusedAsADuplicate(dynamoDB: Bool) async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", AutomatedRunTests.lookRunbook(automation: "target = \"cluster_name\", cooldown = 0",
                                                                      body: #"step("hold", function() sleep(60) end)"#))
        try await approve(cli)
        let queues = try await makeQueues()
        let store = dynamoDB ? ["--store", "dynamodb://wt-" + UUID().uuidString.prefix(8).lowercased()] : []
        let killed = try await startWorker(cli, queue: queues.queue, log: "killed.log", store)
        try await send(cli, queues.queue, [AutomatedRunTests.cpuEvent(id: "killed-event")])
        try await eventually("the run started") {
            try Self.journals(cli).contains { $0.contains { $0["event"] as? String == "run_started" } }
        }
        killed.signal(SIGKILL)
        _ = try await killed.waitForExit(timeout: .seconds(20))
        // Its heartbeat ended with it, so the message comes back within the visibility timeout.
        let next = try await startWorker(cli, queue: queues.queue, log: "next.log", store)
        try await eventually("the message was handled again and deleted") {
            let counts = try await counts(queues.queue)
            return try Self.decisions(cli).count == 2 && counts.visible == 0 && counts.inFlight == 0
        }
        let log = output(cli, "killed.log") + output(cli, "next.log")
        #expect(try await stop(next) == .exited(0), "\(log)")

        let journals = try Self.journals(cli)
        let run = try #require(journals.first { $0.first?["outcome"] as? String == "run" })
        #expect(run.first?["attempt"] as? Int == 1)
        #expect(run.last?["status"] as? String == (dynamoDB ? nil : "interrupted"), "\(run.last ?? [:])")
        let again = try #require(journals.first { $0.first?["outcome"] as? String == "refused" }?.first)
        #expect(again["attempt"] as? Int == 2, "\(again)")
        #expect(again["event_id"] as? String == "killed-event")
        let reason = again["reason"] as? String ?? ""
        #expect(reason.contains("event cloudwatch:killed-event was already handled"), "\(again)")
        #expect(log.contains("was interrupted") == !dynamoDB, "\(log)")
        #expect(try await counts(queues.dlq).visible == 0)
    }

    /// Without the heartbeat the message would come back to the idle worker after 2 s, and be
    /// decided a second time (refused as a duplicate).
    @Test func aRunLongerThanTheVisibilityTimeoutKeepsItsMessageHidden() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", AutomatedRunTests.lookRunbook(automation: "target = \"cluster_name\", cooldown = 0",
                                                                      body: #"step("hold", function() sleep(6) end)"#))
        try await approve(cli)
        let queues = try await makeQueues(visibility: 2)
        let beatsBefore = try await Self.moto.get().requests().filter { $0.operation == "ChangeMessageVisibility" && $0.status == 200 }.count
        let workers = [try await startWorker(cli, queue: queues.queue, log: "first.log", ["--visibility", "2"]),
                       try await startWorker(cli, queue: queues.queue, log: "second.log", ["--visibility", "2"])]
        try await send(cli, queues.queue, [AutomatedRunTests.cpuEvent(id: "long-run")])
        try await eventually("the run ended and its message was deleted") {
            let counts = try await counts(queues.queue)
            return try Self.journals(cli).contains { $0.contains { $0["event"] as? String == "run_finished" } } && counts.visible == 0 && counts.inFlight == 0
        }
        let log = output(cli, "first.log") + output(cli, "second.log")
        for worker in workers { #expect(try await stop(worker) == .exited(0), "\(log)") }
        let decisions = try Self.decisions(cli)
        #expect(decisions.map { $0["outcome"] as? String } == ["run"], "\(log)")
        #expect(decisions.first?["attempt"] as? Int == 1)
        // One beat a second over a run of six.
        let beats = try await Self.moto.get().requests().filter { $0.operation == "ChangeMessageVisibility" && $0.status == 200 }.count - beatsBefore
        #expect(beats >= 4, "\(beats) \(log)")
    }

    @Test func aPoisonMessageReachesTheDeadLetterQueueJournaledAtEachReceipt() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", AutomatedRunTests.lookRunbook())
        try await approve(cli)
        let queues = try await makeQueues(maxReceiveCount: 2, visibility: 2)
        let worker = try await startWorker(cli, queue: queues.queue, log: "worker.log", ["--visibility", "2"])
        try await send(cli, queues.queue, [#"{"hello":"world"}"#])
        try await eventually("the dead-letter queue has the message") { try await counts(queues.dlq).visible == 1 }
        let log = output(cli, "worker.log")
        #expect(try await stop(worker) == .exited(0), "\(log)")

        let decisions = try Self.decisions(cli)
        #expect(decisions.map { $0["outcome"] as? String } == ["invalid", "invalid"], "\(decisions) \(log)")
        #expect(decisions.map { $0["attempt"] as? Int } == [1, 2])
        #expect(Set(decisions.compactMap { $0["event_id"] as? String }).count == 1)
        let reason = decisions.first?["reason"] as? String ?? ""
        #expect(reason.contains("malformed event: event: not a known alarm event"), "\(reason)")
        let shown = try await cli.run("log", try #require(decisions.last?["run"] as? String))
        #expect(shown.stdout.contains("⚑ undecidable delivery · message \(decisions.last?["event_id"] as? String ?? "") · receive 2"), "\(shown.stdout)")
        let dead = try await sqs("bodies", queues.dlq)
        #expect(dead.contains(#"{\"hello\":\"world\"}"#), "\(dead)")
        #expect(try await counts(queues.queue).visible == 0)
    }

    @Test func sigtermLetsTheRunFinishWithinTheGraceAndLeavesACancelledRunsMessage() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", AutomatedRunTests.lookRunbook(automation: "target = \"cluster_name\", cooldown = 0",
                                                                      body: #"step("hold", function() sleep(3) end)"#))
        try await approve(cli)
        let queues = try await makeQueues(visibility: 3)

        func runThenStop(grace: String, event: String) async throws -> (ChildProcess.ExitStatus, String) {
            let worker = try await startWorker(cli, queue: queues.queue, log: "\(event).log", ["--grace", grace])
            try await send(cli, queues.queue, [AutomatedRunTests.cpuEvent(id: event)])
            try await eventually("the run of \(event) started") {
                try Self.journals(cli).contains { $0.first?["event_id"] as? String == event && $0.contains { $0["event"] as? String == "run_started" } }
            }
            return (try await stop(worker), output(cli, "\(event).log"))
        }

        let (finished, finishedLog) = try await runThenStop(grace: "30", event: "finishes")
        #expect(finished == .exited(0), "\(finishedLog)")
        #expect(try Self.journals(cli).last?.last?["status"] as? String == "ok", "\(finishedLog)")
        let afterFinished = try await counts(queues.queue)
        #expect(afterFinished.visible + afterFinished.inFlight == 0, "\(finishedLog)")

        let (cancelled, cancelledLog) = try await runThenStop(grace: "0", event: "cancelled")
        #expect(cancelled == .exited(0), "\(cancelledLog)")
        #expect(try Self.journals(cli).last?.last?["status"] as? String == "stopped", "\(cancelledLog)")
        #expect(cancelledLog.contains("left in the queue"), "\(cancelledLog)")
        let afterCancelled = try await counts(queues.queue)
        #expect(afterCancelled.visible + afterCancelled.inFlight == 1, "\(cancelledLog)")
    }

    /// Receiving would only wear a message's receipts down towards the dead-letter queue.
    @Test func whileTheGuardrailTableIsUnreachableMessagesWaitInTheQueue() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", AutomatedRunTests.lookRunbook(automation: "target = \"cluster_name\", cooldown = 0"))
        try await approve(cli)
        let queues = try await makeQueues()
        let table = "wt-" + UUID().uuidString.prefix(8).lowercased()
        let worker = try await startWorker(cli, queue: queues.queue, log: "worker.log", ["--store", "dynamodb://" + table])
        _ = try await sqs("delete-table", table)
        // Sent once the worker has found the table gone before a receive, so that no receive is under way.
        try await eventually("the worker found the table gone") { output(cli, "worker.log").contains("ResourceNotFoundException") }
        try await send(cli, queues.queue, [AutomatedRunTests.cpuEvent(id: "waits")])
        try await Task.sleep(for: .seconds(3))
        let log = output(cli, "worker.log")
        #expect(try await stop(worker) == .exited(0), "\(log)")
        #expect(try await counts(queues.queue).visible == 1, "\(log)")
        #expect(try Self.decisions(cli).isEmpty, "\(log)")
        #expect(try await counts(queues.dlq).visible == 0)
    }

    /// An SNS envelope, a raw SNS alarm message and an Alertmanager group (a firing alert and a resolved
    /// one): every decision is final, so every message is deleted.
    @Test func everyPayloadFormatIsDecidedAndDeleted() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", AutomatedRunTests.lookRunbook(automation: "target = \"cluster_name\", cooldown = 0"))
        try await approve(cli)
        let queues = try await makeQueues()
        let worker = try await startWorker(cli, queue: queues.queue, log: "worker.log", ["--max-messages", "10"])
        let raw = AlarmPayloads.snsMessage.replacingOccurrences(of: #""value":"demo""#, with: #""value":"raw""#)
        try await send(cli, queues.queue, [AlarmPayloads.snsEnvelope(AlarmPayloads.snsMessage), raw, AlarmPayloads.alertmanagerGroup])
        try await eventually("four decisions and an empty queue") {
            let counts = try await counts(queues.queue)
            return try Self.decisions(cli).count == 4 && counts.visible == 0 && counts.inFlight == 0
        }
        let log = output(cli, "worker.log")
        #expect(try await stop(worker) == .exited(0), "\(log)")
        let outcomes = try Self.decisions(cli).compactMap { $0["outcome"] as? String }.sorted()
        // The envelope and the firing alert share the target: one of them may meet the other's lease.
        #expect(outcomes.filter { $0 == "resolved" }.count == 1 && outcomes.filter { $0 == "run" }.count >= 2, "\(outcomes) \(log)")
        #expect(try await counts(queues.dlq).visible == 0)
    }

    @Test func serveForwardQueuesEachEventAsReceivedForAWorkerToDecide() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", AutomatedRunTests.lookRunbook(automation: "target = \"cluster_name\", cooldown = 0"))
        try await approve(cli)
        // Reading the queue to check it counts receipts too: room for them before the dead-letter queue.
        let queues = try await makeQueues(maxReceiveCount: 10)
        let server = try await ServeCommandTests.Server.start(cli, ["--forward", queues.queue], environment: try await environment())
        defer { server.process.kill() }
        let response = try await server.send("/v1/events/eventbridge", AlarmPayloads.metricAlarm)
        #expect(response.status == 202, "\(String(decoding: response.body, as: UTF8.self)) \(server.logText)")
        // Nothing is decided at the ingest: the event waits in the queue as it was posted.
        let decidedAtIngest = FileManager.default.fileExists(atPath: cli.journalFolder) ? try Self.decisions(cli).count : 0
        #expect(decidedAtIngest == 0)
        struct Message: Decodable { let body: String }
        let messages = try JSONDecoder().decode([Message].self, from: Data(try await sqs("bodies", queues.queue).utf8))
        #expect(messages.map(\.body) == [AlarmPayloads.metricAlarm])
        let worker = try await startWorker(cli, queue: queues.queue, log: "worker.log")
        try await eventually("the worker's decision") { try Self.decisions(cli).count == 1 }
        #expect(try await stop(worker) == .exited(0))
        #expect(try Self.decisions(cli).first?["outcome"] as? String == "run")
    }

    @Test func aWorkerThatCannotReadItsQueueExitsTwoAtStart() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", AutomatedRunTests.lookRunbook())
        let moto = try await Self.moto.get()
        let missing = try await cli.run(environment: try await environment(), "worker", "--queue", moto.url + "/123456789012/no-such-queue", "--wait", "1")
        #expect(missing.status == 2, "\(missing.stdout)\(missing.stderr)")
        #expect(missing.stderr.contains("sqs.GetQueueAttributes"), "\(missing.stderr)")
        let wrong = try await cli.run(environment: try await environment(), "worker", "--queue", "ftp://example.com/1/q")
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("is not an SQS queue URL"), "\(wrong.stderr)")
        let range = try await cli.run("worker", "--queue", "https://sqs.us-east-1.amazonaws.com/1/q", "--visibility", "1")
        #expect(range.status == 2)
        #expect(range.stderr.contains("--visibility must be 2 to 43200 seconds"), "\(range.stderr)")
    }

    /// What `runbook serve --forward sqs://...` sends: the body as received, read back unchanged.
    @Test func anEventSentToTheQueueArrivesAsItWasReceived() async throws {
        let queues = try await makeQueues()
        let moto = try await Self.moto.get()
        let settings = AWSSettings(region: "us-east-1", endpointURL: moto.url, environment: [
            "AWS_ACCESS_KEY_ID": moto.accessKeyID, "AWS_SECRET_ACCESS_KEY": moto.secretAccessKey, "AWS_EC2_METADATA_DISABLED": "true",
        ])
        let queue = try SQSQueue(url: queues.queue, aws: settings)
        let body = AlarmPayloads.snsEnvelope(AlarmPayloads.snsMessage)
        let id = try await queue.send(body: Array(body.utf8))
        #expect(!id.isEmpty)
        let received = try await queue.receive(maxMessages: 10, wait: 1, visibility: 5)
        #expect(received.map(\.body) == [body])
        #expect(received.first?.receiveCount == 1)
        #expect(received.first?.id == id)
        try await queue.delete(try #require(received.first))
        #expect(try await counts(queues.queue).visible == 0)
    }
}
