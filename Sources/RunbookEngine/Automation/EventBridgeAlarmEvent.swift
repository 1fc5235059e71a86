import LuaKit

/// EventBridge's "CloudWatch Alarm State Change" event, for metric, metric-math and composite alarms.
enum EventBridgeAlarmEvent {
    static let detailType = "CloudWatch Alarm State Change"

    static func parse(_ event: EventField) throws -> AlarmEvent {
        let detailTypeField = event["detail-type"]
        guard try detailTypeField.string() == detailType else {
            throw detailTypeField.refuse("expected \"\(detailType)\"; other EventBridge events start no runbook")
        }
        let sourceField = event["source"]
        guard try sourceField.string() == "aws.cloudwatch" else { throw sourceField.refuse("expected \"aws.cloudwatch\"") }
        let detail = event["detail"]
        _ = try detail.object()
        let state = detail["state"]
        // Composite alarms have no metrics; their configuration holds an alarm rule instead.
        let configuration = detail["configuration"]
        if configuration.isPresent { _ = try configuration.object() }
        let metrics = try configuration["metrics"].optionalList()
        let stats = try metrics.compactMap { entry -> (namespace: String, name: String, dimensions: [String: String])? in
            _ = try entry.object()
            // Expression entries compute from the others and name no metric of their own.
            guard entry["metricStat"].isPresent else { return nil }
            let metric = entry["metricStat"]["metric"]
            return (try metric["namespace"].name(), try metric["name"].name(), try metric["dimensions"].optionalStringMap())
        }
        let reduced = CloudWatchMetrics(stats)
        return AlarmEvent(
            source: .cloudwatch, id: try event["id"].name(), alarm: try detail["alarmName"].name(),
            state: try CloudWatchState.check(state["value"]), namespace: reduced.namespace, metric: reduced.metric,
            dimensions: reduced.dimensions, value: try latestDatapoint(state["reasonData"]),
            labels: [:], annotations: [:], raw: event.value)
    }

    /// The newest of `recentDatapoints` in the JSON of `reasonData`; composite alarms have none.
    private static func latestDatapoint(_ reasonData: EventField) throws -> Double? {
        guard reasonData.isPresent else { return nil }
        let points = try reasonData.nestedJSON()["recentDatapoints"].optionalList()
        return try points.last?.number()
    }
}

/// The states a CloudWatch alarm can be in.
enum CloudWatchState {
    static let all = ["ALARM", "OK", "INSUFFICIENT_DATA"]

    static func check(_ field: EventField) throws -> String {
        let state = try field.string()
        guard all.contains(state) else { throw field.refuse("expected one of \(all.joined(separator: ", ")), not \(state.debugDescription)") }
        return state
    }
}
