import Foundation
import RunbookEngine
import Synchronization

/// The server's counters, shown at `GET /metrics` in Prometheus's text format: plain counters
/// under one lock, which is all a few thousand events a second need.
public final class ServerMetrics: Sendable {
    private struct State {
        var events: [Pair: Int] = [:]
        var runs: [Pair: Int] = [:]
        var refusals: [String: Int] = [:]
        var throttled: [String: Int] = [:]
        var durationBuckets = [Int](repeating: 0, count: ServerMetrics.bounds.count)
        var durationSum = 0.0
        var durationCount = 0
        var inFlight = 0
        var queued = 0
    }

    private struct Pair: Hashable, Comparable {
        let first: String
        let second: String
        static func < (a: Pair, b: Pair) -> Bool { (a.first, a.second) < (b.first, b.second) }
    }

    /// The run duration histogram's upper bounds, in seconds.
    static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600]

    private let state = Mutex(State())

    /// Counters all at zero.
    public init() {}

    func queued(_ change: Int) { state.withLock { $0.queued += change } }

    func runStarted() { state.withLock { $0.inFlight += 1 } }

    /// Counts a request refused by the rate limit for `source`.
    func throttled(source: String) { state.withLock { $0.throttled[source, default: 0] += 1 } }

    /// Counts a decision; `seconds` is the time it took when it went to the dispatcher's guardrails
    /// (a run under way until now), nil for one refused before.
    func decided(_ outcome: DispatchOutcome, source: AlarmSource, seconds: Double?) {
        let decision = outcome.decision
        state.withLock { state in
            if seconds != nil { state.inFlight -= 1 }
            state.events[Pair(first: source.rawValue, second: decision.outcome ?? "unknown"), default: 0] += 1
            switch decision.outcome {
            case "run":
                state.runs[Pair(first: decision.runbook ?? "", second: Self.status(outcome.exit)), default: 0] += 1
                if let seconds {
                    state.durationSum += seconds
                    state.durationCount += 1
                    for (index, bound) in Self.bounds.enumerated() where seconds <= bound { state.durationBuckets[index] += 1 }
                }
            case "refused":
                // The guardrail that refused, else the pool's own reason (`queue full`).
                let check = decision.guardrails?.first { $0.verdict == "refused" }?.check ?? decision.reason ?? "unknown"
                state.refusals[check, default: 0] += 1
            default: break
            }
        }
    }

    private static func status(_ exit: ExitStatus) -> String {
        switch exit {
        case .ok: "ok"
        case .failed: "failed"
        case .usage: "invalid"
        case .limit: "limit"
        case .refused: "refused"
        }
    }

    /// The counters in Prometheus's text exposition format 0.0.4.
    public func prometheusText() -> String {
        let state = state.withLock { $0 }
        var text = ""
        func family(_ name: String, _ type: String, _ help: String) { text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n" }
        family("runbook_events_total", "counter", "Alarm events decided, by source and outcome.")
        for (pair, count) in state.events.sorted(by: { $0.key < $1.key }) {
            text += "runbook_events_total{source=\"\(escape(pair.first))\",outcome=\"\(escape(pair.second))\"} \(count)\n"
        }
        family("runbook_runs_total", "counter", "Runs finished, by runbook and status.")
        for (pair, count) in state.runs.sorted(by: { $0.key < $1.key }) {
            text += "runbook_runs_total{runbook=\"\(escape(pair.first))\",status=\"\(escape(pair.second))\"} \(count)\n"
        }
        family("runbook_refusals_total", "counter", "Events refused, by the guardrail check (or queue) that refused them.")
        for (reason, count) in state.refusals.sorted(by: { $0.key < $1.key }) {
            text += "runbook_refusals_total{reason=\"\(escape(reason))\"} \(count)\n"
        }
        family("runbook_throttled_total", "counter", "Requests refused by the per-source rate limit.")
        for (source, count) in state.throttled.sorted(by: { $0.key < $1.key }) {
            text += "runbook_throttled_total{source=\"\(escape(source))\"} \(count)\n"
        }
        family("runbook_run_duration_seconds", "histogram", "Time from a run's start to its end, guardrails included.")
        for (index, bound) in Self.bounds.enumerated() {
            text += "runbook_run_duration_seconds_bucket{le=\"\(bound)\"} \(state.durationBuckets[index])\n"
        }
        text += "runbook_run_duration_seconds_bucket{le=\"+Inf\"} \(state.durationCount)\n"
        text += "runbook_run_duration_seconds_sum \(state.durationSum)\nrunbook_run_duration_seconds_count \(state.durationCount)\n"
        family("runbook_runs_in_flight", "gauge", "Runs under way.")
        text += "runbook_runs_in_flight \(state.inFlight)\n"
        family("runbook_queue_depth", "gauge", "Accepted events waiting for a run slot.")
        text += "runbook_queue_depth \(state.queued)\n"
        return text
    }

    /// A label value as the format writes it: backslash, quote and newline escaped.
    private func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
