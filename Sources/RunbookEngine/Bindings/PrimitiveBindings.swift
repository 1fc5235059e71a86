import LuaKit
import Synchronization

/// Binds primitive modules into Lua through the one gate that enforces the dry-run
/// contract: a mutating primitive in a dry run journals its exact request and returns
/// its planned result, and its `send` is never called.
enum PrimitiveBindings {
    static func function(for primitive: Primitive, in module: String, context: RunContext) -> LuaHostFunction {
        let qualified = "\(module).\(primitive.name)"
        return LuaHostFunction(qualified) { call in
            try context.requireRunning(qualified)
            var arguments: [LuaValue] = []
            if call.count > 0 { for i in 1...call.count { arguments.append(try call.value(i)) } }
            let prepared = try primitive.prepare(arguments)
            let step = context.currentStep(of: call.task)
            let journal = context.journal
            let configurationFailures = context.configurationFailures
            // One journal line per attempt; a primitive that reports no attempts gets one line
            // for the whole call, attempt 1.
            @Sendable func record(planned: Bool, _ attempt: CallAttempt?) {
                journal?.record(.call) {
                    $0.step = step
                    $0.service = primitive.service
                    $0.operation = primitive.operation
                    $0.effect = primitive.effect.rawValue
                    $0.planned = planned
                    $0.request = prepared.request
                    $0.summary = prepared.target
                    $0.attempt = attempt?.number
                    $0.httpStatus = attempt?.httpStatus
                    $0.durationMs = attempt?.durationMs
                    $0.retryAfterMs = attempt?.retryAfterMs
                    $0.requestId = attempt?.requestID
                    $0.error = attempt?.error
                }
            }
            if context.dryRun && primitive.effect == .mutate {
                context.countPlannedAction()
                record(planned: true, nil)
                var planned = prepared.planned.tableValue ?? LuaTable()
                planned.fields["planned"] = true
                planned.fields["request"] = prepared.request
                // Suspend as a sent call would, so a dry run fails where the live run would.
                let result = LuaValue.table(planned)
                return .suspend(.work { [result] })
            }
            return .suspend(.work {
                let started = ContinuousClock.now
                let reported = Mutex(false)
                let reporter = CallReporter { attempt in
                    reported.withLock { $0 = true }
                    record(planned: false, attempt)
                }
                func whole(_ requestID: String?, _ error: String?) -> CallAttempt {
                    CallAttempt(number: 1, httpStatus: nil, error: error, requestID: requestID,
                                durationMs: milliseconds(since: started), retryAfterMs: nil)
                }
                do {
                    let result = try await prepared.send(reporter)
                    if !reported.withLock({ $0 }) { record(planned: false, whole(result.requestID, nil)) }
                    return [result.value]
                } catch {
                    if let failure = error as? PrimitiveConfigurationError { configurationFailures.note(failure) }
                    if !reported.withLock({ $0 }) { record(planned: false, whole(nil, "\(error)")) }
                    throw error
                }
            })
        }
    }
}

/// A primitive's configuration is missing or wrong (no region, no credentials): the run
/// ends with exit 2, like any other usage error, not as a failed runbook.
public struct PrimitiveConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is missing and how to supply it.
    public let message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// The configuration errors primitives met during a run, noted from their async work.
final class ConfigurationFailures: Sendable {
    private let first = Mutex<String?>(nil)

    func note(_ error: PrimitiveConfigurationError) {
        first.withLock { $0 = $0 ?? error.message }
    }

    var message: String? { first.withLock { $0 } }
}
