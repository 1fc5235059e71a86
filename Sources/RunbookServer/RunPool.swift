import Foundation
public import Logging
import LuaKit
public import RunbookEngine
public import ServiceLifecycle
import Synchronization

/// The runs of accepted events: a queue of at most `queueDepth` events, run by at most `maxRuns`
/// at once. ``submit(_:)`` only enqueues, so a request is answered before its run starts.
///
/// On graceful shutdown nothing more is taken: events still queued are journaled as refused,
/// runs under way have `grace` to finish, and are then cancelled, which closes their journals
/// with their `run_finished` line.
public final class RunPool: Service {
    private let dispatcher: AlarmDispatcher
    private let maxRuns: Int
    private let grace: Duration
    private let metrics: ServerMetrics
    private let logger: Logger
    private let jobs: AsyncStream<AlarmEvent>
    private let queue: AsyncStream<AlarmEvent>.Continuation
    /// Shared by every run, so one cancel stops them all once the grace is over.
    private let cancellation = LuaCancellation()
    private let state = Mutex(State())

    private struct State {
        var stopping = false
        var graceTimer: Task<Void, Never>?
    }

    /// A pool handing events to `dispatcher`.
    public init(dispatcher: AlarmDispatcher, maxRuns: Int, queueDepth: Int, grace: Duration, metrics: ServerMetrics, logger: Logger) {
        self.dispatcher = dispatcher
        self.maxRuns = max(1, maxRuns)
        self.grace = grace
        self.metrics = metrics
        self.logger = logger
        (jobs, queue) = AsyncStream.makeStream(of: AlarmEvent.self, bufferingPolicy: .bufferingOldest(max(1, queueDepth)))
    }

    /// Queues `event`; else why not (`queue full`, or the pool is stopping), which the caller
    /// answers and journals with ``refuse(_:reason:)``.
    public func submit(_ event: AlarmEvent) -> String? {
        switch queue.yield(event) {
        case .enqueued:
            metrics.queued(1)
            return nil
        case .dropped: return "queue full"
        case .terminated: return Self.stopping
        @unknown default: return "queue full"
        }
    }

    /// Journals an event the pool did not take.
    public func refuse(_ event: AlarmEvent, reason: String) async {
        let outcome = await dispatcher.refuse(event, reason: reason)
        metrics.decided(outcome, source: event.source, seconds: nil)
        log(outcome, event)
    }

    private static let stopping = "the server is stopping"

    public func run() async throws {
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { runs in
                await withGracefulShutdownHandler {
                    var active = 0
                    for await event in jobs {
                        metrics.queued(-1)
                        if state.withLock(\.stopping) {
                            await refuse(event, reason: Self.stopping)
                            continue
                        }
                        if active >= maxRuns {
                            await runs.next()
                            active -= 1
                        }
                        active += 1
                        runs.addTask { await self.execute(event) }
                    }
                } onGracefulShutdown: {
                    self.stop()
                }
                await runs.waitForAll()
            }
        } onCancel: {
            queue.finish()
            cancellation.cancel()
        }
        state.withLock { $0.graceTimer?.cancel() }
    }

    /// Takes nothing more, and cancels what still runs once the grace is over.
    private func stop() {
        let timer = Task { [grace, cancellation, logger] in
            do { try await Task.sleep(for: grace) } catch { return }
            logger.warning("grace of \(grace) over: cancelling the runs still going")
            cancellation.cancel()
        }
        state.withLock {
            $0.stopping = true
            $0.graceTimer = timer
        }
        queue.finish()
    }

    private func execute(_ event: AlarmEvent) async {
        metrics.runStarted()
        let start = ContinuousClock.now
        let outcome = await dispatcher.handle(event, cancellation: cancellation)
        metrics.decided(outcome, source: event.source, seconds: (ContinuousClock.now - start).seconds)
        log(outcome, event)
    }

    private func log(_ outcome: DispatchOutcome, _ event: AlarmEvent) {
        logger.info("decision", metadata: [
            "run": "\(outcome.decision.run)", "source": "\(event.source.rawValue)", "event": "\(UntrustedText.terminal(event.id))",
            "outcome": "\(outcome.decision.outcome ?? "")", "runbook": "\(outcome.decision.runbook ?? "")",
            "reason": "\(UntrustedText.terminal(outcome.decision.reason ?? ""))",
        ])
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
