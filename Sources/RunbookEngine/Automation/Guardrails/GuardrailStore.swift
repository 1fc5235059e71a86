public import Foundation

/// Where the guardrails of automated runs keep their state: the pause switch, leases, cooldowns,
/// mutation budgets, deduplication keys, holds on targets and the index of decisions.
///
/// Every check that decides whether a run starts happens in ``admit(_:at:)``, in one transaction,
/// so two processes (or, past one machine, two workers) that admit runs for one target at once
/// never both get a lease. SQLite is the store on one machine (``SQLiteGuardrailStore``); the
/// server and workers add DynamoDB, whose conditional writes give the same guarantee.
///
/// Times are passed in, never read from a clock inside the store, so a test can move time on.
///
/// Both stores decide alike, and `GuardrailStoreBehaviour` in the tests runs the same cases over
/// each: a lease that expired but was not reclaimed yet refuses its target as held when its run
/// had counted a mutation, and counts as absent otherwise; a dry run's lease has `mutationsLeft`
/// 0; a release never moves a cooldown earlier than admission started it, whatever the releasing
/// clock says; and a hold already on a target stays when another would be put there. What
/// differs comes from where the state is:
///
/// - SQLite also reclaims a lease whose holder is a process of this machine that no longer
///   exists; DynamoDB's workers are on other machines, so only expiry frees a lease there.
/// - Identifiers take up to 4,096 bytes in SQLite, 1,000 in DynamoDB, whose keys take 1,024.
/// - DynamoDB keeps times in whole milliseconds from 1970 to 9999, and decisions for 90 days
///   (``DynamoDBGuardrailStore/decisionRetention``); SQLite keeps any finite time, and decisions
///   for good. Decisions of one time come latest recorded first in SQLite, greatest id first in
///   DynamoDB.
public protocol GuardrailStore: Sendable {
    /// Stops every automated run until ``resume()``.
    func pause(reason: String?, by: String?, at: Date) async throws
    /// Lifts the pause; false when nothing was paused.
    func resume() async throws -> Bool
    /// The pause in force, if any.
    func pauseState() async throws -> PauseState?

    /// Checks, in this order and in one transaction: the pause, the event's deduplication key,
    /// a hold on the target, another run's lease on the target, the runbook's cooldown for the
    /// target and, for live runs, the target's mutation budget. The first that refuses is the
    /// answer. When none refuses, the run gets the target's lease, its cooldown starts (so a run
    /// that dies still holds it back) and the event's key is remembered.
    func admit(_ request: AdmissionRequest, at: Date) async throws -> Admission

    /// Counts one mutating call of a run holding a lease against its target's budget, before the
    /// call is sent: a process killed just after sending still counts it.
    ///
    /// Throws, counting nothing, when the run no longer holds the target's lease unexpired at
    /// `at` (it ended, it expired, or another run took it): the caller then does not send the
    /// call, since another run may be changing the target by then.
    func recordMutation(runID: String, target: String, at: Date) async throws

    /// Ends a run's lease, and restarts its cooldown from the run's end.
    func release(runID: String, target: String, at: Date) async throws

    /// Removes leases that expired, or whose holder is a process of this machine that no longer
    /// exists, and returns their runs to be marked interrupted. A run that had sent a mutation puts
    /// a hold on its target: no automated run starts for it until ``clearHold(target:)``, since
    /// running again after a half-done remediation is for a person to decide.
    func reclaimExpiredLeases(at: Date) async throws -> [InterruptedRun]

    /// Lifts the hold an interrupted run put on `target`; false when there was none.
    func clearHold(target: String) async throws -> Bool

    /// Adds a decision to the index.
    func record(_ decision: DecisionRecord) async throws
    /// The latest decisions, newest first.
    func decisions(limit: Int) async throws -> [DecisionRecord]
}

/// What ``GuardrailStore/admit(_:at:)`` needs to decide.
public struct AdmissionRequest: Sendable, Equatable {
    /// The runbook to run.
    public var runbook: String
    /// The target its `automation.target` names (`cluster_name=demo`), or `runbook:NAME`.
    public var target: String
    /// The event's deduplication key (`cloudwatch:ID`); nil to skip deduplication.
    public var eventKey: String?
    /// The run the lease is for.
    public var runID: String
    /// The run's journal, for an operator looking at a lease or a hold.
    public var journal: String
    /// A live run spends the mutation budget; a dry run sends no mutation and is not held by it.
    public var live: Bool
    /// Seconds after this run before the runbook may run again for the target.
    public var cooldown: Double
    /// The most mutations live runs may send to the target within `window` seconds.
    public var maxMutations: Int
    public var window: Double
    /// How long the lease lasts without a release: the run's timeout and a margin.
    public var leaseSeconds: Double
    /// How long the event's key is remembered.
    public var dedupSeconds: Double = 7 * 86_400
    /// The process taking the lease.
    public var holder: LeaseHolder = .current

    public init(runbook: String, target: String, eventKey: String?, runID: String, journal: String, live: Bool,
                cooldown: Double, maxMutations: Int, window: Double, leaseSeconds: Double) {
        self.runbook = runbook
        self.target = target
        self.eventKey = eventKey
        self.runID = runID
        self.journal = journal
        self.live = live
        self.cooldown = cooldown
        self.maxMutations = maxMutations
        self.window = window
        self.leaseSeconds = leaseSeconds
    }
}

/// The process that holds a lease.
public struct LeaseHolder: Sendable, Equatable, Codable {
    public var host: String
    public var pid: Int32

    public init(host: String, pid: Int32) {
        self.host = host
        self.pid = pid
    }

    /// This process. The host is gethostname's: ProcessInfo's hostName resolves the name
    /// through DNS on Linux, which can take seconds with no network.
    public static var current: LeaseHolder {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count - 1) == 0 ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        return LeaseHolder(host: host, pid: getpid())
    }
}

/// What admission decided.
public enum Admission: Sendable, Equatable {
    /// The run may start; it holds the target until it releases the lease or the lease expires.
    case admitted(Lease)
    /// The run may not start, and why.
    case refused(Refusal)
}

/// A target held by one run.
public struct Lease: Sendable, Equatable {
    public var target: String
    public var runID: String
    public var expires: Date
    /// Mutations the run may still send within the budget; a live run's calls past it are refused.
    /// 0 for a dry run, which sends none.
    public var mutationsLeft: Int

    public init(target: String, runID: String, expires: Date, mutationsLeft: Int) {
        self.target = target
        self.runID = runID
        self.expires = expires
        self.mutationsLeft = mutationsLeft
    }
}

/// Why a guardrail refused a run.
public enum Refusal: Sendable, Equatable {
    /// `runbook pause` is in force.
    case paused(PauseState)
    /// The same event was already admitted.
    case duplicate(eventKey: String, runID: String, firstSeen: Date)
    /// A run interrupted after it had mutated the target; an operator must look first.
    case held(InterruptedRun)
    /// Another run holds the target.
    case leaseHeld(runID: String, runbook: String, expires: Date)
    /// The runbook ran for the target too recently.
    case coolingDown(until: Date)
    /// Live runs already sent `used` of the `max` mutations allowed within `window` seconds.
    case budgetSpent(used: Int, max: Int, window: Double)
}

/// The global pause switch.
public struct PauseState: Sendable, Equatable {
    public var reason: String?
    public var by: String?
    public var since: Date

    public init(reason: String?, by: String?, since: Date) {
        self.reason = reason
        self.by = by
        self.since = since
    }
}

/// A run whose lease expired, or whose process died, before it released it.
public struct InterruptedRun: Sendable, Equatable {
    public var runID: String
    public var runbook: String
    public var target: String
    public var journal: String
    /// Mutating calls it had counted before it stopped.
    public var mutations: Int
    public var started: Date

    public init(runID: String, runbook: String, target: String, journal: String, mutations: Int, started: Date) {
        self.runID = runID
        self.runbook = runbook
        self.target = target
        self.journal = journal
        self.mutations = mutations
        self.started = started
    }
}

/// One line of the decision index: the event, what was chosen, and what happened.
public struct DecisionRecord: Sendable, Equatable {
    /// The decision's id: the run's id when a run started, else an id of its own.
    public var id: String
    public var time: Date
    public var source: String
    public var eventID: String
    /// The chosen runbook; nil when nothing matched.
    public var runbook: String?
    public var target: String?
    /// `ran`, `refused`, `no_match` or `resolved`.
    public var outcome: String
    /// Why, for a person.
    public var reason: String
    /// The journal the decision was written to.
    public var journal: String

    public init(id: String, time: Date, source: String, eventID: String, runbook: String?, target: String?, outcome: String,
                reason: String, journal: String) {
        self.id = id
        self.time = time
        self.source = source
        self.eventID = eventID
        self.runbook = runbook
        self.target = target
        self.outcome = outcome
        self.reason = reason
        self.journal = journal
    }
}
