/// A runbook whose trigger takes an event, and the parameters the trigger fills from it.
public struct TriggerMatch: Sendable, Equatable {
    /// The runbook's name.
    public let runbook: String
    /// The trigger's position in the runbook's `triggers`, from 1.
    public let trigger: Int
    /// How many constraints the trigger matched: its state, namespace, metric, alarm glob, and
    /// each dimension and label. The most specific trigger wins.
    public let specificity: Int
    /// Parameter name to its value, as text, taken from the event.
    public let params: [String: String]
}

/// What routing decided for one event.
public struct RoutingDecision: Sendable, Equatable {
    /// Every runbook trigger that matched, the chosen one first.
    public let matches: [TriggerMatch]
    /// The match that would run; nil when nothing matched or the alert is resolved.
    public var chosen: TriggerMatch? { matches.first }
}

/// Matches events against the runbooks' triggers.
///
/// Several matches are ordered by a fixed rule, so the same event always chooses the same runbook:
/// the most specific trigger first (most constraints matched), then runbook name, then the trigger's
/// position. A trigger whose parameter source the event lacks does not match, since its runbook
/// would start without the value it was declared to get.
public enum TriggerRouter {
    /// The decision for `event` among `runbooks`; a resolved Alertmanager alert matches nothing.
    public static func route(_ event: AlarmEvent, among runbooks: [Runbook]) -> RoutingDecision {
        guard !event.isResolved else { return RoutingDecision(matches: []) }
        var matches: [TriggerMatch] = []
        for runbook in runbooks {
            for (index, trigger) in runbook.triggers.enumerated() {
                if let match = match(trigger, event) {
                    matches.append(TriggerMatch(runbook: runbook.name, trigger: index + 1, specificity: match.specificity, params: match.params))
                }
            }
        }
        matches.sort { ($1.specificity, $0.runbook, $0.trigger) < ($0.specificity, $1.runbook, $1.trigger) }
        return RoutingDecision(matches: matches)
    }

    private static func match(_ trigger: Trigger, _ event: AlarmEvent) -> (specificity: Int, params: [String: String])? {
        guard trigger.source == event.source, trigger.state == event.state else { return nil }
        var specificity = 1
        for (wanted, actual) in [(trigger.namespace, event.namespace), (trigger.metric, event.metric), (trigger.alarm, event.alarm)] {
            guard let wanted else { continue }
            guard let actual, Glob.matches(wanted, actual) else { return nil }
            specificity += 1
        }
        for (constraints, values) in [(trigger.dimensions, event.dimensions), (trigger.labels, event.labels)] {
            for (name, glob) in constraints {
                guard let actual = values[name], Glob.matches(glob, actual) else { return nil }
                specificity += 1
            }
        }
        var params: [String: String] = [:]
        for (name, text) in trigger.params {
            guard case .success(let source) = TriggerParamSource.parse(text), let value = source.resolve(in: event) else { return nil }
            params[name] = value
        }
        return (specificity, params)
    }
}
