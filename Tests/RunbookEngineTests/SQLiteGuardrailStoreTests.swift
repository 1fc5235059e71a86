import Foundation
@testable import RunbookEngine
import Testing
import TestSupport

/// The guardrails of automated runs on one machine, each test with a file of its own: the
/// behaviour every store shares (``GuardrailStoreBehaviour``), then what is SQLite's own. Times
/// are passed in, so the tests move time on without sleeping.
struct SQLiteGuardrailStoreTests {
    /// A test's store, in a folder the test removes.
    struct Fixture {
        let folder = RunbookFolder()
        var path: String { folder.path + "/state/state.db" }

        func store() throws -> SQLiteGuardrailStore { try SQLiteGuardrailStore(path: path) }
    }

    /// Runs a shared behaviour case on a new file, each handle another connection to it, as each
    /// `runbook` process has.
    func behaving(_ body: (GuardrailStoreBehaviour) async throws -> Void) async throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        try await body(GuardrailStoreBehaviour { try fixture.store() })
    }

    @Test func refusalsComeInOrder() async throws { try await behaving { try await $0.refusalsComeInOrder() } }
    @Test func leasesExpire() async throws { try await behaving { try await $0.leasesExpire() } }
    @Test func reclaimHoldsOnlyMutatedTargets() async throws { try await behaving { try await $0.reclaimHoldsOnlyMutatedTargets() } }
    @Test func cooldownRestartsAtRelease() async throws { try await behaving { try await $0.cooldownRestartsAtRelease() } }
    @Test func budgetCountsRecordedMutations() async throws { try await behaving { try await $0.budgetCountsRecordedMutations() } }
    @Test func pauseAndResume() async throws { try await behaving { try await $0.pauseAndResume() } }
    @Test func decisionsNewestFirst() async throws { try await behaving { try await $0.decisionsNewestFirst() } }
    @Test func releaseNeverMovesTheCooldownEarlier() async throws { try await behaving { try await $0.releaseNeverMovesTheCooldownEarlier() } }
    @Test func aMutationWithoutTheLeaseIsRefused() async throws { try await behaving { try await $0.aMutationWithoutTheLeaseIsRefused() } }
    @Test func anEventIsADuplicateUntilItsKeyExpires() async throws { try await behaving { try await $0.anEventIsADuplicateUntilItsKeyExpires() } }
    @Test func invalidRequestsAreErrors() async throws { try await behaving { try await $0.invalidRequestsAreErrors() } }
    @Test func oneOfEightConnectionsGetsTheLease() async throws {
        try await behaving { try await $0.oneOfManyConcurrentAdmissionsWins(handles: 8) }
    }

    static let target = "cluster_name=demo"

    /// `seconds` after the tests' epoch.
    static func time(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_764_000_000 + seconds) }

    static func request(_ runID: String, target: String = target) -> AdmissionRequest {
        AdmissionRequest(runbook: "msk.reboot-broker", target: target, eventKey: nil, runID: runID, journal: "/runs/\(runID).jsonl",
                         live: true, cooldown: 0, maxMutations: 3, window: 3600, leaseSeconds: 900)
    }

    @Test func reclaimTakesTheLeaseOfADeadProcessOfThisHostOnly() async throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        let store = try fixture.store()
        let process = try ChildProcess.start("/bin/true", [])
        _ = try await process.waitForExit(timeout: .seconds(10))
        let dead = process.pid
        let host = LeaseHolder.current.host
        for (target, holder) in [("dead", LeaseHolder(host: host, pid: dead)), ("alive", LeaseHolder.current),
                                 ("elsewhere", LeaseHolder(host: host + ".elsewhere", pid: dead))] {
            var request = Self.request("run-\(target)", target: target)
            request.holder = holder
            _ = try await store.admit(request, at: Self.time(0))
        }
        #expect(try await store.reclaimExpiredLeases(at: Self.time(10))
                == [InterruptedRun(runID: "run-dead", runbook: "msk.reboot-broker", target: "dead", journal: "/runs/run-dead.jsonl", mutations: 0, started: Self.time(0))])
        #expect(try await store.reclaimExpiredLeases(at: Self.time(20)).isEmpty)
    }

    @Test func concurrentAdmissionsForOneTargetAdmitExactlyOne() async throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        // Each task opens its own connection, the first ones racing to create the file and schema,
        // which the shared case's handles, opened before they admit, do not.
        let admissions = try await withThrowingTaskGroup(of: Admission.self) { group in
            for index in 0..<8 {
                group.addTask { try await fixture.store().admit(Self.request("r\(index)"), at: Self.time(0)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let winners = admissions.compactMap { admission -> String? in
            if case .admitted(let lease) = admission { lease.runID } else { nil }
        }
        try #require(winners.count == 1, "\(admissions)")
        let refused = Admission.refused(.leaseHeld(runID: winners[0], runbook: "msk.reboot-broker", expires: Self.time(900)))
        #expect(admissions.filter { $0 == refused }.count == 7, "\(admissions)")
    }

    @Test func anAdmissionWaitsForAnotherProcessesTransactionAndSeesItsLease() async throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        let store = try fixture.store()
        // Python's sqlite3 module, another process, takes the target while holding the write lock a while.
        let script = """
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO leases VALUES (?, 'r-other', 'msk.storage', '/runs/other.jsonl', 'elsewhere', 1, ?, ?, 0, 0)",
                       (sys.argv[2], float(sys.argv[3]), float(sys.argv[3]) + 900))
            print("locked", flush=True)
            time.sleep(0.5)
            db.execute("COMMIT")
            """
        let other = try ChildProcess.start("python3", ["-c", script, fixture.path, Self.target, "\(Self.time(0).timeIntervalSince1970)"],
                                           output: .lines)
        defer { other.kill() }
        #expect(try await other.readLine() == "locked")
        #expect(try await store.admit(Self.request("r1"), at: Self.time(10))
                == .refused(.leaseHeld(runID: "r-other", runbook: "msk.storage", expires: Self.time(900))))
        #expect(try await other.waitForExit(timeout: .seconds(10)) == .exited(0))
    }

    @Test func concurrentReclaimsReturnEachRunOnce() async throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        for index in 0..<4 { _ = try await fixture.store().admit(Self.request("r\(index)", target: "t\(index)"), at: Self.time(0)) }
        let reclaimed = try await withThrowingTaskGroup(of: [InterruptedRun].self) { group in
            for _ in 0..<6 { group.addTask { try await fixture.store().reclaimExpiredLeases(at: Self.time(1000)) } }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(reclaimed.map(\.runID).sorted() == ["r0", "r1", "r2", "r3"])
    }

    /// Beyond the shared case: decisions of one time come latest recorded first, and texts are
    /// cut to this store's ``SQLiteGuardrailStore/maximumText``.
    @Test func decisionsComeNewestFirstWithinTheLimit() async throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        let store = try fixture.store()
        func decision(_ id: String, at seconds: Double, reason: String = "cooling down") -> DecisionRecord {
            DecisionRecord(id: id, time: Self.time(seconds), source: "cloudwatch", eventID: "e-\(id)", runbook: nil, target: Self.target,
                           outcome: "refused", reason: reason, journal: "/runs/\(id).jsonl")
        }
        let long = decision("d3", at: 20, reason: String(repeating: "é", count: 5000))
        for record in [decision("d1", at: 10), long, decision("d2", at: 10)] { try await store.record(record) }
        let latest = try await store.decisions(limit: 2)
        #expect(latest.map(\.id) == ["d3", "d2"])
        // A reason is cut at a character, within the cap.
        #expect(latest.first?.reason == String(repeating: "é", count: SQLiteGuardrailStore.maximumText / 2))
        #expect(try await store.decisions(limit: -1).isEmpty)
        #expect(try await store.decisions(limit: .max).map(\.id) == ["d3", "d2", "d1"])
        #expect(try await store.decisions(limit: 3).last == decision("d1", at: 10))
    }

    @Test func aFileThatIsNotADatabaseIsAClearError() throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        let path = fixture.folder.write("state.db", String(repeating: "not a database, ", count: 512))
        let error = #expect(throws: RunbookError.self) { try SQLiteGuardrailStore(path: path) }
        #expect(error?.kind == .invalid)
        #expect(error?.message == "\(path) is not a SQLite database")
    }

    @Test func aSchemaOfANewerVersionIsRefused() throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        _ = try fixture.store()
        try SQLiteDatabase(path: fixture.path).run("PRAGMA user_version = 2")
        let error = #expect(throws: RunbookError.self) { try fixture.store() }
        #expect(error?.kind == .invalid)
        #expect(error?.message.hasPrefix("\(fixture.path) has schema version 2") == true, "\(String(describing: error))")
    }

    @Test func aPlaceThatCannotHoldTheFileIsAClearError() throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        let file = fixture.folder.write("plain", "a file, not a folder")
        let error = #expect(throws: RunbookError.self) { try SQLiteGuardrailStore(path: file + "/state.db") }
        #expect(error?.kind == .io)
        #expect(error?.message == "cannot open \(file)/state.db: Not a directory")
    }

    @Test func theFileIsPrivateAndLivesInTheStateDirectory() throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        _ = try fixture.store()
        let mode = try FileManager.default.attributesOfItem(atPath: fixture.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(SQLiteGuardrailStore.defaultPath(environment: ["XDG_STATE_HOME": "/state", "HOME": "/home/a"]) == "/state/runbook/state.db")
        #expect(SQLiteGuardrailStore.defaultPath(environment: ["XDG_STATE_HOME": "", "HOME": "/home/a"]) == "/home/a/.local/state/runbook/state.db")
    }
}
