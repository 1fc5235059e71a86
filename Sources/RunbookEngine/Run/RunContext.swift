import Foundation
import LuaKit

/// The per-run state the bindings share, on the Lua side of the run (one task at a time).
final class RunContext {
    enum Phase { case loading, running }

    struct OpenStep {
        let name: String
        let parent: Int?
        let task: LuaTaskID
        let started: ContinuousClock.Instant
        let timeout: Double?
    }

    var journal: Journal?
    let dryRun: Bool
    /// Answers or watches every call the dry-run gate sends (a test's stubs, a recording).
    let interceptor: (any CallInterceptor)?
    /// Counts, and may refuse, each mutating call a live run sends (an automated run's budget).
    let mutationGuard: (any MutationGuard)?
    var phase = Phase.loading
    /// `file:line` of the `runbook { ... }` call, for metadata errors.
    var definitionLocation: String?
    /// The message of the last `fail()`: the run's error is a deliberate failure when it is
    /// this message, which `fail` raises as it is (a Lua error value cannot carry a tag
    /// through `error(err, 0)` re-raises and coroutines).
    var failure: String?
    /// Configuration errors primitives met (no region, no credentials): they end a run with exit 2.
    let configurationFailures = ConfigurationFailures()
    private(set) var openSteps: [Int: OpenStep] = [:]
    private var stacks: [LuaTaskID: [Int]] = [:]
    private var lastStep = 0
    private(set) var stepsFinished = 0
    private(set) var stepsFailed = 0
    private(set) var findings = 0
    private(set) var plannedActions = 0

    init(journal: Journal?, dryRun: Bool, interceptor: (any CallInterceptor)? = nil, mutationGuard: (any MutationGuard)? = nil) {
        self.journal = journal
        self.dryRun = dryRun
        self.interceptor = interceptor
        self.mutationGuard = mutationGuard
    }

    func requireRunning() throws {
        guard phase == .running else {
            throw LuaHostError("cannot run while the runbook file is loading; call it inside run = function(p) ... end")
        }
    }

    /// The innermost open step of `task`, if any.
    func currentStep(of task: LuaTaskID?) -> Int? {
        task.flatMap { stacks[$0]?.last }
    }

    func beginStep(name: String, task: LuaTaskID, timeout: Double?, location: String?) -> Int {
        lastStep += 1
        let parent = stacks[task]?.last
        openSteps[lastStep] = OpenStep(name: name, parent: parent, task: task, started: .now, timeout: timeout)
        stacks[task, default: []].append(lastStep)
        let index = lastStep
        journal?.record(.stepStarted) {
            $0.step = index
            $0.parent = parent
            $0.name = name
            $0.location = location
        }
        return index
    }

    func retryStep(_ index: Int, attempt: Int, error: String, delay: Double) {
        journal?.record(.stepRetry) {
            $0.step = index
            $0.name = openSteps[index]?.name
            $0.attempt = attempt
            $0.error = error
            $0.durationMs = delay * 1000
        }
    }

    func endStep(_ index: Int, status: StepStatus, attempts: Int, error: String?, result: LuaValue?) {
        guard let step = openSteps.removeValue(forKey: index) else { return }
        stacks[step.task]?.removeAll { $0 == index }
        stepsFinished += 1
        if status != .ok { stepsFailed += 1 }
        journal?.record(.stepFinished) {
            $0.step = index
            $0.parent = step.parent
            $0.name = step.name
            $0.status = status.rawValue
            $0.attempt = attempts
            $0.durationMs = milliseconds(since: step.started)
            $0.error = error
            $0.result = result
        }
    }

    /// Closes the steps a stopped or failed run left open, innermost first.
    func closeOpenSteps(status: StepStatus, error: String?) {
        for index in openSteps.keys.sorted(by: >) {
            endStep(index, status: status, attempts: 1, error: error, result: nil)
        }
    }

    func countFinding() { findings += 1 }
    func countPlannedAction() { plannedActions += 1 }
}

func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1000 + Double(attoseconds) / 1e15
}

func milliseconds(since start: ContinuousClock.Instant) -> Double {
    milliseconds(ContinuousClock.now - start).rounded(toPlaces: 3)
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
