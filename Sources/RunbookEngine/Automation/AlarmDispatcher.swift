public import Foundation
import Synchronization
public import LuaKit

/// How one machine's automated runs are kept and shown.
public struct AutomationSettings: Sendable {
    /// `runbook trigger --live`: runs of runbooks that declare `automation.live = true` are live.
    public var live = false
    /// Where each decision's journal is written (`RUN_ID.jsonl`).
    public var journalDirectory: String
    /// Where a dry automated run's review document goes (`RUN_ID.md`).
    public var reportDirectory: String
    /// The runbook folders, whose `runbooks.lock` files approve versions.
    public var runbookDirectories: [String]

    public init(journalDirectory: String, reportDirectory: String? = nil, runbookDirectories: [String]) {
        self.journalDirectory = journalDirectory
        self.reportDirectory = reportDirectory ?? journalDirectory
        self.runbookDirectories = runbookDirectories
    }
}

/// What one event led to.
public struct DispatchOutcome: Sendable {
    /// The decision, as its journal line says it.
    public let decision: JournalEvent
    /// The exit status for it: the run's, 4 for a refusal, 2 for parameters the event cannot fill, else 0.
    public let exit: ExitStatus
    /// The journal the decision (and the run) went to.
    public let journal: String
    /// The review document of a dry run.
    public let report: String?
    /// Whether the decision stands. False when nothing could be decided (the event was
    /// unreadable, the guardrail state or the journal could not be reached) or the run was
    /// cancelled: a queue should then deliver the event again.
    public let isFinal: Bool
}

/// Turns alarm events into decisions and runs: routing, approval, the guardrails of the
/// ``GuardrailStore``, and the run itself, each decision journaled whatever it was.
public struct AlarmDispatcher: Sendable {
    let engine: Engine
    let runbooks: [Runbook]
    let store: any GuardrailStore
    let settings: AutomationSettings

    /// A dispatcher routing among `runbooks`, approved in the `runbooks.lock` of the settings' folders.
    public init(engine: Engine, runbooks: [Runbook], store: any GuardrailStore, settings: AutomationSettings) {
        self.engine = engine
        self.runbooks = runbooks
        self.store = store
        self.settings = settings
    }

    /// Ends the leases of runs whose process died, and closes their journals with an
    /// `interrupted` line; run it before handling events.
    public func reclaimInterruptedRuns(now: Date = Date()) async throws -> [InterruptedRun] {
        let runs = try await store.reclaimExpiredLeases(at: now)
        for run in runs {
            // The journal may hold a run_finished already: the process died after writing it.
            guard let events = try? JournalFile.read(path: run.journal), !events.contains(where: { $0.event == .runFinished }),
                let file = try? JournalFile(path: run.journal)
            else { continue }
            let journal = Journal(runID: run.runID, sinks: [file], redactor: Redactor(secrets: []))
            journal.record(.runFinished) {
                $0.status = RunStatus.interrupted.rawValue
                $0.reason = Self.interruption(run)
            }
            try? journal.finish()
        }
        return runs
    }

    /// What an interrupted run left, for a person.
    public static func interruption(_ run: InterruptedRun) -> String {
        let sent = run.mutations == 0 ? "it had sent no mutating call"
            : "it had sent \(run.mutations) mutating call\(run.mutations == 1 ? "" : "s"), so \(run.target) is held: no automated run starts for it until `runbook resume --target \(run.target)`"
        return "its process stopped before the run finished; \(sent)"
    }

    /// Decides what `event` starts, journals the decision, and runs the runbook when every
    /// guardrail allows it. `display` sinks (a terminal) see the decision and the run.
    /// `attempt` is the delivery's number when the event came again (a queue's receive count),
    /// journaled with the decision.
    public func handle(_ event: AlarmEvent, attempt: Int? = nil, display: [any JournalSink] = [],
                       cancellation: LuaCancellation = LuaCancellation()) async -> DispatchOutcome {
        let (routing, journalPath, opened) = begin(event, attempt: attempt)
        var decision = opened
        let runID = decision.run

        func conclude(_ outcome: String, _ reason: String, _ exit: ExitStatus, final: Bool = true) async -> DispatchOutcome {
            decision.outcome = outcome
            decision.reason = reason
            return await journalAlone(decision, journal: journalPath, exit: exit, final: final, display: display)
        }

        if event.isResolved { return await conclude("resolved", "a resolved alert is recorded and never run", .ok) }
        guard let chosen = routing.chosen, let runbook = runbooks.first(where: { $0.name == chosen.runbook }) else {
            return await conclude("no_match", "no runbook's trigger matches this event", .ok)
        }
        decision.runbook = runbook.name
        decision.version = runbook.version.description
        decision.sha256 = runbook.sha256

        let arguments = chosen.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let params: LuaTable
        do {
            params = try ParamBinder.bind(runbook.params, arguments: arguments, file: nil)
        } catch {
            return await conclude("invalid", "the event cannot fill the runbook's parameters: \(error)", .usage)
        }
        let secretNames = Set(runbook.params.filter(\.secret).map(\.name))
        var shown = params
        for name in secretNames where params.fields[.string(name)] != nil { shown.fields[.string(name)] = .string(Redactor.mask) }
        decision.params = .table(shown)
        let target = runbook.automation.target.map { "\($0)=\(params.fields[.string($0)]?.plainOrJSON ?? "")" } ?? "runbook:\(runbook.name)"
        decision.target = target

        let live = settings.live && runbook.automation.live
        decision.mode = live ? "live" : "dry-run"
        let modeReason = live ? "live: the runbook declares automation.live and --live was given"
            : runbook.automation.live ? "dry run: pass --live to run it live" : "dry run: the runbook does not declare automation.live = true"

        let approved = approval(of: runbook)
        guard approved.verdict == "ok" else {
            decision.guardrails = [approved]
            return await conclude("refused", "not approved: \(approved.detail ?? "")", .refused)
        }

        let timeout = runbook.limits.timeout ?? seconds(of: Engine.defaultLimits.timeout ?? .seconds(3600))
        let request = AdmissionRequest(
            runbook: runbook.name, target: target, eventKey: "\(event.source.rawValue):\(event.id)", runID: runID, journal: journalPath,
            live: live, cooldown: runbook.automation.cooldown, maxMutations: runbook.automation.maxMutations,
            window: runbook.automation.window, leaseSeconds: timeout + 60)
        let admission: Admission
        do {
            admission = try await store.admit(request, at: Date())
        } catch {
            // Without its state no guardrail can be checked, so nothing runs.
            decision.guardrails = [approved]
            return await conclude("refused", "the guardrail state cannot be read: \(error)", .refused, final: false)
        }
        decision.guardrails = [approved] + Self.verdicts(admission, request)
        let lease: Lease
        switch admission {
        case .refused(let refusal): return await conclude("refused", Self.describe(refusal, request), .refused)
        case .admitted(let admitted): lease = admitted
        }

        decision.outcome = "run"
        decision.reason = modeReason
        let reportPath = live ? nil : "\(settings.reportDirectory)/\(runID).md"
        var sinks = display
        do {
            sinks.insert(try JournalFile(path: journalPath), at: 0)
            if let reportPath { sinks.append(try MarkdownReport(path: reportPath)) }
        } catch {
            try? await store.release(runID: runID, target: target, at: Date())
            return await conclude("refused", "cannot write the run's journal or report: \(error)", .usage, final: false)
        }
        let secrets = params.fields.compactMap { key, value in key.stringValue.flatMap { secretNames.contains($0) ? value.plainText : nil } }
        Journal(runID: runID, sinks: sinks, redactor: Redactor(secrets: secrets)).record(.decision) { $0 = decision }

        var run = RunRequest(file: runbook.file)
        run.runID = runID
        run.arguments = arguments
        run.dryRun = !live
        run.trigger = event.raw
        run.requiredSHA256 = runbook.sha256
        run.cancellation = cancellation
        if live {
            run.mutationGuard = LeaseBudget(store: store, lease: lease, maxMutations: runbook.automation.maxMutations, window: runbook.automation.window)
        }
        let result = await engine.run(run, sinks: sinks)
        if result.runbook == nil {
            // Refused after it was admitted (the file changed since it was read): the journal says why.
            let journal = Journal(runID: runID, sinks: sinks, redactor: Redactor(secrets: secrets))
            journal.record(.runFinished) {
                $0.status = RunStatus.invalid.rawValue
                $0.exitCode = result.exit.rawValue
                $0.reason = result.message
            }
            try? journal.finish()
        }
        do { try await store.release(runID: runID, target: target, at: Date()) } catch {
            // The lease then expires on its own; the run itself is over.
        }
        decision.reason = "\(modeReason); the run ended \(result.status.rawValue)" + (result.message.map { ": \($0)" } ?? "")
        await index(decision, journal: journalPath)
        return DispatchOutcome(decision: decision, exit: result.exit, journal: journalPath, report: result.runbook == nil ? nil : reportPath,
                               isFinal: !cancellation.isCancelled)
    }

    /// Journals a delivery that carried no event to decide on (a malformed message) as an
    /// `invalid` decision of its own, with the delivery's `attempt`; the outcome is not final,
    /// so a queue delivers it again until its dead-letter queue takes it.
    public func recordUndecidable(_ reason: String, delivery: String?, attempt: Int?, display: [any JournalSink] = []) async -> DispatchOutcome {
        let runID = RunID.make()
        var decision = JournalEvent(.decision, run: runID, time: UTCTime.iso8601(Date()))
        decision.eventId = delivery
        decision.attempt = attempt
        decision.outcome = "invalid"
        decision.reason = reason
        return await journalAlone(decision, journal: "\(settings.journalDirectory)/\(runID).jsonl", exit: .usage, final: false, display: display)
    }

    /// Writes a decision that starts no run as its journal's only line, and indexes it. A
    /// decision whose journal cannot be written is not final: nothing but `display` saw it.
    private func journalAlone(_ decision: JournalEvent, journal path: String, exit: ExitStatus, final: Bool,
                              display: [any JournalSink]) async -> DispatchOutcome {
        var decision = decision
        var sinks = display
        var written = true
        do { sinks.insert(try JournalFile(path: path), at: 0) } catch {
            decision.reason = (decision.reason ?? "") + "; \(error)"
            written = false
        }
        let journal = Journal(runID: decision.run, sinks: sinks, redactor: Redactor(secrets: []))
        journal.record(.decision) { $0 = decision }
        do { try journal.finish() } catch { written = false }
        await index(decision, journal: path)
        return DispatchOutcome(decision: decision, exit: exit, journal: path, report: nil, isFinal: final && written)
    }

    /// Journals that `event` was refused before any guardrail was looked at (a server's full
    /// queue, a server stopping), so that no event is dropped without a decision saying why.
    public func refuse(_ event: AlarmEvent, reason: String) async -> DispatchOutcome {
        var (_, journalPath, decision) = begin(event, attempt: nil)
        decision.outcome = "refused"
        decision.reason = reason
        return await journalAlone(decision, journal: journalPath, exit: .refused, final: true, display: [])
    }

    /// A new run id, its journal's path, and the decision as far as the event and routing tell it.
    private func begin(_ event: AlarmEvent, attempt: Int?) -> (RoutingDecision, String, JournalEvent) {
        let runID = RunID.make()
        let routing = TriggerRouter.route(event, among: runbooks)
        var decision = JournalEvent(.decision, run: runID, time: UTCTime.iso8601(Date()))
        decision.source = event.source.rawValue
        decision.eventId = event.id
        decision.name = event.alarm
        decision.status = event.state
        decision.attempt = attempt
        decision.matches = routing.matches.map { DecisionMatch(runbook: $0.runbook, trigger: $0.trigger, constraints: $0.specificity) }
        return (routing, "\(settings.journalDirectory)/\(runID).jsonl", decision)
    }

    /// The first guardrail: the lock beside the runbook approves this very file.
    func approval(of runbook: Runbook) -> GuardrailOutcome {
        let status: ApprovalStatus
        do {
            status = try ApprovalLock.approvalStatus(of: runbook, directories: settings.runbookDirectories)
        } catch {
            return GuardrailOutcome(check: "approval", verdict: "refused", detail: "\(error)")
        }
        func short(_ sha256: String) -> String { String(sha256.prefix(12)) + "…" }
        switch status {
        case .approved(let approval):
            return GuardrailOutcome(check: "approval", verdict: "ok",
                                    detail: "\(approval.version) sha256=\(short(approval.sha256)) approved by \(approval.approvedBy) at \(UTCTime.iso8601(approval.approvedAt))")
        case .notApproved:
            return GuardrailOutcome(check: "approval", verdict: "refused",
                                    detail: "\(runbook.name) is not in \(ApprovalLock.fileName); review it and run `runbook approve \(runbook.name)`")
        case .changed(let approval):
            return GuardrailOutcome(check: "approval", verdict: "refused", detail:
                "\(ApprovalLock.fileName) approves \(approval.version) sha256=\(short(approval.sha256)), and \(runbook.file) is \(runbook.version) sha256=\(short(runbook.sha256)); "
                + "review the change and run `runbook approve \(runbook.name)`")
        }
    }

    private func index(_ decision: JournalEvent, journal: String) async {
        let record = DecisionRecord(
            id: decision.run, time: Date(), source: decision.source ?? "", eventID: decision.eventId ?? "", runbook: decision.runbook,
            target: decision.target, outcome: decision.outcome ?? "", reason: decision.reason ?? "", journal: journal)
        // The journal holds the decision; the index only speeds listing it.
        try? await store.record(record)
    }

    /// Each guardrail the store checks, in its order: those before a refusal passed, those after were not reached.
    static func verdicts(_ admission: Admission, _ request: AdmissionRequest) -> [GuardrailOutcome] {
        let order = ["pause", "duplicate", "hold", "lease", "cooldown", "budget"]
        let refused: (check: String, detail: String)? = switch admission {
        case .admitted: nil
        case .refused(let refusal): (check(of: refusal), describe(refusal, request))
        }
        var reached = true
        return order.map { check in
            if check == refused?.check {
                reached = false
                return GuardrailOutcome(check: check, verdict: "refused", detail: refused?.detail)
            }
            if !reached { return GuardrailOutcome(check: check, verdict: "not_checked") }
            if check == "budget" && !request.live { return GuardrailOutcome(check: check, verdict: "skipped", detail: "a dry run sends no mutation") }
            return GuardrailOutcome(check: check, verdict: "ok")
        }
    }

    static func check(of refusal: Refusal) -> String {
        switch refusal {
        case .paused: "pause"
        case .duplicate: "duplicate"
        case .held: "hold"
        case .leaseHeld: "lease"
        case .coolingDown: "cooldown"
        case .budgetSpent: "budget"
        }
    }

    /// A refusal in words a person acts on.
    public static func describe(_ refusal: Refusal, _ request: AdmissionRequest) -> String {
        switch refusal {
        case .paused(let pause):
            return "automated runs are paused since \(UTCTime.iso8601(pause.since))" + (pause.by.map { " by \($0)" } ?? "")
                + (pause.reason.map { ": \($0)" } ?? "") + "; `runbook resume` lifts it"
        case .duplicate(let key, let runID, let firstSeen):
            return "event \(key) was already handled at \(UTCTime.iso8601(firstSeen)) by run \(runID)"
        case .held(let run):
            return "run \(run.runID) of \(run.runbook) was interrupted after \(run.mutations) mutating call\(run.mutations == 1 ? "" : "s") (journal \(run.journal)); "
                + "look at it, then `runbook resume --target \(run.target)`"
        case .leaseHeld(let runID, let runbook, let expires):
            return "run \(runID) of \(runbook) holds \(request.target) (its lease ends by \(UTCTime.iso8601(expires)))"
        case .coolingDown(let until):
            return "\(request.runbook) ran for \(request.target) within its cooldown of \(formatSeconds(request.cooldown)); next allowed at \(UTCTime.iso8601(until))"
        case .budgetSpent(let used, let max, let window):
            return "live runs sent \(used) of the \(max) mutating calls allowed for \(request.target) per \(formatSeconds(window))"
        }
    }
}

/// An automated live run's mutation budget: what admission left, counted in the store before each
/// mutating call leaves, so the budget holds across runs, processes and crashes.
final class LeaseBudget: MutationGuard {
    let store: any GuardrailStore
    let lease: Lease
    let maxMutations: Int
    let window: Double
    private let left: Mutex<Int>

    init(store: any GuardrailStore, lease: Lease, maxMutations: Int, window: Double) {
        self.store = store
        self.lease = lease
        self.maxMutations = maxMutations
        self.window = window
        left = Mutex(lease.mutationsLeft)
    }

    func willSend(service: String, operation: String) async throws {
        let allowed = left.withLock { left in
            guard left > 0 else { return false }
            left -= 1
            return true
        }
        guard allowed else {
            throw LuaHostError("\(service).\(operation) not sent: the automation budget of \(maxMutations) mutating calls per \(formatSeconds(window)) for \(lease.target) is spent")
        }
        try await store.recordMutation(runID: lease.runID, target: lease.target, at: Date())
    }
}
