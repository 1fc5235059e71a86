import Synchronization

/// Keeps a run's events in memory, for tests and for embedders that inspect a run.
public final class JournalRecorder: JournalSink {
    private let store = Mutex<[JournalEvent]>([])

    /// An empty recorder.
    public init() {}

    /// Every event recorded so far, in order.
    public var events: [JournalEvent] { store.withLock { $0 } }

    public func record(_ event: JournalEvent) {
        store.withLock { $0.append(event) }
    }
}
