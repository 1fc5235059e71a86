import Foundation
@testable import RunbookEngine
import Testing
import TestSupport

/// The guardrails of automated runs on one machine, each test with a file of its own. Times are
/// passed in, so the tests move time on without sleeping.
struct SQLiteGuardrailStoreTests {
    /// A test's store, in a folder the test removes.
    struct Fixture {
        let folder = RunbookFolder()
        var path: String { folder.path + "/state/state.db" }

        func store() throws -> SQLiteGuardrailStore { try SQLiteGuardrailStore(path: path) }
    }

    static let target = "cluster_name=demo"

    /// `seconds` after the tests' epoch.
    static func time(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_764_000_000 + seconds) }

    static func request(_ runID: String, runbook: String = "msk.reboot-broker", target: String = target, eventKey: String? = nil,
                        live: Bool = true, cooldown: Double = 0, maxMutations: Int = 3, window: Double = 3600,
                        lease: Double = 900) -> AdmissionRequest {
        AdmissionRequest(runbook: runbook, target: target, eventKey: eventKey, runID: runID, journal: "/runs/\(runID).jsonl",
                         live: live, cooldown: cooldown, maxMutations: maxMutations, window: window, leaseSeconds: lease)
    }

    static func admitted(_ runID: String, expires: Double, left: Int, target: String = target) -> Admission {
        .admitted(Lease(target: target, runID: runID, expires: time(expires), mutationsLeft: left))
    }

    @Test func thePauseRefusesEveryRunUntilResumed() async throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        let store = try fixture.store()
        #expect(try await store.pauseState() == nil)
        try await store.pause(reason: "incident 42", by: "alice", at: Self.time(0))
        try await store.pause(reason: "incident 43", by: "bob", at: Self.time(5))
        let pause = PauseState(reason: "incident 43", by: "bob", since: Self.time(0))
        #expect(try await store.pauseState() == pause)
        #expect(try await store.admit(Self.request("r1"), at: Self.time(10)) == .refused(.paused(pause)))
        #expect(try await store.resume())
        #expect(try await !store.resume())
        #expect(try await store.admit(Self.request("r1"), at: Self.time(20)) == Self.admitted("r1", expires: 920, left: 3))
    }

    @Test func anEventAlreadyAdmittedIsADuplicateUntilItsKeyExpires() async throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        let store = try fixture.store()
        var first = Self.request("r1", eventKey: "cloudwatch:1")
        first.dedupSeconds = 3600
        #expect(try await store.admit(first, at: Self.time(0)) == Self.admitted("r1", expires: 900, left: 3))
        try await store.release(runID: "r1", target: Self.target, at: Self.time(10))
        // Before the lease and cooldown of the runbook that took it: any runbook, any target.
        let again = Self.request("r2", runbook: "msk.storage", target: "cluster_name=other", eventKey: "cloudwatch:1")
        #expect(try await store.admit(again, at: Self.time(20))
                == .refused(.duplicate(eventKey: "cloudwatch:1", runID: "r1", firstSeen: Self.time(0))))
        #expect(try await store.admit(again, at: Self.time(3600))
                == Self.admitted("r2", expires: 4500, left: 3, target: "cluster_name=other"))
    }

    @Test func aRunInterruptedAfterAMutationHoldsItsTargetUntilCleared() async throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        let store = try fixture.store()
        _ = try await store.admit(Self.request("r1"), at: Self.time(0))
        try await store.recordMutation(runID: "r1", target: Self.target, at: Self.time(30))
        let interrupted = InterruptedRun(runID: "r1", runbook: "msk.reboot-broker", target: Self.target, journal: "/runs/r1.jsonl",
                                         mutations: 1, started: Self.time(0))
        // Expired but not yet reclaimed, the lease already holds the target.
        #expect(try await store.admit(Self.request("r2"), at: Self.time(950)) == .refused(.held(interrupted)))
        #expect(try await store.reclaimExpiredLeases(at: Self.time(1000)) == [interrupted])
        #expect(try await store.admit(Self.request("r2"), at: Self.time(1010)) == .refused(.held(interrupted)))
        #expect(try await store.clearHold(target: Self.target))
        #expect(try await !store.clearHold(target: Self.target))
        #expect(try await store.admit(Self.request("r2"), at: Self.time(1020)) == Self.admitted("r2", expires: 1920, left: 2))
    }

    @Test func anotherRunsLeaseRefusesUntilItExpires() async throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        let store = try fixture.store()
        _ = try await store.admit(Self.request("r1"), at: Self.time(0))
        let held = Admission.refused(.leaseHeld(runID: "r1", runbook: "msk.reboot-broker", expires: Self.time(900)))
        #expect(try await store.admit(Self.request("r2"), at: Self.time(10)) == held)
        #expect(try await store.admit(Self.request("r3", runbook: "msk.storage"), at: Self.time(899)) == held)
        #expect(try await store.admit(Self.request("r4", target: "cluster_name=other"), at: Self.time(20))
                == Self.admitted("r4", expires: 920, left: 3, target: "cluster_name=other"))
        // An expired lease of a run that sent nothing counts as absent.
        #expect(try await store.admit(Self.request("r2"), at: Self.time(900)) == Self.admitted("r2", expires: 1800, left: 3))
        try await store.release(runID: "r1", target: Self.target, at: Self.time(910))
        #expect(try await store.admit(Self.request("r5"), at: Self.time(920))
                == .refused(.leaseHeld(runID: "r2", runbook: "msk.reboot-broker", expires: Self.time(1800))))
    }

    @Test func theCooldownRefusesThenRestartsFromTheRelease() async throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        let store = try fixture.store()
        _ = try await store.admit(Self.request("r1", cooldown: 600), at: Self.time(0))
        try await store.release(runID: "r1", target: Self.target, at: Self.time(300))
        #expect(try await store.admit(Self.request("r2", cooldown: 600), at: Self.time(650)) == .refused(.coolingDown(until: Self.time(900))))
        // The cooldown is the runbook's: another runbook may run for the target.
        #expect(try await store.admit(Self.request("r3", runbook: "msk.storage"), at: Self.time(650))
                == Self.admitted("r3", expires: 1550, left: 3))
        try await store.release(runID: "r3", target: Self.target, at: Self.time(660))
        #expect(try await store.admit(Self.request("r2", cooldown: 600), at: Self.time(900)) == Self.admitted("r2", expires: 1800, left: 3))
    }

    @Test func theBudgetCountsLiveMutationsWithinItsWindow() async throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        let store = try fixture.store()
        #expect(try await store.admit(Self.request("r1", maxMutations: 2), at: Self.time(0)) == Self.admitted("r1", expires: 900, left: 2))
        try await store.recordMutation(runID: "r1", target: Self.target, at: Self.time(10))
        try await store.release(runID: "r1", target: Self.target, at: Self.time(15))
        // Sent by a run that no longer holds the lease: it still counts.
        try await store.recordMutation(runID: "r1", target: Self.target, at: Self.time(20))
        let spent = Admission.refused(.budgetSpent(used: 2, max: 2, window: 3600))
        #expect(try await store.admit(Self.request("r2", maxMutations: 2), at: Self.time(30)) == spent)
        #expect(try await store.admit(Self.request("r3", live: false, maxMutations: 2), at: Self.time(30)) == Self.admitted("r3", expires: 930, left: 0))
        try await store.release(runID: "r3", target: Self.target, at: Self.time(40))
        #expect(try await store.admit(Self.request("r2", maxMutations: 2), at: Self.time(3609)) == spent)
        // The window slides past the first mutation.
        #expect(try await store.admit(Self.request("r2", maxMutations: 2), at: Self.time(3610)) == Self.admitted("r2", expires: 4510, left: 1))
        try await store.release(runID: "r2", target: Self.target, at: Self.time(3620))
        #expect(try await store.admit(Self.request("r4", maxMutations: 0), at: Self.time(3630)) == .refused(.budgetSpent(used: 0, max: 0, window: 3600)))
    }

    @Test func reclaimReturnsExpiredLeasesAndHoldsTargetsThatWereMutated() async throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        let store = try fixture.store()
        _ = try await store.admit(Self.request("r1", target: "a"), at: Self.time(0))
        _ = try await store.admit(Self.request("r2", target: "b", lease: 100), at: Self.time(0))
        try await store.recordMutation(runID: "r1", target: "a", at: Self.time(5))
        try await store.recordMutation(runID: "r1", target: "a", at: Self.time(6))
        #expect(try await store.reclaimExpiredLeases(at: Self.time(99)).isEmpty)
        let quiet = InterruptedRun(runID: "r2", runbook: "msk.reboot-broker", target: "b", journal: "/runs/r2.jsonl", mutations: 0, started: Self.time(0))
        #expect(try await store.reclaimExpiredLeases(at: Self.time(100)) == [quiet])
        let mutated = InterruptedRun(runID: "r1", runbook: "msk.reboot-broker", target: "a", journal: "/runs/r1.jsonl", mutations: 2, started: Self.time(0))
        #expect(try await store.reclaimExpiredLeases(at: Self.time(900)) == [mutated])
        #expect(try await store.reclaimExpiredLeases(at: Self.time(901)).isEmpty)
        #expect(try await store.admit(Self.request("r3", target: "a"), at: Self.time(910)) == .refused(.held(mutated)))
        #expect(try await store.admit(Self.request("r4", target: "b"), at: Self.time(910)) == Self.admitted("r4", expires: 1810, left: 3, target: "b"))
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
        // Each task opens its own connection, the first ones racing to create the file and schema.
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

    @Test func numbersOutOfRangeAndOverlongIdentifiersAreRefused() async throws {
        let fixture = Fixture()
        defer { fixture.folder.remove() }
        let store = try fixture.store()
        var requests = [Self.request("r1", cooldown: -1), Self.request("r1", window: .nan), Self.request("r1", maxMutations: .max),
                        Self.request("r1", lease: .infinity), Self.request("r1", target: String(repeating: "x", count: 5000))]
        requests.append(Self.request("r1"))
        requests[5].dedupSeconds = -.infinity
        for request in requests {
            let error = await #expect(throws: RunbookError.self) { try await store.admit(request, at: Self.time(0)) }
            #expect(error?.kind == .invalid)
        }
        let error = await #expect(throws: RunbookError.self) {
            try await store.admit(Self.request("r1"), at: Date(timeIntervalSince1970: .nan))
        }
        #expect(error?.kind == .invalid)
        #expect(try await store.admit(Self.request("r1"), at: Self.time(0)) == Self.admitted("r1", expires: 900, left: 3))
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
