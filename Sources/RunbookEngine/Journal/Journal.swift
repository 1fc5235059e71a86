import Foundation
public import LuaKit
import Synchronization

/// Fans a run's events out to its sinks, from any thread, one event at a time.
/// Every event passes the ``Redactor`` first, so no sink ever sees a secret.
public final class Journal: Sendable {
    private struct State {
        var sinks: [any JournalSink]
    }

    /// The run id every event carries.
    public let runID: String
    private let state: Mutex<State>
    private let redactor: Mutex<Redactor>

    /// A journal for `runID` writing to `sinks`, redacting what `redactor` knows.
    public init(runID: String, sinks: [any JournalSink], redactor: Redactor) {
        self.runID = runID
        self.state = Mutex(State(sinks: sinks))
        self.redactor = Mutex(redactor)
    }

    /// Masks `secrets` in every event recorded from now on, as the secrets the journal was
    /// made with are: values the run learned, such as the sensitive members of an AWS answer.
    public func addSecrets(_ secrets: [String]) {
        guard !secrets.isEmpty else { return }
        redactor.withLock { $0 = $0.adding(secrets) }
    }

    /// `value` with every secret the journal knows so far masked, as its events are.
    public func redact(_ value: LuaValue) -> LuaValue {
        redactor.withLock { $0 }.redact(value)
    }

    /// Records an event of `kind`, filled in by `fill`.
    public func record(_ kind: JournalEvent.Kind, _ fill: (inout JournalEvent) -> Void = { _ in }) {
        var event = JournalEvent(kind, run: runID, time: Journal.timestamp())
        fill(&event)
        let clean = redactor.withLock { $0 }.redact(event)
        state.withLock { state in
            for sink in state.sinks { sink.record(clean) }
        }
    }

    /// Finishes every sink; the first failure is thrown after all were finished.
    public func finish() throws {
        var failure: (any Error)?
        state.withLock { state in
            for sink in state.sinks {
                do { try sink.finish() } catch { failure = failure ?? error }
            }
        }
        if let failure { throw failure }
    }

    static func timestamp(_ date: Date = Date()) -> String {
        UTCTime.iso8601(date)
    }
}
