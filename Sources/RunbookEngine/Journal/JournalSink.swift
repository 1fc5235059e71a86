/// Receives a run's events as they happen: the JSON Lines file, the terminal, the
/// Markdown report and test recorders all implement this one requirement.
///
/// ``Journal`` calls a sink one event at a time, in the order the events happened;
/// sinks are `Sendable` because runs record events from the tasks doing their I/O.
public protocol JournalSink: AnyObject, Sendable {
    /// Handles one event. Must not throw or block for long; a sink that fails to write
    /// remembers the failure and reports it from ``finish()``.
    func record(_ event: JournalEvent)
    /// Called once after the last event.
    func finish() throws
}

extension JournalSink {
    public func finish() throws {}
}
