public import LuaKit

/// What one delivery of alarm bytes (an HTTP body, a queue message) led to.
public struct DeliveryOutcome: Sendable {
    /// One outcome per event decided, in the delivery's order; for bytes that hold no readable
    /// event, the one `invalid` decision that says why.
    public let outcomes: [DispatchOutcome]
    /// Whether every event of the delivery was decided for good: a queue deletes the message
    /// then, and leaves it to be delivered again otherwise.
    public let isFinal: Bool
}

extension AlarmDispatcher {
    /// Reads the events in a delivery's untrusted `bytes` with ``AlarmEvents/parse(_:)`` and
    /// handles each in turn; bytes that hold no readable event are journaled as an `invalid`
    /// decision. `delivery` names the delivery (a queue's message id) in that decision, and
    /// `attempt` is its number (a queue's receive count) in every decision. Once `cancellation`
    /// fires, the events not yet decided are left, and the delivery is not final.
    public func handle(bytes: some Collection<UInt8>, delivery: String?, attempt: Int?, display: [any JournalSink] = [],
                       cancellation: LuaCancellation = LuaCancellation()) async -> DeliveryOutcome {
        let events: [AlarmEvent]
        do {
            events = try AlarmEvents.parse(bytes)
        } catch {
            let outcome = await recordUndecidable("malformed event: \(error)", delivery: delivery, attempt: attempt, display: display)
            return DeliveryOutcome(outcomes: [outcome], isFinal: false)
        }
        var outcomes: [DispatchOutcome] = []
        for event in events {
            if cancellation.isCancelled { break }
            outcomes.append(await handle(event, attempt: attempt, display: display, cancellation: cancellation))
        }
        return DeliveryOutcome(outcomes: outcomes, isFinal: outcomes.count == events.count && outcomes.allSatisfy(\.isFinal))
    }
}
