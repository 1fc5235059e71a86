import FuzzSupport
import RunbookEngine

// Alarm events come from EventBridge, SNS and Alertmanager, written by whoever can publish to the
// topic or call the webhook. The parser must give events or refuse with AlarmEventError naming a
// field, never trap or throw anything else, and every event it gives must carry what routing and
// deduplication rely on.

fuzz { bytes in
    let events: [AlarmEvent]
    do {
        events = try AlarmEvents.parse(bytes)
    } catch let error as AlarmEventError {
        property(!error.field.isEmpty && !error.problem.isEmpty, "a refusal without a field or a reason: \(error)")
        return
    } catch {
        property(false, "a refusal that is not an AlarmEventError: \(error)")
        return
    }
    for event in events {
        property(!event.id.isEmpty && !event.alarm.isEmpty, "an event without an id or an alarm name: \(event)")
        property(event.value?.isFinite ?? true, "a value that is not finite: \(event)")
    }
}
