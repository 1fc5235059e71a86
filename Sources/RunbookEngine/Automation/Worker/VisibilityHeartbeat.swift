import Foundation

/// Keeps a message hidden from other receivers while its event is handled: every half of the
/// visibility timeout it extends the timeout by a whole one, so a run of any length holds its
/// message, and a worker that dies lets it return within one timeout.
struct VisibilityHeartbeat {
    let queue: SQSQueue
    let message: SQSMessage
    /// The visibility timeout, in seconds, that each beat sets.
    let visibility: Int
    let log: @Sendable (String) -> Void

    /// Beats until the task is cancelled.
    func run() async {
        while true {
            do {
                try await Task.sleep(for: .milliseconds(visibility * 500))
            } catch {
                return
            }
            do {
                try await queue.extendVisibility(of: message, seconds: visibility)
            } catch {
                // A beat cancelled by the handling's end, or one that failed: then the message may
                // come back to another worker, whose admission refuses it as a duplicate.
                if Task.isCancelled { return }
                log("warning: message \(message.id): cannot extend its visibility: \(error)")
            }
        }
    }
}
