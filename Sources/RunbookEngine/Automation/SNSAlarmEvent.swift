import LuaKit

/// The message a CloudWatch alarm publishes to SNS, in the SNS envelope (HTTP, Lambda, SQS without
/// raw delivery) or bare (SQS with raw delivery). Signatures are not checked here: `runbook trigger`
/// reads input its operator already trusts.
enum SNSAlarmEvent {
    static func parseEnvelope(_ envelope: EventField) throws -> AlarmEvent {
        let type = envelope["Type"]
        guard try type.string() == "Notification" else {
            throw type.refuse("expected \"Notification\"; subscription messages start no runbook")
        }
        return try parseMessage(envelope["Message"].nestedJSON(), id: envelope["MessageId"].name())
    }

    /// A bare message has no MessageId; its alarm's ARN and state change time name the same change.
    static func parseBare(_ message: EventField) throws -> AlarmEvent {
        try parseMessage(message, id: "\(try message["AlarmArn"].name())@\(try message["StateChangeTime"].name())")
    }

    private static func parseMessage(_ message: EventField, id: String) throws -> AlarmEvent {
        _ = try message.object()
        let trigger = message["Trigger"]
        // A metric alarm names its metric in Trigger; a metric-math alarm lists Metrics instead.
        var stats: [(namespace: String, name: String, dimensions: [String: String])] = []
        if trigger.isPresent { _ = try trigger.object() }
        if trigger.isPresent, trigger["MetricName"].isPresent {
            stats.append((try trigger["Namespace"].name(), try trigger["MetricName"].name(), try dimensions(trigger["Dimensions"])))
        } else if trigger.isPresent {
            for entry in try trigger["Metrics"].optionalList() {
                _ = try entry.object()
                guard entry["MetricStat"].isPresent else { continue }
                let metric = entry["MetricStat"]["Metric"]
                stats.append((try metric["Namespace"].name(), try metric["MetricName"].name(), try dimensions(metric["Dimensions"])))
            }
        }
        let reduced = CloudWatchMetrics(stats)
        return AlarmEvent(
            source: .cloudwatch, id: id, alarm: try message["AlarmName"].name(),
            state: try CloudWatchState.check(message["NewStateValue"]), namespace: reduced.namespace,
            metric: reduced.metric, dimensions: reduced.dimensions, value: nil, labels: [:], annotations: [:],
            raw: message.value)
    }

    /// SNS writes dimensions as a list of `{"name": ..., "value": ...}`, in lower case.
    private static func dimensions(_ field: EventField) throws -> [String: String] {
        var map: [String: String] = [:]
        for entry in try field.optionalList() {
            let name = try entry["name"].name()
            guard map[name] == nil else { throw entry["name"].refuse("dimension \(name.debugDescription) appears twice") }
            map[name] = try entry["value"].string()
        }
        return map
    }
}
