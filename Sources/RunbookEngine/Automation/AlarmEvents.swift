import LuaKit

/// Reads alarm events from untrusted bytes: EventBridge, SNS (enveloped or bare) or Alertmanager.
public enum AlarmEvents {
    /// The largest input read: far above any alarm payload (SNS caps messages at 256 KiB), far
    /// below what would strain memory.
    public static let maximumBytes = 1 << 20
    /// The most Lua memory a decoded event may take, so a small input of many tiny members cannot grow large.
    static let maximumLuaBytes = 16 << 20

    /// The events in `bytes`: one for CloudWatch, one per alert of an Alertmanager group.
    ///
    /// - Throws: ``AlarmEventError`` naming the field at fault, for input that is too large,
    ///   not JSON, of no known format or malformed.
    public static func parse(_ bytes: some Collection<UInt8>) throws -> [AlarmEvent] {
        let event = try decodeEvent(bytes)
        // Each format has one member the others lack.
        if event["detail-type"].isPresent { return [try EventBridgeAlarmEvent.parse(event)] }
        if event["Type"].isPresent { return [try SNSAlarmEvent.parseEnvelope(event)] }
        if event["AlarmName"].isPresent { return [try SNSAlarmEvent.parseBare(event)] }
        if event["alerts"].isPresent { return try AlertmanagerEvent.parse(event) }
        throw event.refuse(
            "not a known alarm event: expected `detail-type` (EventBridge), `Type` (SNS), `AlarmName` (an SNS alarm message) or `alerts` (Alertmanager)")
    }

    /// The JSON object in `bytes`, at most ``maximumBytes`` of them, as the field `event`.
    static func decodeEvent(_ bytes: some Collection<UInt8>) throws -> EventField {
        guard bytes.count <= maximumBytes else {
            throw AlarmEventError("event", "\(bytes.count) bytes, more than the \(maximumBytes) read")
        }
        let event = EventField(value: try decodeJSON(bytes, field: "event"), path: "event")
        _ = try event.object()
        return event
    }

    static func decodeJSON(_ bytes: some Collection<UInt8>, field: String) throws -> LuaValue {
        do {
            return try StrictJSON.decode(bytes, budget: maximumLuaBytes)
        } catch let error as LuaHostError {
            throw AlarmEventError(field, error.message)
        } catch {
            throw AlarmEventError(field, "too large once decoded")
        }
    }
}
