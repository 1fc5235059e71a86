import Foundation
public import LuaKit

/// Handles the alarm events an SQS queue delivers, with an ``AlarmDispatcher`` whose guardrail
/// store every worker shares: each message's events are decided, and run, as
/// `runbook trigger` decides and runs them.
///
/// A message is deleted once every decision for it is final (it ran, was refused, matched
/// nothing, was resolved or a duplicate). It is left in the queue, to come back after its
/// visibility timeout, when its body holds no readable event, when nothing could be decided
/// (the guardrail state could not be reached) or when its run was cancelled: after the queue's
/// `maxReceiveCount` receipts SQS moves it to the dead-letter queue. Each such receipt is
/// journaled as an `invalid` decision with its receive count. While a message is handled, a
/// heartbeat extends its visibility.
public struct QueueWorker: Sendable {
    /// How the worker receives and how long it lets runs finish.
    public struct Options: Sendable {
        /// Messages per `ReceiveMessage`, handled at once: 1 to 10.
        public var maxMessages = 1
        /// The long poll's wait in seconds: 0 to 20.
        public var wait = 20
        /// The visibility timeout a message gets at receipt and at each heartbeat, in seconds.
        public var visibility = 60
        /// How long runs may go on once the worker is told to stop, before they are cancelled.
        public var grace: Duration = .seconds(30)

        public init() {}
    }

    let queue: SQSQueue
    let dispatcher: AlarmDispatcher
    let options: Options
    let log: @Sendable (String) -> Void

    /// A worker receiving from `queue`; `log` gets a line for each decision and each problem.
    public init(queue: SQSQueue, dispatcher: AlarmDispatcher, options: Options, log: @escaping @Sendable (String) -> Void) {
        self.queue = queue
        self.dispatcher = dispatcher
        self.options = options
        self.log = log
    }

    /// Receives and handles messages until `stop` fires; then receives no more, lets the runs
    /// going on finish within the grace period, cancels those still running, and returns.
    public func run(until stop: LuaCancellation) async {
        let runs = LuaCancellation()
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await receiveUntil(stop, runs: runs)
                return true
            }
            group.addTask {
                await Self.wait(for: stop)
                do { try await Task.sleep(for: options.grace) } catch { return false }
                runs.cancel()
                return false
            }
            while let receivingEnded = await group.next() {
                if receivingEnded { group.cancelAll() }
            }
        }
    }

    private func receiveUntil(_ stop: LuaCancellation, runs: LuaCancellation) async {
        var backoff = Duration.seconds(1)
        while !stop.isCancelled {
            do {
                for run in try await dispatcher.reclaimInterruptedRuns() {
                    log("run \(run.runID) of \(run.runbook) for \(run.target) was interrupted: \(AlarmDispatcher.interruption(run))")
                }
                guard let messages = try await receiveUnless(stop) else { return }
                backoff = .seconds(1)
                await withTaskGroup(of: Void.self) { group in
                    for message in messages { group.addTask { await handle(message, runs: runs) } }
                }
            } catch {
                log("warning: \(error); trying again in \(backoff)")
                // A stop during the wait ends the worker now, not after it.
                await Self.wait(for: stop, atMost: backoff)
                backoff = min(backoff * 2, .seconds(30))
            }
        }
    }

    /// The next messages, or nil when `stop` fired first: the long poll is then abandoned,
    /// and a message it was about to return comes back after its visibility timeout.
    private func receiveUnless(_ stop: LuaCancellation) async throws -> [SQSMessage]? {
        try await withThrowingTaskGroup(of: [SQSMessage]?.self) { group in
            group.addTask { try await queue.receive(maxMessages: options.maxMessages, wait: options.wait, visibility: options.visibility) }
            group.addTask {
                await Self.wait(for: stop)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    /// Decides every event of `message` under a heartbeat, then deletes it when every decision is final.
    func handle(_ message: SQSMessage, runs: LuaCancellation) async {
        let heartbeat = Task { await VisibilityHeartbeat(queue: queue, message: message, visibility: options.visibility, log: log).run() }
        let delivery = await dispatcher.handle(bytes: Array(message.body.utf8), delivery: message.id, attempt: message.receiveCount, cancellation: runs)
        heartbeat.cancel()
        _ = await heartbeat.value
        let receipt = "message \(message.id) (receive \(message.receiveCount.map(String.init) ?? "?"))"
        for outcome in delivery.outcomes {
            let decision = outcome.decision
            let chosen = [decision.runbook, decision.target].compactMap { $0 }.joined(separator: " ")
            log("\(receipt): \(decision.outcome ?? "?")\(chosen.isEmpty ? "" : " \(chosen)"): \(decision.reason ?? "") · journal \(outcome.journal)")
        }
        guard delivery.isFinal else {
            log("\(receipt): left in the queue, to come back after \(options.visibility) s")
            return
        }
        do {
            try await queue.delete(message)
        } catch {
            // It comes back, and its events are refused as duplicates of those just decided.
            log("warning: \(receipt): decided, but cannot be deleted: \(error)")
        }
    }

    /// Returns once `stop` fires, the task is cancelled, or `limit` has passed.
    static func wait(for stop: LuaCancellation, atMost limit: Duration? = nil) async {
        let deadline = limit.map { ContinuousClock.now + $0 }
        while !stop.isCancelled, !Task.isCancelled {
            if let deadline, ContinuousClock.now >= deadline { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
