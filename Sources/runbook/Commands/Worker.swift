import ArgumentParser
import Foundation
import LuaKit
import RunbookEngine

extension RunbookCLI {
    struct Worker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "worker",
            abstract: "Handle the alarm events of an SQS queue, as `runbook trigger` handles one, until SIGTERM.",
            discussion: """
                Long-polls the queue and decides each message's events (EventBridge, SNS enveloped or raw, or \
                Alertmanager) under the guardrails of automated runs. Many workers may share a queue: with \
                --store dynamodb://TABLE (created when missing) they share the guardrail state, so a target \
                never has two runs at once; --state (SQLite, the default) serves the workers of one machine.

                While an event is handled, the message's visibility is extended every half --visibility. A \
                message is deleted once every decision for it is final: it ran, was refused, matched nothing, \
                was resolved or a duplicate. A message whose body holds no readable event, or whose events \
                could not be decided (the guardrail state unreachable), or whose run was cancelled, stays in \
                the queue: it comes back after the visibility timeout, and after the queue's maxReceiveCount \
                receipts SQS moves it to the dead-letter queue. Each of its receipts is journaled with its \
                receive count, as an `invalid` decision when the body holds no readable event. While the \
                guardrail state cannot be read, the worker receives nothing.

                SIGTERM or SIGINT: no more messages are received, runs going on may finish within --grace \
                seconds and are then cancelled (their messages come back), and the worker exits 0.
                """)

        @OptionGroup var global: GlobalOptions

        @OptionGroup var state: StateOptions

        @OptionGroup var aws: AWSOptions

        @Option(help: ArgumentHelp("The queue's URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME).", valueName: "url"))
        var queue: String

        @Option(help: ArgumentHelp("Seconds each ReceiveMessage waits for a message: 0 to 20.", valueName: "seconds"))
        var wait = 20

        @Option(help: ArgumentHelp("A message's visibility timeout while it is handled, extended every half of it: 2 to 43200.", valueName: "seconds"))
        var visibility = 60

        @Option(help: ArgumentHelp("Messages received at once, and handled at once: 1 to 10.", valueName: "n"))
        var maxMessages = 1

        @OptionGroup var stopping: GraceOption

        @OptionGroup var automation: AutomationOptions

        func validate() throws {
            guard SQSQueue.waitRange.contains(wait) else { throw ValidationError("--wait must be 0 to 20 seconds, not \(wait)") }
            guard (2...SQSQueue.visibilityRange.upperBound).contains(visibility) else {
                throw ValidationError("--visibility must be 2 to 43200 seconds, not \(visibility)")
            }
            guard SQSQueue.batchRange.contains(maxMessages) else { throw ValidationError("--max-messages must be 1 to 10, not \(maxMessages)") }
        }

        func run() async throws {
            let catalog = try global.catalog(aws: aws)
            let runbooks = try automation.runbooks(catalog, global: global)
            let source: SQSQueue
            let maxReceiveCount: Int?
            do {
                source = try SQSQueue(url: queue, aws: aws.settings)
                maxReceiveCount = try await source.maxReceiveCount()
            } catch { throw fail(error) }
            let store = try await state.open(aws: aws.settings)
            let dispatcher = try await automation.dispatcher(runbooks, engine: catalog.engine, store: store, global: global)

            var options = QueueWorker.Options()
            options.wait = wait
            options.visibility = visibility
            options.maxMessages = maxMessages
            options.grace = stopping.duration
            let worker = QueueWorker(queue: source, dispatcher: dispatcher, options: options, log: log)
            log("worker on \(source.url): " + (maxReceiveCount.map { "the dead-letter queue takes a message after \($0) receipts" }
                ?? "warning: the queue has no redrive policy, so a message no worker can handle comes back for as long as the queue keeps it"))

            let stop = LuaCancellation()
            stop.onCancel { log("stopping: no more messages; runs going on may finish within \(stopping.grace.formatted()) s") }
            let signals = cancelOnSignals(stop)
            defer { signals.forEach { $0.cancel() } }
            await worker.run(until: stop)
            log("stopped")
        }
    }
}

/// One line on standard output, stamped with the time; event fields in it are shown as text.
private func log(_ line: String) {
    standardOutput(Date().formatted(.iso8601) + " " + UntrustedText.terminal(line) + "\n")
}
