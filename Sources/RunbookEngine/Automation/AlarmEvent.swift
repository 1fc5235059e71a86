public import LuaKit

/// Where an alarm event came from, and the `source` a trigger names.
public enum AlarmSource: String, Sendable, Codable, CaseIterable {
    /// A CloudWatch alarm, through EventBridge or SNS.
    case cloudwatch
    /// A Prometheus Alertmanager webhook alert.
    case alertmanager
}

/// One alarm event, whatever format carried it: what routing matches triggers against.
public struct AlarmEvent: Sendable, Equatable {
    /// The system that raised the alarm.
    public let source: AlarmSource
    /// The key the same delivery repeats under, for deduplication: the EventBridge `id`, the SNS
    /// `MessageId`, or the Alertmanager `fingerprint@startsAt`.
    public let id: String
    /// The alarm's name (CloudWatch `AlarmName`, Alertmanager label `alertname`).
    public let alarm: String
    /// CloudWatch: `ALARM`, `OK` or `INSUFFICIENT_DATA`. Alertmanager: `firing` or `resolved`.
    public let state: String
    /// The metric's namespace, when every metric of the alarm names the same one.
    public let namespace: String?
    /// The metric's name, when every metric of the alarm names the same one.
    public let metric: String?
    /// The dimensions every metric of the alarm shares, with the same value.
    public let dimensions: [String: String]
    /// The latest datapoint the alarm evaluated, when the event carries one.
    public let value: Double?
    /// Alertmanager labels; empty for CloudWatch.
    public let labels: [String: String]
    /// Alertmanager annotations; empty for CloudWatch.
    public let annotations: [String: String]
    /// The event as it arrived (for SNS, the alarm message inside the envelope; for Alertmanager,
    /// the one alert), handed to the runbook as `run.trigger`.
    public let raw: LuaValue

    /// A resolved Alertmanager alert is recorded but never starts a run.
    public var isResolved: Bool { source == .alertmanager && state == "resolved" }
}

/// Why an event was refused: the field at fault, in the event's own spelling, and what was wrong.
public struct AlarmEventError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path of the field (`detail.state.value`), or `event` for the whole input.
    public let field: String
    /// What was wrong with it (`expected a string`).
    public let problem: String

    init(_ field: String, _ problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field): \(problem)" }
}
