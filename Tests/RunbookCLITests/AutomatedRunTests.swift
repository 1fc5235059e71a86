import Foundation
import TestSupport
import Testing

/// `runbook trigger` starting runs: each payload format, approvals, the guardrails of the state
/// store, decisions in the journal, and what a killed run leaves.
@Suite(.serialized)
struct AutomatedRunTests {
    static let moto = SharedMotoServer()

    /// A runbook the CPU, disk and Alertmanager alarms all start, which shows what it was given.
    static func lookRunbook(automation: String = "target = \"cluster_name\"", body: String = "") -> String {
        """
        return runbook {
          name = "auto.look",
          version = "1.0.0",
          description = "Look at a cluster an alarm names",
          params = {
            cluster_name = { type = "string", required = true, doc = "The cluster" },
            broker = { type = "string", doc = "The broker" },
          },
          triggers = {
            { namespace = "AWS/Kafka", metric = "CpuUser", params = { cluster_name = "dimension:Cluster Name", broker = "dimension:Broker ID" } },
            { namespace = "AWS/Kafka", metric = "KafkaDataLogsDiskUsed", params = { cluster_name = "dimension:Cluster Name" } },
            { source = "alertmanager", labels = { alertname = "KafkaBrokerDown" }, params = { cluster_name = "label:cluster" } },
          },
          automation = { \(automation) },
          run = function(p)
            step("look", function()
              local t = run.trigger
              log.info("cluster=" .. p.cluster_name .. " broker=" .. tostring(p.broker) .. " dry=" .. tostring(run.dry_run)
                .. " alarm=" .. tostring(t.AlarmName or (t.detail and t.detail.alarmName) or (t.labels and t.labels.alertname)))
            end)
            \(body)
          end,
        }
        """
    }

    /// The CPU alarm of EventBridge's example, with its own id and cluster.
    static func cpuEvent(id: String = UUID().uuidString, cluster: String = "demo") -> String {
        AlarmPayloads.metricAlarm.replacingOccurrences(of: "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92", with: id)
            .replacingOccurrences(of: #""Cluster Name":"demo""#, with: #""Cluster Name":"\#(cluster)""#)
    }

    struct Decision: Decodable {
        let event: String
        let run: String
        let outcome: String?
        let reason: String?
        let runbook: String?
        let target: String?
        let mode: String?
        let params: [String: String]?
        let guardrails: [Guardrail]?

        struct Guardrail: Decodable {
            let check: String
            let verdict: String
        }
    }

    /// Every decision of the state folder's journals, oldest first.
    static func decisions(_ cli: CLI) throws -> [Decision] {
        let files = try FileManager.default.contentsOfDirectory(atPath: cli.journalFolder).filter { $0.hasSuffix(".jsonl") }.sorted()
        return try files.compactMap { file in
            let first = try String(contentsOfFile: cli.journalFolder + "/" + file, encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
            let line = try JSONDecoder().decode(Decision.self, from: Data(first.utf8))
            return line.event == "decision" ? line : nil
        }
    }

    static func journal(_ cli: CLI, run: String) throws -> String {
        try String(contentsOfFile: cli.journalFolder + "/\(run).jsonl", encoding: .utf8)
    }

    func trigger(_ cli: CLI, _ event: String, _ extra: [String] = [], environment: [String: String] = [:]) async throws -> CLI.Output {
        let file = cli.write("event-\(UUID().uuidString).json", event)
        return try await cli.run(environment: environment, ["trigger", "--event", file] + extra)
    }

    func approve(_ cli: CLI, _ name: String = "auto.look") async throws {
        let output = try await cli.run("approve", name, "--yes", "--by", "tester")
        try #require(output.status == 0, "\(output.stdout)\(output.stderr)")
    }

    @Test func eachPayloadFormatRunsTheApprovedRunbookWithItsParams() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", Self.lookRunbook(automation: "target = \"cluster_name\", cooldown = 0"))
        try await approve(cli)

        let eventBridge = try await trigger(cli, AlarmPayloads.metricAlarm)
        #expect(eventBridge.status == 0, "\(eventBridge.stdout)\(eventBridge.stderr)")
        #expect(eventBridge.stdout.contains("cluster=demo broker=2 dry=true alarm=demo-HighCPU"), "\(eventBridge.stdout)")
        #expect(eventBridge.stdout.contains("chosen  auto.look · target cluster_name=demo · dry run"), "\(eventBridge.stdout)")

        let disk = AlarmPayloads.snsMessage.replacingOccurrences(of: "CpuUser", with: "KafkaDataLogsDiskUsed")
            .replacingOccurrences(of: "demo-HighCPU", with: "demo-Disk")
        let enveloped = try await trigger(cli, AlarmPayloads.snsEnvelope(disk))
        #expect(enveloped.status == 0, "\(enveloped.stdout)\(enveloped.stderr)")
        #expect(enveloped.stdout.contains("cluster=demo broker=nil dry=true alarm=demo-Disk"), "\(enveloped.stdout)")

        let bare = try await trigger(cli, AlarmPayloads.snsMessage.replacingOccurrences(of: #""value":"demo""#, with: #""value":"bare""#))
        #expect(bare.status == 0, "\(bare.stdout)\(bare.stderr)")
        #expect(bare.stdout.contains("cluster=bare broker=2 dry=true alarm=demo-HighCPU"), "\(bare.stdout)")

        let group = try await trigger(cli, AlarmPayloads.alertmanagerGroup)
        #expect(group.status == 0, "\(group.stdout)\(group.stderr)")
        #expect(group.stdout.contains("cluster=demo broker=nil dry=true alarm=KafkaBrokerDown"), "\(group.stdout)")

        let decisions = try Self.decisions(cli)
        #expect(decisions.map { $0.outcome ?? "" } == ["run", "run", "run", "run", "resolved"], "\(decisions.map(\.reason))")
        #expect(decisions.compactMap(\.target) == ["cluster_name=demo", "cluster_name=demo", "cluster_name=bare", "cluster_name=demo"])
        #expect(decisions[0].params == ["cluster_name": "demo", "broker": "2"])
        // A dry automated run leaves its review document beside the journal, and says where.
        let report = try #require(eventBridge.stdout.split(separator: "\n").first { $0.hasPrefix("report: ") }).dropFirst("report: ".count)
        let review = try String(contentsOfFile: String(report), encoding: .utf8)
        #expect(review.contains("| Started by | cloudwatch alarm demo-HighCPU ALARM, event c4c1c1c9-6542-e61b-6ef0-8c4d36933a92"), "\(review)")
        // run.trigger is the event as it arrived, in the run's journal.
        let journal = try Self.journal(cli, run: decisions[0].run)
        #expect(journal.contains(#""trigger":{"#) && journal.contains("Threshold Crossed"))
    }

    @Test func unapprovedRunsAreRefusedUntilApprovedAndAgainAfterAOneByteChange() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let file = cli.write("runbooks/look.lua", Self.lookRunbook(automation: "target = \"cluster_name\", cooldown = 0"))

        let unapproved = try await trigger(cli, Self.cpuEvent())
        #expect(unapproved.status == 4, "\(unapproved.stdout)\(unapproved.stderr)")
        #expect(unapproved.stdout.contains("refused: not approved"), "\(unapproved.stdout)")

        try await approve(cli)
        let approved = try await trigger(cli, Self.cpuEvent())
        #expect(approved.status == 0, "\(approved.stdout)\(approved.stderr)")

        // One byte: a space at the end of the file.
        let handle = try #require(FileHandle(forWritingAtPath: file))
        handle.seekToEndOfFile()
        handle.write(Data(" ".utf8))
        try handle.close()
        let changed = try await trigger(cli, Self.cpuEvent())
        #expect(changed.status == 4, "\(changed.stdout)\(changed.stderr)")
        #expect(changed.stdout.contains("refused: not approved"), "\(changed.stdout)")
        let validate = try await cli.run("validate")
        #expect(validate.status == 2, "\(validate.stdout)")

        let outcomes = try Self.decisions(cli).map { "\($0.outcome ?? "") \($0.guardrails?.first?.check ?? "")" }
        #expect(outcomes == ["refused approval", "run approval", "refused approval"])
    }

    @Test func twoTriggerProcessesAtOnceForOneTargetRunOnce() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", Self.lookRunbook(body: #"step("hold", function() sleep(3) end)"#))
        try await approve(cli)
        let first = cli.write("first.json", Self.cpuEvent())
        let second = cli.write("second.json", Self.cpuEvent())
        async let a = cli.run(["trigger", "--event", first])
        async let b = cli.run(["trigger", "--event", second])
        let outputs = try await [a, b]
        #expect(outputs.map(\.status).sorted() == [0, 4], "\(outputs.map { $0.stdout + $0.stderr })")
        let decisions = try Self.decisions(cli)
        #expect(decisions.map { $0.outcome ?? "" }.sorted() == ["refused", "run"])
        // Started together, the second meets the first's lease; started late, its cooldown.
        let refused = try #require(decisions.first { $0.outcome == "refused" })
        let check = refused.guardrails?.first { $0.verdict == "refused" }?.check
        #expect(check == "lease" || check == "cooldown", "\(refused.reason ?? "")")
    }

    @Test func theCooldownHoldsBackTheTargetAndNoOtherTarget() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", Self.lookRunbook(automation: "target = \"cluster_name\", cooldown = 900"))
        try await approve(cli)
        #expect(try await trigger(cli, Self.cpuEvent()).status == 0)
        let again = try await trigger(cli, Self.cpuEvent())
        #expect(again.status == 4)
        #expect(again.stdout.contains("refused: auto.look ran for cluster_name=demo within its cooldown of 15 min 0 s"), "\(again.stdout)")
        #expect(try await trigger(cli, Self.cpuEvent(cluster: "other")).status == 0)
    }

    @Test func theSameEventTwiceRunsOnce() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", Self.lookRunbook(automation: "target = \"cluster_name\", cooldown = 0"))
        try await approve(cli)
        let event = Self.cpuEvent(id: "same-event")
        #expect(try await trigger(cli, event).status == 0)
        let again = try await trigger(cli, event)
        #expect(again.status == 4)
        #expect(again.stdout.contains("refused: event cloudwatch:same-event was already handled at"), "\(again.stdout)")
    }

    @Test func pauseRefusesAndResumeRestores() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", Self.lookRunbook(automation: "target = \"cluster_name\", cooldown = 0"))
        try await approve(cli)
        #expect(try await cli.run("pause", "--reason", "change freeze", "--by", "sre").status == 0)
        let paused = try await trigger(cli, Self.cpuEvent())
        #expect(paused.status == 4)
        #expect(paused.stdout.contains("by sre: change freeze; `runbook resume` lifts it"), "\(paused.stdout)")
        #expect(try await cli.run("resume").stdout == "automated runs resumed\n")
        #expect(try await trigger(cli, Self.cpuEvent()).status == 0)
        // `runbook log` shows the last decision with its guardrails.
        let log = try await cli.run("log")
        #expect(log.stdout.contains("⚑ cloudwatch alarm \"demo-HighCPU\" ALARM"), "\(log.stdout)")
        #expect(log.stdout.contains("✓ pause"), "\(log.stdout)")
    }

    @Test func unparseableAndWronglyTypedEventsExitTwoAndStartNothing() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", Self.lookRunbook())
        try await approve(cli)
        let cases = [
            (String(AlarmPayloads.metricAlarm.prefix(200)), "event:"),
            (AlarmPayloads.metricAlarm.replacingOccurrences(of: #""alarmName":"demo-HighCPU""#, with: #""alarmName":7"#), "event.detail.alarmName: expected a string"),
            (#"{"alerts":[{"status":"firing"}],"version":"4"}"#, "event.alerts[0]"),
            ("[]", "event:"),
        ]
        for (event, field) in cases {
            let output = try await trigger(cli, event)
            #expect(output.status == 2, "\(event)")
            #expect(output.stderr.contains("malformed event: \(field)"), "\(output.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: cli.journalFolder))
    }

    // MARK: live runs, against moto

    func motoEnvironment() async throws -> [String: String] {
        let moto = try await Self.moto.get()
        return ["AWS_ACCESS_KEY_ID": moto.accessKeyID, "AWS_SECRET_ACCESS_KEY": moto.secretAccessKey, "AWS_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": moto.url]
    }

    /// CreateQueue requests moto received: the suite runs one test at a time, so a test's own are
    /// the difference from before it.
    func createQueueRequests() async throws -> Int {
        try await Self.moto.get().requests().filter { $0.operation == "CreateQueue" && $0.forwarded }.count
    }

    @Test func anAutomatedRunIsLiveOnlyWhenTheRunbookAndTheOperatorBothSaySo() async throws {
        let environment = try await motoEnvironment()
        let cli = CLI()
        defer { cli.remove() }
        let queue = "q-" + UUID().uuidString.prefix(8)
        let body = #"step("queue", function() aws.sqs.create_queue{ QueueName = "\#(queue)" } end)"#
        cli.write("runbooks/look.lua", Self.lookRunbook(automation: "target = \"cluster_name\", cooldown = 0, live = true", body: body))
        try await approve(cli)
        let before = try await createQueueRequests()
        let dry = try await trigger(cli, Self.cpuEvent(), environment: environment)
        #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
        #expect(dry.stdout.contains("dry run: pass --live to run it live"), "\(dry.stdout)")
        #expect(try await createQueueRequests() == before, "a dry automated run sent a mutating request")
        let live = try await trigger(cli, Self.cpuEvent(), ["--live"], environment: environment)
        #expect(live.status == 0, "\(live.stdout)\(live.stderr)")
        #expect(try await createQueueRequests() == before + 1)
    }

    @Test func aLiveRunSpendsItsBudgetAndNoMore() async throws {
        let environment = try await motoEnvironment()
        let cli = CLI()
        defer { cli.remove() }
        let queue = "b-" + UUID().uuidString.prefix(8)
        let body = #"for i = 1, 3 do step("queue " .. i, function() aws.sqs.create_queue{ QueueName = "\#(queue)-" .. i } end) end"#
        cli.write("runbooks/look.lua", Self.lookRunbook(automation: "target = \"cluster_name\", cooldown = 0, live = true, max_mutations = 2", body: body))
        try await approve(cli)
        let before = try await createQueueRequests()
        let run = try await trigger(cli, Self.cpuEvent(), ["--live"], environment: environment)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("sqs.CreateQueue not sent: the automation budget of 2 mutating calls per 60 min 0 s for cluster_name=demo is spent"), "\(run.stdout)")
        #expect(try await createQueueRequests() == before + 2)
        let next = try await trigger(cli, Self.cpuEvent(), ["--live"], environment: environment)
        #expect(next.status == 4)
        #expect(next.stdout.contains("refused: live runs sent 2 of the 2 mutating calls allowed for cluster_name=demo"), "\(next.stdout)")
        // The budget holds live runs back, not dry ones, which cannot spend it.
        #expect(try await trigger(cli, Self.cpuEvent(), environment: environment).status == 0)
        #expect(try await createQueueRequests() == before + 2)
    }

    @Test func aKilledRunIsMarkedInterruptedAndItsMutationHoldsTheTarget() async throws {
        let environment = try await motoEnvironment()
        let cli = CLI()
        defer { cli.remove() }
        let queue = "k-" + UUID().uuidString.prefix(8)
        let body = #"step("queue", function() aws.sqs.create_queue{ QueueName = "\#(queue)" } end) step("wait", function() if not run.dry_run then sleep(60) end end)"#
        cli.write("runbooks/look.lua", Self.lookRunbook(automation: "target = \"cluster_name\", cooldown = 0, live = true", body: body))
        try await approve(cli)
        let event = cli.write("killed.json", Self.cpuEvent())
        let process = try ChildProcess.start(CLI.binary, ["trigger", "--event", event, "--live"],
                                             environment: cli.childEnvironment(environment), directory: cli.home)
        // Killed once its mutation is journaled.
        let deadline = ContinuousClock.now + .seconds(60)
        var runID: String?
        while ContinuousClock.now < deadline {
            if let decision = try? Self.decisions(cli).first, let text = try? Self.journal(cli, run: decision.run),
               text.contains(#""operation":"CreateQueue""#) {
                runID = decision.run
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let killed = try #require(runID, "the run never sent its mutation")
        process.signal(SIGKILL)
        _ = try await process.waitForExit(timeout: .seconds(20))

        let next = try await trigger(cli, Self.cpuEvent(), ["--live"], environment: environment)
        #expect(next.status == 4, "\(next.stdout)\(next.stderr)")
        #expect(next.stderr.contains("run \(killed) of auto.look for cluster_name=demo was interrupted"), "\(next.stderr)")
        #expect(next.stdout.contains("was interrupted after 1 mutating call"), "\(next.stdout)")
        #expect(try Self.journal(cli, run: killed).contains(#""status":"interrupted""#))
        let resumed = try await cli.run("resume", "--target", "cluster_name=demo")
        #expect(resumed.stdout == "hold on cluster_name=demo lifted\n")
        // After the hold, a dry run: the operator decides when live runs come back.
        #expect(try await trigger(cli, Self.cpuEvent(), environment: environment).status == 0)
    }
}
