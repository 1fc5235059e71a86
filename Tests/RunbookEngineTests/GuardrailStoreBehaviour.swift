import Foundation
import RunbookEngine
import Testing

/// What every ``GuardrailStore`` must do, written against the protocol alone so that one
/// parameterized suite can run it over each store. `open` gives another handle on one fresh
/// state each time it is called (another SQLite connection on one file, another client on one
/// DynamoDB table), as separate processes or workers would hold.
///
/// Times are moved on by passing them, from ``t0``, never by sleeping.
struct GuardrailStoreBehaviour: Sendable {
    let open: @Sendable () async throws -> any GuardrailStore

    static let t0 = 1_000_000.0
    static func at(_ offset: Double) -> Date { Date(timeIntervalSince1970: t0 + offset) }

    static func request(_ runID: String, runbook: String = "restart", target: String = "cluster_name=demo", event: String?,
                        live: Bool = true, cooldown: Double = 600, maxMutations: Int = 1, window: Double = 3600,
                        lease: Double = 100) -> AdmissionRequest {
        AdmissionRequest(runbook: runbook, target: target, eventKey: event, runID: runID, journal: "/journals/\(runID).jsonl", live: live,
                         cooldown: cooldown, maxMutations: maxMutations, window: window, leaseSeconds: lease)
    }

    static func lease(_ admission: Admission, sourceLocation: SourceLocation = #_sourceLocation) throws -> Lease {
        guard case .admitted(let lease) = admission else {
            Issue.record("expected an admission, got \(admission)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return lease
    }

    /// Builds a state where every guardrail refuses, then lifts them one at a time: each lifted
    /// one shows the next in the order pause, duplicate, hold, lease, cooldown, budget.
    func refusalsComeInOrder() async throws {
        let store = try await open()
        let first = Self.request("run-a", event: "cloudwatch:e1")
        _ = try Self.lease(try await store.admit(first, at: Self.at(0)))
        try await store.recordMutation(runID: "run-a", target: first.target, at: Self.at(1))
        let interrupted = try await store.reclaimExpiredLeases(at: Self.at(200))
        #expect(interrupted.map(\.runID) == ["run-a"])
        try await store.pause(reason: "game day", by: "sre", at: Self.at(250))

        let second = Self.request("run-b", event: "cloudwatch:e2")
        #expect(try await store.admit(second, at: Self.at(300)) == .refused(.paused(PauseState(reason: "game day", by: "sre", since: Self.at(250)))))
        #expect(try await store.resume())
        var again = second
        again.eventKey = "cloudwatch:e1"
        #expect(try await store.admit(again, at: Self.at(300)) == .refused(.duplicate(eventKey: "cloudwatch:e1", runID: "run-a", firstSeen: Self.at(0))))
        let held = InterruptedRun(runID: "run-a", runbook: "restart", target: first.target, journal: "/journals/run-a.jsonl",
                                  mutations: 1, started: Self.at(0))
        #expect(try await store.admit(second, at: Self.at(300)) == .refused(.held(held)))
        #expect(try await store.clearHold(target: first.target))

        // A dry run of another runbook, which neither cooldown nor budget holds back, takes the lease.
        let other = Self.request("run-c", runbook: "inspect", event: "cloudwatch:e3", live: false)
        _ = try Self.lease(try await store.admit(other, at: Self.at(300)))
        #expect(try await store.admit(second, at: Self.at(300)) == .refused(.leaseHeld(runID: "run-c", runbook: "inspect", expires: Self.at(400))))
        try await store.release(runID: "run-c", target: other.target, at: Self.at(310))
        #expect(try await store.admit(second, at: Self.at(310)) == .refused(.coolingDown(until: Self.at(600))))
        #expect(try await store.admit(second, at: Self.at(700)) == .refused(.budgetSpent(used: 1, max: 1, window: 3600)))
        let admitted = try Self.lease(try await store.admit(second, at: Self.at(3700)))
        #expect(admitted == Lease(target: second.target, runID: "run-b", expires: Self.at(3800), mutationsLeft: 1))
    }

    /// A lease holds the target until it expires; then it is as if absent, unless its run had
    /// mutated: then the target is held.
    func leasesExpire() async throws {
        let store = try await open()
        let dry = Self.request("run-a", event: "cloudwatch:e1", live: false)
        #expect(try Self.lease(try await store.admit(dry, at: Self.at(0))) == Lease(target: dry.target, runID: "run-a", expires: Self.at(100), mutationsLeft: 0))
        let other = Self.request("run-b", runbook: "inspect", event: "cloudwatch:e2", live: false)
        #expect(try await store.admit(other, at: Self.at(99)) == .refused(.leaseHeld(runID: "run-a", runbook: "restart", expires: Self.at(100))))
        _ = try Self.lease(try await store.admit(other, at: Self.at(100)))
        // The run whose lease was taken ends late: its release leaves the new lease alone.
        try await store.release(runID: "run-a", target: dry.target, at: Self.at(110))
        let third = Self.request("run-e", runbook: "audit", event: "cloudwatch:e5", live: false)
        #expect(try await store.admit(third, at: Self.at(120)) == .refused(.leaseHeld(runID: "run-b", runbook: "inspect", expires: Self.at(200))))

        let live = Self.request("run-c", target: "cluster_name=other", event: "cloudwatch:e3")
        _ = try Self.lease(try await store.admit(live, at: Self.at(0)))
        try await store.recordMutation(runID: "run-c", target: live.target, at: Self.at(10))
        var next = Self.request("run-d", runbook: "inspect", target: live.target, event: "cloudwatch:e4", live: false)
        next.leaseSeconds = 50
        let held = InterruptedRun(runID: "run-c", runbook: "restart", target: live.target, journal: "/journals/run-c.jsonl",
                                  mutations: 1, started: Self.at(0))
        #expect(try await store.admit(next, at: Self.at(150)) == .refused(.held(held)))
    }

    /// Reclaiming returns runs whose lease expired, once; only one that had mutated holds its target.
    func reclaimHoldsOnlyMutatedTargets() async throws {
        let store = try await open()
        let quiet = Self.request("run-a", target: "cluster_name=quiet", event: "cloudwatch:e1")
        let busy = Self.request("run-b", target: "cluster_name=busy", event: "cloudwatch:e2", maxMutations: 3)
        _ = try Self.lease(try await store.admit(quiet, at: Self.at(0)))
        _ = try Self.lease(try await store.admit(busy, at: Self.at(0)))
        try await store.recordMutation(runID: "run-b", target: busy.target, at: Self.at(5))
        try await store.recordMutation(runID: "run-b", target: busy.target, at: Self.at(6))
        #expect(try await store.reclaimExpiredLeases(at: Self.at(99)).isEmpty)

        let reclaimed = try await store.reclaimExpiredLeases(at: Self.at(100)).sorted { $0.runID < $1.runID }
        let busyRun = InterruptedRun(runID: "run-b", runbook: "restart", target: busy.target, journal: "/journals/run-b.jsonl",
                                     mutations: 2, started: Self.at(0))
        #expect(reclaimed == [
            InterruptedRun(runID: "run-a", runbook: "restart", target: quiet.target, journal: "/journals/run-a.jsonl", mutations: 0, started: Self.at(0)),
            busyRun,
        ])
        #expect(try await store.reclaimExpiredLeases(at: Self.at(101)).isEmpty)

        let afterQuiet = Self.request("run-c", runbook: "inspect", target: quiet.target, event: "cloudwatch:e3", live: false)
        _ = try Self.lease(try await store.admit(afterQuiet, at: Self.at(101)))
        let afterBusy = Self.request("run-d", runbook: "inspect", target: busy.target, event: "cloudwatch:e4", live: false)
        #expect(try await store.admit(afterBusy, at: Self.at(101)) == .refused(.held(busyRun)))
        #expect(try await store.clearHold(target: busy.target))
        #expect(try await store.clearHold(target: busy.target) == false)
        _ = try Self.lease(try await store.admit(afterBusy, at: Self.at(102)))
    }

    /// Admission starts the cooldown, so a run that dies holds it back; release restarts it from the end.
    func cooldownRestartsAtRelease() async throws {
        let store = try await open()
        let first = Self.request("run-a", event: "cloudwatch:e1", live: false, lease: 5000)
        _ = try Self.lease(try await store.admit(first, at: Self.at(0)))
        // Another run's release leaves the lease and the cooldown alone.
        try await store.release(runID: "run-z", target: first.target, at: Self.at(10))
        let other = Self.request("run-b", runbook: "inspect", event: "cloudwatch:e2", live: false)
        #expect(try await store.admit(other, at: Self.at(20)) == .refused(.leaseHeld(runID: "run-a", runbook: "restart", expires: Self.at(5000))))

        try await store.release(runID: "run-a", target: first.target, at: Self.at(1000))
        let second = Self.request("run-c", event: "cloudwatch:e3", live: false)
        #expect(try await store.admit(second, at: Self.at(1500)) == .refused(.coolingDown(until: Self.at(1600))))
        _ = try Self.lease(try await store.admit(second, at: Self.at(1600)))
    }

    /// A release whose clock is behind the admission's (another machine's) keeps the cooldown
    /// admission started.
    func releaseNeverMovesTheCooldownEarlier() async throws {
        let store = try await open()
        let first = Self.request("run-a", event: "cloudwatch:e1", live: false)
        _ = try Self.lease(try await store.admit(first, at: Self.at(0)))
        try await store.release(runID: "run-a", target: first.target, at: Self.at(-50))
        let second = Self.request("run-b", event: "cloudwatch:e2", live: false)
        #expect(try await store.admit(second, at: Self.at(560)) == .refused(.coolingDown(until: Self.at(600))))
        _ = try Self.lease(try await store.admit(second, at: Self.at(600)))
    }

    /// Only the lease holder, within its lease, may count (and so send) a mutation; a refused
    /// one counts nothing.
    func aMutationWithoutTheLeaseIsRefused() async throws {
        let store = try await open()
        let request = Self.request("run-a", event: "e1")
        _ = try Self.lease(try await store.admit(request, at: Self.at(0)))
        for (runID, offset) in [("run-b", 10.0), ("run-a", 100)] {
            let error = await #expect(throws: RunbookError.self) {
                try await store.recordMutation(runID: runID, target: request.target, at: Self.at(offset))
            }
            #expect(error?.message.hasPrefix("run \(runID) does not hold the lease on cluster_name=demo") == true, "\(String(describing: error))")
        }
        // Neither counted: the lease's run had sent nothing, so reclaiming it holds nothing.
        let reclaimed = try await store.reclaimExpiredLeases(at: Self.at(100))
        #expect(reclaimed.map(\.mutations) == [0])
        try await store.release(runID: "run-a", target: request.target, at: Self.at(101))
        let error = await #expect(throws: RunbookError.self) {
            try await store.recordMutation(runID: "run-a", target: request.target, at: Self.at(102))
        }
        #expect(error?.kind == .invalid)
    }

    /// An event's key refuses it for any runbook and target until the key expires.
    func anEventIsADuplicateUntilItsKeyExpires() async throws {
        let store = try await open()
        var first = Self.request("run-a", event: "cloudwatch:e1", live: false)
        first.dedupSeconds = 3600
        _ = try Self.lease(try await store.admit(first, at: Self.at(0)))
        try await store.release(runID: "run-a", target: first.target, at: Self.at(10))
        let again = Self.request("run-b", runbook: "inspect", target: "cluster_name=other", event: "cloudwatch:e1", live: false)
        #expect(try await store.admit(again, at: Self.at(3599)) == .refused(.duplicate(eventKey: "cloudwatch:e1", runID: "run-a", firstSeen: Self.at(0))))
        _ = try Self.lease(try await store.admit(again, at: Self.at(3600)))
    }

    /// Numbers out of a runbook's ranges, overlong identifiers and times that are no time are
    /// errors, not refusals: nothing was decided.
    func invalidRequestsAreErrors() async throws {
        let store = try await open()
        var requests = [Self.request("run-a", event: nil, cooldown: -1), Self.request("run-a", event: nil, window: .nan),
                        Self.request("run-a", event: nil, maxMutations: .max), Self.request("run-a", event: nil, lease: .infinity),
                        Self.request("run-a", target: String(repeating: "x", count: 5000), event: nil), Self.request("run-a", event: "")]
        requests.append(Self.request("run-a", event: nil))
        requests[6].dedupSeconds = -.infinity
        for request in requests {
            let error = await #expect(throws: RunbookError.self) { try await store.admit(request, at: Self.at(0)) }
            #expect(error?.kind == .invalid)
        }
        let error = await #expect(throws: RunbookError.self) {
            try await store.admit(Self.request("run-a", event: nil), at: Date(timeIntervalSince1970: .nan))
        }
        #expect(error?.kind == .invalid)
        _ = try Self.lease(try await store.admit(Self.request("run-a", event: nil), at: Self.at(0)))
    }

    /// Live runs spend the budget with each recorded mutation, counted over the window; dry runs
    /// are not held back by it and get none of it.
    func budgetCountsRecordedMutations() async throws {
        let store = try await open()
        func live(_ runID: String, _ event: String) -> AdmissionRequest {
            Self.request(runID, event: event, cooldown: 0, maxMutations: 2)
        }
        #expect(try Self.lease(try await store.admit(live("run-a", "e1"), at: Self.at(0))).mutationsLeft == 2)
        #expect(try Self.lease(try await store.admit(Self.request("run-x", target: "cluster_name=b", event: "x", maxMutations: 2), at: Self.at(0))).mutationsLeft == 2)
        try await store.recordMutation(runID: "run-a", target: "cluster_name=demo", at: Self.at(1))
        try await store.release(runID: "run-a", target: "cluster_name=demo", at: Self.at(2))
        #expect(try Self.lease(try await store.admit(live("run-b", "e2"), at: Self.at(10))).mutationsLeft == 1)
        try await store.recordMutation(runID: "run-b", target: "cluster_name=demo", at: Self.at(11))
        try await store.release(runID: "run-b", target: "cluster_name=demo", at: Self.at(12))
        #expect(try await store.admit(live("run-c", "e3"), at: Self.at(20)) == .refused(.budgetSpent(used: 2, max: 2, window: 3600)))

        var dry = live("run-d", "e4")
        dry.live = false
        #expect(try Self.lease(try await store.admit(dry, at: Self.at(20))).mutationsLeft == 0)
        try await store.release(runID: "run-d", target: "cluster_name=demo", at: Self.at(21))
        // The first mutation, at 1, has left the window by 3602.
        #expect(try Self.lease(try await store.admit(live("run-e", "e5"), at: Self.at(3602))).mutationsLeft == 1)
    }

    /// Pausing twice keeps the first time and the latest words; resuming says whether anything was paused.
    func pauseAndResume() async throws {
        let store = try await open()
        #expect(try await store.pauseState() == nil)
        try await store.pause(reason: "incident", by: "ana", at: Self.at(0))
        try await store.pause(reason: nil, by: "bo", at: Self.at(60))
        #expect(try await store.pauseState() == PauseState(reason: nil, by: "bo", since: Self.at(0)))
        #expect(try await store.resume())
        #expect(try await store.resume() == false)
        #expect(try await store.pauseState() == nil)
    }

    /// The index lists the latest decisions first, as many as asked.
    func decisionsNewestFirst() async throws {
        let store = try await open()
        func decision(_ index: Int, runbook: String?, target: String?, outcome: String) -> DecisionRecord {
            DecisionRecord(id: "run-\(index)", time: Self.at(Double(index)), source: "cloudwatch", eventID: "e\(index)", runbook: runbook,
                           target: target, outcome: outcome, reason: "reason \(index)", journal: "/journals/run-\(index).jsonl")
        }
        let decisions = [
            decision(0, runbook: "restart", target: "cluster_name=demo", outcome: "ran"),
            decision(1, runbook: nil, target: nil, outcome: "no_match"),
            decision(2, runbook: "restart", target: "cluster_name=demo", outcome: "refused"),
        ]
        for decision in decisions { try await store.record(decision) }
        #expect(try await store.decisions(limit: 2) == [decisions[2], decisions[1]])
        #expect(try await store.decisions(limit: 10) == decisions.reversed())
        #expect(try await store.decisions(limit: 0).isEmpty)
    }

    /// Separate handles admitting runs for one target at once: exactly one gets the lease, and
    /// every other is refused naming it.
    func oneOfManyConcurrentAdmissionsWins(handles: Int = 8) async throws {
        var stores: [any GuardrailStore] = []
        for _ in 0..<handles { stores.append(try await open()) }
        let outcomes = try await withThrowingTaskGroup(of: (String, Admission).self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask {
                    let runID = "run-\(index)"
                    return (runID, try await store.admit(Self.request(runID, event: "cloudwatch:e\(index)", live: false), at: Self.at(0)))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        let winners = outcomes.compactMap { runID, admission -> String? in
            if case .admitted = admission { return runID }
            return nil
        }
        try #require(winners.count == 1, "\(outcomes)")
        for (runID, admission) in outcomes where runID != winners[0] {
            #expect(admission == .refused(.leaseHeld(runID: winners[0], runbook: "restart", expires: Self.at(100))), "\(runID): \(admission)")
        }
    }
}
