import LuaKit

/// Alertmanager's webhook, version 4: a group of alerts, each its own event.
enum AlertmanagerEvent {
    static func parse(_ group: EventField) throws -> [AlarmEvent] {
        let version = group["version"]
        guard try version.string() == "4" else { throw version.refuse("expected \"4\", the only webhook version known") }
        return try group["alerts"].list().map { alert in
            _ = try alert.object()
            let status = alert["status"]
            let state = try status.string()
            guard state == "firing" || state == "resolved" else {
                throw status.refuse("expected \"firing\" or \"resolved\", not \(state.debugDescription)")
            }
            let labels = try alert["labels"].stringMap()
            guard let name = labels["alertname"] else { throw alert["labels"]["alertname"].refuse("missing") }
            // Alertmanager's fingerprint names the label set; startsAt tells one firing of it from the next.
            let id = "\(try alert["fingerprint"].name())@\(try alert["startsAt"].name())"
            return AlarmEvent(
                source: .alertmanager, id: id, alarm: name, state: state, namespace: nil, metric: nil,
                dimensions: [:], value: nil, labels: labels, annotations: try alert["annotations"].optionalStringMap(),
                raw: alert.value)
        }
    }
}
