import Foundation
import HTTPClient
import TestSupport
import Testing

/// `runbook serve` as a process on a loopback port it picks itself: each route with its
/// authentication, the limits, the hand-off to runs, and the graceful stop.
@Suite(.serialized)
struct ServeCommandTests {
    static let token = "serve-test-token-0123456789"

    /// A `runbook serve` started on 127.0.0.1 (port 0: it picks a free one and prints it), stopped by its PID.
    struct Server {
        let process: ChildProcess
        let url: String
        let log: String

        static func start(_ cli: CLI, _ extra: [String] = [], environment: [String: String] = [:]) async throws -> Server {
            cli.write("token", ServeCommandTests.token + "\n")
            let out = cli.home + "/serve.out"
            let log = cli.home + "/serve.err"
            let process = try cli.start(["serve", "--listen", "127.0.0.1:0", "--token-file", cli.home + "/token"] + extra,
                                        environment: environment, output: .files(stdout: out, stderr: log))
            var url = ""
            try await waitUntil("runbook serve says where it listens", timeout: .seconds(30)) {
                guard process.isRunning else {
                    throw TestServerError("runbook serve exited: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
                }
                let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
                guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) else { return false }
                url = String(line.dropFirst("listening on ".count))
                return true
            }
            return Server(process: process, url: url, log: log)
        }

        func send(_ path: String, _ body: String = "", method: String = "POST", contentType: String = "application/json",
                  token: String? = ServeCommandTests.token, headers: [(name: String, value: String)] = []) async throws -> HTTPResponse {
            var all = headers
            if !body.isEmpty { all.append(("Content-Type", contentType)) }
            if let token { all.append(("Authorization", "Bearer \(token)")) }
            return try await CurlTransport.shared.send(HTTPRequest(method: method, url: url + path, headers: all, body: Array(body.utf8), timeout: .seconds(30)))
        }

        var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
    }

    struct Accepted: Decodable {
        let accepted: Int
        let events: [String]
    }

    /// A runbook every test payload starts, whose runs may sleep when `pause` is set.
    static func runbook(pause: Double = 0) -> String {
        AutomatedRunTests.lookRunbook(automation: "target = \"cluster_name\", cooldown = 0",
                                      body: pause > 0 ? "step(\"pause\", function() sleep(\(pause)) end)" : "")
    }

    static func approved(pause: Double = 0) async throws -> CLI {
        let cli = CLI()
        cli.write("runbooks/look.lua", runbook(pause: pause))
        let output = try await cli.run("approve", "auto.look", "--yes", "--by", "tester")
        try #require(output.status == 0, "\(output.stdout)\(output.stderr)")
        return cli
    }

    /// The journals of the state folder, each as its lines' `event` names.
    static func journals(_ cli: CLI) -> [String: [String]] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: cli.journalFolder)) ?? []
        var journals: [String: [String]] = [:]
        for file in files where file.hasSuffix(".jsonl") {
            let text = (try? String(contentsOfFile: cli.journalFolder + "/" + file, encoding: .utf8)) ?? ""
            journals[String(file.dropLast(".jsonl".count))] = text.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["event"] as? String
            }
        }
        return journals
    }

    /// Waits until `count` decisions are journaled and every run among them has finished.
    static func settled(_ cli: CLI, decisions count: Int, timeout: Duration = .seconds(60)) async throws -> [AutomatedRunTests.Decision] {
        try await waitUntil("\(count) decisions are journaled and their runs finished", timeout: timeout, interval: .milliseconds(200)) {
            let journals = journals(cli)
            return journals.count == count && journals.values.allSatisfy { $0.first == "decision" && ($0.count == 1 || $0.last == "run_finished") }
        }
        return try AutomatedRunTests.decisions(cli)
    }

    @Test func eventBridgeAndAlertmanagerWithTheTokenAreAnsweredThenRun() async throws {
        let cli = try await Self.approved()
        defer { cli.remove() }
        let server = try await Server.start(cli)
        defer { server.process.kill() }

        let eventBridge = try await server.send("/v1/events/eventbridge", AlarmPayloads.metricAlarm)
        #expect(eventBridge.status == 202, "\(String(decoding: eventBridge.body, as: UTF8.self))")
        let accepted = try JSONDecoder().decode(Accepted.self, from: Data(eventBridge.body))
        #expect(accepted.accepted == 1 && accepted.events == ["c4c1c1c9-6542-e61b-6ef0-8c4d36933a92"])

        // Another cluster, so that the two runs do not meet at the one-run-per-target lease.
        let group = AlarmPayloads.alertmanagerGroup.replacingOccurrences(of: #""cluster":"demo""#, with: #""cluster":"am""#)
        let alertmanager = try await server.send("/v1/events/alertmanager", group, contentType: "application/json; charset=utf-8")
        #expect(alertmanager.status == 202, "\(String(decoding: alertmanager.body, as: UTF8.self))")
        #expect(try JSONDecoder().decode(Accepted.self, from: Data(alertmanager.body)).accepted == 2)

        let decisions = try await Self.settled(cli, decisions: 3)
        #expect(decisions.map { $0.outcome ?? "" }.sorted() == ["resolved", "run", "run"], "\(decisions.map(\.reason))")
        let runs = decisions.filter { $0.outcome == "run" }
        for run in runs {
            let lines = try #require(Self.journals(cli)[run.run])
            #expect(lines.first == "decision" && lines.last == "run_finished", "\(lines)")
        }

        // The listing and one journal, behind the token.
        let listing = try await server.send("/v1/runs", method: "GET")
        #expect(listing.status == 200)
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(listing.body)) as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["id"] as? String }) == Set(decisions.map(\.run)))
        let journal = try await server.send("/v1/runs/\(runs[0].run)", method: "GET")
        #expect(journal.status == 200)
        let lines = try #require(try JSONSerialization.jsonObject(with: Data(journal.body)) as? [[String: Any]])
        #expect(lines.first?["event"] as? String == "decision" && lines.last?["event"] as? String == "run_finished")
        for bad in ["..%2F..%2Fetc%2Fpasswd", "20261202T101500.123Z-0a1b2", "20261202T101500.123Z-0a1b2c.jsonl", "x"] {
            #expect(try await server.send("/v1/runs/\(bad)", method: "GET").status == 400, "\(bad)")
        }
        #expect(try await server.send("/v1/runs/20001202T101500.123Z-0a1b2c", method: "GET").status == 404)
        #expect(try await server.send("/v1/runs", method: "GET", token: nil).status == 401)
        #expect(try await server.send("/healthz", method: "GET", token: nil).status == 200)
        let metrics = try await server.send("/metrics", method: "GET", token: nil)
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains(#"runbook_events_total{source="cloudwatch",outcome="run"} 1"#), "\(text)")
        #expect(text.contains(#"runbook_runs_total{runbook="auto.look",status="ok"} 2"#), "\(text)")
        #expect(!server.logText.contains(Self.token), "the token is in the log")
    }

    @Test func aMissingOrWrongTokenIs401AndBadRequestsAreRefusedBeforeAnyRun() async throws {
        let cli = try await Self.approved()
        defer { cli.remove() }
        let server = try await Server.start(cli)
        defer { server.process.kill() }

        for token in [nil, "wrong", Self.token + "x", String(Self.token.dropLast())] {
            for route in ["/v1/events/eventbridge", "/v1/events/alertmanager"] {
                let answer = try await server.send(route, AlarmPayloads.metricAlarm, token: token)
                #expect(answer.status == 401, "\(route) \(token ?? "none")")
                #expect(answer.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            }
        }
        let basic = try await server.send("/v1/events/eventbridge", AlarmPayloads.metricAlarm, token: nil,
                                          headers: [("Authorization", "Basic \(Data("a:\(Self.token)".utf8).base64EncodedString())")])
        #expect(basic.status == 401)

        let oversized = try await server.send("/v1/events/eventbridge", String(repeating: " ", count: (1 << 20) + 1))
        #expect(oversized.status == 413)
        let plain = try await server.send("/v1/events/eventbridge", AlarmPayloads.metricAlarm, contentType: "text/plain")
        #expect(plain.status == 415)
        let malformed = try await server.send("/v1/events/eventbridge", AlarmPayloads.metricAlarm.replacingOccurrences(of: #""value":"ALARM""#, with: #""value":7"#))
        #expect(malformed.status == 400)
        #expect(String(decoding: malformed.body, as: UTF8.self).contains(#""field":"event.detail.state.value""#), "\(String(decoding: malformed.body, as: UTF8.self))")
        let crossed = try await server.send("/v1/events/alertmanager", AlarmPayloads.metricAlarm)
        #expect(crossed.status == 400)
        // Nothing above reached the dispatcher.
        #expect(Self.journals(cli).isEmpty)
        #expect(!server.logText.contains(Self.token), "the token is in the log")
    }

    @Test func snsNeedsASignatureFromAnAllowedCertificateAndTopic() async throws {
        let cli = try await Self.approved()
        defer { cli.remove() }
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        let signer = try await pki.issue(.valid, key: .rsa)
        let other = try await pki.issue(.wrongName, key: .rsa)
        let server = try await Server.start(cli, ["--sns-topic", SNSEnvelope.topic, "--sns-cert-file", "\(SNSEnvelope.certURL)=\(signer.cert)"])
        defer { server.process.kill() }
        func post(_ envelope: SNSEnvelope) async throws -> HTTPResponse {
            try await server.send("/v1/events/sns", String(decoding: try envelope.bytes, as: UTF8.self), contentType: "text/plain; charset=UTF-8", token: nil)
        }

        var signed = try SNSEnvelope.notification()
        try await signed.sign(version: "1", key: signer.key, in: pki)
        let accepted = try await post(signed)
        #expect(accepted.status == 202, "\(String(decoding: accepted.body, as: UTF8.self))")

        var wrongKey = try SNSEnvelope.notification()
        try await wrongKey.sign(version: "2", key: other.key, in: pki)
        #expect(try await post(wrongKey).status == 403)
        var tampered = signed
        tampered.fields["Message"] = signed.fields["Message"]?.replacingOccurrences(of: "demo", with: "prod")
        #expect(try await post(tampered).status == 403)
        var elsewhere = try SNSEnvelope.notification()
        elsewhere.fields["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem"
        try await elsewhere.sign(version: "1", key: signer.key, in: pki)
        #expect(try await post(elsewhere).status == 403)
        var otherTopic = try SNSEnvelope.notification()
        otherTopic.fields["TopicArn"] = "arn:aws:sns:us-east-1:999999999999:someone-else"
        try await otherTopic.sign(version: "1", key: signer.key, in: pki)
        #expect(try await post(otherTopic).status == 403)
        #expect(try await server.send("/v1/events/sns", "{}", contentType: "text/plain", token: nil).status == 400)
        #expect(try await server.send("/v1/events/sns", "{}", contentType: "application/xml", token: nil).status == 415)

        let decisions = try await Self.settled(cli, decisions: 1)
        #expect(decisions.map(\.outcome) == ["run"])
    }

    @Test func aSubscriptionIsConfirmedOnlyForAnAllowedTopic() async throws {
        let cli = try await Self.approved()
        defer { cli.remove() }
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        let signer = try await pki.issue(.valid, key: .rsa)
        let standIn = try await LoopbackServer(script: "http_test_server.py")
        let server = try await Server.start(cli, ["--sns-topic", SNSEnvelope.topic, "--sns-cert-file", "\(SNSEnvelope.certURL)=\(signer.cert)",
                                                  "--sns-endpoint-override", standIn.url])
        defer { server.process.kill() }
        func confirmations() async throws -> [String: Int] {
            let answer = try await CurlTransport.shared.send(HTTPRequest(method: "GET", url: standIn.url + "/confirmations"))
            return try JSONDecoder().decode([String: Int].self, from: Data(answer.body))
        }

        var allowed = SNSEnvelope.subscriptionConfirmation()
        try await allowed.sign(version: "1", key: signer.key, in: pki)
        let confirmed = try await server.send("/v1/events/sns", String(decoding: try allowed.bytes, as: UTF8.self), contentType: "text/plain", token: nil)
        #expect(confirmed.status == 200, "\(String(decoding: confirmed.body, as: UTF8.self))")
        #expect(try await confirmations() == [SNSEnvelope.topic: 1])

        let stranger = "arn:aws:sns:us-east-1:999999999999:someone-else"
        var refused = SNSEnvelope.subscriptionConfirmation(topic: stranger)
        try await refused.sign(version: "1", key: signer.key, in: pki)
        let answer = try await server.send("/v1/events/sns", String(decoding: try refused.bytes, as: UTF8.self), contentType: "text/plain", token: nil)
        #expect(answer.status == 403)
        // A SubscribeURL outside SNS is never visited, whatever the topic.
        var redirected = SNSEnvelope.subscriptionConfirmation()
        redirected.fields["SubscribeURL"] = "https://attacker.example/?Action=ConfirmSubscription&TopicArn=\(SNSEnvelope.topic)"
        try await redirected.sign(version: "1", key: signer.key, in: pki)
        #expect(try await server.send("/v1/events/sns", String(decoding: try redirected.bytes, as: UTF8.self), contentType: "text/plain", token: nil).status == 403)
        #expect(try await confirmations() == [SNSEnvelope.topic: 1])
        #expect(server.logText.contains("someone-else"), "the refused topic is not logged: \(server.logText)")
    }

    @Test func aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() async throws {
        let cli = try await Self.approved()
        defer { cli.remove() }
        let server = try await Server.start(cli, ["--idle-timeout", "1"])
        defer { server.process.kill() }
        let port = try #require(server.url.split(separator: ":").last.map(String.init))
        // Connects, sends nothing, and reports how long until the server closes the connection.
        let elapsed = try await ChildProcess.run("python3", ["-c", """
            import socket, sys, time
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
            start = time.monotonic()
            s.recv(1)
            print(time.monotonic() - start)
            """, port], timeout: .seconds(30)).check()
        let seconds = try #require(Double(elapsed.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(seconds >= 0.5 && seconds < 15, "closed after \(seconds) s")
    }

    @Test func aFullQueueAnswers503AndJournalsTheRefusal() async throws {
        let cli = try await Self.approved(pause: 2)
        defer { cli.remove() }
        let server = try await Server.start(cli, ["--max-runs", "1", "--queue-depth", "1"])
        defer { server.process.kill() }
        var statuses: [Int] = []
        for index in 0..<6 {
            let answer = try await server.send("/v1/events/eventbridge", AutomatedRunTests.cpuEvent(cluster: "c\(index)"))
            statuses.append(answer.status)
        }
        #expect(statuses.filter { $0 == 202 }.count >= 1 && statuses.contains(503), "\(statuses)")
        #expect(statuses.allSatisfy { $0 == 202 || $0 == 503 }, "\(statuses)")
        let decisions = try await Self.settled(cli, decisions: 6)
        #expect(decisions.filter { $0.reason == "queue full" }.count == statuses.filter { $0 == 503 }.count, "\(decisions.map(\.reason))")
        #expect(decisions.filter { $0.outcome == "run" }.count == statuses.filter { $0 == 202 }.count)
    }

    @Test(arguments: [(grace: 30.0, pause: 1.5, status: "ok"), (grace: 0.5, pause: 60.0, status: "stopped")])
    func sigtermLetsARunFinishOrCancelsItAfterTheGraceAndExits0(grace: Double, pause: Double, status: String) async throws {
        let cli = try await Self.approved(pause: pause)
        defer { cli.remove() }
        let server = try await Server.start(cli, ["--grace", "\(grace)"])
        defer { server.process.kill() }
        #expect(try await server.send("/v1/events/eventbridge", AlarmPayloads.metricAlarm).status == 202)
        try await waitUntil("the run has started its pause") {
            Self.journals(cli).values.first?.contains("step_started") == true && Self.journals(cli).values.first?.filter { $0 == "step_started" }.count == 2
        }
        server.process.signal(SIGTERM)
        let exit = try await server.process.waitForExit(timeout: .seconds(30))
        #expect(exit == .exited(0), "\(server.logText)")
        let journal = try #require(Self.journals(cli).first)
        #expect(journal.value.first == "decision" && journal.value.last == "run_finished", "\(journal.value)")
        let text = try AutomatedRunTests.journal(cli, run: journal.key)
        #expect(text.contains(#""status":"\#(status)""#), "\(text)")
    }
}

extension ServeCommandTests {
    struct Burst: Decodable {
        let statuses: [String: Int]
        let seconds: Double
    }

    /// 5,000 events for one target over four keep-alive connections: one run, every other event
    /// refused (the lease, the cooldown, a full queue) and journaled, none lost.
    @Test func aBurstOf5000EventsForOneTargetRunsOnceAndJournalsEveryOtherEvent() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/look.lua", AutomatedRunTests.lookRunbook(automation: "target = \"cluster_name\", cooldown = 600"))
        let approval = try await cli.run("approve", "auto.look", "--yes", "--by", "tester")
        try #require(approval.status == 0, "\(approval.stdout)\(approval.stderr)")
        let server = try await Server.start(cli)
        defer { server.process.kill() }
        let event = cli.write("burst-event.json", AlarmPayloads.metricAlarm)

        let output = try await ChildProcess.run("python3", [supportFile("serve_burst.py"), server.url, cli.home + "/token", event, "5000", "4"],
                                                timeout: .seconds(300)).check()
        let burst = try JSONDecoder().decode(Burst.self, from: Data(output.utf8))
        let accepted = burst.statuses["202"] ?? 0
        let refused = burst.statuses["503"] ?? 0
        #expect(accepted + refused == 5000, "\(burst.statuses)")

        let decisions = try await Self.settled(cli, decisions: 5000, timeout: .seconds(240))
        #expect(decisions.filter { $0.outcome == "run" }.count == 1)
        #expect(decisions.filter { $0.reason == "queue full" }.count == refused)
        let guarded = decisions.filter { $0.outcome == "refused" && $0.reason != "queue full" }
        #expect(guarded.count == accepted - 1)
        #expect(guarded.allSatisfy { decision in decision.guardrails?.contains { $0.verdict == "refused" && ["lease", "cooldown"].contains($0.check) } == true })
    }
}

extension ServeCommandTests {
    /// --rate 2: the third event at once is 429 with Retry-After, and starts nothing; the log has
    /// one line per request and one per decision, with its run id.
    @Test func aSourceOverItsRateIs429AndEveryRequestAndDecisionIsLogged() async throws {
        let cli = try await Self.approved()
        defer { cli.remove() }
        let server = try await Server.start(cli, ["--rate", "2"])
        defer { server.process.kill() }
        var statuses: [Int] = []
        var retryAfter: String?
        for index in 0..<3 {
            let answer = try await server.send("/v1/events/eventbridge", AutomatedRunTests.cpuEvent(cluster: "r\(index)"))
            statuses.append(answer.status)
            if answer.status == 429 { retryAfter = answer.header("Retry-After") }
        }
        #expect(statuses == [202, 202, 429])
        #expect(retryAfter == "1")
        // Another route has its own bucket.
        #expect(try await server.send("/v1/events/alertmanager", AlarmPayloads.alertmanagerGroup).status == 202)
        let decisions = try await Self.settled(cli, decisions: 4)
        let log = server.logText
        for decision in decisions {
            #expect(log.contains("run=\(decision.run)"), "no log line for \(decision.run): \(log)")
        }
        #expect(log.components(separatedBy: "path=/v1/events/eventbridge").count - 1 == 3, "\(log)")
        let metrics = String(decoding: try await server.send("/metrics", method: "GET", token: nil).body, as: UTF8.self)
        #expect(metrics.contains(#"runbook_throttled_total{source="eventbridge"} 1"#), "\(metrics)")
    }
}
